import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters as plain } from 'node:util';
import { DeleteBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import {
  KNOWN_AFTER_APPLY,
  parseWorkflow,
  planWorkflow,
  resolveDestinations,
  SENSITIVE,
  type StateDocument,
} from '@mlds/core';
import { createFakeCloud, examplePath, type FakeCloud, readExample } from '@mlds/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliOptions } from '../src/main.js';
import {
  CLOCK_START,
  existingTexts,
  expectNoSecrets,
  mediaPackageChannelOf,
  runAgainstFake,
} from './fake-cli.js';
import { typedStdin } from './fake-terminal.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';
import { cdnDownstream, hlsToMediaPackageWorkflow, withHlsGroup } from './workflow-texts.js';

// apply, output and destroy run in-process through main(), against the fake cloud of @mlds/fixtures (real SDK
// clients, real exception classes) and a real state file in a temporary directory.

const REGION = 'us-west-2';
const SEED = examplePath('curling-live');
const STATE = '.mlds/curling-live.state.json';
const ENV = { SOCIAL_STREAM_KEY: 'sk-live-5ecr3t-stream-key', CDN_PASSWORD: 'pa55-w0rd-for-the-cdn' };

/** The seed example, with the packager fed by an HLS group (ingest URLs, users and passwords known only after
 * apply) and an HTTP PUT server whose password comes from the environment. */
const FULL = [withHlsGroup(readExample('curling-live').trimEnd()), ...cdnDownstream(), ''].join('\n');

const FULL_ADDRESSES = [
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
/** Every run's output, scanned for secrets after each test. */
let printed: string[];

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  now = CLOCK_START;
  printed = [];
  writeFileSync(join(cwd, 'full.yaml'), FULL);
});

afterEach(() => {
  expectNoSecrets(
    [...printed, ...existingTexts(join(cwd, STATE))],
    [...fake.secretValues(), ...Object.values(ENV)],
  );
});

/** `mlds <argv>` against the fake cloud, with instant sleeps and a clock that moves 250 ms per reading. */
async function mlds(argv: string[], options: Partial<Omit<CliOptions, 'argv'>> = {}): Promise<CliRun> {
  const run = await runAgainstFake(
    argv,
    { cwd, fake, env: ENV, clock: () => (now += 250), printed },
    options,
  );
  // Messages wrap at 100 columns; the assertions read them as written.
  return { ...run, stderr: unwrapped(run.stderr) };
}

function readState(): StateDocument {
  return readStateOf('curling-live');
}

function readStateOf(workflow: string): StateDocument {
  return JSON.parse(readFileSync(join(cwd, `.mlds/${workflow}.state.json`), 'utf8')) as StateDocument;
}

/** A stdin that a person types `answer` into, on a terminal. */
function terminalStdin(answer: string) {
  return typedStdin(answer.slice(0, 1), answer.slice(1));
}

function planOf(text: string, state?: StateDocument) {
  const parsed = parseWorkflow(text);
  if (parsed.workflow === undefined) throw new Error('invalid test workflow');
  return planWorkflow(parsed.workflow, state === undefined ? {} : { state });
}

describe('mlds apply: confirmation', () => {
  it('without a terminal and without --yes: exit 2, saying to pass --yes, before any AWS call', async () => {
    const run = await mlds(['apply', 'full.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: apply needs confirmation, and stdin is not a terminal: pass --yes to apply without asking\n',
    );
    // The plan is shown first, so that a CI log says what --yes would do.
    expect(run.stdout).toContain('Plan: 6 to create, 0 to update, 0 to delete, 0 unchanged.\n');
    expect(fake.calls()).toStrictEqual([]);
    expect(existsSync(join(cwd, '.mlds'))).toBe(false);
  });

  it('stdout on a terminal is not enough: the answer comes from stdin', async () => {
    const run = await mlds(['apply', 'full.yaml'], {
      isTTY: true,
      stdin: (async function* () {
        yield 'yes\n';
      })(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pass --yes');
    expect(fake.calls()).toStrictEqual([]);
  });

  it('the workflow read from stdin (-): stdin cannot also answer, so --yes is needed', async () => {
    const stdin = () => terminalStdin(FULL);
    const refused = await mlds(['apply', '-'], { stdin: stdin() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes');
    expect(fake.calls()).toStrictEqual([]);
    const applied = await mlds(['apply', '-', '--yes'], { stdin: stdin() });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Apply complete: 6 created, 0 updated, 0 deleted.\n');
  });

  it('--json needs --yes even on a terminal: stdout is for the document alone', async () => {
    const run = await mlds(['apply', 'full.yaml', '--json'], { isTTY: true, stdin: terminalStdin('yes\n') });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(plain(run.stderr)).toMatch(/^error: apply --json needs --yes\n/);
    // Commands to paste: what it would do, then the same command with --yes.
    expect(unwrapped(plain(run.stderr))).toContain(
      "review 'mlds plan full.yaml' first, then run 'mlds apply full.yaml --json --yes'.",
    );
    expect(fake.calls()).toStrictEqual([]);
    // destroy's review is of what the state records: plan does not show what destroy deletes.
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
    const destroy = await mlds(['destroy', 'full.yaml', '--json'], {
      isTTY: true,
      stdin: terminalStdin('yes\n'),
    });
    expect(destroy.code).toBe(2);
    expect(unwrapped(plain(destroy.stderr))).toContain(
      "review 'mlds state list --file full.yaml' first, then run 'mlds destroy full.yaml --json --yes'.",
    );
  });

  it.each(['no\n', 'YES\n', 'y\n', '', 'yes please\n'])(
    'on a terminal, the answer %j cancels: exit 1, nothing called',
    async (answer) => {
      const stdin = terminalStdin(answer);
      const run = await mlds(['apply', 'full.yaml'], { isTTY: true, stdin });
      expect(run.code).toBe(1);
      expect(plain(run.stdout)).toMatch(
        /\nPlan: 6 to create, 0 to update, 0 to delete, 0 unchanged\.\n\nApply these changes\? Only 'yes' is accepted: $/,
      );
      expect(plain(run.stderr)).toBe('error: apply cancelled: nothing was changed\n');
      expect(fake.calls()).toStrictEqual([]);
      expect(existsSync(join(cwd, STATE))).toBe(false);
      expect(stdin.returned()).toBe(true);
    },
  );

  it('on a terminal, yes (typed in two chunks, with spaces around) applies', async () => {
    const run = await mlds(['apply', 'full.yaml'], { isTTY: true, stdin: terminalStdin('  yes \r\n') });
    expect(run.code).toBe(0);
    expect(plain(run.stdout)).toContain('Apply complete: 6 created, 0 updated, 0 deleted.\n');
  });
});

describe('mlds apply --yes', () => {
  it('from a second directory: adopts what the first made, and says that both states now record it', async () => {
    expect((await mlds(['apply', SEED, '--yes'])).code).toBe(0);
    const other = tempDir();
    const second = await mlds(['apply', SEED, '--yes'], { cwd: other });
    expect(second.code, second.stderr).toBe(0);
    expect(plain(second.stdout)).toContain('Apply complete: 0 created, 3 adopted, 0 updated, 0 deleted.');
    expect(unwrapped(plain(second.stdout))).toContain(
      "Note: 3 resources existed with workflow curling-live's tag but this state did not record them (packager.channel, archive.bucket[0], archive.bucket[1]): adopted. If another state file manages curling-live (another directory, or --state), keep only one: both now record them, and a destroy with either deletes them for both.",
    );
    // The first directory's state recorded them: its apply has nothing to adopt, and says nothing of it.
    const again = await mlds(['apply', SEED, '--yes']);
    expect(again.stdout).not.toContain('Note:');
  });

  it('creates the seed example, records it (mode 0600), and prints progress, summary and destinations', async () => {
    const run = await mlds(['apply', SEED, '--yes']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const inventory = fake.inventory();
    const tags = (downstream: string) => ({
      team: 'sports',
      'mlds:workflow': 'curling-live',
      'mlds:downstream': downstream,
    });
    expect(inventory.s3.map((bucket) => [bucket.name, bucket.region, bucket.tags])).toStrictEqual([
      ['curling-live-archive-p0', REGION, tags('archive')],
      ['curling-live-archive-p1', REGION, tags('archive')],
    ]);
    expect(inventory.mediapackage.map((channel) => [channel.id, channel.region, channel.tags])).toStrictEqual(
      [['curling-live-packager', REGION, tags('packager')]],
    );
    expect(inventory.ssm).toStrictEqual([]);
    expect(inventory.mediastore).toStrictEqual([]);

    expect(statSync(join(cwd, STATE)).mode & 0o777).toBe(0o600);
    const state = readState();
    expect(state.resources.map((r) => [r.address, r.status])).toStrictEqual([
      ['packager.channel', 'created'],
      ['archive.bucket[0]', 'created'],
      ['archive.bucket[1]', 'created'],
    ]);

    const lines = run.stdout.split('\n');
    // Plain progress lines (no terminal): one per resource, with the time it took.
    for (const address of ['packager.channel', 'archive.bucket[0]', 'archive.bucket[1]']) {
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^\\[\\+\\] ${escapeRegExp(address)} created \\(\\d+\\.\\ds\\)$`)),
      );
    }
    expect(run.stdout).toContain(
      `\nApply complete: 3 created, 0 updated, 0 deleted.\nState: ${STATE} (serial ${state.serial})\n`,
    );
    expect(run.stdout).toMatch(
      /\nDestinations \(3\)\n {2}packager {2}MediaPackage channel {2}curling-live-packager\n/,
    );
    expect(run.stdout).toMatch(
      /^ {2}archive +pipeline 0 +s3ssl:\/\/curling-live-archive-p0\/curling-live\/archive\/index$/m,
    );
    expect(run.stdout).toMatch(
      /^ {12}pipeline 1 +rtmp:\/\/live-b\.example-social\.com\/app +stream name \(sensitive\)$/m,
    );
    expect(run.stdout.endsWith('\n')).toBe(true);
  });

  it('passes --profile to the client factory', async () => {
    const asked: unknown[] = [];
    const run = await mlds(['apply', SEED, '--yes', '--profile', 'media-prod'], {
      awsClients: (options) => {
        asked.push(options);
        return fake.clients;
      },
    });
    expect(run.code).toBe(0);
    expect(asked).toStrictEqual([{ profile: 'media-prod' }]);
  });

  it('a second apply: "No changes.", exit 0, only the refresh\'s reads; without --yes nor a terminal exit 2; with --refresh=false not a single AWS call', async () => {
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
    const mutating = fake.mutatingCalls().length;
    const stateBefore = readFileSync(join(cwd, STATE), 'utf8');

    const run = await mlds(['apply', 'full.yaml', '--yes']);
    expect(run.code).toBe(0);
    expect(unwrapped(run.stdout)).toMatch(
      new RegExp(
        `^No changes\\. The resources recorded in ${escapeRegExp(STATE)} match full\\.yaml and what AWS holds; only reads were made\\.\\n\\nDestinations \\(4\\)\\n`,
      ),
    );
    expect(run.stdout).not.toContain(KNOWN_AFTER_APPLY);
    expect(run.stdout).toContain(fake.inventory().mediapackage[0]?.ingestEndpoints[1]?.url ?? 'none');
    // Without --yes nor a terminal, apply cannot go ahead: it calls nothing, not even the refresh's reads, so
    // it cannot say nothing changed in AWS; it stops as at the question (exit 2), not with "No changes" and 0.
    const callsBefore = fake.calls().length;
    const unconfirmed = await mlds(['apply', 'full.yaml']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stdout).toBe('');
    expect(unwrapped(unconfirmed.stderr)).toContain(
      "error: apply needs confirmation, and stdin is not a terminal: pass --yes to apply without asking\nNothing was called: without --yes, apply reads nothing in AWS, so it cannot say whether AWS still holds what the state records. 'mlds plan full.yaml --refresh' compares them without changing anything.\n",
    );
    expect(fake.calls()).toHaveLength(callsBefore);
    const json = await mlds(['apply', 'full.yaml', '--yes', '--json']);
    expect(JSON.parse(json.stdout).resources).toStrictEqual(
      FULL_ADDRESSES.map((address) => expect.objectContaining({ address, outcome: 'unchanged' })),
    );
    expect(fake.mutatingCalls()).toHaveLength(mutating);
    const calls = fake.calls().length;
    const unrefreshed = await mlds(['apply', 'full.yaml', '--yes', '--refresh=false']);
    expect(unwrapped(unrefreshed.stdout)).toMatch(
      new RegExp(
        `^No changes\\. The resources recorded in ${escapeRegExp(STATE)} match full\\.yaml; nothing was called\\.\\n`,
      ),
    );
    // Wrapped at 100 columns, as messages and hints are.
    const said = unrefreshed.stdout.slice(0, unrefreshed.stdout.indexOf('\n\n'));
    expect(said.split('\n').length).toBe(2);
    expect(said.split('\n').every((line) => line.length <= 100)).toBe(true);
    expect(fake.calls()).toHaveLength(calls);
    expect(readFileSync(join(cwd, STATE), 'utf8')).toBe(stateBefore);
  });

  it('a missing { env } secret: exit 2 naming the variable, before any AWS call', async () => {
    const run = await mlds(['apply', 'full.yaml', '--yes'], {
      env: { SOCIAL_STREAM_KEY: ENV.SOCIAL_STREAM_KEY },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: set these environment variables, then run apply again:\n  CDN_PASSWORD (for cdn.password)\n',
    );
    expect(run.stderr).toContain('Nothing was called.');
    expect(fake.calls()).toStrictEqual([]);
    expect(existsSync(join(cwd, STATE))).toBe(false);
    // Nothing written, nothing left: not even the empty state directory the lock had made.
    expect(existsSync(join(cwd, '.mlds'))).toBe(false);
  });

  it('a missing { env } secret on a terminal: exit 2 before asking, so no yes is wasted', async () => {
    const stdin = terminalStdin('yes\n');
    const run = await mlds(['apply', 'full.yaml'], {
      isTTY: true,
      stdin,
      env: { SOCIAL_STREAM_KEY: ENV.SOCIAL_STREAM_KEY },
    });
    expect(run.code).toBe(2);
    expect(plain(run.stderr)).toContain('CDN_PASSWORD (for cdn.password)');
    expect(run.stdout).not.toContain('Apply these changes?');
    expect(fake.calls()).toStrictEqual([]);
  });

  it('a state of another workflow: exit 2, nothing called', async () => {
    mkdirSync(join(cwd, '.mlds'));
    writeFileSync(
      join(cwd, STATE),
      JSON.stringify({ formatVersion: 1, workflow: 'other', region: REGION, serial: 1, resources: [] }),
    );
    for (const command of [['apply', '--yes'], ['output'], ['destroy', '--yes']]) {
      const run = await mlds([command[0] ?? '', 'full.yaml', ...command.slice(1)]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `error: the state ${STATE} records workflow 'other', not 'curling-live'\n`,
      );
    }
    expect(fake.calls()).toStrictEqual([]);
  });

  it('an invalid workflow: exit 2, nothing called', async () => {
    writeFileSync(
      join(cwd, 'bad.yaml'),
      'workflow: x\nregion: us-west-2\ndownstream:\n  - name: a\n    system: nope\n',
    );
    for (const command of ['apply', 'destroy', 'output']) {
      const run = await mlds(
        [command, 'bad.yaml', '--yes'].filter((arg) => command !== 'output' || arg !== '--yes'),
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error: bad.yaml is not a valid workflow');
    }
    expect(fake.calls()).toStrictEqual([]);
  });
});

describe('secrets', () => {
  it('the scan after each test looks for the passwords the fake generated and the ones from the environment', async () => {
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
    expect((await mlds(['output', 'full.yaml', '--json'])).code).toBe(0);
    const secrets = fake.secretValues();
    // The CDN password went into SSM; each ingest endpoint's password too (once generated, once stored).
    expect(secrets).toContain(ENV.CDN_PASSWORD);
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    expect(readFileSync(join(cwd, STATE), 'utf8')).not.toContain(ENV.CDN_PASSWORD);
  });
});

describe('mlds apply --json', () => {
  it('prints exactly one JSON document, at the end, and no progress', async () => {
    const run = await mlds(['apply', 'full.yaml', '--yes', '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const document = JSON.parse(run.stdout);
    expect(run.stdout).toBe(`${JSON.stringify(document, null, 2)}\n`);
    const state = readState();
    expect(document).toStrictEqual({
      formatVersion: 1,
      workflow: 'curling-live',
      result: 'ok',
      resources: [
        { address: 'packager.channel', kind: 'mediapackage-channel', outcome: 'created' },
        { address: 'packager.password[0]', kind: 'ssm-parameter', outcome: 'created' },
        { address: 'packager.password[1]', kind: 'ssm-parameter', outcome: 'created' },
        { address: 'archive.bucket[0]', kind: 's3-bucket', outcome: 'created' },
        { address: 'archive.bucket[1]', kind: 's3-bucket', outcome: 'created' },
        { address: 'cdn.password', kind: 'ssm-parameter', outcome: 'created' },
      ],
      destinations: resolveDestinations(planOf(FULL, state), state).destinations,
    });
    expect(run.stdout).not.toContain(KNOWN_AFTER_APPLY);
  });
});

describe('mlds output', () => {
  it('--json after apply: every value real, equal to what the state records', async () => {
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
    const calls = fake.calls().length;
    const run = await mlds(['output', 'full.yaml', '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(fake.calls()).toHaveLength(calls);
    expect(run.stdout).not.toContain(KNOWN_AFTER_APPLY);

    const state = readState();
    const document = JSON.parse(run.stdout);
    expect(run.stdout).toBe(`${JSON.stringify(document, null, 2)}\n`);
    expect(Object.keys(document)).toStrictEqual(['formatVersion', 'workflow', 'destinations', 'resources']);
    expect(document.formatVersion).toBe(1);
    expect(document.workflow).toBe('curling-live');
    expect(document.resources).toStrictEqual(
      state.resources.map((r) => ({
        address: r.address,
        kind: r.kind,
        name: r.name,
        region: r.region,
        pipeline: r.pipeline,
        arn: r.arn ?? null,
        id: r.id ?? r.name,
        status: r.status,
      })),
    );
    expect(document.resources.map((r: { id: unknown }) => r.id)).toStrictEqual([
      'curling-live-packager',
      '/mlds/curling-live/packager/password-p0',
      '/mlds/curling-live/packager/password-p1',
      'curling-live-archive-p0',
      'curling-live-archive-p1',
      '/mlds/curling-live/cdn/password',
    ]);
    // ARNs as the services return them; SSM's PutParameter returns none, and mlds records none.
    expect(
      Object.fromEntries(
        document.resources.map((r: { address: string; arn: unknown }) => [r.address, r.arn]),
      ),
    ).toStrictEqual({
      'packager.channel': expect.stringMatching(/^arn:aws:mediapackage:us-west-2:111122223333:channels\//),
      'packager.password[0]': null,
      'packager.password[1]': null,
      'archive.bucket[0]': 'arn:aws:s3:::curling-live-archive-p0',
      'archive.bucket[1]': 'arn:aws:s3:::curling-live-archive-p1',
      'cdn.password': null,
    });

    // The real ingest endpoints of the channel the fake created, in pipeline order.
    const channel = fake.inventory().mediapackage[0];
    expect(channel?.ingestEndpoints).toHaveLength(2);
    expect(document.destinations).toStrictEqual([
      {
        Id: 'packager',
        Settings: [0, 1].map((pipeline) => ({
          Url: channel?.ingestEndpoints[pipeline]?.url,
          Username: channel?.ingestEndpoints[pipeline]?.username,
          PasswordParam: `/mlds/curling-live/packager/password-p${pipeline}`,
        })),
      },
      {
        Id: 'social',
        Settings: [
          { Url: 'rtmp://live-a.example-social.com/app', StreamName: SENSITIVE },
          { Url: 'rtmp://live-b.example-social.com/app', StreamName: SENSITIVE },
        ],
      },
      {
        Id: 'archive',
        Settings: [0, 1].map((pipeline) => ({
          Url: `s3ssl://curling-live-archive-p${pipeline}/curling-live/archive/index`,
        })),
      },
      {
        Id: 'cdn',
        Settings: ['a', 'b'].map((host) => ({
          Url: `https://ingest-${host}.example-cdn.com/live/index`,
          Username: 'mlds',
          PasswordParam: '/mlds/curling-live/cdn/password',
        })),
      },
    ]);
  });

  it('text after apply: the destinations with real values, then the resources with ARNs', async () => {
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
    const run = await mlds(['output', 'full.yaml']);
    expect(run.code).toBe(0);
    const state = readState();
    expect(run.stdout).toMatch(
      new RegExp(
        `^Workflow  curling-live \\(full\\.yaml\\)\\nState     ${escapeRegExp(STATE)} \\(serial ${state.serial}\\)\\n\\nDestinations \\(4\\)\\n`,
      ),
    );
    const url = fake.inventory().mediapackage[0]?.ingestEndpoints[0]?.url ?? 'missing';
    expect(run.stdout).toContain(url);
    expect(run.stdout).toContain('\nResources (6)\n');
    for (const resource of state.resources) {
      expect(run.stdout).toMatch(
        new RegExp(
          `^ {2}${escapeRegExp(resource.address)} .* created +${escapeRegExp(resource.arn ?? '-')}$`,
          'm',
        ),
      );
    }
    expect(run.stdout).not.toContain(KNOWN_AFTER_APPLY);
  });

  it('before any apply: exit 1 with a hint to run mlds apply, nothing on stdout', async () => {
    for (const json of [[], ['--json']]) {
      const run = await mlds(['output', 'full.yaml', ...json]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `error: nothing is applied yet: there is no state file ${STATE}\nRun 'mlds apply full.yaml' first; then 'mlds output full.yaml' prints what it created. If it was applied with --state, give output the same --state.\n`,
      );
    }
    // With --state (and --region): both commands repeat them, and the advice about --state goes.
    const run = await mlds(['output', 'full.yaml', '--state', 'other state.json', '--region', 'eu-west-1']);
    expect(run.stderr).toBe(
      `error: nothing is applied yet: there is no state file other state.json\nRun 'mlds apply full.yaml --state "other state.json" --region eu-west-1' first; then 'mlds output full.yaml --state "other state.json" --region eu-west-1' prints what it created.\n`,
    );
  });

  it("a failed apply's hint repeats --state and --region, and running it acts on the same state and Region", async () => {
    // Without them, the command it gave planned the default state in the file's Region: new resources there.
    fake.seed.bucket('curling-live-archive-p0', REGION, { ownedByOtherAccount: true });
    const flags = ['--state', 'my states/live.json', '--region', 'eu-west-1'];
    const failed = await mlds(['apply', 'full.yaml', ...flags, '--yes']);
    expect(failed.code).toBe(1);
    const hint = 'run \'mlds apply full.yaml --state "my states/live.json" --region eu-west-1\' again';
    expect(unwrapped(failed.stderr)).toContain(hint);
    const recorded = JSON.parse(readFileSync(join(cwd, 'my states/live.json'), 'utf8')) as StateDocument;
    expect(recorded.region).toBe('eu-west-1');
    const before = fake.inventory().mediapackage.length;
    // The command as the hint gives it, arguments split as a shell splits them.
    const again = await mlds(['apply', 'full.yaml', ...flags, '--yes']);
    expect(unwrapped(again.stderr)).toContain(hint);
    expect(unwrapped(again.stderr)).not.toContain(STATE);
    expect(fake.inventory().mediapackage).toHaveLength(before);
    expect(existsSync(join(cwd, STATE))).toBe(false);
  });

  it('after a partial apply: exit 1 naming what is not recorded yet', async () => {
    fake.seed.bucket('curling-live-archive-p0', REGION, { ownedByOtherAccount: true });
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(1);
    const run = await mlds(['output', 'full.yaml', '--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      new RegExp(
        `^error: the state ${escapeRegExp(STATE)} does not record this resource yet \\(not applied, or an apply stopped midway\\): archive\\.bucket\\[0\\]\\n`,
      ),
    );
  });

  it('with another Region than the one applied: exit 1 naming both Regions, not "not applied yet"', async () => {
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
    const run = await mlds(['output', 'full.yaml', '--region', 'eu-west-1']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `error: the state ${STATE} records workflow curling-live applied in ${REGION}, but --region says eu-west-1\n` +
        `Run 'mlds output full.yaml --region ${REGION}' for what was applied, or 'mlds apply full.yaml --region eu-west-1' to move it to eu-west-1.\n`,
    );
    // The hint's first command works.
    expect((await mlds(['output', 'full.yaml', '--region', REGION])).code).toBe(0);
    writeFileSync(join(cwd, 'moved.yaml'), FULL.replace(`region: ${REGION}`, 'region: eu-west-1'));
    const edited = await mlds(['output', 'moved.yaml', '--state', STATE]);
    expect(edited.stderr).toContain(`applied in ${REGION}, but moved.yaml says eu-west-1\n`);
  });

  it('after apply --region moved the workflow: output of the file names the Region it moved to', async () => {
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
    expect((await mlds(['apply', 'full.yaml', '--yes', '--region', 'eu-west-1'])).code).toBe(0);
    const run = await mlds(['output', 'full.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: the state ${STATE} records workflow curling-live applied in eu-west-1, but full.yaml says ${REGION}\n` +
        `Run 'mlds output full.yaml --region eu-west-1' for what was applied, or 'mlds apply full.yaml' to move it to ${REGION}.\n`,
    );
    expect((await mlds(['output', 'full.yaml', '--region', 'eu-west-1'])).code).toBe(0);
  });

  it('a workflow without AWS resources: the destinations, without any state', async () => {
    writeFileSync(
      join(cwd, 'udp.yaml'),
      'workflow: curling-live\nregion: us-west-2\nchannelClass: SINGLE_PIPELINE\ndownstream:\n  - name: tx\n    system: udp\n    urls: [udp://10.0.0.1:5000]\n',
    );
    const apply = await mlds(['apply', 'udp.yaml']);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('No changes. This workflow needs no AWS resources; nothing was called.\n');
    const run = await mlds(['output', 'udp.yaml', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toStrictEqual({
      formatVersion: 1,
      workflow: 'curling-live',
      destinations: [{ Id: 'tx', Settings: [{ Url: 'udp://10.0.0.1:5000' }] }],
      resources: [],
    });
    expect(fake.calls()).toStrictEqual([]);
  });
});

describe('a failing apply', () => {
  beforeEach(() => {
    fake.seed.bucket('curling-live-archive-p0', REGION, { ownedByOtherAccount: true });
  });

  it('exit 1, the failure listed, everything else created and recorded', async () => {
    const run = await mlds(['apply', 'full.yaml', '--yes']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^\[!\] archive\.bucket\[0\] failed after \d+\.\ds: BucketNameTakenError: The bucket name "curling-live-archive-p0" is taken by another AWS account/m,
    );
    expect(run.stderr).toMatch(
      /^error: apply failed for 1 resource:\n {2}archive\.bucket\[0\]: BucketNameTakenError: The bucket name "curling-live-archive-p0" is taken by another AWS account/,
    );
    expect(run.stderr).toContain(
      `What was created is recorded in the state ${STATE}. Fix the cause, then run 'mlds apply full.yaml' again: it finishes the job, creating only what is missing.\n`,
    );
    expect(run.stdout).not.toContain('Apply complete');

    const recorded = readState().resources.map((r) => `${r.address} ${r.status}`);
    expect(recorded.sort()).toStrictEqual(
      FULL_ADDRESSES.filter((a) => a !== 'archive.bucket[0]')
        .map((a) => `${a} created`)
        .sort(),
    );
    const inventory = fake.inventory();
    // The other account's bucket is not in this account.
    expect(inventory.s3.map((b) => b.name)).toStrictEqual(['curling-live-archive-p1']);
    expect(inventory.mediapackage.map((c) => c.id)).toStrictEqual(['curling-live-packager']);
    expect(inventory.ssm.map((p) => p.name).sort()).toStrictEqual([
      '/mlds/curling-live/cdn/password',
      '/mlds/curling-live/packager/password-p0',
      '/mlds/curling-live/packager/password-p1',
    ]);
  });

  it('--json: one document with result failed and the failures (redacted text only)', async () => {
    const run = await mlds(['apply', 'full.yaml', '--yes', '--json']);
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(run.stdout).toBe(`${JSON.stringify(document, null, 2)}\n`);
    expect(document.result).toBe('failed');
    expect(document.failures).toStrictEqual([
      {
        address: 'archive.bucket[0]',
        error: expect.stringMatching(
          /^BucketNameTakenError: The bucket name "curling-live-archive-p0" is taken/,
        ),
      },
    ]);
    expect(document.resources).toContainEqual({
      address: 'archive.bucket[0]',
      kind: 's3-bucket',
      outcome: 'failed',
    });
    expect(document.resources.filter((r: { outcome: string }) => r.outcome === 'created')).toHaveLength(5);
    expect(Object.keys(document)).toStrictEqual([
      'formatVersion',
      'workflow',
      'result',
      'resources',
      'destinations',
      'failures',
    ]);
    expect(run.stderr).toMatch(/^error: apply failed for 1 resource:\n/);
  });
});

describe('a failing apply that created nothing', () => {
  const ONE_BUCKET = [
    'workflow: curling-live',
    `region: ${REGION}`,
    'channelClass: SINGLE_PIPELINE',
    'downstream:',
    '  - name: archive',
    '    system: s3',
    '',
  ].join('\n');

  it('says that nothing was created or changed, not that what was created is in the state', async () => {
    writeFileSync(join(cwd, 'one.yaml'), ONE_BUCKET);
    fake.seed.bucket('curling-live-archive-p0', REGION, { ownedByOtherAccount: true });
    const run = await mlds(['apply', 'one.yaml', '--yes']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error: apply failed for 1 resource:\n {2}archive\.bucket\[0\]: BucketNameTakenError/,
    );
    expect(run.stderr).toContain(
      "Nothing was created or changed. Fix the cause, then run 'mlds apply one.yaml' again.\n",
    );
    expect(run.stderr).not.toContain('What was created');
    expect(fake.inventory().s3).toStrictEqual([]);
  });
});

describe('mlds destroy', () => {
  it('nothing recorded: "Nothing to destroy.", exit 0, nothing called', async () => {
    const run = await mlds(['destroy', 'full.yaml']);
    expect(run).toStrictEqual({
      code: 0,
      stdout: `Nothing to destroy: there is no state file ${STATE}.\n`,
      stderr: '',
    });
    expect(fake.calls()).toStrictEqual([]);
  });

  it('without a terminal and without --yes: exit 2 after listing what would go, nothing called', async () => {
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
    const calls = fake.calls().length;
    const run = await mlds(['destroy', 'full.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pass --yes to destroy without asking');
    // Dependents first: the ingest passwords before their channel.
    expect(run.stdout).toMatch(
      /Resources to delete \(6\)\n {2}ACTION .*\n {2}- delete {2}packager\.password\[1\] .*\n {2}- delete {2}packager\.password\[0\] .*\n {2}- delete {2}cdn\.password .*\n {2}- delete {2}archive\.bucket\[1\] .*\n {2}- delete {2}archive\.bucket\[0\] .*\n {2}- delete {2}packager\.channel .*\n\nDestroy: 6 resources to delete\.\n/,
    );
    expect(fake.calls()).toHaveLength(calls);
  });

  it('a bucket holding objects: exit 1, nothing deleted, the bucket and --force named', async () => {
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
    await fake.clients
      .s3(REGION)
      .send(new PutObjectCommand({ Bucket: 'curling-live-archive-p1', Key: 'a.ts', Body: 'x' }));
    const inventory = fake.inventory();
    const state = readFileSync(join(cwd, STATE), 'utf8');

    const run = await mlds(['destroy', 'full.yaml', '--yes']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'error: destroy refused, nothing was deleted: archive.bucket[1] is not empty\n  archive.bucket[1] (curling-live-archive-p1): the bucket holds objects or object versions\n',
    );
    expect(run.stderr).toContain("run 'mlds destroy full.yaml --force'");
    expect(fake.inventory()).toStrictEqual(inventory);
    expect(fake.mutatingCalls().filter((call) => call.command.startsWith('Delete'))).toStrictEqual([]);
    expect(readFileSync(join(cwd, STATE), 'utf8')).toBe(state);

    const json = await mlds(['destroy', 'full.yaml', '--yes', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toStrictEqual({
      formatVersion: 1,
      workflow: 'curling-live',
      result: 'refused',
      resources: [],
      blockers: [
        {
          address: 'archive.bucket[1]',
          name: 'curling-live-archive-p1',
          reason: 'the bucket holds objects or object versions',
        },
      ],
    });
  });

  it('--force empties and deletes everything; the state is kept, empty', async () => {
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
    await fake.clients
      .s3(REGION)
      .send(new PutObjectCommand({ Bucket: 'curling-live-archive-p1', Key: 'a.ts', Body: 'x' }));
    const run = await mlds(['destroy', 'full.yaml', '--yes', '--force']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(fake.inventory()).toStrictEqual({
      s3: [],
      mediapackage: [],
      mediapackagev2: [],
      mediastore: [],
      ssm: [],
      medialive: [],
    });
    const state = readState();
    expect(state.resources).toStrictEqual([]);
    expect(run.stdout).toContain('--force: each bucket is closed to new writes');
    expect(run.stdout).toMatch(/^\[-\] archive\.bucket\[1\] deleted \(\d+\.\ds\)$/m);
    expect(run.stdout).toMatch(/^ {4}archive\.bucket\[1\]: deleted 1 object version\(s\)$/m);
    expect(unwrapped(run.stdout)).toContain(
      `\nDestroy complete: 6 deleted.\nThe state file ${STATE} is kept, with no resources (serial ${state.serial}); delete it if you no longer need it.\n`,
    );

    const again = await mlds(['destroy', 'full.yaml']);
    expect(again.stdout).toBe(`Nothing to destroy: the state ${STATE} records no resources.\n`);
    expect(again.code).toBe(0);
  });

  it('--json --yes: one document listing each deletion', async () => {
    expect((await mlds(['apply', SEED, '--yes'])).code).toBe(0);
    const run = await mlds(['destroy', SEED, '--yes', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toStrictEqual({
      formatVersion: 1,
      workflow: 'curling-live',
      result: 'ok',
      resources: [
        { address: 'archive.bucket[1]', kind: 's3-bucket', outcome: 'deleted' },
        { address: 'archive.bucket[0]', kind: 's3-bucket', outcome: 'deleted' },
        { address: 'packager.channel', kind: 'mediapackage-channel', outcome: 'deleted' },
      ],
    });
  });

  it('on a terminal, anything but yes cancels', async () => {
    expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
    const calls = fake.calls().length;
    const run = await mlds(['destroy', 'full.yaml'], { isTTY: true, stdin: terminalStdin('no\n') });
    expect(run.code).toBe(1);
    expect(plain(run.stdout)).toMatch(
      /\nDestroy: 6 resources to delete\.\n\nDestroy these resources\? There is no undo\. Only 'yes' is accepted: $/,
    );
    expect(plain(run.stderr)).toBe('error: destroy cancelled: nothing was deleted\n');
    expect(fake.calls()).toHaveLength(calls);
  });
});

describe('a MediaPackage channel mlds made, its ingest credentials rotated outside mlds', () => {
  it('the refresh finds its user names and passwords stale; apply records the new ones and writes the passwords', async () => {
    writeFileSync(join(cwd, 'made.yaml'), hlsToMediaPackageWorkflow());
    expect((await mlds(['apply', 'made.yaml', '--yes'])).code).toBe(0);
    const packagerChannel = mediaPackageChannelOf(fake, REGION, 'curling-live-packager');
    const endpointsNow = packagerChannel.endpoints;
    await packagerChannel.rotate();

    const planned = await mlds(['plan', 'made.yaml', '--refresh']);
    expect(unwrapped(plain(planned.stdout))).toContain(
      'packager.channel: its ingest endpoints (URLs or user names) changed outside mlds, by a rotation or the channel made again: apply records the new ones, which MediaLive needs',
    );
    expect(plain(planned.stdout)).toMatch(/^ {2}~ update +packager\.channel /m);
    expect(plain(planned.stdout)).toMatch(/^ {2}~ update +packager\.password\[0\] /m);

    expect((await mlds(['apply', 'made.yaml', '--yes'])).code).toBe(0);
    const now = await endpointsNow();
    const recorded = readState().resources.find((r) => r.address === 'packager.channel')?.outputs;
    expect(recorded?.ingestEndpoints).toStrictEqual(
      now.map((endpoint) => ({ id: endpoint.Id, url: endpoint.Url, username: endpoint.Username })),
    );
    const stored = await fake.clients
      .ssm(REGION)
      .send(
        new GetParameterCommand({ Name: '/mlds/curling-live/packager/password-p0', WithDecryption: true }),
      );
    expect(stored.Parameter?.Value).toBe(now[0]?.Password);
    const again = await mlds(['apply', 'made.yaml', '--yes']);
    expect(again.stdout.startsWith('No changes.')).toBe(true);
  });
});

describe('buckets mlds did not create (buckets:)', () => {
  it('apply checks each exists before MediaLive writes to it: a mistyped one fails apply (exit 1) with the fix', async () => {
    fake.seed.bucket('highlights-vod-origin-p0', REGION);
    writeFileSync(join(cwd, 'vod.yaml'), readExample('s3-hls').replace('origin-p1', 'orgin-p1'));
    const plan = await mlds(['plan', 'vod.yaml']);
    expect(plain(plan.stdout)).toMatch(
      /^ {2}<= read +vod\.bucket\[1\] +s3-bucket +highlights-vod-orgin-p1 +us-west-2 +1 +existing, read only$/m,
    );
    expect(plain(plan.stdout)).toContain(
      'Plan: 0 to create, 2 to read, 0 to update, 0 to delete, 0 unchanged.',
    );

    const applied = await mlds(['apply', 'vod.yaml', '--yes']);
    expect(applied.code).toBe(1);
    expect(unwrapped(applied.stderr)).toContain(
      'vod.bucket[1]: ExistingResourceNotFoundError: highlights-vod-orgin-p1 (vod.bucket[1]) was given as an existing resource but no Region has a bucket of that name; check the name under buckets: in the workflow file, or create the bucket.',
    );
    expect(fake.calls().map((call) => [call.command, call.input, call.outcome])).toStrictEqual([
      ['HeadBucketCommand', { Bucket: 'highlights-vod-origin-p0' }, 'ok'],
      ['HeadBucketCommand', { Bucket: 'highlights-vod-orgin-p1' }, 'error'],
    ]);

    // The name fixed: both read and recorded as read only; destroy leaves both in AWS.
    writeFileSync(join(cwd, 'vod.yaml'), readExample('s3-hls'));
    fake.seed.bucket('highlights-vod-origin-p1', REGION);
    expect((await mlds(['apply', 'vod.yaml', '--yes'])).code).toBe(0);
    expect(readStateOf('highlights-vod').resources.map((r) => [r.address, r.name, r.existing])).toStrictEqual(
      [
        ['vod.bucket[0]', 'highlights-vod-origin-p0', true],
        ['vod.bucket[1]', 'highlights-vod-origin-p1', true],
      ],
    );
    const destroyed = await mlds(['destroy', 'vod.yaml', '--yes']);
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).toMatch(/^\[-\] vod\.bucket\[1\] removed from the state, not deleted$/m);
    expect(fake.inventory().s3.map((bucket) => bucket.name)).toStrictEqual([
      'highlights-vod-origin-p0',
      'highlights-vod-origin-p1',
    ]);
  });
  it('once recorded, each apply still checks it is there: the refresh finds it gone, and apply stops before any change', async () => {
    fake.seed.bucket('highlights-vod-origin-p0', REGION);
    fake.seed.bucket('highlights-vod-origin-p1', REGION);
    writeFileSync(join(cwd, 'vod.yaml'), readExample('s3-hls'));
    expect((await mlds(['apply', 'vod.yaml', '--yes'])).code).toBe(0);
    const again = await mlds(['apply', 'vod.yaml', '--yes']);
    expect([again.code, again.stdout.startsWith('No changes.')]).toStrictEqual([0, true]);

    await fake.clients.s3(REGION).send(new DeleteBucketCommand({ Bucket: 'highlights-vod-origin-p1' }));
    // As for a bound channel found deleted: no plan to apply (exit 1, before --detailed-exitcode's 4).
    const planned = await mlds(['plan', 'vod.yaml', '--refresh', '--detailed-exitcode']);
    expect(planned.code).toBe(1);
    expect(unwrapped(planned.stderr)).toContain(
      'error: apply would refuse 1 resource of this plan:\n  vod.bucket[1]: highlights-vod-origin-p1 was not found: deleted outside mlds, or not where the workflow names it\nFor vod.bucket[1], name one that exists under buckets in vod.yaml, or create highlights-vod-origin-p1. Then plan again.',
    );
    expect(unwrapped(plain(planned.stdout))).toContain(
      'vod.bucket[1]: highlights-vod-origin-p1 was not found: deleted outside mlds, or not where the workflow names it; apply stops at its read, before any change',
    );
    const stateBefore = readFileSync(join(cwd, '.mlds/highlights-vod.state.json'), 'utf8');
    const applied = await mlds(['apply', 'vod.yaml', '--yes']);
    expect(applied.code).toBe(1);
    expect(unwrapped(applied.stderr)).toContain(
      'highlights-vod-origin-p1 (vod.bucket[1]) was given as an existing resource but no Region has a bucket of that name',
    );
    // The only mutating call is the test's own DeleteBucket.
    expect(fake.mutatingCalls().map((call) => call.command)).toStrictEqual(['DeleteBucketCommand']);
    expect(readStateOf('highlights-vod').resources.map((r) => r.name)).toStrictEqual(
      (JSON.parse(stateBefore) as StateDocument).resources.map((r) => r.name),
    );
  });
});

describe('a resource mlds did not create (channelId)', () => {
  /** curling-live with `packager` as written, reading the seeded channel `shared-channel`. */
  function sharedWorkflow(packager: string[]): string {
    return [
      'workflow: curling-live',
      'region: us-west-2',
      'downstream:',
      ...packager,
      '  - name: archive',
      '    system: s3',
      '    format: archive',
      '',
    ].join('\n');
  }
  const READS_SHARED = [
    '  - name: packager',
    '    system: mediapackage',
    '    channelId: shared-channel',
    '    outputGroup: hls',
  ];

  it('apply reads it, destroy only removes it from the state', async () => {
    fake.seed.mediaPackageChannel('shared-channel', REGION);
    writeFileSync(join(cwd, 'shared.yaml'), sharedWorkflow(READS_SHARED));
    const applied = await mlds(['apply', 'shared.yaml', '--yes']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^\[=\] packager\.channel read, nothing to change/m);
    // output names its status for what it is: read, never created by mlds.
    const shown = await mlds(['output', 'shared.yaml']);
    expect(plain(shown.stdout)).toMatch(
      /^ {2}packager\.channel +mediapackage-channel +shared-channel +us-west-2 +- +read only /m,
    );
    // --json says so too, beside the state's status; and so does `state list`.
    const json = JSON.parse((await mlds(['output', 'shared.yaml', '--json'])).stdout);
    const channel = json.resources.find((r: { address: string }) => r.address === 'packager.channel');
    expect([channel.status, channel.existing]).toStrictEqual(['created', true]);
    const bucket = json.resources.find((r: { address: string }) => r.address === 'archive.bucket[0]');
    expect(bucket.existing).toBeUndefined();
    const listed = await mlds(['state', 'list', '--file', 'shared.yaml']);
    expect(plain(listed.stdout)).toMatch(
      /^packager\.channel +mediapackage-channel +shared-channel +us-west-2 +created \(read only\)$/m,
    );
    const listedJson = JSON.parse((await mlds(['state', 'list', '--file', 'shared.yaml', '--json'])).stdout);
    expect(
      listedJson.resources
        .filter((r: { existing?: true }) => r.existing === true)
        .map((r: { address: string }) => r.address),
    ).toStrictEqual(['packager.channel']);

    const created = readState().resources.filter((resource) => resource.existing !== true).length;
    expect(created).toBeGreaterThanOrEqual(2);
    const run = await mlds(['destroy', 'shared.yaml', '--yes']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /\nRemoved from the state only, not deleted: mlds did not create them \(1\)\n {2}packager\.channel {2}mediapackage-channel {2}shared-channel {2}us-west-2\n/,
    );
    expect(run.stdout).toMatch(/^\[-\] packager\.channel removed from the state, not deleted$/m);
    expect(run.stdout).toContain(
      `Destroy complete: ${created} deleted, 1 removed from the state without deleting (not created by mlds).\n`,
    );
    expect(fake.inventory().mediapackage.map((channel) => channel.id)).toStrictEqual(['shared-channel']);
    expect(readState().resources).toStrictEqual([]);
  });

  it('its ingest password rotated outside mlds: the refresh finds the parameters stale, and apply writes the new one', async () => {
    fake.seed.mediaPackageChannel('shared-channel', REGION);
    writeFileSync(join(cwd, 'shared.yaml'), sharedWorkflow(READS_SHARED));
    expect((await mlds(['apply', 'shared.yaml', '--yes'])).code).toBe(0);
    const packagerChannel = mediaPackageChannelOf(fake, REGION, 'shared-channel');
    const channelNow = packagerChannel.endpoints;
    await packagerChannel.rotate();

    const planned = await mlds(['plan', 'shared.yaml', '--refresh']);
    expect(planned.code).toBe(0);
    expect(unwrapped(plain(planned.stdout))).toContain(
      'packager.password[0]: the value in SSM is not the ingest password packager.channel now has (rotated, or the channel made again outside mlds; neither is shown)',
    );
    expect(plain(planned.stdout)).toMatch(/^ {2}~ update +packager\.password\[0\] /m);
    expect(plain(planned.stdout)).not.toMatch(/packager\.password\[1\].*not the ingest password/);

    expect((await mlds(['apply', 'shared.yaml', '--yes'])).code).toBe(0);
    const ssm = fake.clients.ssm(REGION);
    const stored = await Promise.all(
      [0, 1].map(
        async (pipeline) =>
          (
            await ssm.send(
              new GetParameterCommand({
                Name: `/mlds/curling-live/packager/password-p${pipeline}`,
                WithDecryption: true,
              }),
            )
          ).Parameter?.Value,
      ),
    );
    expect(stored).toStrictEqual((await channelNow()).map((endpoint) => endpoint.Password));
    const again = await mlds(['apply', 'shared.yaml', '--yes']);
    expect(again.stdout.startsWith('No changes.')).toBe(true);
  });

  it('state rm of what mlds only read says it carries no tag of mlds, not that removing a tag lets it go', async () => {
    fake.seed.mediaPackageChannel('shared-channel', REGION);
    writeFileSync(join(cwd, 'shared.yaml'), sharedWorkflow(READS_SHARED));
    expect((await mlds(['apply', 'shared.yaml', '--yes'])).code).toBe(0);
    const read = await mlds(['state', 'rm', 'packager.channel', '--file', 'shared.yaml']);
    expect(read.code).toBe(0);
    expect(unwrapped(plain(read.stdout))).toContain(
      "The state no longer records it: nothing was deleted in AWS. It carries no tag of mlds (it only reads it, or writes a bound channel's destinations): the next apply reads it again while the workflow names it.",
    );
    expect(read.stdout).not.toContain('remove that tag');
    const both = await mlds([
      'state',
      'rm',
      'archive.bucket[0]',
      'archive.bucket[1]',
      '--file',
      'shared.yaml',
    ]);
    expect(unwrapped(plain(both.stdout))).toContain(
      'While they carry the tag mlds:workflow=curling-live, the next apply adopts them again; remove that tag to let them go.',
    );
  });

  it('once mlds is to create the channel it read, under the same name: the read record goes, and the create meets the untagged channel as any create does', async () => {
    fake.seed.mediaPackageChannel('curling-live-packager', REGION);
    const reading = [
      '  - name: packager',
      '    system: mediapackage',
      '    channelId: curling-live-packager',
      '    outputGroup: hls',
    ];
    writeFileSync(join(cwd, 'shared.yaml'), sharedWorkflow(reading));
    expect((await mlds(['apply', 'shared.yaml', '--yes'])).code).toBe(0);
    writeFileSync(
      join(cwd, 'shared.yaml'),
      sharedWorkflow(reading.filter((line) => !line.includes('channelId'))),
    );
    const shown = await mlds(['plan', 'shared.yaml']);
    expect(plain(shown.stdout)).toMatch(
      /^ {2}\+ create +packager\.channel +mediapackage-channel +curling-live-packager /m,
    );
    expect(plain(shown.stdout)).toMatch(
      /^ {2}- forget +packager\.channel +mediapackage-channel +curling-live-packager /m,
    );
    const applied = await mlds(['apply', 'shared.yaml', '--yes']);
    expect(applied.code).toBe(1);
    // Not "recorded as this workflow's": the standard refusal of a name taken in AWS, and the way to take it.
    expect(unwrapped(applied.stderr)).toContain(
      "curling-live-packager (packager.channel) already exists, and mlds cannot take it as workflow curling-live's: it lacks the tag mlds:workflow=curling-live",
    );
    expect(unwrapped(applied.stderr)).toContain(
      "To import it (import tags it): 'mlds import shared.yaml packager.channel curling-live-packager'",
    );
    expect(readState().resources.filter((r) => r.address === 'packager.channel')).toStrictEqual([]);
    expect(fake.inventory().mediapackage.map((channel) => channel.id)).toContain('curling-live-packager');
  });

  it.each([
    ['mlds creates a channel at that address instead', ['  - name: packager', '    system: mediapackage']],
    ['the entry is gone from the workflow', []],
  ])(
    'once %s, apply drops the read record from the state (one entry per address) and leaves the channel',
    async (_case, packager) => {
      fake.seed.mediaPackageChannel('shared-channel', REGION);
      writeFileSync(join(cwd, 'shared.yaml'), sharedWorkflow(READS_SHARED));
      expect((await mlds(['apply', 'shared.yaml', '--yes'])).code).toBe(0);
      writeFileSync(join(cwd, 'shared.yaml'), sharedWorkflow(packager));

      const plan = await mlds(['plan', 'shared.yaml', '--json']);
      const forgotten = JSON.parse(plan.stdout).resources.filter(
        (resource: { name: string }) => resource.name === 'shared-channel',
      );
      expect(
        forgotten.map((r: { action: string; existing?: boolean }) => [r.action, r.existing]),
      ).toStrictEqual([['delete', true]]);
      const shown = await mlds(['plan', 'shared.yaml']);
      expect(plain(shown.stdout)).toMatch(
        /^ {2}- forget +packager\.channel +mediapackage-channel +shared-channel +us-west-2 +- +existing, read only: dropped from the state, left in AWS$/m,
      );
      expect(plain(shown.stdout)).toMatch(/ 1 to forget, /);

      const deletesBefore = fake.calls().filter((call) => call.command === 'DeleteChannelCommand').length;
      const applied = await mlds(['apply', 'shared.yaml', '--yes']);
      expect(applied.code).toBe(0);
      expect(applied.stdout).toMatch(/^\[-\] packager\.channel removed from the state, not deleted$/m);
      const recorded = readState().resources.filter((resource) => resource.address === 'packager.channel');
      expect(recorded.map((resource) => [resource.name, resource.existing ?? false])).toStrictEqual(
        packager.length === 0 ? [] : [['curling-live-packager', false]],
      );
      // The channel mlds only read is still there, and nothing asked to delete it.
      expect(fake.inventory().mediapackage.map((channel) => channel.id)).toContain('shared-channel');
      expect(fake.calls().filter((call) => call.command === 'DeleteChannelCommand')).toHaveLength(
        deletesBefore,
      );
      const again = await mlds(['plan', 'shared.yaml', '--detailed-exitcode']);
      expect(again.code).toBe(0);
    },
  );
});

describe('a locked state', () => {
  /** Writes the lock of a run on another host, taken a minute ago; returns when. */
  function lockHeldByAnotherRun(): string {
    mkdirSync(join(cwd, '.mlds'), { recursive: true });
    const since = new Date(now - 60_000).toISOString();
    const lock = { host: 'build-host-7', pid: 4242, acquiredAt: since, command: 'apply', token: 't' };
    writeFileSync(join(cwd, `${STATE}.lock`), JSON.stringify(lock));
    return since;
  }

  it.each([[['apply', 'full.yaml', '--yes']], [['destroy', 'full.yaml', '--yes']]])(
    'mlds %j: exit 3 naming the holder and how to remove a stale lock',
    async (argv) => {
      if (argv[0] === 'destroy') expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
      const calls = fake.calls().length;
      const since = lockHeldByAnotherRun();
      const run = await mlds(argv);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(
        `error: the state ${STATE} is locked by 'apply' on host build-host-7 (pid 4242) since ${since}, lock id t\n`,
      );
      expect(run.stderr).toContain(`run 'mlds state unlock t --state ${STATE}' and run again`);
      expect(fake.calls()).toHaveLength(calls);
      expect(existsSync(join(cwd, `${STATE}.lock`))).toBe(true);
    },
  );
  it("destroy while another run's first apply holds the lock (no state file yet): exit 3, not 'nothing to destroy'", async () => {
    const since = lockHeldByAnotherRun();
    const run = await mlds(['destroy', 'full.yaml', '--yes']);
    expect(run.code).toBe(3);
    expect(run.stdout).not.toContain('Nothing to destroy');
    expect(run.stderr).toContain(
      `error: the state ${STATE} is locked by 'apply' on host build-host-7 (pid 4242) since ${since}, lock id t\n`,
    );
    // Without --yes nobody can confirm, and nothing is locked: exit 2, as for a state that records resources.
    const unconfirmed = await mlds(['destroy', 'full.yaml']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stdout).not.toContain('Nothing to destroy');
    expect(unwrapped(unconfirmed.stderr)).toContain(`The state ${STATE} is locked by another run.`);
    expect(fake.calls()).toStrictEqual([]);
    expect(existsSync(join(cwd, STATE))).toBe(false);
  });
  it.each([['apply'], ['destroy']])(
    'mlds %s without --yes (stdin not a terminal) on a locked state: exit 2, and the hint says the lock is held',
    async (command) => {
      // apply: its first, every resource new; destroy: of what an apply created.
      if (command === 'destroy') expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
      const calls = fake.calls().length;
      lockHeldByAnotherRun();
      const run = await mlds([command, 'full.yaml']);
      expect(run.code).toBe(2);
      expect(unwrapped(run.stderr)).toContain(
        `Nothing was changed. The state ${STATE} is locked by another run, so what is shown may be out of date: with --yes, ${command} would stop with exit 3 until that run ends (a lock whose process is gone from this host is taken over).`,
      );
      expect(fake.calls()).toHaveLength(calls);
      // Without a lock beside the state, the hint is the plain one.
      rmSync(join(cwd, `${STATE}.lock`));
      const unlocked = await mlds([command, 'full.yaml']);
      expect(unlocked.code).toBe(2);
      expect(unwrapped(unlocked.stderr)).toContain('Nothing was changed.');
      expect(unlocked.stderr).not.toContain('locked by another run');
    },
  );
  it.each([['apply'], ['destroy']])(
    'mlds %s --json: exit 3, and stdout holds the locked document a fleet gives such a workflow',
    async (command) => {
      if (command === 'destroy') expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
      const calls = fake.calls().length;
      const since = lockHeldByAnotherRun();
      const run = await mlds([command, 'full.yaml', '--yes', '--json']);
      expect(run.code).toBe(3);
      expect(JSON.parse(run.stdout)).toStrictEqual({
        formatVersion: 1,
        workflow: 'curling-live',
        result: 'locked',
        error: `the state ${STATE} is locked by 'apply' on host build-host-7 (pid 4242) since ${since}, lock id t`,
      });
      expect(run.stderr).toContain(`error: the state ${STATE} is locked by 'apply'`);
      expect(fake.calls()).toHaveLength(calls);
    },
  );
  it.each([['apply'], ['destroy']])(
    'mlds %s on a terminal: the lock is checked before the plan is shown and the question asked',
    async (command) => {
      if (command === 'destroy') expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
      lockHeldByAnotherRun();
      const stdin = terminalStdin('yes\n');
      const run = await mlds([command, 'full.yaml'], { isTTY: true, stdin });
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
      expect(stdin.returned()).toBe(false);
    },
  );

  it.each([['apply'], ['destroy']])(
    'mlds %s holds the lock while it asks, and releases it when the answer is no',
    async (command) => {
      if (command === 'destroy') expect((await mlds(['apply', 'full.yaml', '--yes'])).code).toBe(0);
      const lockFile = join(cwd, `${STATE}.lock`);
      let lockedWhileAsking: unknown;
      const stdin = {
        isTTY: true,
        async *[Symbol.asyncIterator]() {
          lockedWhileAsking = JSON.parse(readFileSync(lockFile, 'utf8')).command;
          yield 'no\n';
        },
      };
      const run = await mlds([command, 'full.yaml'], { isTTY: true, stdin });
      expect(run.code).toBe(1);
      expect(lockedWhileAsking).toBe(command);
      expect(existsSync(lockFile)).toBe(false);
    },
  );
});

describe('progress on a terminal', () => {
  it('redraws the resources in progress in place, with colour; the finished lines stay', async () => {
    const run = await mlds(['apply', SEED, '--yes'], { isTTY: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\x1b[1F\x1b[J');
    expect(run.stdout).toMatch(/creating… /);
    expect(run.stdout).toContain('Apply complete:');
  });

  it('plain lines when colour is off, even on a terminal', async () => {
    const run = await mlds(['apply', SEED, '--yes', '--no-color'], { isTTY: true });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('\x1b');
    expect(run.stdout).toMatch(/^\[\+\] packager\.channel created \(\d+\.\ds\)$/m);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
