import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// @mlds/core plans without touching the world: the same input gives the same plan on any machine, and a
// library user can run it in a browser or a Lambda. Its tests may read files; its sources may not.

// fileURLToPath, not `.pathname`: a clone under a path with a space would read `%20`.
const srcDir = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

const FORBIDDEN: [string, RegExp][] = [
  ['a Node built-in module', /from\s+['"]node:|require\(|import\(\s*['"]node:/],
  ['the AWS SDK', /['"]@aws-sdk\//],
  ['printing', /\bconsole\./],
  ['the environment or the process', /\bprocess\./],
  ['the clock', /\bDate\.now\(|\bnew Date\(|\bperformance\.now\(/],
  ['randomness', /\bMath\.random\(|\bcrypto\.|randomUUID/],
];

describe('packages/core/src is pure', () => {
  const files = sourceFiles(srcDir);

  test('the scan finds the sources', () => {
    expect(files.map((file) => relative(srcDir, file))).toEqual(
      expect.arrayContaining(['index.ts', 'plan.ts', 'parse.ts', 'validate/rules/urls.ts']),
    );
  });

  test.each(FORBIDDEN)('no source uses %s', (_what, pattern) => {
    const offenders = files.filter((file) => pattern.test(readFileSync(file, 'utf8')));
    expect(offenders.map((file) => relative(srcDir, file))).toEqual([]);
  });

  test('its only run-time dependency is yaml', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(Object.keys(manifest.dependencies)).toEqual(['yaml']);
  });
});
