// A fleet as a user runs it: the built bin, one process for three workflow files, against the local fake AWS
// endpoint reached only through AWS_ENDPOINT_URL. What the bundle fails to load for the fleet's own modules
// (loaded only when several files are given) shows here.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExample } from '@mlds/fixtures';
import { beforeEach, expect, it } from 'vitest';
import { cwd, endpoint, type Run, readState, mlds as runBin, useBuiltBin } from './end-to-end-harness.js';

const NAMES = ['court-1', 'court-2', 'court-3'];
const STREAM_KEY = 'e2e-fleet-stream-key';

useBuiltBin();

beforeEach(() => {
  for (const name of NAMES) {
    writeFileSync(
      join(cwd, `${name}.yaml`),
      readExample('curling-live').replace('workflow: curling-live', `workflow: ${name}`),
    );
  }
});

function mlds(argv: string[]): Promise<Run> {
  return runBin(argv, { SOCIAL_STREAM_KEY: STREAM_KEY });
}

function resourcesOf(name: string): { address: string; status: string }[] {
  return readState(name).resources;
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
