import { exampleNames, readExample } from '@mlds/fixtures';
import { describe, expect, test } from 'vitest';
import { parseWorkflow } from '../src/parse.js';
import { INPUT_LIMITS, offsetDeeperThan } from '../src/validate/input-limits.js';

const DEPTH = 10_000;

function codes(text: string, filename?: string) {
  const { workflow, diagnostics } = parseWorkflow(text, filename === undefined ? {} : { filename });
  expect(workflow).toBeUndefined();
  return diagnostics.map(({ code, path, line, column }) => ({ code, path, line, column }));
}

describe('nesting depth, measured before parsing', () => {
  test.each([
    ['a JSON list', `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`, 'deep.json'],
    ['a JSON object', `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`, 'deep.json'],
    ['a YAML flow list', `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`, undefined],
    ['YAML block lists on one line', `${'- '.repeat(DEPTH)}x\n`, undefined],
    [
      'YAML flow mappings under a key',
      `workflow: x\nregion: ${'{a: '.repeat(DEPTH)}1${'}'.repeat(DEPTH)}\n`,
      'deep.yaml',
    ],
  ])('%s 10,000 deep is one diagnostic naming the limit, placed where it passes it', (_, text, filename) => {
    const found = codes(text, filename);
    expect(found).toHaveLength(1);
    expect(found[0]?.code).toBe('limit.depth');
    expect(found[0]?.path).toBe('');
  });

  test('indented YAML blocks count by indentation', () => {
    const lines = Array.from({ length: 100 }, (_, level) => `${' '.repeat(level)}k${level}:`);
    expect(codes(`${lines.join('\n')} 1\n`)).toStrictEqual([
      { code: 'limit.depth', path: '', line: INPUT_LIMITS.depth + 1, column: INPUT_LIMITS.depth + 1 },
    ]);
  });

  test('brackets inside quoted strings, comments and block scalars do not count', () => {
    const deep = '['.repeat(200);
    const text = `a: "${deep}"\nb: '${deep}'\n# ${deep}\nc: |\n  ${deep}\n  ${deep}\nd: plain${deep}\n`;
    expect(offsetDeeperThan(text, 3)).toBeUndefined();
  });

  test('exactly the limit passes; one more fails (the top-level mapping is the first level)', () => {
    const at = (depth: number) => `k: ${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`;
    expect(offsetDeeperThan(at(INPUT_LIMITS.depth), INPUT_LIMITS.depth)).toBeUndefined();
    expect(offsetDeeperThan(at(INPUT_LIMITS.depth + 1), INPUT_LIMITS.depth)).toBe(3 + INPUT_LIMITS.depth - 1);
  });

  test.each(exampleNames())('the example %s is far below the limit', (name) => {
    expect(offsetDeeperThan(readExample(name), 8)).toBeUndefined();
  });
});

describe('size and entries', () => {
  test('a file over 1 MiB is refused before parsing', () => {
    const text = `workflow: x\n# ${'x'.repeat(INPUT_LIMITS.fileBytes)}\n`;
    expect(codes(text)).toStrictEqual([{ code: 'limit.file-size', path: '', line: 1, column: 1 }]);
  });

  test('multi-byte characters count as their UTF-8 bytes', () => {
    const text = `# ${'é'.repeat(INPUT_LIMITS.fileBytes / 2)}\n`;
    expect(codes(text)[0]?.code).toBe('limit.file-size');
  });

  test('more downstream entries than the limit is one diagnostic at `downstream`', () => {
    const entries = Array.from(
      { length: INPUT_LIMITS.downstreamEntries + 1 },
      (_, i) => `  - { name: d${i}, system: udp }`,
    );
    const text = `workflow: x\nregion: us-west-2\ndownstream:\n${entries.join('\n')}\n`;
    expect(codes(text)).toStrictEqual([{ code: 'limit.downstream', path: '', line: 3, column: 1 }]);
  });
});
