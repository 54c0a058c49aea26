import {
  AccessDenied,
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { StateDocument } from '@mlds/core';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  CredentialsError,
  S3StateStore,
  StateFencedError,
  StateLockedError,
  StateStoreError,
} from '../src/index.js';
import { meta, REGION } from './helpers.js';

// Exact SDK inputs and the SDK's own error shapes, one call at a time (aws-sdk-client-mock replaces `send`).

const client = new S3Client({ region: REGION });
const s3 = mockClient(client);

function store(sleeps: number[] = []) {
  s3.reset();
  return new S3StateStore({
    client,
    bucket: 'team-state',
    key: 'mlds/w.json',
    hostname: 'laptop',
    pid: 4242,
    clock: () => Date.UTC(2025, 5, 1),
    randomId: () => 'lock-1',
    processes: { status: () => ({ running: true, startedAt: '99' }) },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

const body = (text: string) => ({ transformToString: async () => text }) as never;
const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: meta(status), message: name });
const doc: StateDocument = {
  formatVersion: 1,
  workflow: 'w',
  region: REGION,
  lineage: 'l',
  serial: 1,
  resources: [],
};

describe('S3StateStore', () => {
  it('creates the lock object with If-None-Match: * holding id, host, pid (and start), command and since', async () => {
    const backend = store();
    s3.on(PutObjectCommand).resolves({ ETag: '"e1"' });
    const lock = await backend.lock('apply');
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toStrictEqual([
      {
        Bucket: 'team-state',
        Key: 'mlds/w.json.lock',
        Body: '{"id":"lock-1","host":"laptop","pid":4242,"processStartedAt":"99","command":"apply","since":"2025-06-01T00:00:00.000Z"}\n',
        ContentType: 'application/json',
        IfNoneMatch: '*',
      },
    ]);
    s3.on(GetObjectCommand).resolves({
      Body: body(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body as string),
      ETag: '"e1"',
    });
    s3.on(DeleteObjectCommand).resolves({});
    await lock.release();
    expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input)).toStrictEqual([
      { Bucket: 'team-state', Key: 'mlds/w.json.lock', IfMatch: '"e1"' },
    ]);
  });

  it('412 on the lock: exit-3 error naming the holder read from the lock object', async () => {
    const backend = store();
    s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    s3.on(GetObjectCommand).resolves({
      Body: body('{"id":"other","host":"ci","pid":7,"command":"destroy","since":"2025-06-01T00:00:00.000Z"}'),
      ETag: '"x"',
    });
    const attempt = backend.lock('apply');
    await expect(attempt).rejects.toBeInstanceOf(StateLockedError);
    await expect(attempt).rejects.toMatchObject({
      lockPath: 's3://team-state/mlds/w.json.lock',
      holder: { id: 'other', host: 'ci', pid: 7, command: 'destroy' },
    });
  });

  it('retries 409 ConditionalRequestConflict, with backoff through the injected sleep', async () => {
    const sleeps: number[] = [];
    const backend = store(sleeps);
    s3.on(PutObjectCommand)
      .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
      .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
      .resolves({ ETag: '"e1"' });
    await backend.lock('apply');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(3);
    expect(sleeps).toStrictEqual([200, 400]);
  });

  it('writes the state with If-Match on the ETag it read; 412 is "the state changed under this run"', async () => {
    const backend = store();
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(doc)), ETag: '"v1"' });
    s3.on(PutObjectCommand).resolvesOnce({ ETag: '"v2"' }).rejects(s3Error('PreconditionFailed', 412));
    await backend.read();
    await backend.write({ ...doc, serial: 2 });
    const attempt = backend.write({ ...doc, serial: 2 });
    await expect(attempt).rejects.toBeInstanceOf(StateFencedError);
    await expect(attempt).rejects.toThrow(/The state changed under this run/);
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.IfMatch)).toStrictEqual([
      '"v1"',
      '"v2"',
    ]);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toStrictEqual({
      Bucket: 'team-state',
      Key: 'mlds/w.json',
      Body: `${JSON.stringify({ ...doc, serial: 2 }, null, 2)}\n`,
      ContentType: 'application/json',
      IfMatch: '"v1"',
    });
  });

  it('reads no state from NoSuchKey, and then writes only where there is still none', async () => {
    const backend = store();
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no', $metadata: meta(404) }));
    s3.on(PutObjectCommand).resolves({ ETag: '"v1"' });
    expect(await backend.read()).toBeUndefined();
    await backend.write(doc);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.IfNoneMatch).toBe('*');
  });

  it('a missing bucket or a denied call names the fix and the IAM actions; nothing is created', async () => {
    const missing = store();
    s3.on(PutObjectCommand).rejects(new NoSuchBucket({ message: 'no', $metadata: meta(404) }));
    const first = missing.lock('apply');
    await expect(first).rejects.toBeInstanceOf(StateStoreError);
    await expect(first).rejects.toMatchObject({
      fix: expect.stringContaining('mlds never creates the state bucket'),
    });
    const denied = store();
    s3.on(GetObjectCommand).rejects(new AccessDenied({ message: 'Access Denied', $metadata: meta(403) }));
    const second = denied.read();
    await expect(second).rejects.toThrow(/access to the state bucket team-state was denied/);
    await expect(second).rejects.toMatchObject({
      fix: expect.stringContaining(
        's3:ListBucket on arn:aws:s3:::team-state (so that "no state yet" reads as such, not as a denial); s3:GetObject and s3:PutObject on arn:aws:s3:::team-state/mlds/w.json and arn:aws:s3:::team-state/mlds/w.json.lock; s3:DeleteObject on arn:aws:s3:::team-state/mlds/w.json.lock',
      ),
    });
  });

  it('a bucket in another Region names the Region asked; missing credentials are a CredentialsError naming the profile', async () => {
    s3.reset();
    const moved = new S3StateStore({ client, bucket: 'team-state', key: 'mlds/w.json', region: REGION });
    s3.on(GetObjectCommand).rejects(s3Error('PermanentRedirect', 301));
    await expect(moved.read()).rejects.toThrow(
      `the state bucket team-state is in another Region than ${REGION}, the one mlds asked`,
    );
    s3.reset();
    const profiled = new S3StateStore({ client, bucket: 'team-state', key: 'mlds/w.json', profile: 'media' });
    const failure = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    s3.on(GetObjectCommand).rejects(failure);
    const read = profiled.read();
    await expect(read).rejects.toBeInstanceOf(CredentialsError);
    await expect(read).rejects.toMatchObject({
      profile: 'media',
      message:
        "cannot load AWS credentials for the profile 'media': Could not load credentials from any providers",
      cause: failure,
    });
  });
});
