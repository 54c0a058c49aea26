import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterEach } from 'vitest';
import { type CliOptions, main } from '../src/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `mlds <argv>` in-process with string-collecting streams (stdout also written to `options.stdout`, if
 * given); no colour and no TTY unless asked.
 */
export async function runCli(
  argv: string[],
  options: Partial<Omit<CliOptions, 'argv'>> = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main({
    argv,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    awsClients: options.awsClients,
    clock: options.clock,
    sleep: options.sleep,
    every: options.every,
    ...(options.signals === undefined ? {} : { signals: options.signals }),
    stdout: {
      write: (chunk: string) => {
        stdout += chunk;
        // A test that must see what was written when (among other things it records) passes its own too.
        options.stdout?.write(chunk);
        return true;
      },
    },
    stderr: {
      write: (chunk: string) => {
        stderr += chunk;
        return true;
      },
    },
  });
  return { code, stdout, stderr };
}

const made: string[] = [];

/** A fresh empty directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlds-cli-test-'));
  made.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Whether `text` holds terminal escape sequences (colour). */
export function hasColor(text: string): boolean {
  return stripVTControlCharacters(text) !== text;
}

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * Builds the bundle as users run it into a fresh directory of this package (so that its external imports
 * resolve exactly as from dist/) and returns that directory. esbuild takes well under a second.
 */
export function buildCliForTest(): string {
  const cacheDir = join(packageDir, 'node_modules/.cache');
  mkdirSync(cacheDir, { recursive: true });
  const outdir = mkdtempSync(join(cacheDir, 'mlds-test-build-'));
  const build = spawnSync(process.execPath, ['build.mjs', '--outdir', outdir], {
    cwd: packageDir,
    encoding: 'utf8',
  });
  if (build.status !== 0 || build.stderr !== '') {
    throw new Error(`the CLI build failed (exit ${build.status}):\n${build.stderr}`);
  }
  return outdir;
}

/** Diagnostics as one line each: they wrap at 100 columns, continuation lines indented by four spaces. */
export function unwrapped(text: string): string {
  return text.replace(/\n {4}/g, ' ');
}
