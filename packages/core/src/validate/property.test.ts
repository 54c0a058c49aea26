import { arbitraryWorkflowInput } from '@mlds/fixtures';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { parseWorkflow, validateWorkflow } from '../parse.js';
import { DOWNSTREAM_FIELDS, SYSTEMS, WORKFLOW_FIELDS } from '../schema.js';

// Workflow-shaped objects whose every field may hold anything: they reach the semantic rules with values the
// schema lets through and the per-entry paths with values it does not.
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(...SYSTEMS),
  fc.constantFrom(
    'rtmp://a.example.com/app/key',
    'udp://10.0.0.1:5002',
    'https://u:p@h/x',
    'xn--a',
    '/aws/x',
  ),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.record({ env: fc.string() }),
);
const anyEntry = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.dictionary(fc.constantFrom(...DOWNSTREAM_FIELDS, 'extra'), anyValue, {
      maxKeys: 8,
      noNullPrototype: true,
    }),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);
const workflowShaped = fc
  .record({
    fields: fc.dictionary(fc.constantFrom(...WORKFLOW_FIELDS), anyValue, {
      maxKeys: 6,
      noNullPrototype: true,
    }),
    downstream: fc.array(anyEntry, { maxLength: 4 }),
  })
  .map(({ fields, downstream }) => ({ workflow: 'a', region: 'us-west-2', ...fields, downstream }));

/** A copy to compare with afterwards, and the input frozen deep, so that any write to it throws. */
function frozenCopy<T>(value: T): T {
  const copy = structuredClone(value);
  deepFreeze(value);
  return copy;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const member of Object.values(value)) deepFreeze(member);
}

describe('validateWorkflow', () => {
  test('never throws and never mutates its input, on any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        const before = frozenCopy(input);
        const result = validateWorkflow(input);
        expect(input).toEqual(before);
        expect(result.workflow === undefined).toBe(result.diagnostics.some((d) => d.severity === 'error'));
      }),
      { numRuns: 300 },
    );
  });

  test('never throws and never mutates its input, on workflow-shaped objects', () => {
    fc.assert(
      fc.property(workflowShaped, (input) => {
        const before = frozenCopy(input);
        const first = validateWorkflow(input);
        expect(input).toEqual(before);
        expect(validateWorkflow(input)).toStrictEqual(first);
        expect(first.workflow === undefined).toBe(first.diagnostics.some((d) => d.severity === 'error'));
        for (const diagnostic of first.diagnostics) expect(diagnostic.message.length).toBeGreaterThan(20);
      }),
      { numRuns: 250 },
    );
  });

  test('accepts every workflow the contract allows', () => {
    fc.assert(
      fc.property(arbitraryWorkflowInput(), (input) => {
        const result = validateWorkflow(input);
        expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(result.workflow?.downstream).toHaveLength(input.downstream.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseWorkflow', () => {
  test('never throws on any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const result = parseWorkflow(text);
        for (const diagnostic of result.diagnostics) {
          expect(diagnostic.line).toBeGreaterThanOrEqual(1);
          expect(diagnostic.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('agrees with validateWorkflow on the same object written as YAML or JSON', () => {
    fc.assert(
      fc.property(workflowShaped, (input) => {
        const expected = validateWorkflow(input)
          .diagnostics.map(({ code, path }) => `${code} ${path}`)
          .sort();
        for (const [text, filename] of [
          [stringify(input), 'w.yaml'],
          [JSON.stringify(input, null, 2), 'w.json'],
        ] as const) {
          const parsed = parseWorkflow(text, { filename });
          expect(parsed.diagnostics.map(({ code, path }) => `${code} ${path}`).sort()).toEqual(expected);
        }
      }),
      // Each run writes and parses YAML and JSON: the costliest property of the suite, sized to match.
      { numRuns: 100 },
    );
  });
});
