// A fleet as a user runs it: the built bin, one process for three workflow files, against the local fake AWS
// endpoint reached only through AWS_ENDPOINT_URL. What the bundle fails to load for the fleet's own modules
// (loaded only when several files are given) shows here.

import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FakeAwsEndpoint, readExample, startFakeAwsEndpoint } from '@mlds/fixtures';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { BIN } from '../build.mjs';
import { buildCliForTest, tempDir } from './helpers.js';

const NAMES = ['court-1', 'court-2', 'court-3'];
const STREAM_KEY = 'e2e-fleet-stream-key';

let outdir = '';
let endpoint: FakeAwsEndpoint;
let cwd = '';

beforeAll(() => {
  outdir = buildCliForTest();
});

afterAll(() => {
  if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
});

beforeEach(async () => {
  endpoint = await startFakeAwsEndpoint();
  cwd = tempDir();
  for (const name of NAMES) {
    writeFileSync(
      join(cwd, `${name}.yaml`),
      readExample('curling-live').replace('workflow: curling-live', `workflow: ${name}`),
    );
  }
});

afterEach(async () => {
  await endpoint.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mlds(argv: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(outdir, BIN), ...argv], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        AWS_CONFIG_FILE: join(cwd, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'no-aws-credentials'),
        AWS_ENDPOINT_URL: endpoint.url,
        AWS_ACCESS_KEY_ID: 'AKIAE2EFAKEENDPOINT',
        AWS_SECRET_ACCESS_KEY: 'e2e-fake-secret-access-key',
        SOCIAL_STREAM_KEY: STREAM_KEY,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function resourcesOf(name: string): { address: string; status: string }[] {
  return JSON.parse(readFileSync(join(cwd, '.mlds', `${name}.state.json`), 'utf8')).resources;
}

it('applies and destroys three workflows in one process per command, against the endpoint', async () => {
  const files = NAMES.map((name) => `${name}.yaml`);
  const applied = await mlds(['apply', ...files, '--yes', '--json']);
  expect({ code: applied.code, stderr: applied.stderr }).toStrictEqual({ code: 0, stderr: '' });
  const document = JSON.parse(applied.stdout);
  expect(document.result).toBe('ok');
  expect(
    document.workflows.map((workflow: { workflow: string; result: string }) => workflow.workflow),
  ).toStrictEqual(NAMES);
  const created = endpoint.requests
    .filter((request) => request.operation === 'CreateChannel')
    .map((request) => request.status);
  expect(created).toStrictEqual([200, 200, 200]);
  for (const name of NAMES) {
    expect(resourcesOf(name).map((resource) => [resource.address, resource.status])).toStrictEqual([
      ['packager.channel', 'created'],
      ['archive.bucket[0]', 'created'],
      ['archive.bucket[1]', 'created'],
    ]);
  }

  const destroyed = await mlds(['destroy', ...files, '--yes']);
  expect({ code: destroyed.code, stderr: destroyed.stderr }).toStrictEqual({ code: 0, stderr: '' });
  expect(destroyed.stdout).toContain('Fleet destroy: 3 of 3 workflows destroyed. In all: 9 deleted.\n');
  for (const name of NAMES) expect(resourcesOf(name)).toStrictEqual([]);
  const inventory = endpoint.cloud.inventory();
  expect([inventory.s3, inventory.mediapackage]).toStrictEqual([[], []]);
  for (const text of [applied.stdout, destroyed.stdout]) expect(text).not.toContain(STREAM_KEY);
});
