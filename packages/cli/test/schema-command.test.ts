import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const schemaFile = createRequire(import.meta.url).resolve('@mlds/core/workflow.schema.json');

describe('mlds schema', () => {
  it("prints @mlds/core's workflow schema, exactly, and nothing else", async () => {
    const { code, stdout, stderr } = await runCli(['schema']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toStrictEqual(JSON.parse(readFileSync(schemaFile, 'utf8')));
    expect(stdout.endsWith('}\n')).toBe(true);
  });

  it('takes no argument: exit 2 naming it, and how to save the schema', async () => {
    const { code, stdout, stderr } = await runCli(['schema', 'curling-live.yaml']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain("error: mlds schema takes no argument, not 'curling-live.yaml'\n");
    expect(stderr).toContain('mlds schema > workflow.schema.json');
  });
});
