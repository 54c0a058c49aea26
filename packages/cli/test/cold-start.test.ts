import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { examplePath, readExample } from '@mlds/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../build.mjs';
import { buildCliForTest, tempDir } from './helpers.js';

// What keeps a cold `mlds plan` fast, on the bundle as users run it: stdout and stdin are left alone unless
// needed (creating them loads Node's streams), and @mlds/core runs from a V8 code cache kept beside Node's.

const seed = examplePath('curling-live');
let outdir = '';

beforeAll(() => {
  outdir = buildCliForTest();
}, 60_000);

afterAll(() => {
  if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
});

interface Run {
  argv: string[];
  /** A file descriptor for stdout; a pipe when absent. */
  stdoutFd?: number;
  input?: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
}

function runBuilt({ argv, stdoutFd, input, env = {}, nodeArgs = [] }: Run) {
  const result = spawnSync(process.execPath, [...nodeArgs, join(outdir, BIN), ...argv], {
    cwd: tempDir(),
    encoding: 'utf8',
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', stdoutFd ?? 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', NODE_COMPILE_CACHE: tempDir(), ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function runToFile(run: Run): { code: number | null; stderr: string; written: string } {
  const file = join(tempDir(), 'plan.json');
  const fd = openSync(file, 'w');
  try {
    const { code, stderr } = runBuilt({ ...run, stdoutFd: fd });
    return { code, stderr, written: readFileSync(file, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

/** The files a run leaves in the compile cache directory (Node's own are in a subdirectory per version). */
function cacheFiles(cacheDir: string): string[] {
  return readdirSync(cacheDir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.includes('mlds-'),
  );
}

describe('stdout', () => {
  const expected = () => runBuilt({ argv: ['plan', seed, '--json'] });

  it('to a file gets exactly what a pipe gets', () => {
    const piped = expected();
    expect(piped.code).toBe(0);
    expect(runToFile({ argv: ['plan', seed, '--json'] })).toStrictEqual({
      code: 0,
      stderr: '',
      written: piped.stdout,
    });
  });

  it('to /dev/null is no failure', () => {
    const devNull = openSync('/dev/null', 'w');
    try {
      expect(runBuilt({ argv: ['plan', seed, '--json'], stdoutFd: devNull })).toStrictEqual({
        code: 0,
        stdout: null,
        stderr: '',
      });
    } finally {
      closeSync(devNull);
    }
  });

  it('to a file loads none of Node stream modules', () => {
    const dir = tempDir();
    const log = join(dir, 'modules.log');
    const recorder = join(dir, 'record.cjs');
    writeFileSync(
      recorder,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(log)}, process.moduleLoadList.join('\\n')));`,
    );
    const run = runToFile({ argv: ['plan', seed, '--json'], nodeArgs: ['--require', recorder] });
    expect(run.code).toBe(0);
    const streams = readFileSync(log, 'utf8')
      .split('\n')
      .filter((name) => /^NativeModule (stream|net|tty|internal\/fs\/sync_write_stream)$/.test(name));
    expect(streams).toStrictEqual([]);
  });
});

describe('stdin', () => {
  it('is read for the file -', () => {
    const fromFile = runBuilt({ argv: ['plan', seed, '--json'] });
    const fromStdin = runBuilt({ argv: ['plan', '-', '--json'], input: readExample('curling-live') });
    expect(fromStdin).toStrictEqual({ code: 0, stdout: fromFile.stdout, stderr: '' });
  });
});

describe('the code cache of @mlds/core', () => {
  it('is written by the first command that loads core, and used by the next', () => {
    const cacheDir = tempDir();
    const first = runBuilt({ argv: ['plan', seed, '--json'], env: { NODE_COMPILE_CACHE: cacheDir } });
    expect(first.code).toBe(0);
    const files = cacheFiles(cacheDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\/mlds-core-[0-9A-F]{8}\.cjs\.v8-cache$/);
    expect(runBuilt({ argv: ['plan', seed, '--json'], env: { NODE_COMPILE_CACHE: cacheDir } })).toStrictEqual(
      first,
    );
    expect(cacheFiles(cacheDir)).toStrictEqual(files);
  });

  it('is not loaded by commands that need no core', () => {
    const cacheDir = tempDir();
    expect(runBuilt({ argv: ['--version'], env: { NODE_COMPILE_CACHE: cacheDir } }).code).toBe(0);
    expect(cacheFiles(cacheDir)).toStrictEqual([]);
  });

  it('is not needed: with Node compile cache off, nothing is cached and the plan is the same', () => {
    const cacheDir = tempDir();
    const cached = runBuilt({ argv: ['plan', seed, '--json'] });
    const uncached = runBuilt({
      argv: ['plan', seed, '--json'],
      env: { NODE_COMPILE_CACHE: cacheDir, NODE_DISABLE_COMPILE_CACHE: '1' },
    });
    expect(uncached).toStrictEqual(cached);
    expect(cacheFiles(cacheDir)).toStrictEqual([]);
  });
});
