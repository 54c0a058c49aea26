import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, isStale } from '../build.mjs';
import { tempDir } from './helpers.js';

// `pnpm mlds` rebuilds only when isStale says so: it must say so after any change to a file the build read.

const packageDir = fileURLToPath(new URL('..', import.meta.url));

function aBuild(startedAt: number): { outdir: string; input: string } {
  const dir = tempDir();
  const outdir = join(dir, 'dist');
  const input = join(dir, 'src.ts');
  mkdirSync(outdir);
  writeFileSync(input, 'export {};');
  utimesSync(input, new Date(startedAt - 10_000), new Date(startedAt - 10_000));
  writeFileSync(join(outdir, BIN), '');
  writeFileSync(
    join(outdir, 'build-info.json'),
    JSON.stringify({ startedAt, inputs: [relative(packageDir, input)] }),
  );
  return { outdir, input };
}

describe('isStale', () => {
  const startedAt = Date.now() - 60_000;

  it('is false when no input changed since the build started', async () => {
    const { outdir } = aBuild(startedAt);
    expect(await isStale({ outdir })).toBe(false);
  });

  it('is true when an input changed after the build started', async () => {
    const { outdir, input } = aBuild(startedAt);
    utimesSync(input, new Date(startedAt + 1000), new Date(startedAt + 1000));
    expect(await isStale({ outdir })).toBe(true);
  });

  it('is true when an input is gone', async () => {
    const { outdir, input } = aBuild(startedAt);
    rmSync(input);
    expect(await isStale({ outdir })).toBe(true);
  });

  it('is true when the bin or the build record is missing', async () => {
    const first = aBuild(startedAt);
    rmSync(join(first.outdir, BIN));
    expect(await isStale({ outdir: first.outdir })).toBe(true);
    const second = aBuild(startedAt);
    rmSync(join(second.outdir, 'build-info.json'));
    expect(await isStale({ outdir: second.outdir })).toBe(true);
    expect(await isStale({ outdir: join(tempDir(), 'never-built') })).toBe(true);
  });
});
