export * from '../../fixtures/src/builders.ts';
export * from '../../fixtures/src/examples.ts';
export * from '../../fixtures/src/arbitraries.ts';
