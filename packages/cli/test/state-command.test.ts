import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { StateDocument } from '@mlds/core';
import { createFakeCloud, type FakeCloud } from '@mlds/fixtures';
import { beforeEach, describe, expect, it } from 'vitest';
import { runAgainstFake } from './fake-cli.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';
import { archiveWorkflow } from './workflow-texts.js';

// The state's two stores seen from the command line: the same commands on a local file and on S3 (the fake
// cloud's, with conditional writes), and `mlds state …`.

const REGION = 'us-west-2';
const URL = 's3://team-state/mlds/team-live.json';
const WORKFLOW = archiveWorkflow('team-live', REGION);

let fake: FakeCloud;
let cwd: string;

beforeEach(() => {
  fake = createFakeCloud();
  fake.seed.bucket('team-state', REGION);
  cwd = tempDir();
  writeFileSync(join(cwd, 'team.yaml'), WORKFLOW);
  writeFileSync(join(cwd, 'shared.yaml'), WORKFLOW.replace('downstream:', `state: ${URL}\ndownstream:`));
});

function mlds(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, fake, env });
}

const s3State = (): StateDocument =>
  JSON.parse(fake.s3Objects.text('team-state', 'mlds/team-live.json') ?? 'null');
/** A lock another run left: what its lock object (local or on S3) holds. */
const HOLDER = {
  id: 'f00dfeed',
  host: 'ci-runner-3',
  pid: 77,
  command: 'apply',
  since: '2025-06-01T11:00:00.000Z',
};
const resourceCalls = () =>
  fake.calls().filter((call) => (call.input as { Bucket?: string }).Bucket !== 'team-state');

describe('a state on S3', () => {
  it('without credentials: the clean credentials error and its fix, exit 1, for plan, apply and state list', async () => {
    const failure = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const s3 = () => ({ send: async () => Promise.reject(failure) });
    const clients = { ...fake.clients, s3 } as unknown as typeof fake.clients;
    for (const argv of [
      ['plan', 'shared.yaml'],
      ['apply', 'shared.yaml', '--yes'],
      ['state', 'list', '--file', 'shared.yaml'],
    ]) {
      const run = await runAgainstFake(argv, { cwd, fake }, { awsClients: () => clients });
      expect(run.code, argv.join(' ')).toBe(1);
      expect(unwrapped(run.stderr)).toBe(
        "error: no AWS credentials found: Could not load credentials from any providers\nNothing was called. Set AWS_PROFILE or --profile, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or sign in ('aws sso login', 'aws configure').\n",
      );
    }
    expect(resourceCalls()).toStrictEqual([]);
    // A profile that cannot give credentials is named, whether --profile or AWS_PROFILE chose it.
    for (const [argv, env] of [
      [['output', 'shared.yaml', '--profile', 'nosuch'], {}],
      [['output', 'shared.yaml'], { AWS_PROFILE: 'nosuch' }],
      [['plan', 'shared.yaml'], { AWS_PROFILE: 'nosuch' }],
    ] as const) {
      const run = await runAgainstFake([...argv], { cwd, fake, env }, { awsClients: () => clients });
      expect(run.code, argv.join(' ')).toBe(1);
      expect(unwrapped(run.stderr), argv.join(' ')).toContain(
        "error: cannot load AWS credentials for the profile 'nosuch': Could not load credentials from any providers\n",
      );
    }
  });

  it("every command reads the state on S3 with --profile's credentials, output and state list included", async () => {
    expect((await mlds(['apply', 'shared.yaml', '--yes'])).code).toBe(0);
    for (const argv of [
      ['plan', 'shared.yaml'],
      ['output', 'shared.yaml'],
      ['state', 'list', '--file', 'shared.yaml'],
      ['apply', 'shared.yaml', '--yes'],
      ['destroy', 'shared.yaml', '--yes'],
    ]) {
      const profiles: Array<string | undefined> = [];
      const run = await runAgainstFake(
        [...argv, '--profile', 'media-prod'],
        { cwd, fake },
        {
          awsClients: ({ profile }) => {
            profiles.push(profile);
            return fake.clients;
          },
        },
      );
      expect(run.code, `${argv.join(' ')}: ${run.stderr}`).toBe(0);
      expect(new Set(profiles), argv.join(' ')).toStrictEqual(new Set(['media-prod']));
    }
  });

  it('a saved plan records the state by its URL and applies against it; stale once the state moves on', async () => {
    const planned = await mlds(['plan', 'shared.yaml', '--out', 'tonight.plan']);
    expect(planned.code, planned.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(join(cwd, 'tonight.plan'), 'utf8')) as { state: { path: string } };
    expect(saved.state.path).toBe(URL);
    const applied = await mlds(['apply', 'tonight.plan']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(s3State().serial).toBe(1);
    const again = await mlds(['apply', 'tonight.plan']);
    expect(again.code).toBe(1);
    expect(unwrapped(again.stderr)).toContain(
      `the saved plan tonight.plan is stale: the state ${URL} was created (serial 1) since the plan was made`,
    );
  });

  it("apply, plan, output and destroy use the workflow's state: s3://…, and nothing local", async () => {
    const applied = await mlds(['apply', 'shared.yaml', '--yes']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`State: ${URL} (serial 1)`);
    expect(s3State()).toMatchObject({ workflow: 'team-live', serial: 1, lineage: expect.any(String) });
    expect(s3State().resources.map((r) => r.address)).toStrictEqual([
      'archive.bucket[0]',
      'archive.bucket[1]',
    ]);
    expect(fake.s3Objects.text('team-state', 'mlds/team-live.json.lock')).toBeUndefined();
    expect(existsSync(join(cwd, '.mlds'))).toBe(false);

    const planned = await mlds(['plan', 'shared.yaml']);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain(`${URL}`);
    expect(planned.stdout).toContain('(serial 1)');

    const again = await mlds(['apply', 'shared.yaml', '--yes']);
    expect(again.stdout).toContain('No changes.');
    expect(s3State().serial).toBe(1);

    const destroyed = await mlds(['destroy', 'team.yaml', '--state', URL, '--yes']);
    expect(destroyed.code).toBe(0);
    expect(s3State()).toMatchObject({ serial: 2, resources: [] });
    expect(fake.inventory().s3.map((b) => b.name)).toStrictEqual(['team-state']);
  });

  it('writes the lock with If-None-Match and the state with If-Match on the ETag it read', async () => {
    expect((await mlds(['apply', 'shared.yaml', '--yes'])).code).toBe(0);
    const puts = fake
      .calls()
      .filter((call) => call.command === 'PutObjectCommand')
      .map((call) => call.input as Record<string, unknown>);
    expect(puts[0]).toStrictEqual({
      Bucket: 'team-state',
      Key: 'mlds/team-live.json.lock',
      Body: expect.stringMatching(
        /^\{"id":"[0-9a-f]{24}","host":".+","pid":\d+,.*"command":"apply","since":"2025-06-01T/,
      ),
      ContentType: 'application/json',
      IfNoneMatch: '*',
    });
    expect(puts[1]).toMatchObject({ Key: 'mlds/team-live.json', IfNoneMatch: '*' });
    expect(puts[1]).not.toHaveProperty('IfMatch');
    expect(puts[2]).toMatchObject({
      Key: 'mlds/team-live.json',
      IfMatch: expect.stringMatching(/^"[0-9a-f]+"$/),
    });
    const deletes = fake.calls().filter((call) => call.command === 'DeleteObjectCommand');
    expect(deletes.map((call) => call.input)).toStrictEqual([
      { Bucket: 'team-state', Key: 'mlds/team-live.json.lock', IfMatch: expect.stringMatching(/^"/) },
    ]);
  });

  it('a held lock exits 3 naming the holder read from the lock object; state unlock removes it', async () => {
    await fake.clients.s3(REGION).send(
      new PutObjectCommand({
        Bucket: 'team-state',
        Key: 'mlds/team-live.json.lock',
        Body: JSON.stringify(HOLDER),
      }),
    );
    const locked = await mlds(['apply', 'shared.yaml', '--yes']);
    expect(locked.code).toBe(3);
    expect(unwrapped(locked.stderr)).toContain(
      `the state ${URL} is locked by 'apply' on host ci-runner-3 (pid 77) since 2025-06-01T11:00:00.000Z, lock id f00dfeed`,
    );
    // The command it prints works as printed, with no AWS_REGION set: it names the bucket's Region.
    const printed = /'(mlds state unlock [^']+)'/.exec(unwrapped(locked.stderr))?.[1];
    expect(printed).toBe(`mlds state unlock f00dfeed --state ${URL} --region ${REGION}`);
    expect(resourceCalls()).toStrictEqual([]);

    const wrong = await mlds(['state', 'unlock', 'deadbeef', '--state', URL, '--region', REGION]);
    expect(wrong.code).toBe(1);
    expect(unwrapped(wrong.stderr)).toContain('has id f00dfeed');
    const unlocked = await mlds((printed ?? '').split(' ').slice(1));
    expect(unlocked.code).toBe(0);
    expect(unlocked.stdout).toContain(
      "Removed the lock f00dfeed of s3://team-state/mlds/team-live.json, taken by 'apply' on host ci-runner-3",
    );
    expect((await mlds(['apply', 'shared.yaml', '--yes'])).code).toBe(0);
  });

  it('a missing state bucket: exit 1 naming the fix and the IAM actions; mlds creates no bucket', async () => {
    const run = await mlds(['apply', 'team.yaml', '--state', 's3://no-such-state-bucket/w.json', '--yes']);
    expect(run.code).toBe(1);
    expect(unwrapped(run.stderr)).toContain('the state bucket no-such-state-bucket does not exist');
    expect(unwrapped(run.stderr)).toContain('mlds never creates the state bucket');
    expect(unwrapped(run.stderr)).toContain(
      's3:GetObject and s3:PutObject on arn:aws:s3:::no-such-state-bucket/w.json',
    );
    expect(fake.calls().map((call) => call.command)).toStrictEqual(['PutObjectCommand']);
    expect(fake.inventory().s3.map((b) => b.name)).toStrictEqual(['team-state']);
  });

  it.each([
    ['s3://team-state', 'names no object key'],
    ['s3:///key.json', 'names no bucket'],
    ['s3://Team_State/key.json', 'invalid bucket'],
    ['s3://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMIK7MDENG@team-state/key.json', 'credentials'],
    ['s3://team-state/ke\u0007y.json', 'control character'],
  ])('--state %j: exit 2 before anything is read or written (%s)', async (url, problem) => {
    for (const command of ['apply', 'destroy', 'plan']) {
      const run = await mlds([
        command,
        'team.yaml',
        '--state',
        url,
        ...(command === 'plan' ? [] : ['--yes']),
      ]);
      expect(run.code).toBe(2);
      expect(unwrapped(run.stderr)).toContain(problem);
      expect(unwrapped(run.stderr)).not.toContain('wJalrXUtnFEMIK7MDENG');
    }
    expect(readdirSync(cwd).sort()).toStrictEqual(['shared.yaml', 'team.yaml']);
    expect(fake.calls()).toStrictEqual([]);
  });

  it('a malformed state: in the workflow file is an invalid workflow (exit 2)', async () => {
    writeFileSync(
      join(cwd, 'bad.yaml'),
      WORKFLOW.replace('downstream:', 'state: s3://team-state/\ndownstream:'),
    );
    const run = await mlds(['apply', 'bad.yaml', '--yes']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('`state` names no object key');
    expect(fake.calls()).toStrictEqual([]);
  });
});

describe('the local state', () => {
  it.each([['list'], ['show', 'archive.bucket[0]'], ['rm', 'archive.bucket[0]'], ['push', URL]])(
    'state %s with --state a directory or a device: the clean error plan gives, no stack',
    async (...subcommand) => {
      mkdirSync(join(cwd, 'a-directory'));
      const directory = await mlds(['state', ...subcommand, '--state', 'a-directory', '--region', REGION]);
      expect([directory.code, directory.stdout]).toStrictEqual([1, '']);
      expect(directory.stderr).toBe('error: the state file a-directory is a directory\n');
      const device = await mlds(['state', ...subcommand, '--state', '/dev/null', '--region', REGION]);
      expect(device.code).toBe(1);
      expect(device.stderr).toContain(
        'error: the state file /dev/null is not a regular file (a FIFO, a device or a socket)\n',
      );
      expect(directory.stderr + device.stderr).not.toContain('unexpected failure');
    },
  );

  it('destroy with nothing to do creates no directory', async () => {
    const run = await mlds(['destroy', 'team.yaml', '--yes']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Nothing to destroy');
    expect(readdirSync(cwd).sort()).toStrictEqual(['shared.yaml', 'team.yaml']);
  });

  it('serial counts runs, not writes; lineage stays', async () => {
    expect((await mlds(['apply', 'team.yaml', '--yes'])).code).toBe(0);
    const first = JSON.parse(readFileSync(join(cwd, '.mlds/team-live.state.json'), 'utf8')) as StateDocument;
    expect(first.serial).toBe(1);
    expect(first.lineage).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('mlds state', () => {
  it('list, show and rm (forgets without any AWS call) on the local state', async () => {
    expect((await mlds(['apply', 'team.yaml', '--yes'])).code).toBe(0);
    const listed = await mlds(['state', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('archive.bucket[0]');
    expect(listed.stdout).toContain('serial 1');
    const json = await mlds(['state', 'list', '--json', '--file', 'team.yaml']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      workflow: 'team-live',
      state: '.mlds/team-live.state.json',
      serial: 1,
      resources: [{ address: 'archive.bucket[0]' }, { address: 'archive.bucket[1]' }],
    });
    const shown = await mlds(['state', 'show', 'archive.bucket[1]']);
    expect(shown.stdout).toMatch(/name\s+team-live-archive/);

    const calls = fake.calls().length;
    const removed = await mlds(['state', 'rm', 'archive.bucket[1]']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('Removed archive.bucket[1]');
    // Forgotten is not let go: the tag still says whose it is, and the next apply adopts it.
    expect(unwrapped(removed.stdout)).toContain(
      'The state no longer records it: nothing was deleted in AWS. While it carries the tag mlds:workflow=team-live, the next apply adopts it again; remove that tag to let it go.',
    );
    expect(fake.calls()).toHaveLength(calls);
    const after = JSON.parse(readFileSync(join(cwd, '.mlds/team-live.state.json'), 'utf8')) as StateDocument;
    expect(after.serial).toBe(2);
    expect(after.resources.map((r) => r.address)).toStrictEqual(['archive.bucket[0]']);
    expect(existsSync(join(cwd, '.mlds/team-live.state.json.lock'))).toBe(false);

    const unknown = await mlds(['state', 'rm', 'archive.bucket[7]']);
    expect(unknown.code).toBe(2);
    expect(unwrapped(unknown.stderr)).toContain('archive.bucket[7] is not in the state');
    expect(unwrapped(unknown.stderr)).toContain('It records: archive.bucket[0]. Nothing was changed.');
    // show only reads: it says what the state records, and nothing about changes.
    const showUnknown = await mlds(['state', 'show', 'archive.bucket[7]']);
    expect(showUnknown.code).toBe(2);
    expect(unwrapped(showUnknown.stderr)).toContain('It records: archive.bucket[0].\n');
    expect(unwrapped(showUnknown.stderr)).not.toContain('Nothing was changed');
  });

  it('list and show a state edited by hand: its control characters escaped, the columns still aligned', async () => {
    expect((await mlds(['apply', 'team.yaml', '--yes'])).code).toBe(0);
    const file = join(cwd, '.mlds/team-live.state.json');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as StateDocument;
    const [first] = doc.resources;
    if (first === undefined) throw new Error('no resource');
    first.name = 'evil\x1b[31mred\x07';
    writeFileSync(file, JSON.stringify(doc));
    const listed = await mlds(['state', 'list', '--file', 'team.yaml']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain('\x1b');
    expect(listed.stdout).toContain('evil\\u001b[31mred\\u0007');
    const rows = listed.stdout.split('\n').filter((line) => line.includes(REGION));
    expect(rows.length).toBe(doc.resources.length);
    expect(new Set(rows.map((row) => row.indexOf(REGION))).size).toBe(1);
    const shown = await mlds(['state', 'show', first.address, '--file', 'team.yaml']);
    expect(shown.stdout).not.toContain('\x1b');
    expect(shown.stdout).toContain('evil\\u001b[31mred\\u0007');
  });

  it('list and show say of each record what `created` does not: read only, bound, as output says it', async () => {
    expect((await mlds(['apply', 'team.yaml', '--yes'])).code).toBe(0);
    const file = join(cwd, '.mlds/team-live.state.json');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as StateDocument;
    const [bucket, other] = doc.resources;
    if (bucket === undefined || other === undefined) throw new Error('two buckets expected');
    doc.resources = [
      bucket,
      { ...other, existing: true },
      { ...other, address: 'channel', kind: 'medialive-channel', name: '1234567', pipeline: null },
    ];
    writeFileSync(file, JSON.stringify(doc));
    const listed = await mlds(['state', 'list', '--file', 'team.yaml']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n').map((line) => line.trimEnd().split(/ {2,}/).at(-1))).toStrictEqual([
      'created',
      'created (read only)',
      'created (bound)',
      expect.stringMatching(/serial/),
      '',
    ]);
    const shown = await mlds(['state', 'show', 'channel', '--file', 'team.yaml']);
    expect(shown.stdout).toMatch(/^status +created \(bound\)$/m);
  });

  it('rm and show with no state file: exit 2 saying there is none, not that it records nothing', async () => {
    for (const sub of [['rm'], ['show']]) {
      const run = await mlds(['state', ...sub, 'archive.bucket[0]', '--file', 'team.yaml']);
      expect(run.code).toBe(2);
      expect(unwrapped(run.stderr)).toContain(
        'There is no state there: nothing is applied yet, or the state is elsewhere (--state, --file).',
      );
    }
  });

  it('push refuses a local state another run holds (exit 3 naming it); nothing is copied', async () => {
    expect((await mlds(['apply', 'team.yaml', '--yes'])).code).toBe(0);
    writeFileSync(
      join(cwd, '.mlds/team-live.state.json.lock'),
      JSON.stringify({ ...HOLDER, acquiredAt: HOLDER.since }),
    );
    const run = await mlds(['state', 'push', URL, '--file', 'team.yaml']);
    expect(run.code).toBe(3);
    expect(unwrapped(run.stderr)).toContain(
      "error: the state .mlds/team-live.state.json is locked by 'apply' on host ci-runner-3 (pid 77)",
    );
    expect(fake.s3Objects.text('team-state', 'mlds/team-live.json')).toBeUndefined();
  });

  it("push --file with a --region other than the file's: exit 2, nothing read or written; a bad URL is named as push's", async () => {
    expect((await mlds(['apply', 'team.yaml', '--yes'])).code).toBe(0);
    const calls = fake.calls().length;
    const run = await mlds(['state', 'push', URL, '--file', 'team.yaml', '--region', 'eu-west-1']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain(
      `error: state push: --region eu-west-1 is not the Region of team.yaml (${REGION}), where its commands look for an S3 state\nPush to a bucket in ${REGION}, without --region: 'state: ${URL}' in team.yaml would otherwise make every command look for it in ${REGION}. Nothing was read or written.`,
    );
    expect(fake.calls()).toHaveLength(calls);
    // Without --file, the state's own Region says the same.
    for (const argv of [
      ['state', 'push', URL, '--region', 'eu-west-1'],
      ['state', 'push', URL, '--state', '.mlds/team-live.state.json', '--region', 'eu-west-1'],
    ]) {
      const unnamed = await mlds(argv);
      expect(unnamed.code, argv.join(' ')).toBe(2);
      expect(unwrapped(unnamed.stderr)).toContain(
        `error: state push: the bucket is asked for in eu-west-1, and this state's workflow is in ${REGION}, where its commands look for an S3 state`,
      );
    }
    expect(fake.calls()).toHaveLength(calls);
    // Its own Region, given: as without --region.
    expect((await mlds(['state', 'push', URL, '--file', 'team.yaml', '--region', REGION])).code).toBe(0);

    const bad = await mlds(['state', 'push', 's3://Bad_Bucket/x.json', '--file', 'team.yaml']);
    expect(bad.code).toBe(2);
    expect(unwrapped(bad.stderr)).toContain(
      'error: state push: s3://Bad_Bucket/x.json names an invalid bucket',
    );
    expect(bad.stderr).not.toContain('--state');
  });

  it('push copies the local state to S3, then refuses a state of another lineage', async () => {
    expect((await mlds(['apply', 'team.yaml', '--yes'])).code).toBe(0);
    const local = JSON.parse(readFileSync(join(cwd, '.mlds/team-live.state.json'), 'utf8')) as StateDocument;
    const pushed = await mlds(['state', 'push', URL, '--file', 'team.yaml']);
    expect(unwrapped(pushed.stderr)).toBe('');
    expect(pushed.code).toBe(0);
    expect(unwrapped(pushed.stdout)).toBe(
      `Pushed .mlds/team-live.state.json to ${URL} (serial 1).\nNext: add 'state: ${URL}' to the workflow file, so that every command uses it, and move .mlds/team-live.state.json aside (mlds leaves it as it was; 'mlds state' without --state or --file still reads it).\n`,
    );
    expect(s3State()).toStrictEqual(local);
    const planned = await mlds(['plan', 'shared.yaml']);
    expect(planned.stdout).toContain('Plan: 0 to create, 0 to update, 0 to delete, 2 unchanged.');

    writeFileSync(
      join(cwd, 'other.state.json'),
      JSON.stringify({ ...local, lineage: 'another-history', serial: 5 }),
    );
    const refused = await mlds(['state', 'push', URL, '--state', 'other.state.json', '--region', REGION]);
    expect(refused.code).toBe(1);
    expect(unwrapped(refused.stderr)).toContain('another state of');
    expect(s3State()).toStrictEqual(local);
  });

  it('rm, push and unlock --json: one document each, nothing else on stdout', async () => {
    expect((await mlds(['apply', 'team.yaml', '--yes'])).code).toBe(0);
    const removed = await mlds(['state', 'rm', 'archive.bucket[1]', '--json']);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toStrictEqual({
      formatVersion: 1,
      state: '.mlds/team-live.state.json',
      serial: 2,
      removed: [
        { address: 'archive.bucket[1]', kind: 's3-bucket', name: 'team-live-archive-p1', region: REGION },
      ],
    });
    const pushed = await mlds(['state', 'push', URL, '--file', 'team.yaml', '--json']);
    expect(pushed.code).toBe(0);
    expect(JSON.parse(pushed.stdout)).toStrictEqual({
      formatVersion: 1,
      from: '.mlds/team-live.state.json',
      to: URL,
      written: true,
      serial: 2,
    });
    writeFileSync(join(cwd, '.mlds/team-live.state.json.lock'), JSON.stringify(HOLDER));
    const unlocked = await mlds(['state', 'unlock', 'f00dfeed', '--file', 'team.yaml', '--json']);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(JSON.parse(unlocked.stdout)).toStrictEqual({
      formatVersion: 1,
      state: '.mlds/team-live.state.json',
      removedLock: {
        id: 'f00dfeed',
        host: 'ci-runner-3',
        pid: 77,
        command: 'apply',
        acquiredAt: '2025-06-01T11:00:00.000Z',
      },
    });
  });

  it('unlock keeps the lock of a run still running on this host unless --force (terraform force-unlock asks)', async () => {
    expect((await mlds(['apply', 'team.yaml', '--yes'])).code).toBe(0);
    const lockFile = join(cwd, '.mlds/team-live.state.json.lock');
    // This very process is a run that is alive, on this host.
    const running = { ...HOLDER, host: hostname(), pid: process.pid };
    writeFileSync(lockFile, JSON.stringify(running));
    const refused = await mlds(['state', 'unlock', 'f00dfeed', '--file', 'team.yaml']);
    expect(refused.code).toBe(3);
    expect(unwrapped(refused.stderr)).toBe(
      `error: the lock f00dfeed of .mlds/team-live.state.json belongs to a run still running on this host: 'apply' (pid ${process.pid}) since 2025-06-01T11:00:00.000Z; nothing was removed\nStop that run (Ctrl-C lets its calls finish and releases the lock), or remove the lock anyway: 'mlds state unlock f00dfeed --state .mlds/team-live.state.json --force'; a run that loses its lock stops before its next write.\n`,
    );
    expect(existsSync(lockFile)).toBe(true);
    const forced = await mlds([
      'state',
      'unlock',
      'f00dfeed',
      '--state',
      '.mlds/team-live.state.json',
      '--force',
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('asks which state when it cannot tell', async () => {
    const run = await mlds(['state', 'list']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('which state?');
    const s3 = await mlds(['state', 'list', '--state', URL]);
    expect(s3.code).toBe(2);
    expect(unwrapped(s3.stderr)).toContain("needs its bucket's Region");
    const withEnv = await mlds(['state', 'list', '--state', URL], { AWS_REGION: REGION });
    expect(withEnv.code).toBe(0);
    expect(withEnv.stdout).toContain(`There is no state at ${URL}`);
  });
});
