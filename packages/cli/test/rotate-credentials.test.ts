import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DescribeChannelCommand } from '@aws-sdk/client-mediapackage';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { createFakeCloud, type FakeCloud, readExample } from '@mlds/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliOptions } from '../src/main.js';
import { aroundSends, existingTexts, expectNoSecrets, runAgainstFake } from './fake-cli.js';
import { signalSource } from './fake-signals.js';
import { unansweredStdin } from './fake-terminal.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';
import { withHlsGroup } from './workflow-texts.js';

// `mlds rotate-credentials <file> <downstream>` in-process, against the fake cloud.

const REGION = 'us-west-2';
const STATE = '.mlds/curling-live.state.json';
const CHANNEL = 'curling-live-packager';
const PARAMETERS = ['/mlds/curling-live/packager/password-p0', '/mlds/curling-live/packager/password-p1'];

/** The seed example with the packager fed by an HLS group: two ingest passwords in SSM. */
const WORKFLOW = withHlsGroup(readExample('curling-live'));

let fake: FakeCloud;
let cwd: string;
let printed: string[];

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  printed = [];
  writeFileSync(join(cwd, 'live.yaml'), WORKFLOW);
  writeFileSync(join(cwd, 'group.yaml'), readExample('curling-live'));
});

afterEach(() => {
  expectNoSecrets([...printed, ...existingTexts(join(cwd, STATE))], fake.secretValues());
});

async function mlds(argv: string[], options: Partial<Omit<CliOptions, 'argv'>> = {}): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, fake, printed }, options);
}

async function credentials() {
  const channel = await fake.clients.mediaPackage(REGION).send(new DescribeChannelCommand({ Id: CHANNEL }));
  const endpoints = channel.HlsIngest?.IngestEndpoints ?? [];
  const stored = await Promise.all(
    PARAMETERS.map(
      async (name) =>
        (await fake.clients.ssm(REGION).send(new GetParameterCommand({ Name: name, WithDecryption: true })))
          .Parameter?.Value,
    ),
  );
  return {
    ids: endpoints.map((e) => e.Id),
    usernames: endpoints.map((e) => e.Username),
    passwords: endpoints.map((e) => e.Password),
    stored,
  };
}

describe('mlds rotate-credentials', () => {
  it('--yes: one rotation per endpoint, each new password straight into its parameter; the new user names shown', async () => {
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    const before = await credentials();
    const from = fake.calls().length;
    const run = await mlds(['rotate-credentials', 'live.yaml', 'packager', '--yes']);
    expect(unwrapped(run.stderr)).toBe('');
    expect(run.code).toBe(0);
    const calls = fake.calls().slice(from);
    const after = await credentials();
    expect(calls.map((call) => [call.command, call.input])).toStrictEqual(
      [0, 1].flatMap((index) => [
        ['RotateIngestEndpointCredentialsCommand', { Id: CHANNEL, IngestEndpointId: before.ids[index] }],
        [
          'PutParameterCommand',
          {
            Name: PARAMETERS[index],
            Value: after.passwords[index],
            Type: 'SecureString',
            Tier: 'Standard',
            Overwrite: true,
          },
        ],
      ]),
    );
    expect(after.stored).toStrictEqual(after.passwords);
    expect(after.passwords).not.toContain(before.passwords[0]);
    expect(run.stdout).toContain(
      `\nRotation complete: 2 of 2 ingest endpoints rotated by this run; each new password is in its SSM parameter (${PARAMETERS.join(', ')}).\n`,
    );
    for (const username of after.usernames) expect(run.stdout).toContain(`user ${username}`);

    // output (no AWS call) now gives MediaLive the new user names.
    const output = JSON.parse((await mlds(['output', 'live.yaml', 'packager', '--json'])).stdout);
    expect(output.Settings.map((s: { Username: string }) => s.Username)).toStrictEqual(after.usernames);
  });

  it('--json: the new user names and where each password is; never a password', async () => {
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    const run = await mlds(['rotate-credentials', 'live.yaml', 'packager', '--yes', '--json']);
    expect(run.code).toBe(0);
    const after = await credentials();
    const document = JSON.parse(run.stdout);
    expect(document).toStrictEqual({
      formatVersion: 1,
      workflow: 'curling-live',
      downstream: 'packager',
      result: 'ok',
      resumed: false,
      endpoints: [0, 1].map((index) => ({
        id: after.ids[index],
        username: after.usernames[index],
        parameter: PARAMETERS[index],
      })),
      rotated: after.ids,
      destination: {
        Id: 'packager',
        Settings: [0, 1].map((index) => ({
          Url: expect.stringMatching(/^https:\/\//),
          Username: after.usernames[index],
          PasswordParam: PARAMETERS[index],
        })),
      },
    });
  });

  it('a run that fails midway is finished by the next one', async () => {
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    fake.crashAfterMutatingCalls(1);
    const failed = await mlds(['rotate-credentials', 'live.yaml', 'packager', '--yes', '--json']);
    expect(failed.code).toBe(1);
    expect(unwrapped(failed.stderr)).toContain(
      "Fix the cause, then run 'mlds rotate-credentials live.yaml packager' again: it finishes the rotation.",
    );
    // --json: a document saying what went wrong, never a password.
    const document = JSON.parse(failed.stdout);
    expect([document.workflow, document.downstream, document.result]).toStrictEqual([
      'curling-live',
      'packager',
      'failed',
    ]);
    expect(document.error).toMatch(/^rotate-credentials failed: /);
    fake.crashAfterMutatingCalls(undefined);
    for (const password of (await credentials()).passwords) expect(failed.stdout).not.toContain(password);
    const rerun = await mlds(['rotate-credentials', 'live.yaml', 'packager', '--yes']);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(
      /^A rotation of packager\.channel \(curling-live-packager\) started earlier/,
    );
    const after = await credentials();
    expect(after.stored).toStrictEqual(after.passwords);
  });

  it('SIGINT after each mutating call: no rotation starts after it, exit 130, and the next run finishes', async () => {
    // Mutating calls: 1 rotate p0, 2 put p0, 3 rotate p1, 4 put p1. A rotation that went through is always
    // followed by its PutParameter: its password would be lost otherwise.
    for (let k = 1; k <= 4; k++) {
      fake = createFakeCloud();
      cwd = tempDir();
      writeFileSync(join(cwd, 'live.yaml'), WORKFLOW);
      expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
      const before = await credentials();
      const source = signalSource();
      const from = fake.mutatingCalls().length;
      const clients = aroundSends(fake, async (send) => {
        const answer = await send();
        if (fake.mutatingCalls().length - from === k) source.fire('SIGINT');
        return answer;
      });
      const run = await mlds(['rotate-credentials', 'live.yaml', 'packager', '--yes'], {
        awsClients: () => clients,
        signals: source.signals,
      });
      expect({ k, code: run.code }).toStrictEqual({ k, code: 130 });
      const mutated = fake
        .mutatingCalls()
        .slice(from)
        .map((call) => call.command);
      const both = k > 2;
      expect(mutated, `k=${k}`).toStrictEqual(
        [
          'RotateIngestEndpointCredentialsCommand',
          'PutParameterCommand',
          'RotateIngestEndpointCredentialsCommand',
          'PutParameterCommand',
        ].slice(0, both ? 4 : 2),
      );
      const stderr = unwrapped(run.stderr);
      if (both) {
        expect(stderr).toContain(
          'error: rotate-credentials interrupted after its last calls had finished: every ingest endpoint is rotated',
        );
      } else {
        expect(stderr).toContain(
          'error: rotate-credentials interrupted: 1 of 2 ingest endpoints rotated by this run, each new password in its SSM parameter; no other rotation was started',
        );
        expect(stderr).toContain(
          `The rotation is recorded in the state ${STATE}: the endpoints not rotated keep their old credentials until 'mlds rotate-credentials live.yaml packager' finishes it.`,
        );
        expect(run.stdout).not.toContain('Rotation complete');
        const half = await credentials();
        expect(half.passwords[1]).toBe(before.passwords[1]);
        const again = await mlds(['rotate-credentials', 'live.yaml', 'packager', '--yes']);
        expect(again.code).toBe(0);
        expect(again.stdout).toContain('this run finishes it');
        expect(again.stdout).toContain('Rotation complete: 1 of 2 ingest endpoints rotated by this run');
      }
      const after = await credentials();
      expect(after.stored, `k=${k}`).toStrictEqual(after.passwords);
      expect(after.passwords[0]).not.toBe(before.passwords[0]);
      expect(after.passwords[1]).not.toBe(before.passwords[1]);
    }
  });

  it('--json, interrupted: the document says interrupted and lists the endpoints; exit 130', async () => {
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    const source = signalSource();
    const clients = aroundSends(fake, async (send) => {
      const answer = await send();
      source.fire('SIGINT');
      return answer;
    });
    const run = await mlds(['rotate-credentials', 'live.yaml', 'packager', '--yes', '--json'], {
      awsClients: () => clients,
      signals: source.signals,
    });
    expect(run.code).toBe(130);
    const document = JSON.parse(run.stdout);
    expect(document.result).toBe('interrupted');
    // The one rotated before the signal (its password stored), not the other.
    expect(document.rotated).toStrictEqual([document.endpoints[0].id]);
    expect(document.endpoints.map((endpoint: { parameter: string }) => endpoint.parameter)).toStrictEqual(
      PARAMETERS,
    );
  });

  it('SIGINT at the question: exit 130, nothing rotated, only the question abandoned is said', async () => {
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    const before = fake.mutatingCalls().length;
    const source = signalSource();
    const stdin = unansweredStdin(() => source.fire('SIGINT'));
    const run = await mlds(['rotate-credentials', 'live.yaml', 'packager'], {
      stdin,
      signals: source.signals,
    });
    expect(run.code).toBe(130);
    expect(unwrapped(run.stderr)).toContain(
      'rotate-credentials interrupted at the question: nothing was changed; the lock is released',
    );
    expect(run.stderr).not.toContain('no new AWS call starts');
    expect(fake.mutatingCalls()).toHaveLength(before);
  });

  it("says that it took over the lock of a run that is gone on this host, as apply's progress does", async () => {
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    const since = '2026-01-01T00:00:00.000Z';
    // A pid that cannot be running: the run that held it is gone.
    const gone = { id: 'dead0001', host: hostname(), pid: 2147483646, command: 'apply', since };
    writeFileSync(join(cwd, `${STATE}.lock`), JSON.stringify(gone));
    const run = await mlds(['rotate-credentials', 'live.yaml', 'packager', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `Took over a stale lock of apply on ${hostname()} (pid 2147483646, since ${since}).\n`,
    );
  });

  it('--rate-limit is taken, and a malformed one is exit 2 with nothing called', async () => {
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    const from = fake.calls().length;
    const bad = await mlds([
      'rotate-credentials',
      'live.yaml',
      'packager',
      '--yes',
      '--rate-limit',
      'ssm=fast',
    ]);
    expect(bad.code).toBe(2);
    expect(fake.calls()).toHaveLength(from);
    const run = await mlds([
      'rotate-credentials',
      'live.yaml',
      'packager',
      '--yes',
      '--rate-limit',
      'mediapackage=20,ssm=40',
    ]);
    expect(run.code, run.stderr).toBe(0);
  });

  it('without --yes and without a terminal: exit 2, nothing called', async () => {
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    const from = fake.calls().length;
    const run = await mlds(['rotate-credentials', 'live.yaml', 'packager']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('pass --yes to rotate-credentials without asking');
    expect(fake.calls()).toHaveLength(from);
  });

  it.each([
    [
      'an unknown downstream',
      ['live.yaml', 'packer'],
      2,
      "error: live.yaml has no downstream entry 'packer'\nThe entries whose ingest credentials can be rotated: packager.\n",
    ],
    [
      'an unknown downstream, where no entry can be rotated (a MediaPackage output group)',
      ['group.yaml', 'packer'],
      2,
      "error: group.yaml has no downstream entry 'packer'\nIt has no MediaPackage (v1) channel with ingest credentials (one mlds creates, fed by an HLS output group), so nothing to rotate.\n",
    ],
    [
      'a downstream without a channel',
      ['live.yaml', 'archive'],
      2,
      "error: 'archive' is not a MediaPackage (v1) channel: it has no ingest credentials\n",
    ],
    [
      'a MediaPackage output group',
      ['group.yaml', 'packager'],
      2,
      "error: 'packager' sends through a MediaPackage output group, which uses no ingest credentials: nothing to rotate\n",
    ],
    [
      'nothing applied yet',
      ['live.yaml', 'packager'],
      1,
      `error: the state ${STATE} does not record packager.channel: nothing to rotate yet\nRun 'mlds apply live.yaml' first.\n`,
    ],
  ])('%s: refused with no AWS call', async (_, args, code, stderr) => {
    const run = await mlds(['rotate-credentials', ...args, '--yes']);
    expect(run.code).toBe(code);
    expect(unwrapped(run.stderr)).toBe(stderr);
    expect(fake.calls()).toStrictEqual([]);
  });

  it('needs the downstream name', async () => {
    const run = await mlds(['rotate-credentials', 'live.yaml']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('error: missing the downstream name\n');
  });
});
