import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters as plain } from 'node:util';
import { DeleteBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parseWorkflow, planWorkflow, type StateDocument } from '@mlds/core';
import { createFakeCloud, type FakeCloud, readExample } from '@mlds/fixtures';
import type { AwsClients } from '@mlds/provisioner';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFleet } from '../src/fleet-load.js';
import { lockFleet, releaseFleet } from '../src/fleet-lock.js';
import type { CliOptions } from '../src/main.js';
import { createColors } from '../src/terminal.js';
import {
  aroundSends,
  CLOCK_START,
  existingTexts,
  expectNoSecrets,
  firingAtFirstAnswer,
  runAgainstFake,
} from './fake-cli.js';
import { type FakeSignalSource, signalSource } from './fake-signals.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';
import { cdnDownstream, withHlsGroup } from './workflow-texts.js';

// Several workflow files in one apply or destroy (contract §7): one process, one confirmation, one summary,
// each workflow with its own state and lock. In-process through main(), against the fake cloud.

const ENV = { SOCIAL_STREAM_KEY: 'sk-live-5ecr3t-stream-key', CDN_PASSWORD: 'pa55-w0rd-for-the-cdn' };
const NAMES = ['court-1', 'court-2', 'court-3'] as const;

/** The seed example under another name, with SSM ingest passwords and an HTTP PUT password from the environment. */
function workflowText(name: string): string {
  return [
    withHlsGroup(
      readExample('curling-live').trimEnd().replace('workflow: curling-live', `workflow: ${name}`),
    ),
    ...cdnDownstream(),
    '',
  ].join('\n');
}

const ADDRESSES = [
  'packager.channel',
  'packager.password[0]',
  'packager.password[1]',
  'archive.bucket[0]',
  'archive.bucket[1]',
  'cdn.password',
];

let fake: FakeCloud;
let cwd: string;
let now: number;
let printed: string[];

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  now = CLOCK_START;
  printed = [];
  for (const name of NAMES) writeFileSync(join(cwd, `${name}.yaml`), workflowText(name));
});

afterEach(() => {
  const secrets = [...fake.secretValues(), ...Object.values(ENV)];
  expectNoSecrets([...printed, ...existingTexts(...NAMES.map((name) => join(cwd, stateOf(name))))], secrets);
});

async function mlds(argv: string[], options: Partial<Omit<CliOptions, 'argv'>> = {}): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, fake, env: ENV, clock: () => (now += 250), printed }, options);
}

function stateOf(name: string): string {
  return `.mlds/${name}.state.json`;
}

function readState(name: string): StateDocument {
  return JSON.parse(readFileSync(join(cwd, stateOf(name)), 'utf8')) as StateDocument;
}

const FILES = NAMES.map((name) => `${name}.yaml`);

function bucketNamesOf(name: string): string[] {
  const parsed = parseWorkflow(workflowText(name));
  if (parsed.workflow === undefined) throw new Error('invalid test workflow');
  return planWorkflow(parsed.workflow)
    .resources.filter((resource) => resource.kind === 's3-bucket')
    .map((resource) => resource.name);
}

/** Writes the lock of a run on another host into `name`'s state. */
function lockHeldByAnotherRun(name: string): void {
  mkdirSync(join(cwd, '.mlds'), { recursive: true });
  const since = new Date(now - 60_000).toISOString();
  const lock = { host: 'build-host-7', pid: 4242, acquiredAt: since, command: 'apply', token: 't' };
  writeFileSync(join(cwd, `${stateOf(name)}.lock`), JSON.stringify(lock));
}

describe('mlds apply / destroy with several workflow files', () => {
  it('counts what a fleet only reads apart from what it changes, as each workflow’s plan does', async () => {
    // The channel group the example names exists: mlds only reads it.
    fake.seed.mediaPackageV2ChannelGroup('live-events', 'eu-west-1');
    writeFileSync(join(cwd, 'news.yaml'), readExample('mediapackage-v2-hls'));
    const applied = await mlds(['apply', 'court-1.yaml', 'news.yaml', '--yes']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(
      'Fleet: 2 workflows, 2 with changes (7 resources to change, 1 to read), 0 unchanged.\n',
    );
    // Recorded once as read, it is nothing to do the next time.
    const again = await mlds(['apply', 'court-1.yaml', 'news.yaml', '--yes']);
    expect(again.stdout).toContain(
      'Fleet: 2 workflows, 0 with changes (0 resources to change), 2 unchanged.\n',
    );
  });

  it('applied again without --yes nor a terminal: exit 2, nothing called, not "unchanged" on the states’ word', async () => {
    expect((await mlds(['apply', 'court-1.yaml', 'court-2.yaml', '--yes'])).code).toBe(0);
    const calls = fake.calls().length;
    const again = await mlds(['apply', 'court-1.yaml', 'court-2.yaml']);
    expect(again.code).toBe(2);
    expect(unwrapped(again.stderr)).toContain(
      "error: apply needs confirmation, and stdin is not a terminal: pass --yes to apply without asking\nNothing was called: without --yes, apply reads nothing in AWS, so it cannot say whether AWS still holds what these workflows' states record. 'mlds plan court-1.yaml --refresh' compares one without changing anything.\n",
    );
    expect(fake.calls()).toHaveLength(calls);
  });

  it('the destinations hint carries the run’s --region, as output needs it to read those states', async () => {
    const applied = await mlds(['apply', 'court-1.yaml', 'court-2.yaml', '--yes', '--region', 'us-west-2']);
    expect(applied.code).toBe(0);
    expect(unwrapped(applied.stdout)).toContain(
      "Each workflow's destinations: 'mlds output court-1.yaml --region us-west-2', and so on for each of the 2 files applied.\n",
    );
  });

  it('applies three workflows in one run, each in its own state, then destroys them in one run', async () => {
    const applied = await mlds(['apply', ...FILES, '--yes']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    // One plan, grouped by workflow, then one fleet line and one summary.
    for (const name of NAMES) expect(applied.stdout).toContain(`== ${name} (${name}.yaml)\n`);
    expect(applied.stdout).toContain(
      'Fleet: 3 workflows, 3 with changes (18 resources to change), 0 unchanged.\n',
    );
    expect(applied.stdout).toContain('[+] court-2 archive.bucket[1] created');
    expect(applied.stdout).toContain(
      "Fleet apply: 3 of 3 workflows applied. In all: 18 created, 0 updated, 0 deleted.\nEach workflow's destinations: 'mlds output court-1.yaml', and so on for each of the 3 files applied.\n",
    );
    for (const name of NAMES) {
      const state = readState(name);
      expect(state.workflow).toBe(name);
      expect(state.resources.map((resource) => resource.address).sort()).toStrictEqual([...ADDRESSES].sort());
      expect(state.resources.every((resource) => resource.status === 'created')).toBe(true);
      expect(existsSync(join(cwd, `${stateOf(name)}.lock`))).toBe(false);
    }
    expect(
      fake
        .inventory()
        .mediapackage.map((channel) => channel.id)
        .sort(),
    ).toStrictEqual(NAMES.map((name) => `${name}-packager`));

    const again = await mlds(['apply', ...FILES, '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      'Fleet: 3 workflows, 0 with changes (0 resources to change), 3 unchanged.\n',
    );
    // A resource one state forgot is adopted: the fleet's totals say so, as the workflow's own line does.
    const stateRm = ['state', 'rm', 'archive.bucket[1]', '--state', stateOf('court-2')];
    expect((await mlds(stateRm)).code).toBe(0);
    const adopted = await mlds(['apply', ...FILES, '--yes']);
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toContain(
      'Fleet apply: 3 of 3 workflows applied. In all: 0 created, 1 adopted, 0 updated, 0 deleted.\n',
    );

    const destroyed = await mlds(['destroy', ...FILES, '--yes']);
    expect(destroyed.stderr).toBe('');
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).toContain('Fleet: 3 workflows, 3 with resources (18 resources to delete).\n');
    expect(destroyed.stdout).toContain('Fleet destroy: 3 of 3 workflows destroyed. In all: 18 deleted.\n');
    for (const name of NAMES) expect(readState(name).resources).toStrictEqual([]);
    const inventory = fake.inventory();
    expect(inventory.mediapackage).toStrictEqual([]);
    expect(inventory.s3).toStrictEqual([]);
    expect(inventory.ssm).toStrictEqual([]);
  });

  it('on a terminal: one confirmation for the fleet, then a live line per workflow and its result', async () => {
    const answers = (async function* () {
      yield 'yes\n';
    })();
    const run = await mlds(['apply', 'court-1.yaml', 'court-2.yaml'], {
      isTTY: true,
      env: { ...ENV, FORCE_COLOR: '1' },
      stdin: Object.assign(answers, { isTTY: true }),
    });
    expect(run.code).toBe(0);
    const shown = plain(run.stdout);
    expect(shown.match(/Apply these changes to 2 workflows\? Only 'yes' is accepted: /g)).toHaveLength(1);
    expect(shown).toMatch(/ court-1 {2}\d\/6 done, \d running/);
    expect(shown).toMatch(/ court-2 {2}\d\/6 done, \d running/);
    expect(shown).toContain(
      '[✓] court-1: Apply complete: 6 created, 0 updated, 0 deleted. State: .mlds/court-1.state.json (serial 1)\n',
    );
    expect(shown).toContain('[✓] court-2: Apply complete: 6 created');
    // The live region is redrawn in place, not appended per resource.
    expect(run.stdout).toContain('\x1b[J');
    expect(shown).not.toContain('[+] court-1 packager.channel created');
  });

  it('apply refreshes every workflow first: a bucket deleted by hand is created again; --refresh=false plans from the states', async () => {
    expect((await mlds(['apply', ...FILES, '--yes'])).code).toBe(0);
    const [bucket] = bucketNamesOf('court-2');
    if (bucket === undefined) throw new Error('court-2 plans no bucket');
    await fake.clients.s3('us-west-2').send(new DeleteBucketCommand({ Bucket: bucket }));

    const stale = await mlds(['apply', ...FILES, '--yes', '--refresh=false']);
    expect(stale.code).toBe(0);
    expect(stale.stdout).toContain(
      'Fleet: 3 workflows, 0 with changes (0 resources to change), 3 unchanged.\n',
    );

    const mutating = fake.mutatingCalls().length;
    const refreshed = await mlds(['apply', ...FILES, '--yes', '--json']);
    expect(refreshed.code).toBe(0);
    const document = JSON.parse(refreshed.stdout);
    const changed = document.workflows.map(
      (workflow: { resources: { address: string; outcome: string }[] }) =>
        workflow.resources
          .filter((resource) => resource.outcome !== 'unchanged')
          .map((resource) => resource.address),
    );
    expect(changed).toStrictEqual([[], ['archive.bucket[0]'], []]);
    expect(fake.inventory().s3.map((entry) => entry.name)).toContain(bucket);
    expect(
      fake
        .mutatingCalls()
        .slice(mutating)
        .every((call) => JSON.stringify(call.input).includes(bucket)),
    ).toBe(true);
  });

  it('--json: one document with each workflow’s own apply document, in the order given', async () => {
    const run = await mlds(['apply', 'court-3.yaml', 'court-1.yaml', '--yes', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout);
    expect(Object.keys(document)).toStrictEqual(['formatVersion', 'result', 'workflows']);
    expect(document.formatVersion).toBe(1);
    expect(document.result).toBe('ok');
    expect(document.workflows.map((workflow: { workflow: string }) => workflow.workflow)).toStrictEqual([
      'court-3',
      'court-1',
    ]);
    // Each entry is exactly what `mlds apply <file> --json` prints: compared with a single-file run's shape.
    const single = JSON.parse((await mlds(['apply', 'court-2.yaml', '--yes', '--json'])).stdout);
    for (const workflow of document.workflows) {
      expect(Object.keys(workflow)).toStrictEqual(Object.keys(single));
      expect(workflow.result).toBe('ok');
      expect(workflow.resources).toStrictEqual(
        ADDRESSES.map((address) => ({
          address,
          kind: single.resources.find((resource: { address: string }) => resource.address === address).kind,
          outcome: 'created',
        })),
      );
      // The destinations with every value real, as `output` reads them back from that workflow's own state.
      const output = JSON.parse((await mlds(['output', `${workflow.workflow}.yaml`, '--json'])).stdout);
      expect(workflow.destinations).toStrictEqual(output.destinations);
    }
  });

  it('a locked workflow is left out and reported; the others are applied; exit 3', async () => {
    lockHeldByAnotherRun('court-2');
    const run = await mlds(['apply', ...FILES, '--yes', '--json']);
    expect(run.code).toBe(3);
    expect(unwrapped(run.stderr)).toContain(
      `locked: court-2 (court-2.yaml) is left out of this run: the state ${stateOf('court-2')} is locked by 'apply' on host build-host-7`,
    );
    expect(unwrapped(run.stderr)).toContain(
      'error: 1 of 3 workflows were locked by another run and left out: court-2\n',
    );
    const document = JSON.parse(run.stdout);
    expect(document.result).toBe('locked');
    expect(document.workflows.map((workflow: { result: string }) => workflow.result)).toStrictEqual([
      'ok',
      'locked',
      'ok',
    ]);
    expect(readState('court-1').resources).toHaveLength(6);
    expect(readState('court-3').resources).toHaveLength(6);
    expect(existsSync(join(cwd, stateOf('court-2')))).toBe(false);
    // The other run's lock is not ours to remove; ours are released.
    expect(existsSync(join(cwd, `${stateOf('court-2')}.lock`))).toBe(true);
    expect(existsSync(join(cwd, `${stateOf('court-1')}.lock`))).toBe(false);
    expect(fake.calls().some((call) => JSON.stringify(call.input).includes('court-2'))).toBe(false);
  });

  it('one failing workflow: exit 1, named with its cause; the others are applied and every state records its work', async () => {
    const [foreign] = bucketNamesOf('court-2');
    if (foreign === undefined) throw new Error('court-2 plans no bucket');
    fake.seed.bucket(foreign, 'us-west-2', { tags: { owner: 'someone-else' } });
    const run = await mlds(['apply', ...FILES, '--yes']);
    expect(run.code).toBe(1);
    expect(unwrapped(run.stderr)).toContain(
      'error: court-2: apply failed for 1 resource:\n  archive.bucket[0]: ',
    );
    expect(unwrapped(run.stderr)).toContain('error: apply failed for 1 of 3 workflows: court-2\n');
    expect(run.stdout).toContain('Fleet apply: 2 of 3 workflows applied, 1 failed.');
    // The destinations to look at are those of the workflows applied.
    expect(unwrapped(run.stdout)).toContain(
      "Each workflow's destinations: 'mlds output court-1.yaml', and so on for each of the 2 files applied.\n",
    );
    expect(readState('court-1').resources).toHaveLength(6);
    expect(readState('court-3').resources).toHaveLength(6);
    const partial = readState('court-2').resources;
    expect(
      partial.some((resource) => resource.address === 'archive.bucket[0]' && resource.status === 'created'),
    ).toBe(false);
    expect(
      partial.some((resource) => resource.address === 'packager.channel' && resource.status === 'created'),
    ).toBe(true);
    for (const name of NAMES) expect(existsSync(join(cwd, `${stateOf(name)}.lock`))).toBe(false);
  });

  it('a workflow that failed with nothing created says so; the one that created something points at its state', async () => {
    writeFileSync(
      join(cwd, 'lone.yaml'),
      'workflow: lone\nregion: us-west-2\nchannelClass: SINGLE_PIPELINE\ndownstream:\n  - name: archive\n    system: s3\n',
    );
    fake.seed.bucket('lone-archive-p0', 'us-west-2', { ownedByOtherAccount: true });
    const [taken] = bucketNamesOf('court-2');
    fake.seed.bucket(taken as string, 'us-west-2', { ownedByOtherAccount: true });
    const run = await mlds(['apply', 'lone.yaml', 'court-2.yaml', '--yes']);
    expect(run.code).toBe(1);
    const stderr = unwrapped(run.stderr);
    expect(stderr).toContain(
      'error: lone: apply failed for 1 resource:\n  archive.bucket[0]: BucketNameTakenError',
    );
    expect(stderr).toContain(
      "Nothing was created or changed. Fix the cause, then run 'mlds apply lone.yaml' again.\n",
    );
    expect(stderr).toContain(
      "What was created is recorded in the state .mlds/court-2.state.json. Fix the cause, then run 'mlds apply court-2.yaml' again",
    );
    expect(stderr.match(/What was created/g)).toHaveLength(1);
  });

  it('one failed and one locked: the worst outcome wins, exit 1, and the locked one is named for the next run', async () => {
    lockHeldByAnotherRun('court-1');
    const [foreign] = bucketNamesOf('court-2');
    if (foreign === undefined) throw new Error('court-2 plans no bucket');
    fake.seed.bucket(foreign, 'us-west-2', { tags: { owner: 'someone-else' } });
    const run = await mlds(['apply', ...FILES, '--yes', '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).result).toBe('failed');
    expect(unwrapped(run.stderr)).toContain('error: apply failed for 1 of 3 workflows: court-2\n');
    expect(run.stderr.replace(/\s+/g, ' ')).toContain(
      'Locked, left out: court-1; run apply again for them once the other run is over.',
    );
    expect(readState('court-3').resources).toHaveLength(6);
  });

  it('one invalid file: exit 2, with nothing called or locked for any workflow', async () => {
    writeFileSync(
      join(cwd, 'bad.yaml'),
      workflowText('court-9').replace('region: us-west-2', 'region: mars'),
    );
    const run = await mlds(['apply', 'court-1.yaml', 'bad.yaml', 'court-3.yaml', '--yes']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('bad.yaml');
    // The others were not run either, and it says so.
    expect(unwrapped(run.stderr).trimEnd()).toMatch(
      /error: bad\.yaml is not a valid workflow.*\nerror: 1 of 3 workflow files is invalid; nothing was called\.$/,
    );
    expect(fake.calls()).toStrictEqual([]);
    expect(existsSync(join(cwd, '.mlds'))).toBe(false);
  });

  it('several invalid files: each one’s diagnostics in the order given, then the count, exit 2', async () => {
    writeFileSync(
      join(cwd, 'bad-1.yaml'),
      workflowText('court-8').replace('region: us-west-2', 'region: mars'),
    );
    writeFileSync(
      join(cwd, 'bad-2.yaml'),
      workflowText('court-9').replace('region: us-west-2', 'region: venus'),
    );
    const run = await mlds(['apply', 'bad-1.yaml', 'court-1.yaml', 'bad-2.yaml', '--yes']);
    expect(run.code).toBe(2);
    const stderr = unwrapped(run.stderr);
    const order = [
      'bad-1.yaml:4:9',
      'error: bad-1.yaml is not a valid workflow',
      'bad-2.yaml:4:9',
      'error: bad-2.yaml is not a valid workflow',
      'error: 2 of 3 workflow files are invalid',
    ];
    const at = order.map((text) => stderr.indexOf(text));
    expect(at.every((position) => position >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toStrictEqual(at);
    expect(stderr.trimEnd().endsWith('2 of 3 workflow files are invalid; nothing was called.')).toBe(true);
    expect(fake.calls()).toStrictEqual([]);
  });

  it.each([['apply'], ['destroy']])(
    '%s --json with invalid files: one document, every file’s diagnostics under its name, exit 2',
    async (command) => {
      writeFileSync(
        join(cwd, 'bad-1.yaml'),
        workflowText('court-8').replace('region: us-west-2', 'region: mars'),
      );
      const run = await mlds([command, 'bad-1.yaml', 'court-1.yaml', 'gone.yaml', '--yes', '--json']);
      expect(run.code).toBe(2);
      const document = JSON.parse(run.stdout);
      expect([document.formatVersion, document.result]).toStrictEqual([1, 'invalid']);
      expect(document.workflows.map((entry: { file: string }) => entry.file)).toStrictEqual([
        'bad-1.yaml',
        'gone.yaml',
      ]);
      const [bad, gone] = document.workflows;
      expect(bad.workflow).toBe('court-8');
      expect(
        bad.diagnostics.map((d: { path: string; severity: string }) => [d.path, d.severity]),
      ).toContainEqual(['region', 'error']);
      expect(gone).toStrictEqual({ file: 'gone.yaml', error: 'workflow file gone.yaml not found' });
      expect(unwrapped(run.stderr)).toContain(
        'error: 2 of 3 workflow files are invalid; nothing was called.',
      );
      expect(run.stderr).not.toContain('bad-1.yaml:4:9');
      expect(fake.calls()).toStrictEqual([]);
    },
  );

  it.each([
    [['apply', 'court-1.yaml', 'court-1.yaml'], 'court-1.yaml and court-1.yaml name the workflow court-1'],
    [['apply', 'court-1.yaml', 'copy.yaml'], 'court-1.yaml and copy.yaml name the workflow court-1'],
    [['apply', 'court-1.yaml', 'court-2.yaml', '--state', 'one.json'], '--state names one state'],
    [['destroy', 'court-1.yaml', 'court-2.yaml', '--state', 'one.json'], '--state names one state'],
    [['apply', 'court-1.yaml', '-'], '- (stdin) cannot be one of several workflow files'],
    [
      ['apply', 'court-1.yaml', 'court-2.yaml', '--restart-channel'],
      '--restart-channel: none of these workflows binds a MediaLive channel',
    ],
  ])('mlds %j: exit 2 before any call (%s)', async (argv, message) => {
    writeFileSync(join(cwd, 'copy.yaml'), workflowText('court-1'));
    const run = await mlds([...argv, '--yes']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain(message);
    expect(fake.calls()).toStrictEqual([]);
    expect(existsSync(join(cwd, '.mlds'))).toBe(false);
  });

  it('two workflows naming the same state: exit 2 before any call', async () => {
    for (const name of ['court-1', 'court-2']) {
      writeFileSync(join(cwd, `${name}.yaml`), `state: shared.json\n${workflowText(name)}`);
    }
    const run = await mlds(['apply', 'court-1.yaml', 'court-2.yaml', '--yes']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('court-1.yaml and court-2.yaml name the state shared.json');
    expect(fake.calls()).toStrictEqual([]);
  });

  it('a saved plan among workflow files: exit 2 before any call', async () => {
    expect((await mlds(['plan', 'court-1.yaml', '--out', 'court-1.plan'])).code).toBe(0);
    const run = await mlds(['apply', 'court-1.plan', 'court-2.yaml', '--yes']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain(
      'court-1.plan is a saved plan, and a saved plan is applied on its own',
    );
    expect(fake.calls()).toStrictEqual([]);
  });

  it('without --yes and no terminal: the plans are shown, then exit 2 with nothing locked or called', async () => {
    const run = await mlds(['apply', ...FILES]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Fleet: 3 workflows, 3 with changes');
    expect(unwrapped(run.stderr)).toContain('pass --yes');
    expect(fake.calls()).toStrictEqual([]);
    expect(existsSync(join(cwd, '.mlds'))).toBe(false);
  });

  it('a missing { env } secret in one workflow: exit 2 before the question, nothing called for any', async () => {
    writeFileSync(
      join(cwd, 'court-2.yaml'),
      workflowText('court-2').replace('CDN_PASSWORD', 'COURT2_PASSWORD'),
    );
    const run = await mlds(['apply', ...FILES, '--yes']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('COURT2_PASSWORD (for court-2 cdn.password)');
    expect(fake.calls()).toStrictEqual([]);
    for (const name of NAMES) expect(existsSync(join(cwd, `${stateOf(name)}.lock`))).toBe(false);
  });

  it('answering anything but yes cancels the whole fleet: exit 1, nothing called, every lock released', async () => {
    const answers = (async function* () {
      yield 'no\n';
    })();
    const run = await mlds(['apply', ...FILES], { stdin: Object.assign(answers, { isTTY: true }) });
    expect(run.code).toBe(1);
    expect(run.stdout.match(/Apply these changes to 3 workflows\?/g)).toHaveLength(1);
    expect(unwrapped(run.stderr)).toContain('error: apply cancelled: nothing was changed\n');
    expect(fake.calls()).toStrictEqual([]);
    for (const name of NAMES) expect(existsSync(join(cwd, `${stateOf(name)}.lock`))).toBe(false);
  });

  it('destroy: one workflow refused (a bucket holds objects) does not stop the others; exit 1', async () => {
    expect((await mlds(['apply', ...FILES, '--yes'])).code).toBe(0);
    const [bucket] = bucketNamesOf('court-2');
    if (bucket === undefined) throw new Error('court-2 plans no bucket');
    await fake.clients.s3('us-west-2').send(new PutObjectCommand({ Bucket: bucket, Key: 'a.ts', Body: 'x' }));
    const run = await mlds(['destroy', ...FILES, '--yes', '--json']);
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(document.result).toBe('failed');
    const court2 = document.workflows[1];
    expect(court2.result).toBe('refused');
    expect(court2.resources).toStrictEqual([]);
    expect(court2.blockers.map((blocker: { address: string }) => blocker.address)).toStrictEqual([
      'archive.bucket[0]',
    ]);
    expect(readState('court-1').resources).toStrictEqual([]);
    expect(readState('court-3').resources).toStrictEqual([]);
    expect(readState('court-2').resources).toHaveLength(6);
    expect(unwrapped(run.stderr)).toContain('error: destroy failed for 1 of 3 workflows: court-2\n');
    // With --json nothing is shown above: the hint sends to the documents.
    expect(unwrapped(run.stderr)).toContain(
      "Each workflow's failure is in its document on stdout (its error, failures or blockers)",
    );
    // Without --json, the refusal and its hint on stderr, as a single workflow's are: wrapped at 100 columns.
    const again = await mlds(['destroy', ...FILES, '--yes']);
    expect(again.code).toBe(1);
    expect(unwrapped(again.stderr)).toContain(
      'error: court-2: destroy refused, nothing was deleted: archive.bucket[0] is not empty\n',
    );
    // The live result line names it too.
    expect(plain(again.stdout)).toContain(
      'court-2: destroy refused, nothing was deleted: archive.bucket[0] is not empty',
    );
    expect(unwrapped(again.stderr)).toContain(
      "Empty them yourself, or run 'mlds destroy court-2.yaml --force': it first stops new writes",
    );
    expect(unwrapped(again.stderr)).toContain("Each workflow's failure is shown above");
    expect(again.stderr.split('\n').filter((line) => plain(line).length > 100)).toStrictEqual([]);
  });

  it('destroy: a workflow never applied has nothing to destroy, and gets no state file', async () => {
    expect((await mlds(['apply', 'court-1.yaml', '--yes'])).code).toBe(0);
    const run = await mlds(['destroy', 'court-1.yaml', 'court-2.yaml', '--yes']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Nothing to destroy: there is no state file ${stateOf('court-2')}.`);
    expect(existsSync(join(cwd, stateOf('court-2')))).toBe(false);
    expect(readState('court-1').resources).toStrictEqual([]);
  });

  it('destroy: a workflow whose first apply holds the lock (no state file yet) is reported locked, exit 3', async () => {
    expect((await mlds(['apply', 'court-1.yaml', '--yes'])).code).toBe(0);
    lockHeldByAnotherRun('court-2');
    const run = await mlds(['destroy', 'court-1.yaml', 'court-2.yaml', '--yes', '--json']);
    expect(run.code).toBe(3);
    const document = JSON.parse(run.stdout);
    expect(
      document.workflows.map((workflow: { workflow: string; result: string }) => [
        workflow.workflow,
        workflow.result,
      ]),
    ).toStrictEqual([
      ['court-1', 'ok'],
      ['court-2', 'locked'],
    ]);
    expect(existsSync(join(cwd, stateOf('court-2')))).toBe(false);
    // Without --yes and without a terminal nothing is locked: exit 2, not "nothing to destroy" for it.
    for (const argv of [
      ['destroy', 'court-1.yaml', 'court-2.yaml'],
      ['destroy', 'court-2.yaml', 'court-3.yaml', '--json'],
    ]) {
      const unconfirmed = await mlds(argv);
      expect(unconfirmed.code, argv.join(' ')).toBe(2);
      expect(unconfirmed.stdout).not.toContain(`there is no state file ${stateOf('court-2')}`);
      if (!argv.includes('--json')) {
        expect(unwrapped(unconfirmed.stderr)).toContain(
          `Locked by another run, with no state yet: ${stateOf('court-2')}.`,
        );
      }
    }
  });

  it('apply without --yes (stdin not a terminal): exit 2, and the hint names the states locked by other runs', async () => {
    lockHeldByAnotherRun('court-1');
    lockHeldByAnotherRun('court-3');
    const run = await mlds(['apply', ...FILES]);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain(
      `Nothing was changed. These states are locked by other runs, so what is shown for them may be out of date: ${stateOf('court-1')}, ${stateOf('court-3')}. With --yes, apply would leave those workflows out (exit 3) until those runs end (a lock whose process is gone from this host is taken over).`,
    );
    expect(fake.calls()).toStrictEqual([]);
    // One of them: said of that state alone.
    const one = await mlds(['apply', 'court-1.yaml', 'court-2.yaml']);
    expect(one.code).toBe(2);
    expect(unwrapped(one.stderr)).toContain(
      `The state ${stateOf('court-1')} is locked by another run, so what is shown may be out of date: with --yes, apply would stop with exit 3 until that run ends`,
    );
  });

  it('destroy --json: a locked workflow is left out, the others destroyed, exit 3', async () => {
    expect((await mlds(['apply', ...FILES, '--yes'])).code).toBe(0);
    lockHeldByAnotherRun('court-1');
    const run = await mlds(['destroy', ...FILES, '--yes', '--json']);
    expect(run.code).toBe(3);
    const document = JSON.parse(run.stdout);
    expect(document.result).toBe('locked');
    expect(
      document.workflows.map((workflow: { workflow: string; result: string }) => [
        workflow.workflow,
        workflow.result,
      ]),
    ).toStrictEqual([
      ['court-1', 'locked'],
      ['court-2', 'ok'],
      ['court-3', 'ok'],
    ]);
    expect(readState('court-1').resources).toHaveLength(6);
    expect(readState('court-2').resources).toStrictEqual([]);
    expect(fake.inventory().mediapackage.map((channel) => channel.id)).toStrictEqual(['court-1-packager']);
  });
});

describe('the fleet shares', () => {
  it('one request limiter and one set of AWS clients between all its workflows, each with its own state', async () => {
    const writer = { write: () => true };
    const context = {
      cwd,
      env: {},
      stdout: writer,
      stderr: writer,
      stdin: undefined,
      isTTY: false,
      colors: createColors(false),
      awsClients: () => fake.clients,
    };
    const options = {
      files: FILES,
      statePath: undefined,
      region: undefined,
      profile: undefined,
      yes: true,
      json: false,
    };
    const fleet = await lockFleet('apply', options, await loadFleet(options, context), context);
    try {
      const [first, ...others] = fleet.running;
      expect(fleet.running).toHaveLength(3);
      for (const other of others) {
        expect(other.provisioning.limiter).toBe(first?.provisioning.limiter);
        expect(other.provisioning.clients).toBe(first?.provisioning.clients);
        expect(other.provisioning.store).not.toBe(first?.provisioning.store);
      }
      for (const name of NAMES) expect(existsSync(join(cwd, `${stateOf(name)}.lock`))).toBe(true);
    } finally {
      await releaseFleet(fleet.running);
    }
    for (const name of NAMES) expect(existsSync(join(cwd, `${stateOf(name)}.lock`))).toBe(false);
  });
});

describe('SIGINT during a fleet', () => {
  /**
   * A signal source that must not be asked to exit at once, fired (SIGINT, once) as a call returns that has
   * brought the mutating calls to `count` or more, before the caller sees it; and the fake cloud's clients that do so.
   */
  function sigintAfter(count: number): { source: FakeSignalSource; clients: AwsClients } {
    const source = signalSource({
      exitNow() {
        throw new Error('a single signal must not end the process at once');
      },
    });
    let fired = false;
    const clients = aroundSends(fake, async (send) => {
      const before = fake.mutatingCalls().length;
      const result = await send();
      const after = fake.mutatingCalls().length;
      if (after > before && after >= count && !fired) {
        fired = true;
        source.fire('SIGINT');
      }
      return result;
    });
    return { source, clients };
  }

  it('the summary counts interrupted workflows and resources as interrupted, not failed, and names none that exists as not started', async () => {
    const { source, clients } = sigintAfter(1);
    const run = await mlds(['apply', ...FILES, '--yes'], {
      awsClients: () => clients,
      signals: source.signals,
    });
    expect(run.code).toBe(130);
    const stdout = unwrapped(run.stdout);
    expect(stdout).toMatch(
      /^Fleet apply: 0 of 3 workflows applied, 3 interrupted\. In all: \d+ created, 0 updated, 0 deleted, \d+ interrupted midway, \d+ not started\.$/m,
    );
    expect(stdout).not.toMatch(/failed/);
    expect(run.stderr).not.toContain('InterruptedCallError');
    // One error on stderr, the fleet's: each workflow's interrupt is its result line, said once.
    expect(unwrapped(run.stderr).match(/^error: /gm)).toStrictEqual(['error: ']);
    // A command to paste: the same files, in the same order.
    expect(unwrapped(run.stderr)).toContain(`Run 'mlds apply ${FILES.join(' ')}' again to finish the job.`);
    // Each workflow's result line: what exists is never "not started".
    const existing = NAMES.flatMap((name) => {
      // A workflow the interrupt stopped before its first call (the workflows start in no set order, and a
      // busy machine may start one late) has no state: it records its intent before each call, and made none.
      const recorded = existsSync(join(cwd, stateOf(name))) ? readState(name).resources : [];
      const addressOf = new Map(recorded.map((r) => [r.name, `${name} ${r.address}`]));
      const inventory = fake.inventory();
      const physicals = [
        ...inventory.s3.map((bucket) => bucket.name),
        ...inventory.mediapackage.map((channel) => channel.id),
        ...inventory.ssm.map((parameter) => parameter.name),
      ];
      if (recorded.length === 0)
        expect(physicals.filter((physical) => physical.includes(name))).toStrictEqual([]);
      return physicals
        .map((physical) => addressOf.get(physical))
        .filter((address): address is string => address !== undefined);
    });
    expect(existing.length).toBeGreaterThan(0);
    for (const address of existing) {
      const [workflow, resource] = address.split(' ') as [string, string];
      const resultLines = new RegExp(`^\\[~\\] ${workflow}: [^\\n]*(\\n  [^\\n]*)*`, 'm').exec(stdout)?.[0];
      expect(resultLines).toBeDefined();
      const notStarted = /not started: ([^\n]*)/.exec(resultLines ?? '')?.[1] ?? '';
      expect({ address, notStarted: notStarted.split(', ').includes(resource) }).toStrictEqual({
        address,
        notStarted: false,
      });
      expect(stdout).toMatch(
        new RegExp(
          `^\\[(\\+|~)\\] ${workflow} ${resource.replace(/[[\]]/g, '\\$&')} (created|interrupted after)`,
          'm',
        ),
      );
    }
  });

  it("a signal during destroy's pre-check: every workflow's resources are left to do, none is said done", async () => {
    expect((await mlds(['apply', ...FILES, '--yes'])).code).toBe(0);
    const before = fake.mutatingCalls().length;
    const source = signalSource({
      exitNow() {
        throw new Error('a single signal must not end the process at once');
      },
    });
    // At the first answer of the pre-check's reads: the other reads are refused, and nothing is deleted.
    const clients = firingAtFirstAnswer(fake, () => source.fire('SIGINT'));
    const run = await mlds(['destroy', ...FILES, '--yes', '--json'], {
      awsClients: () => clients,
      signals: source.signals,
    });
    expect(run.code).toBe(130);
    expect(fake.mutatingCalls()).toHaveLength(before);
    const document = JSON.parse(run.stdout) as {
      result: string;
      workflows: { workflow: string; result: string; resources: { address: string; outcome: string }[] }[];
    };
    expect(document.result).toBe('interrupted');
    expect(
      document.workflows.map((workflow) => ({
        workflow: workflow.workflow,
        result: workflow.result,
        resources: workflow.resources.map((resource) => resource.outcome),
      })),
    ).toStrictEqual(
      NAMES.map((name) => ({
        workflow: name,
        result: 'interrupted',
        resources: ADDRESSES.map(() => 'skipped'),
      })),
    );
    expect(unwrapped(run.stderr)).not.toContain('after its last calls had finished');
    // Left to do, and done by the next run.
    expect((await mlds(['destroy', ...FILES, '--yes'])).code).toBe(0);
    expect(fake.inventory().s3).toStrictEqual([]);
  });

  it('a signal at the last call: every workflow applied and said so, exit 130, nothing left for a next run', async () => {
    // The calls a whole fleet apply makes, then the same apply again from nothing, with the signal at its last.
    expect((await mlds(['apply', ...FILES, '--yes'])).code).toBe(0);
    const total = fake.mutatingCalls().length;
    expect((await mlds(['destroy', ...FILES, '--yes'])).code).toBe(0);
    const before = fake.mutatingCalls().length;
    const { source, clients } = sigintAfter(before + total);
    const run = await mlds(['apply', ...FILES, '--yes'], {
      awsClients: () => clients,
      signals: source.signals,
    });
    expect(run.code).toBe(130);
    expect(fake.mutatingCalls()).toHaveLength(before + total);
    expect(unwrapped(run.stdout)).toContain(
      'Fleet apply: 3 of 3 workflows applied. In all: 18 created, 0 updated, 0 deleted.\n',
    );
    expect(unwrapped(run.stderr)).toContain(
      `error: apply interrupted after its last calls had finished: every workflow is done and recorded in its state; the locks are released\nNothing is left to do: 'mlds apply ${FILES.join(' ')}' again would change nothing.\n`,
    );
    const again = await mlds(['apply', ...FILES, '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      'Fleet: 3 workflows, 0 with changes (0 resources to change), 3 unchanged.\n',
    );
    expect(fake.mutatingCalls()).toHaveLength(before + total);
  });

  it('stops every workflow: no new call starts, what was done is recorded, the locks released, exit 130; apply again finishes', async () => {
    const { source, clients } = sigintAfter(4);
    const run = await mlds(['apply', ...FILES, '--yes', '--json'], {
      awsClients: () => clients,
      signals: source.signals,
    });
    expect(run.code).toBe(130);
    const document = JSON.parse(run.stdout);
    expect(document.result).toBe('interrupted');
    expect(unwrapped(run.stderr)).toContain('Interrupted: no new AWS call starts in any workflow');
    expect(source.listening()).toBe(0);
    // Everything in the account is recorded in its workflow's state (created, or creating when the signal came
    // during one of its steps): nothing is lost.
    const recorded = NAMES.flatMap((name) =>
      existsSync(join(cwd, stateOf(name))) ? readState(name).resources.map((resource) => resource.name) : [],
    );
    const created = [
      ...fake.inventory().s3.map((bucket) => bucket.name),
      ...fake.inventory().mediapackage.map((channel) => channel.id),
      ...fake.inventory().ssm.map((parameter) => parameter.name),
    ];
    for (const name of created) expect(recorded).toContain(name);
    expect(created.length).toBeLessThan(18);
    for (const name of NAMES) expect(existsSync(join(cwd, `${stateOf(name)}.lock`))).toBe(false);

    const again = await mlds(['apply', ...FILES, '--yes']);
    expect(again.code).toBe(0);
    for (const name of NAMES) {
      expect(readState(name).resources).toHaveLength(6);
      expect(readState(name).resources.every((resource) => resource.status === 'created')).toBe(true);
    }
  });
});
