// What the end-to-end tests share: the bin built once per file into a clean directory, a fresh fake AWS endpoint
// and working directory per test, and the bin run as a separate process against them (AWS_ENDPOINT_URL only).

import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  createFakeCloud,
  type FakeAwsEndpoint,
  type FakeAwsEndpointOptions,
  type FakeCloud,
  IMMEDIATE_WAITS,
  startFakeAwsEndpoint,
} from '@mlds/fixtures';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { BIN } from '../build.mjs';
import { buildCliForTest, tempDir } from './helpers.js';

const STACK_FRAME = /^\s+at .+[(:]\d+/m;

let outdir = '';
/** The current test's endpoint (a live binding: `serve` replaces it). */
export let endpoint: FakeAwsEndpoint;
/** The current test's working directory, also the bin's HOME. */
export let cwd = '';

/** Registers the hooks: call once at the top of a test file. */
export function useBuiltBin(): void {
  // Nothing here is timed: vitest.shared.ts's hang guard leaves four processes per case room on a busy machine.
  beforeAll(() => {
    outdir = buildCliForTest();
  });

  afterAll(() => {
    if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    endpoint = await startFakeAwsEndpoint();
    cwd = tempDir();
  });

  afterEach(async () => {
    await endpoint.close();
  });
}

/** A cloud whose waits end at once (a real process behind the endpoint sleeps for real), to seed before use. */
export function quickCloud(): FakeCloud {
  return createFakeCloud(IMMEDIATE_WAITS);
}

/** Replaces the empty account of beforeEach with one the case seeded. */
export async function serve(
  cloud: FakeCloud,
  options: Omit<FakeAwsEndpointOptions, 'cloud'> = {},
): Promise<void> {
  await endpoint.close();
  endpoint = await startFakeAwsEndpoint({ ...options, cloud });
}

/** Every string in a JSON value: what a secret must not be in. */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built bin; asynchronously, as the endpoint answers from this process's event loop. */
export function mlds(
  argv: string[],
  env: Record<string, string> = {},
  /** As `mlds … | head -1`: stdout's reader goes away after the first chunk. */
  options: { readerGoneAfterFirstChunk?: boolean } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(outdir, BIN), ...argv], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        // Nothing of the developer's own AWS configuration may leak in.
        HOME: cwd,
        AWS_CONFIG_FILE: join(cwd, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'no-aws-credentials'),
        AWS_ENDPOINT_URL: endpoint.url,
        AWS_ACCESS_KEY_ID: 'AKIAE2EFAKEENDPOINT',
        AWS_SECRET_ACCESS_KEY: 'e2e-fake-secret-access-key',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (options.readerGoneAfterFirstChunk) child.stdout.destroy();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function expectClean(run: Run, code = 0): void {
  expect(
    { code: run.code, stackTrace: STACK_FRAME.test(run.stderr) || STACK_FRAME.test(run.stdout) },
    run.stderr,
  ).toStrictEqual({
    code,
    stackTrace: false,
  });
}

export function readState(workflow: string): {
  formatVersion: number;
  workflow: string;
  resources: { address: string; kind: string; name: string; region: string; status: string; arn?: string }[];
} {
  return JSON.parse(readFileSync(join(cwd, '.mlds', `${workflow}.state.json`), 'utf8'));
}

export const emptyAccount = {
  s3: [],
  mediapackage: [],
  mediapackagev2: [],
  mediastore: [],
  ssm: [],
  medialive: [],
};
