import { describe, expect, it } from 'vitest';
import { OLDEST_NODE, supportedNode } from '../src/node-version.js';

describe('supportedNode', () => {
  it('takes 22.3 and later, and refuses Node 20 even with process.getBuiltinModule (20.16+)', () => {
    expect(OLDEST_NODE).toBe('22.3');
    expect(['22.3.0', '22.12.1', '23.0.0', '24.21.0', '30.1.2'].map(supportedNode)).toStrictEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['22.2.9', '22.0.0', '20.20.2', '20.16.0', '18.19.0', ''].map(supportedNode)).toStrictEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('agrees with engines in package.json', async () => {
    const { default: packageJson } = await import('../package.json', { with: { type: 'json' } });
    expect(packageJson.engines.node).toBe(`>=${OLDEST_NODE}`);
  });
});
