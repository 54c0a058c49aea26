import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters as plain } from 'node:util';
import {
  DeleteBucketCommand,
  DeleteBucketTaggingCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Plan, StateDocument } from '@mlds/core';
import { createFakeCloud, type FakeCloud } from '@mlds/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliOptions } from '../src/main.js';
import { aroundSends, existingTexts, expectNoSecrets, runAgainstFake, steppingClock } from './fake-cli.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';
import { archiveDownstream, cdnDownstream } from './workflow-texts.js';

// Refresh and drift through the CLI, in-process against the fake cloud: plan --refresh, apply's refresh (on by
// default, --refresh=false), a saved plan applied as it is, and destroy on what was deleted outside mlds.

const REGION = 'us-west-2';
const STATE = '.mlds/cdn-live.state.json';
const PARAMETER = '/mlds/cdn-live/cdn/password';
const FIRST_PASSWORD = 'first-pa55-for-the-cdn';
const SECOND_PASSWORD = 'second-pa55-for-the-cdn';

const WORKFLOW = [
  'workflow: cdn-live',
  `region: ${REGION}`,
  'mediaLiveRoleArn: arn:aws:iam::111122223333:role/MediaLiveAccessRole',
  'downstream:',
  ...archiveDownstream(),
  ...cdnDownstream(),
  '',
].join('\n');

const BUCKETS = ['cdn-live-archive-p0', 'cdn-live-archive-p1'];

let fake: FakeCloud;
let cwd: string;
let clock: () => number;
let printed: string[];

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  clock = steppingClock();
  printed = [];
  writeFileSync(join(cwd, 'cdn.yaml'), WORKFLOW);
});

// Neither password, nor anything the fake stored, is ever printed or written to the state.
afterEach(() => {
  expectNoSecrets(
    [...printed, ...existingTexts(join(cwd, STATE))],
    [...fake.secretValues(), FIRST_PASSWORD, SECOND_PASSWORD],
  );
});

async function mlds(
  argv: string[],
  password = FIRST_PASSWORD,
  options: Partial<Omit<CliOptions, 'argv'>> = {},
): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, fake, env: { CDN_PASSWORD: password }, clock, printed }, options);
}

function readState(): StateDocument {
  return JSON.parse(readFileSync(join(cwd, STATE), 'utf8')) as StateDocument;
}

async function deleteBucketsBehindMlds(): Promise<void> {
  const s3 = fake.clients.s3(REGION) as S3Client;
  for (const bucket of BUCKETS) await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

async function storedPassword(): Promise<string | undefined> {
  const ssm = fake.clients.ssm(REGION) as SSMClient;
  const output = await ssm.send(new GetParameterCommand({ Name: PARAMETER, WithDecryption: true }));
  return output.Parameter?.Value;
}

const bucketNames = () => fake.inventory().s3.map((bucket) => bucket.name);

describe('buckets deleted behind mlds', () => {
  beforeEach(async () => {
    expect((await mlds(['apply', 'cdn.yaml', '--yes'])).code).toBe(0);
    await deleteBucketsBehindMlds();
    expect(bucketNames()).toStrictEqual([]);
  });

  it('plan alone calls nothing and sees nothing; plan --refresh reads only and shows creates with the drift', async () => {
    const calls = fake.calls().length;
    const stale = await mlds(['plan', 'cdn.yaml']);
    expect(plain(stale.stdout)).toContain('Plan: 0 to create, 0 to update, 0 to delete, 3 unchanged.');
    expect(fake.calls()).toHaveLength(calls);

    const mutating = fake.mutatingCalls().length;
    const run = await mlds(['plan', 'cdn.yaml', '--refresh']);
    expect(run.code).toBe(0);
    const text = plain(run.stdout);
    expect(text).toMatch(/\+ create +archive\.bucket\[0\] +s3-bucket +cdn-live-archive-p0/);
    expect(text).toMatch(/\+ create +archive\.bucket\[1\] +s3-bucket +cdn-live-archive-p1/);
    expect(text).toContain(
      [
        'Drift: what the refresh read differs from what mlds expects (2)',
        '  archive.bucket[0]: cdn-live-archive-p0 was deleted outside mlds',
        '  archive.bucket[1]: cdn-live-archive-p1 was deleted outside mlds',
        '',
      ].join('\n'),
    );
    expect(text).toContain('Plan: 2 to create, 0 to update, 0 to delete, 1 unchanged.');
    // Refresh made reads, never a change.
    expect(fake.calls().length).toBeGreaterThan(calls);
    expect(fake.mutatingCalls()).toHaveLength(mutating);
    expect(bucketNames()).toStrictEqual([]);
  });

  it('plan --refresh --json: the resources carry drift; --detailed-exitcode exits 4', async () => {
    const run = await mlds(['plan', 'cdn.yaml', '--refresh', '--json', '--detailed-exitcode']);
    expect(run.code).toBe(4);
    const plan = JSON.parse(run.stdout) as Plan;
    expect(
      plan.resources.map((r) => ({ address: r.address, action: r.action, drift: r.drift })),
    ).toStrictEqual([
      {
        address: 'archive.bucket[0]',
        action: 'create',
        drift: ['cdn-live-archive-p0 was deleted outside mlds'],
      },
      {
        address: 'archive.bucket[1]',
        action: 'create',
        drift: ['cdn-live-archive-p1 was deleted outside mlds'],
      },
      { address: 'cdn.password', action: 'noop', drift: undefined },
    ]);
  });

  it('apply refreshes, recreates them, and output points at buckets that exist again', async () => {
    const mutating = fake.mutatingCalls().length;
    const run = await mlds(['apply', 'cdn.yaml', '--yes']);
    expect(run.code).toBe(0);
    const text = plain(run.stdout);
    expect(text).toContain('  archive.bucket[0]: cdn-live-archive-p0 was deleted outside mlds');
    expect(text).toContain('Apply complete: 2 created, 0 updated, 0 deleted.');
    expect(bucketNames()).toStrictEqual(BUCKETS);
    // Only the buckets' own creation calls changed anything.
    expect(
      new Set(
        fake
          .mutatingCalls()
          .slice(mutating)
          .map((call) => (call.input as { Bucket?: string }).Bucket),
      ),
    ).toStrictEqual(new Set(BUCKETS));
    const output = await mlds(['output', 'cdn.yaml', 'archive', '--json']);
    expect(JSON.stringify(JSON.parse(output.stdout))).toContain('s3ssl://cdn-live-archive-p0/');
    expect(
      readState()
        .resources.filter((r) => r.kind === 's3-bucket')
        .map((r) => r.status),
    ).toStrictEqual(['created', 'created']);
    // A second refresh finds nothing to do.
    expect(plain((await mlds(['apply', 'cdn.yaml', '--yes'])).stdout)).toMatch(/^No changes\./);
  });

  it('apply --refresh=false plans from the state alone: no AWS call, the buckets stay gone', async () => {
    const calls = fake.calls().length;
    const run = await mlds(['apply', 'cdn.yaml', '--yes', '--refresh=false']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('nothing was called');
    expect(fake.calls()).toHaveLength(calls);
    expect(bucketNames()).toStrictEqual([]);
  });

  it('a saved plan is applied as it is, never refreshed; plan --refresh --out saves the drift and apply runs it', async () => {
    expect((await mlds(['plan', 'cdn.yaml', '--out', 'stale.plan'])).code).toBe(0);
    const calls = fake.calls().length;
    const stale = await mlds(['apply', 'stale.plan']);
    expect(stale.code).toBe(0);
    expect(stale.stdout).toContain('nothing was called');
    expect(fake.calls()).toHaveLength(calls);

    expect((await mlds(['plan', 'cdn.yaml', '--refresh', '--out', 'fresh.plan'])).code).toBe(0);
    const saved = JSON.parse(readFileSync(join(cwd, 'fresh.plan'), 'utf8')) as { plan: Plan };
    expect(saved.plan.resources.filter((r) => r.drift !== undefined).map((r) => r.address)).toStrictEqual([
      'archive.bucket[0]',
      'archive.bucket[1]',
    ]);
    const run = await mlds(['apply', 'fresh.plan']);
    expect(run.code).toBe(0);
    expect(bucketNames()).toStrictEqual(BUCKETS);
  });

  it('destroy says they are already gone, never "not created by mlds"', async () => {
    const run = await mlds(['destroy', 'cdn.yaml', '--yes']);
    expect(run.code).toBe(0);
    const text = plain(run.stdout);
    expect(text).toContain(
      '[-] archive.bucket[0] already gone (deleted outside mlds), removed from the state',
    );
    expect(text).toContain(
      'Destroy complete: 1 deleted, 2 already gone (deleted outside mlds; removed from the state).',
    );
    expect(text).not.toContain('not created by mlds');
    expect(readState().resources).toStrictEqual([]);
  });
});

describe('settings and passwords changed outside mlds', () => {
  beforeEach(async () => {
    expect((await mlds(['apply', 'cdn.yaml', '--yes'])).code).toBe(0);
  });

  it('a new CDN password in the environment: apply writes it into SSM, shows neither value', async () => {
    expect(await storedPassword()).toBe(FIRST_PASSWORD);
    const plan = await mlds(['plan', 'cdn.yaml', '--refresh'], SECOND_PASSWORD);
    expect(plain(plan.stdout)).toMatch(/~ update +cdn\.password .*changes: value/);
    expect(plain(plan.stdout)).toContain(
      '  cdn.password: the value in SSM differs from the environment variable (neither is shown)',
    );

    const run = await mlds(['apply', 'cdn.yaml', '--yes'], SECOND_PASSWORD);
    expect(run.code).toBe(0);
    expect(plain(run.stdout)).toContain('Apply complete: 0 created, 1 updated, 0 deleted.');
    expect(await storedPassword()).toBe(SECOND_PASSWORD);
    expect(readState().resources.find((r) => r.address === 'cdn.password')?.outputs).toStrictEqual({
      version: 2,
    });
    // The same password again: nothing to do.
    expect(plain((await mlds(['apply', 'cdn.yaml', '--yes'], SECOND_PASSWORD)).stdout)).toMatch(
      /^No changes\./,
    );
  });

  it('encryption changed by hand: an update naming it, and apply puts SSE-S3 back', async () => {
    const s3 = fake.clients.s3(REGION) as S3Client;
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'cdn-live-archive-p1',
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        },
      }),
    );
    const run = await mlds(['apply', 'cdn.yaml', '--yes', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).resources).toContainEqual({
      address: 'archive.bucket[1]',
      kind: 's3-bucket',
      outcome: 'updated',
    });
    expect(fake.inventory().s3.find((b) => b.name === 'cdn-live-archive-p1')?.encryption).toStrictEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }],
    });
  });

  it('a missing { env } secret stops apply with exit 2 before the refresh reads anything', async () => {
    writeFileSync(
      join(cwd, 'cdn.yaml'),
      `${WORKFLOW}  - name: backup\n    system: http-put\n    urls: [https://b-a.example.com/x, https://b-b.example.com/x]\n    username: mlds\n    password: { env: BACKUP_PASSWORD }\n`,
    );
    const calls = fake.calls().length;
    const run = await mlds(['apply', 'cdn.yaml', '--yes']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('BACKUP_PASSWORD (for backup.password)\n');
    // Set to nothing is no secret either, and the message says which of the two it is.
    const empty = await mlds(['apply', 'cdn.yaml', '--yes'], FIRST_PASSWORD, {
      env: { CDN_PASSWORD: FIRST_PASSWORD, BACKUP_PASSWORD: '' },
    });
    expect(empty.code).toBe(2);
    expect(unwrapped(empty.stderr)).toContain(
      'BACKUP_PASSWORD (for backup.password; it is set, but empty)\n',
    );
    expect(fake.calls()).toHaveLength(calls);
  });

  it('a password already in SSM: its variable unset leaves it as it is; set to nothing, apply refuses (exit 2)', async () => {
    const calls = fake.calls().length;
    const empty = await mlds(['apply', 'cdn.yaml', '--yes'], '');
    expect(empty.code).toBe(2);
    expect(unwrapped(empty.stderr)).toBe(
      'error: set these environment variables, then run apply again:\n' +
        '  CDN_PASSWORD (for cdn.password; it is set, but empty)\n' +
        'Nothing was called. The workflow reads these secrets with { env: NAME }: a password goes into an SSM SecureString parameter; mlds never prints them nor records them in the state. A password already in SSM is left as it is while its variable is unset, not empty.\n',
    );
    expect(fake.calls()).toHaveLength(calls);
    const unset = await runAgainstFake(['apply', 'cdn.yaml', '--yes'], {
      cwd,
      fake,
      env: {},
      clock,
      printed,
    });
    expect(unset.code).toBe(0);
    expect(unset.stdout).toContain('No changes.');
    expect(await storedPassword()).toBe(FIRST_PASSWORD);
  });

  it('a bucket that lost its mlds:workflow tag: plan --refresh shows it, then fails (exit 1, before 4)', async () => {
    await (fake.clients.s3(REGION) as S3Client).send(
      new DeleteBucketTaggingCommand({ Bucket: 'cdn-live-archive-p1' }),
    );
    const run = await mlds(['plan', 'cdn.yaml', '--refresh', '--detailed-exitcode']);
    expect(run.code).toBe(1);
    expect(unwrapped(run.stderr)).toContain(
      "error: apply would refuse 1 resource of this plan:\n  archive.bucket[1]: its tag mlds:workflow=cdn-live is gone: it is no longer this workflow's\nTo take archive.bucket[1] back, 'mlds state rm \"archive.bucket[1]\" --file cdn.yaml' then 'mlds import cdn.yaml \"archive.bucket[1]\" cdn-live-archive-p1'. Then plan again.\n",
    );
    expect(unwrapped(plain(run.stdout))).toContain('apply refuses to change it');
    // The two commands, as printed (the import confirmed with --yes, as no one is at a terminal here).
    const [forget, take] = [...unwrapped(run.stderr).matchAll(/'(mlds [^']+)'/g)].map((match) =>
      (match[1] ?? '')
        .split(' ')
        .slice(1)
        .map((word) => word.replace(/^"(.*)"$/, '$1')),
    );
    expect((await mlds(forget ?? [])).code).toBe(0);
    expect((await mlds([...(take ?? []), '--yes'])).code).toBe(0);
    expect((await mlds(['plan', 'cdn.yaml', '--refresh', '--detailed-exitcode'])).code).toBe(0);
  });

  it("a bucket that carries another workflow's tag: plan --refresh names that workflow, and the way back is the tag", async () => {
    await (fake.clients.s3(REGION) as S3Client).send(
      new PutBucketTaggingCommand({
        Bucket: 'cdn-live-archive-p1',
        Tagging: { TagSet: [{ Key: 'mlds:workflow', Value: 'someone-else' }] },
      }),
    );
    const run = await mlds(['plan', 'cdn.yaml', '--refresh', '--json']);
    expect(run.code).toBe(1);
    const refused = JSON.parse(run.stdout).resources.filter(
      (r: { refused?: string }) => r.refused !== undefined,
    );
    expect(refused.map((r: { address: string; ownedBy?: string }) => [r.address, r.ownedBy])).toStrictEqual([
      ['archive.bucket[1]', 'someone-else'],
    ]);
    expect(unwrapped(run.stderr)).toContain(
      "error: apply would refuse 1 resource of this plan:\n  archive.bucket[1]: its mlds:workflow tag is now someone-else, not cdn-live: it is no longer this workflow's\n" +
        "The tag of the workflow 'someone-else' is now on archive.bucket[1]: if it is this workflow's, set its tag mlds:workflow back to 'cdn-live' in AWS; if it belongs to 'someone-else', 'mlds state rm \"archive.bucket[1]\" --file cdn.yaml' forgets it here (it stays in AWS) and archive needs another name. Then plan again.\n",
    );
    expect(unwrapped(run.stderr)).not.toContain('mlds import');
  });

  it('plan --refresh without credentials names the profile and its fix, not the IAM policy', async () => {
    const noCredentials = aroundSends(fake, async () => {
      throw Object.assign(new Error('Could not resolve credentials using profile: [nope]'), {
        name: 'CredentialsProviderError',
      });
    });
    const run = await mlds(['plan', 'cdn.yaml', '--refresh', '--profile', 'nope'], FIRST_PASSWORD, {
      awsClients: () => noCredentials,
    });
    expect(run.code).toBe(1);
    expect(unwrapped(run.stderr)).toBe(
      "error: cannot load AWS credentials for the profile 'nope': Could not resolve credentials using profile: [nope]\nNothing was called. Check [profile nope] in ~/.aws/config (or AWS_CONFIG_FILE) and ~/.aws/credentials; for SSO, run 'aws sso login --profile nope'.\n",
    );
  });

  it('--refresh takes true or false only: exit 2 before any AWS call', async () => {
    const calls = fake.calls().length;
    const run = await mlds(['apply', 'cdn.yaml', '--yes', '--refresh=maybe']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain("--refresh takes true or false, not 'maybe'");
    expect(fake.calls()).toHaveLength(calls);
  });
});
