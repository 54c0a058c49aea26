import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PutBucketAclCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { createFakeCloud, type FakeCloud } from '@mlds/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliOptions } from '../src/main.js';
import { existingTexts, expectNoSecrets, runAgainstFake } from './fake-cli.js';
import { typedStdin } from './fake-terminal.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';

// `mlds import <file> <address> <physical id>` in-process, against the fake cloud.

const REGION = 'us-west-2';
const STATE = '.mlds/curling-live.state.json';
const BUCKET = 'curling-live-archive-p0';
const WORKFLOW = [
  'workflow: curling-live',
  `region: ${REGION}`,
  'tags: { team: sports }',
  'downstream:',
  '  - name: archive',
  '    system: s3',
  '    format: archive',
  '  - name: packager',
  '    system: mediapackage',
  '    outputGroup: hls',
  '  - name: theirs',
  '    system: mediapackage',
  '    channelId: their-channel',
  '    outputGroup: hls',
  '',
].join('\n');

let fake: FakeCloud;
let cwd: string;
let printed: string[];

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  printed = [];
  writeFileSync(join(cwd, 'live.yaml'), WORKFLOW);
});

afterEach(() => {
  expectNoSecrets([...printed, ...existingTexts(join(cwd, STATE))], fake.secretValues());
});

async function mlds(argv: string[], options: Partial<Omit<CliOptions, 'argv'>> = {}): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, fake, printed }, options);
}

function state() {
  return JSON.parse(readFileSync(join(cwd, STATE), 'utf8'));
}

describe('mlds import', () => {
  it('on a terminal: shows the tags it sets, asks, tags and records; the next apply keeps the bucket', async () => {
    fake.seed.bucket(BUCKET, REGION, { tags: { owner: 'ops' } });
    const run = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET], {
      stdin: typedStdin('yes\n'),
    });
    expect(unwrapped(run.stderr)).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      [
        `mlds will import the s3-bucket ${BUCKET} (${REGION}) as archive.bucket[0].`,
        'It sets these tags on it, and keeps its other tags:',
        '  + mlds:downstream = archive',
        '  + mlds:workflow = curling-live',
        '  + team = sports',
      ].join('\n'),
    );
    expect(run.stdout).toContain("Import it? Only 'yes' is accepted:");
    expect(run.stdout).toContain(
      `Import complete: archive.bucket[0] (s3-bucket ${BUCKET}) is recorded in the state ${STATE} (serial 1); the next apply keeps it as it is.`,
    );
    expect(fake.mutatingCalls().map((call) => call.command)).toStrictEqual(['PutBucketTaggingCommand']);
    expect(
      state().resources.map((r: { address: string; status: string }) => [r.address, r.status]),
    ).toStrictEqual([['archive.bucket[0]', 'created']]);

    const plan = JSON.parse((await mlds(['plan', 'live.yaml', '--json'])).stdout);
    expect(plan.resources.find((r: { address: string }) => r.address === 'archive.bucket[0]').action).toBe(
      'noop',
    );
    fake.seed.mediaPackageChannel('their-channel', REGION);
    const from = fake.calls().length;
    const applied = await mlds(['apply', 'live.yaml', '--yes']);
    expect(unwrapped(applied.stderr)).toBe('');
    expect(applied.code).toBe(0);
    const touched = fake
      .calls()
      .slice(from)
      .filter((call) => call.mutating && JSON.stringify(call.input).includes(BUCKET));
    expect(touched).toStrictEqual([]);
  });

  it('says that it took over the lock of a run that is gone on this host', async () => {
    fake.seed.bucket(BUCKET, REGION);
    mkdirSync(join(cwd, '.mlds'), { recursive: true });
    const since = '2026-01-01T00:00:00.000Z';
    const gone = { id: 'dead0001', host: hostname(), pid: 2147483646, command: 'apply', since };
    writeFileSync(join(cwd, `${STATE}.lock`), JSON.stringify(gone));
    const run = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `Took over a stale lock of apply on ${hostname()} (pid 2147483646, since ${since}).\n`,
    );
  });

  it('--yes --json: the tags set and the ARN, as JSON', async () => {
    fake.seed.bucket(BUCKET, REGION, { tags: { team: 'media' } });
    const run = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toStrictEqual({
      formatVersion: 1,
      workflow: 'curling-live',
      result: 'imported',
      address: 'archive.bucket[0]',
      kind: 's3-bucket',
      name: BUCKET,
      region: REGION,
      tagged: [
        { key: 'mlds:downstream', from: null, to: 'archive' },
        { key: 'mlds:workflow', from: null, to: 'curling-live' },
        { key: 'team', from: 'media', to: 'sports' },
      ],
      settings: [],
      arn: `arn:aws:s3:::${BUCKET}`,
      serial: 1,
    });
  });

  it('a MediaPackage channel and its ingest-password parameter: no password read, printed or stored', async () => {
    fake.seed.mediaPackageChannel('curling-live-packager', REGION);
    fake.seed.parameter('/mlds/curling-live/packager/password-p0', REGION, 'old-secret-value', {
      type: 'SecureString',
    });
    expect(
      (await mlds(['import', 'live.yaml', 'packager.channel', 'curling-live-packager', '--yes'])).code,
    ).toBe(0);
    const parameter = await mlds([
      'import',
      'live.yaml',
      'packager.password[0]',
      '/mlds/curling-live/packager/password-p0',
      '--yes',
    ]);
    expect(parameter.code).toBe(0);
    expect(fake.calls().map((call) => call.command)).not.toContain('GetParameterCommand');
    expect(JSON.stringify(state())).not.toContain('old-secret-value');
    expect(state().resources[0].outputs.ingestEndpoints).toHaveLength(2);
  });

  it('exit 2 before any AWS call: an unknown address lists those it can import; another name says what to do', async () => {
    const unknown = await mlds(['import', 'live.yaml', 'archive.bucket[3]', 'x', '--yes']);
    expect(unknown.code).toBe(2);
    expect(unwrapped(unknown.stderr)).toContain(
      'the plan of curling-live has no resource "archive.bucket[3]"',
    );
    expect(unwrapped(unknown.stderr)).toContain(
      'archive.bucket[0], archive.bucket[1], packager.channel, packager.password[0], packager.password[1]',
    );
    const read = await mlds(['import', 'live.yaml', 'theirs.channel', 'their-channel', '--yes']);
    expect(read.code).toBe(2);
    expect(unwrapped(read.stderr)).toContain('which the workflow names for mlds to read, not to own');
    const renamed = await mlds(['import', 'live.yaml', 'archive.bucket[0]', 'my-archive', '--yes']);
    expect(renamed.code).toBe(2);
    expect(unwrapped(renamed.stderr)).toContain('list it under `buckets:`');
    const missing = await mlds(['import', 'live.yaml', 'archive.bucket[0]']);
    expect(missing.code).toBe(2);
    expect(unwrapped(missing.stderr)).toContain('missing the physical id of archive.bucket[0]');
    const badRate = await mlds([
      'import',
      'live.yaml',
      'archive.bucket[0]',
      BUCKET,
      '--rate-limit',
      's3=fast',
    ]);
    expect(badRate.code).toBe(2);
    const noTerminal = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET]);
    expect(noTerminal.code).toBe(2);
    expect(unwrapped(noTerminal.stderr)).toContain('pass --yes');
    expect(fake.calls()).toStrictEqual([]);
  });

  it('exit 1, nothing changed: a missing resource (named), another workflow’s, an address already recorded', async () => {
    const missing = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes']);
    expect(missing.code).toBe(1);
    expect(unwrapped(missing.stderr)).toContain(`${BUCKET} (archive.bucket[0]) does not exist in ${REGION}`);

    fake.seed.bucket(BUCKET, REGION, { tags: { 'mlds:workflow': 'hockey' } });
    const other = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes']);
    expect(other.code).toBe(1);
    expect(unwrapped(other.stderr)).toContain("belongs to the workflow 'hockey'");
    expect(fake.mutatingCalls()).toStrictEqual([]);

    fake.seed.bucket('curling-live-archive-p1', REGION);
    expect(
      (await mlds(['import', 'live.yaml', 'archive.bucket[1]', 'curling-live-archive-p1', '--yes'])).code,
    ).toBe(0);
    const again = await mlds([
      'import',
      'live.yaml',
      'archive.bucket[1]',
      'curling-live-archive-p1',
      '--yes',
    ]);
    expect(again.code).toBe(1);
    expect(unwrapped(again.stderr)).toContain('the state already records archive.bucket[1]');
    const json = await mlds([
      'import',
      'live.yaml',
      'archive.bucket[1]',
      'curling-live-archive-p1',
      '--yes',
      '--json',
    ]);
    expect(json.code).toBe(1);
    const document = JSON.parse(json.stdout);
    expect([document.workflow, document.address, document.result]).toStrictEqual([
      'curling-live',
      'archive.bucket[1]',
      'refused',
    ]);
    expect(document.error).toMatch(
      /^import refused, nothing was changed: the state already records archive\.bucket\[1\]/,
    );
    // Without --yes and nobody to ask, the same refusal, not a question --yes would only meet the refusal of;
    // nothing locked nor called.
    const callsBefore = fake.calls().length;
    for (const flags of [[], ['--json']]) {
      const unasked = await mlds([
        'import',
        'live.yaml',
        'archive.bucket[1]',
        'curling-live-archive-p1',
        ...flags,
      ]);
      expect(unasked.code).toBe(1);
      if (flags.length === 0) {
        expect(unwrapped(unasked.stderr)).toBe(unwrapped(again.stderr));
      } else {
        expect(JSON.parse(unasked.stdout)).toStrictEqual(document);
      }
    }
    expect(fake.calls()).toHaveLength(callsBefore);
    expect(existsSync(join(cwd, `${STATE}.lock`))).toBe(false);
    // A command line that does not fit the plan is an error on stderr alone (exit 2), as for every command.
    const unknown = await mlds(['import', 'live.yaml', 'archive.bucket[9]', 'x', '--yes', '--json']);
    expect([unknown.code, unknown.stdout]).toStrictEqual([2, '']);
    expect(unwrapped(again.stderr)).toContain(
      `'mlds state rm "archive.bucket[1]" --state ${STATE}' (it changes only the state)`,
    );
  });

  it('answered anything but yes: nothing changed', async () => {
    fake.seed.bucket(BUCKET, REGION);
    const run = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET], {
      stdin: typedStdin('no\n'),
    });
    expect(run.code).toBe(1);
    expect(unwrapped(run.stderr)).toContain('import cancelled: nothing was changed');
    expect(fake.mutatingCalls()).toStrictEqual([]);
  });

  it('a crash after the tag: running import again records it without tagging again', async () => {
    fake.seed.bucket(BUCKET, REGION);
    fake.crashAfterMutatingCalls(1);
    const crashed = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes']);
    expect(crashed.code).toBe(1);
    expect(unwrapped(crashed.stderr)).toContain('it finishes the import');
    expect(state().resources[0].status).toBe('creating');
    fake.crashAfterMutatingCalls(undefined);
    const tagged = fake.mutatingCalls().length;
    const again = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to tag');
    expect(fake.mutatingCalls().length).toBe(tagged);
    expect(state().resources[0].status).toBe('created');
  });

  /** shared.yaml: the workflow with its state on S3 (the bucket team-state), and the bucket to import. */
  function sharedStateWorkflow(): void {
    fake.seed.bucket('team-state', REGION);
    fake.seed.bucket(BUCKET, REGION);
    writeFileSync(
      join(cwd, 'shared.yaml'),
      WORKFLOW.replace('downstream:', 'state: s3://team-state/mlds/curling-live.json\ndownstream:'),
    );
  }

  it('with the state on S3: recorded there under its lock, which is gone afterwards; nothing local', async () => {
    sharedStateWorkflow();
    const run = await mlds(['import', 'shared.yaml', 'archive.bucket[0]', BUCKET, '--yes']);
    expect(unwrapped(run.stderr)).toBe('');
    expect(run.code).toBe(0);
    const recorded = JSON.parse(fake.s3Objects.text('team-state', 'mlds/curling-live.json') ?? 'null');
    expect(recorded).toMatchObject({ workflow: 'curling-live', serial: 1 });
    expect(
      recorded.resources.map((r: { address: string; status: string }) => [r.address, r.status]),
    ).toStrictEqual([['archive.bucket[0]', 'created']]);
    expect(fake.s3Objects.text('team-state', 'mlds/curling-live.json.lock')).toBeUndefined();
    expect(() => readFileSync(join(cwd, STATE))).toThrow(/ENOENT/);
  });

  it('with the state on S3 and a local copy left by state push: the refusal names the S3 state, which its hint edits', async () => {
    sharedStateWorkflow();
    expect((await mlds(['import', 'shared.yaml', 'archive.bucket[0]', BUCKET, '--yes'])).code).toBe(0);
    // What `state push` leaves behind: the local state, which `mlds state` finds by itself.
    mkdirSync(join(cwd, '.mlds'), { recursive: true });
    writeFileSync(join(cwd, STATE), fake.s3Objects.text('team-state', 'mlds/curling-live.json') ?? '');
    const again = await mlds(['import', 'shared.yaml', 'archive.bucket[0]', BUCKET, '--yes']);
    expect(again.code).toBe(1);
    const forget = `mlds state rm "archive.bucket[0]" --state s3://team-state/mlds/curling-live.json --region ${REGION}`;
    expect(unwrapped(again.stderr)).toContain(`'${forget}' (it changes only the state)`);
    const removed = await mlds([
      'state',
      'rm',
      'archive.bucket[0]',
      '--state',
      's3://team-state/mlds/curling-live.json',
      '--region',
      REGION,
    ]);
    expect(removed.code).toBe(0);
    const onS3 = JSON.parse(fake.s3Objects.text('team-state', 'mlds/curling-live.json') ?? 'null');
    expect(onS3.resources).toStrictEqual([]);
    expect(JSON.parse(readFileSync(join(cwd, STATE), 'utf8')).resources).toHaveLength(1);
    expect((await mlds(['import', 'shared.yaml', 'archive.bucket[0]', BUCKET, '--yes'])).code).toBe(0);
  });

  it('apply refuses a bucket made outside mlds and names the import that adopts it; then apply converges', async () => {
    fake.seed.bucket(BUCKET, REGION);
    fake.seed.mediaPackageChannel('their-channel', REGION);
    const refused = await mlds(['apply', 'live.yaml', '--yes']);
    expect(refused.code).toBe(1);
    // The error and its hint agree: apply does not take it over, import does.
    expect(unwrapped(refused.stderr)).toContain(
      `apply neither takes it over nor deletes it. Delete or rename it yourself, or rename the workflow or downstream entry; or, if it is meant to be this workflow's, import it.`,
    );
    expect(unwrapped(refused.stderr)).toContain(
      `To import it (import tags it): 'mlds import live.yaml "archive.bucket[0]" ${BUCKET}'`,
    );
    expect((await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes'])).code).toBe(0);
    const applied = await mlds(['apply', 'live.yaml', '--yes']);
    expect(unwrapped(applied.stderr)).toBe('');
    expect(applied.code).toBe(0);
  });

  it("apply refuses another workflow's bucket naming that workflow, and suggests no import (import refuses it too)", async () => {
    fake.seed.bucket(BUCKET, REGION, { tags: { 'mlds:workflow': 'team-b' } });
    fake.seed.mediaPackageChannel('their-channel', REGION);
    const refused = await mlds(['apply', 'live.yaml', '--yes']);
    expect(refused.code).toBe(1);
    const stderr = unwrapped(refused.stderr);
    expect(stderr).toContain(
      `${BUCKET} (archive.bucket[0]) already exists, and mlds cannot take it as workflow curling-live's: it belongs to the workflow 'team-b' (its mlds:workflow tag): mlds never takes a resource from another workflow; apply neither takes it over nor deletes it. Delete or rename it yourself, or rename the workflow or downstream entry.`,
    );
    expect(stderr).not.toContain('import');
    const imported = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes']);
    expect(imported.code).toBe(1);
    expect(unwrapped(imported.stderr)).toContain("belongs to the workflow 'team-b'");
  });

  it('two buckets made outside mlds: the hint gives the import of each, and both converge', async () => {
    const other = BUCKET.replace(/-p0$/, '-p1');
    fake.seed.bucket(BUCKET, REGION);
    fake.seed.bucket(other, REGION);
    fake.seed.mediaPackageChannel('their-channel', REGION);
    const refused = await mlds(['apply', 'live.yaml', '--yes']);
    expect(refused.code).toBe(1);
    expect(unwrapped(refused.stderr)).toContain(
      `To import them (import tags them): 'mlds import live.yaml "archive.bucket[0]" ${BUCKET}'; 'mlds import live.yaml "archive.bucket[1]" ${other}'`,
    );
    expect((await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes'])).code).toBe(0);
    expect((await mlds(['import', 'live.yaml', 'archive.bucket[1]', other, '--yes'])).code).toBe(0);
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
  });

  it('a recorded bucket whose tag was removed: apply names the fix that works, state rm then import; then apply converges', async () => {
    fake.seed.mediaPackageChannel('their-channel', REGION);
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    await fake.clients
      .s3(REGION)
      .send(
        new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'team', Value: 'web' }] } }),
      );
    const refused = await mlds(['apply', 'live.yaml', '--yes']);
    expect(refused.code).toBe(1);
    const stderr = unwrapped(refused.stderr);
    expect(stderr).toContain(
      `${BUCKET} (archive.bucket[0]) is recorded as workflow curling-live's, but mlds cannot take it as such any more: it lacks the tag mlds:workflow=curling-live; mlds neither changes nor deletes it. Put the tag mlds:workflow=curling-live back if it is still this workflow's, or delete it yourself.`,
    );
    const forget = `'mlds state rm "archive.bucket[0]" --state ${STATE}'`;
    const importIt = `'mlds import live.yaml "archive.bucket[0]" ${BUCKET}'`;
    expect(stderr).toContain(
      `If it is still this workflow's, put its tag back, or forget it and import it (import tags it): ${forget}, then ${importIt}`,
    );
    expect(stderr).not.toContain('To import it');
    // The hint, followed as printed.
    expect((await mlds(['state', 'rm', 'archive.bucket[0]', '--state', STATE])).code).toBe(0);
    expect((await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes'])).code).toBe(0);
    const applied = await mlds(['apply', 'live.yaml', '--yes']);
    expect(unwrapped(applied.stderr)).toBe('');
    expect(applied.code).toBe(0);
  });

  it('a bucket with ACLs enabled: ObjectOwnership shown and made; an ACL granting others refuses it, exit 1, nothing recorded', async () => {
    fake.seed.bucket(BUCKET, REGION, { ownership: 'ObjectWriter', aclGrantsOthers: true });
    const refused = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET], {
      stdin: typedStdin('yes\n'),
    });
    expect(refused.stdout).toContain(
      [
        'It makes these settings what apply makes them:',
        '  ~ objectOwnership: ObjectOwnership ObjectWriter (ACLs enabled) → ObjectOwnership BucketOwnerEnforced (ACLs disabled: the bucket owns every object, as for a bucket apply creates)',
      ].join('\n'),
    );
    expect(refused.code).toBe(1);
    const error = unwrapped(refused.stderr);
    expect(error).toContain(
      `import refused, nothing was changed: archive.bucket[0]: S3 refused to disable the ACLs of bucket ${BUCKET}`,
    );
    expect(error).toContain('(InvalidBucketAclWithObjectOwnership)');
    expect(error).toContain(`aws s3api put-bucket-acl --bucket ${BUCKET} --acl private`);
    // The one call S3 refused, nothing else: the bucket keeps its tags (none of ours) and its ACLs.
    expect(fake.mutatingCalls().map((call) => call.command)).toStrictEqual([
      'PutBucketOwnershipControlsCommand',
    ]);
    expect(fake.inventory().s3.map((bucket) => [bucket.name, bucket.ownership, bucket.tags])).toStrictEqual([
      [BUCKET, 'ObjectWriter', {}],
    ]);
    expect(state().resources).toStrictEqual([]);
    expect((await mlds(['state', 'list'])).stdout).not.toContain('archive.bucket[0]');

    // The fix the error names, then the import goes through: the ownership first, then the tag.
    await (fake.clients.s3(REGION) as { send(command: unknown): Promise<unknown> }).send(
      new PutBucketAclCommand({ Bucket: BUCKET, ACL: 'private' }),
    );
    const from = fake.mutatingCalls().length;
    const run = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(
      JSON.parse(run.stdout).settings.map((change: { setting: string }) => change.setting),
    ).toStrictEqual(['objectOwnership']);
    expect(
      fake
        .mutatingCalls()
        .slice(from)
        .map((call) => [call.command, call.input]),
    ).toStrictEqual([
      [
        'PutBucketOwnershipControlsCommand',
        { Bucket: BUCKET, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } },
      ],
      [
        'PutBucketTaggingCommand',
        {
          Bucket: BUCKET,
          Tagging: {
            TagSet: [
              { Key: 'team', Value: 'sports' },
              { Key: 'mlds:workflow', Value: 'curling-live' },
              { Key: 'mlds:downstream', Value: 'archive' },
            ],
          },
        },
      ],
    ]);
    expect(fake.inventory().s3[0]?.ownership).toBe('BucketOwnerEnforced');
    expect(
      state().resources.map((r: { address: string; status: string }) => [r.address, r.status]),
    ).toStrictEqual([['archive.bucket[0]', 'created']]);
  });

  it('is listed in mlds --help', async () => {
    expect((await mlds(['--help'])).stdout).toContain('import');
    expect((await mlds(['import', '--help'])).stdout).toContain(
      'Usage: mlds import <file> <address> <physical id>',
    );
  });
});
