import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StateDocument } from '@mlds/core';
import { createFakeCloud, type FakeCloud, type Inventory } from '@mlds/fixtures';
import type { AwsClients } from '@mlds/provisioner';
import { describe, expect, it } from 'vitest';
import type { Signals } from '../src/signals.js';
import { aroundSends, firingAtFirstAnswer, runAgainstFake } from './fake-cli.js';
import { signalSource as fakeSignalSource } from './fake-signals.js';
import { unansweredStdin } from './fake-terminal.js';
import { type CliRun, runCli, tempDir, unwrapped } from './helpers.js';
import { cdnDownstream } from './workflow-texts.js';

// SIGINT/SIGTERM during apply and destroy (contract section 9), in-process: an injected signal source, fired
// from inside the fake cloud right as its k-th mutating call returns, i.e. while that call is in flight.

const WORKFLOW = [
  'workflow: ctrl-c',
  'region: us-west-2',
  // A bucket then takes two calls (CreateBucket, PutBucketPolicy): a signal can come between them.
  'mediaLiveRoleArn: arn:aws:iam::111122223333:role/MediaLiveAccessRole',
  'downstream:',
  '  - name: packager',
  '    system: mediapackage',
  '    outputGroup: hls',
  '  - name: archive',
  '    system: s3',
  ...cdnDownstream(''),
  '',
].join('\n');
const ENV = { CDN_PASSWORD: 'pa55-w0rd-for-the-cdn' };
const STATE = '.mlds/ctrl-c.state.json';

function signalSource() {
  return fakeSignalSource({
    onFire: () => {
      signalFired = true;
    },
  });
}

/** The fake cloud's clients; `onMutated(n)` runs when the n-th mutating call has returned, before the caller sees it. */
/** Sends that reached the account after a signal was fired: none may (no new AWS call starts). */
let sentAfterSignal = 0;
let signalFired = false;

function watchedClients(fake: FakeCloud, onMutated: (count: number) => void): AwsClients {
  sentAfterSignal = 0;
  signalFired = false;
  // Calls that finish together are reported one count at a time, each count once, in order.
  let reported = fake.mutatingCalls().length;
  return aroundSends(fake, async (send) => {
    if (signalFired) sentAfterSignal += 1;
    const result = await send();
    const after = fake.mutatingCalls().length;
    while (reported < after) onMutated(++reported);
    return result;
  });
}

function mlds(cwd: string, argv: string[], clients: AwsClients, signals?: Signals): Promise<CliRun> {
  return runAgainstFake(
    argv,
    { cwd, env: ENV },
    { awsClients: () => clients, ...(signals === undefined ? {} : { signals }) },
  );
}

/** Names of everything in the account. */
function namesIn(inventory: Inventory): string[] {
  return [
    ...inventory.s3.map((bucket) => bucket.name),
    ...inventory.mediapackage.map((channel) => channel.id),
    ...inventory.mediastore.map((container) => container.name),
    ...inventory.ssm.map((parameter) => parameter.name),
  ].sort();
}

function stateOf(cwd: string): StateDocument {
  return JSON.parse(readFileSync(join(cwd, STATE), 'utf8')) as StateDocument;
}

function setUp(): string {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'w.yaml'), WORKFLOW);
  return cwd;
}

async function mutatingCallsOfACleanApply(): Promise<{ total: number; names: string[] }> {
  const fake = createFakeCloud();
  const run = await mlds(setUp(), ['apply', 'w.yaml', '--yes'], fake.clients);
  expect(run.code).toBe(0);
  return { total: fake.mutatingCalls().length, names: namesIn(fake.inventory()) };
}

describe('SIGINT during a wait between two polls', () => {
  it('ends the wait at once: exit 130 without sleeping it out, the container stopped midway, apply again converges', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'w.yaml'),
      'workflow: ctrl-c\nregion: us-west-2\nmediaLiveRoleArn: arn:aws:iam::111122223333:role/MediaLiveAccessRole\ndownstream:\n  - name: store\n    system: mediastore\n',
    );
    const fake = createFakeCloud({ mediaStoreActivationPolls: 3 });
    const source = signalSource();
    let waits = 0;
    // A wait's sleep (2 s and more, until the container is ACTIVE) never ends by itself here: only the signal,
    // fired as the first one starts, can end it. Before, a wait of up to 30 s held an interrupted run.
    const sleep = (ms: number) => {
      if (ms < 1000) return Promise.resolve();
      waits += 1;
      queueMicrotask(() => source.fire('SIGINT'));
      return new Promise<void>(() => {});
    };
    const ended = runAgainstFake(
      ['apply', 'w.yaml', '--yes'],
      { cwd, env: {} },
      { awsClients: () => fake.clients, signals: source.signals, sleep },
    );
    // Without the fix the run never ends: the test then fails on vitest's own timeout, whatever the machine.
    const run = await ended;
    expect(waits).toBeGreaterThan(0);
    expect(run.code).toBe(130);
    expect(unwrapped(run.stdout)).toMatch(/\[~\] store\.container\[0\] interrupted after/);
    expect(run.stderr).not.toContain('failed');
    const again = await runAgainstFake(
      ['apply', 'w.yaml', '--yes'],
      { cwd, env: {} },
      { awsClients: () => fake.clients },
    );
    expect(again.code).toBe(0);
    expect(fake.inventory().mediastore).toHaveLength(2);
  });
});

describe('SIGINT during apply', () => {
  it('after the k-th mutating call, for every k: exit 130, lock gone, everything created is in the state, and apply again converges', async () => {
    const clean = await mutatingCallsOfACleanApply();
    expect(clean.total).toBeGreaterThanOrEqual(6);
    for (let k = 1; k <= clean.total; k++) {
      const cwd = setUp();
      const fake = createFakeCloud();
      const source = signalSource();
      const clients = watchedClients(fake, (count) => {
        if (count === k) source.fire('SIGINT');
      });
      const run = await mlds(cwd, ['apply', 'w.yaml', '--yes'], clients, source.signals);
      expect({ k, code: run.code }).toStrictEqual({ k, code: 130 });
      expect(run.stderr).toContain('Interrupted: no new AWS call starts');
      // When the calls in flight were the run's last, it says so, and that nothing is left to do.
      const finishedAnyway = run.stderr.includes('apply interrupted after its last calls had finished: all');
      if (finishedAnyway) {
        expect(run.stderr).toContain(
          "Nothing is left to do: 'mlds apply w.yaml' again would change nothing.",
        );
      } else {
        expect(run.stderr).toContain(`apply interrupted: `);
        expect(run.stderr).toContain(`Run 'mlds apply w.yaml' again to finish`);
      }
      if (k === clean.total) expect(finishedAnyway).toBe(true);
      expect(run.stderr).not.toContain('failed:');
      // Only the calls in flight finished (those that finish together with the k-th too): none started after.
      expect(fake.mutatingCalls().length).toBeGreaterThanOrEqual(k);
      expect(sentAfterSignal).toBe(0);
      expect(source.exits).toStrictEqual([]);
      expect(source.listening()).toBe(0);
      expect(existsSync(join(cwd, `${STATE}.lock`))).toBe(false);

      // Every resource in the account is recorded (created, or creating when its call k was a step of it).
      const recorded = stateOf(cwd).resources.map((resource) => resource.name);
      for (const name of namesIn(fake.inventory()))
        expect({ k, recorded: recorded.includes(name), name }).toStrictEqual({ k, recorded: true, name });

      const again = await mlds(cwd, ['apply', 'w.yaml', '--yes'], fake.clients);
      expect({ k, code: again.code, stderr: again.stderr }).toStrictEqual({ k, code: 0, stderr: '' });
      // What the interrupted run said is true: nothing left exactly when the next run has no changes.
      expect({ k, nothingLeft: again.stdout.includes('No changes.') }).toStrictEqual({
        k,
        nothingLeft: finishedAnyway,
      });
      expect(namesIn(fake.inventory())).toStrictEqual(clean.names);
      expect(stateOf(cwd).resources.every((resource) => resource.status === 'created')).toBe(true);
    }
  }, 120_000);

  it('a second signal exits at once (130) and says the lock stays', async () => {
    const cwd = setUp();
    const fake = createFakeCloud();
    const source = signalSource();
    const clients = watchedClients(fake, (count) => {
      if (count === 1) {
        source.fire('SIGTERM');
        source.fire('SIGINT');
      }
    });
    const run = await mlds(cwd, ['apply', 'w.yaml', '--yes'], clients, source.signals);
    expect(source.exits).toStrictEqual([130]);
    expect(run.stderr).toContain('Terminated: no new AWS call starts');
    expect(run.stderr).toContain(`Stopped at once: the lock ${STATE}.lock stays`);
    expect(unwrapped(run.stderr)).toContain(
      "run 'mlds apply w.yaml' again on this host (it takes over a lock whose process is gone)",
    );
  });

  it('a second signal with the state on S3: the unlock command it prints names this run’s own lock', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'w.yaml'),
      WORKFLOW.replace('downstream:', 'state: s3://team-state/ctrl-c.json\ndownstream:'),
    );
    const fake = createFakeCloud();
    fake.seed.bucket('team-state', 'us-west-2');
    const source = signalSource();
    let lockId = '';
    const clients = watchedClients(fake, (count) => {
      if (count === 2) {
        // The lock object as the run holds it, when the signals come.
        const lock = fake.s3Objects.text('team-state', 'ctrl-c.json.lock') ?? '{}';
        lockId = (JSON.parse(lock) as { id: string }).id;
        source.fire('SIGTERM');
        source.fire('SIGINT');
      }
    });
    const run = await mlds(cwd, ['apply', 'w.yaml', '--yes'], clients, source.signals);
    expect(source.exits).toStrictEqual([130]);
    expect(lockId).toMatch(/^[0-9a-f]{24}$/);
    expect(unwrapped(run.stderr)).toContain(
      `run 'mlds state unlock ${lockId} --state s3://team-state/ctrl-c.json --region us-west-2', then 'mlds apply w.yaml' again`,
    );
  });

  it('--json: the document says interrupted and lists what was done', async () => {
    const cwd = setUp();
    const fake = createFakeCloud();
    const source = signalSource();
    const clients = watchedClients(fake, (count) => {
      if (count === 1) source.fire('SIGINT');
    });
    const run = await mlds(cwd, ['apply', 'w.yaml', '--yes', '--json'], clients, source.signals);
    expect(run.code).toBe(130);
    const document = JSON.parse(run.stdout);
    expect(document.result).toBe('interrupted');
    expect(document.resources).toContainEqual({
      address: 'packager.channel',
      kind: 'mediapackage-channel',
      outcome: 'created',
    });
  });
});

describe('what an interrupted apply reports', () => {
  it('for every k: a resource that exists is shown created or interrupted midway, never failed or not started; the JSON agrees', async () => {
    const clean = await mutatingCallsOfACleanApply();
    let midwaySeen = 0;
    for (let k = 1; k <= clean.total; k++) {
      for (const json of [false, true]) {
        const cwd = setUp();
        const fake = createFakeCloud();
        const source = signalSource();
        const clients = watchedClients(fake, (count) => {
          if (count === k) source.fire('SIGINT');
        });
        const run = await mlds(
          cwd,
          ['apply', 'w.yaml', '--yes', ...(json ? ['--json'] : [])],
          clients,
          source.signals,
        );
        expect({ k, code: run.code }).toStrictEqual({ k, code: 130 });
        const addressOf = new Map(
          stateOf(cwd).resources.map((resource) => [resource.name, resource.address]),
        );
        const existing = namesIn(fake.inventory()).map((name) => addressOf.get(name) as string);
        const stderr = unwrapped(run.stderr);
        const listed = (label: string) =>
          (new RegExp(`^ {2}${label}: (.*)$`, 'm').exec(stderr)?.[1] ?? '').split(', ').filter(Boolean);
        expect({ k, notStarted: listed('not started').filter((a) => existing.includes(a)) }).toStrictEqual({
          k,
          notStarted: [],
        });
        expect(stderr).not.toContain('InterruptedCallError');
        if (json) {
          const outcomes = new Map<string, string>(
            JSON.parse(run.stdout).resources.map((r: { address: string; outcome: string }) => [
              r.address,
              r.outcome,
            ]),
          );
          for (const address of existing) {
            expect({ k, address, outcome: outcomes.get(address) }).toStrictEqual({
              k,
              address,
              outcome: expect.stringMatching(/^(created|interrupted)$/),
            });
          }
          continue;
        }
        expect(run.stdout).not.toMatch(/failed after|not started/);
        for (const address of existing) {
          const line = run.stdout
            .split('\n')
            .find((text) => text.startsWith('[') && text.includes(` ${address} `));
          expect({ k, address, line }).toStrictEqual({
            k,
            address,
            line: expect.stringMatching(
              /^\[\+\] \S+ created |^\[~\] \S+ interrupted after \d+\.\ds: stopped before it was finished/,
            ),
          });
          if (line?.startsWith('[~]')) {
            midwaySeen += 1;
            expect(
              listed('stopped midway \\(what was done of them is recorded; the next run finishes them\\)'),
            ).toContain(address);
          }
        }
      }
    }
    // The case that was wrong: a bucket whose CreateBucket returned before the signal, its settings not yet made.
    expect(midwaySeen).toBeGreaterThan(0);
  }, 120_000);
});

describe('SIGINT at the confirmation prompt', () => {
  it.each([
    ['apply', ['w.yaml'], 'the lock is released'],
    ['a fleet', ['w.yaml', 'v.yaml'], 'the locks are released'],
  ])(
    '%s: exit 130, nothing called, only the question abandoned is said, no lock left behind',
    async (_what, files, released) => {
      const cwd = setUp();
      writeFileSync(
        join(cwd, 'v.yaml'),
        readFileSync(join(cwd, 'w.yaml'), 'utf8').replace(/^workflow: .*$/m, 'workflow: other'),
      );
      const fake = createFakeCloud();
      const source = signalSource();
      // A person who never answers; the signal comes while mlds waits.
      const stdin = unansweredStdin(() => source.fire('SIGINT'));
      const run = await runCli(['apply', ...files], {
        cwd,
        env: ENV,
        stdin,
        awsClients: () => fake.clients,
        signals: source.signals,
        sleep: async () => {},
        every: () => () => {},
      });
      expect(run.code).toBe(130);
      // Nothing is in flight at the question: only what happened, not the line for a run under way.
      expect(run.stderr).toBe(
        `\nerror: apply interrupted at the question: nothing was changed; ${released}\n`,
      );
      expect(stdin.returned()).toBe(true);
      expect(fake.mutatingCalls()).toStrictEqual([]);
      expect(existsSync(join(cwd, `${STATE}.lock`))).toBe(false);
    },
  );
});

describe('SIGINT before any change', () => {
  it('during the refresh of apply --yes: exit 130, said to come before any change (nobody was asked)', async () => {
    const cwd = setUp();
    const fake = createFakeCloud();
    expect((await mlds(cwd, ['apply', 'w.yaml', '--yes'], fake.clients)).code).toBe(0);
    // Something to change, so that the run goes on past the refresh to the (skipped) question.
    writeFileSync(join(cwd, 'w.yaml'), `${WORKFLOW}  - name: backup\n    system: s3\n`);
    const before = fake.mutatingCalls().length;
    const source = signalSource();
    let fired = false;
    // The refresh's first read: the signal comes while it is in flight.
    const clients = aroundSends(fake, async (send) => {
      if (!fired) {
        fired = true;
        source.fire('SIGINT');
      }
      return send();
    });
    const run = await mlds(cwd, ['apply', 'w.yaml', '--yes'], clients, source.signals);
    expect(run.code).toBe(130);
    expect(unwrapped(run.stderr)).toContain(
      'apply interrupted before any change: nothing was changed; the lock is released',
    );
    expect(fake.mutatingCalls()).toHaveLength(before);
  });
});

describe('SIGINT during destroy', () => {
  it('exit 130, lock gone; what was deleted is gone from the state, the rest recorded; destroy again finishes', async () => {
    const cwd = setUp();
    const fake = createFakeCloud();
    expect((await mlds(cwd, ['apply', 'w.yaml', '--yes'], fake.clients)).code).toBe(0);
    const before = fake.mutatingCalls().length;
    const source = signalSource();
    const clients = watchedClients(fake, (count) => {
      if (count === before + 1) source.fire('SIGINT');
    });
    const run = await mlds(cwd, ['destroy', 'w.yaml', '--yes'], clients, source.signals);
    expect(run.code).toBe(130);
    expect(fake.mutatingCalls().length).toBeGreaterThanOrEqual(before + 1);
    expect(sentAfterSignal).toBe(0);
    expect(existsSync(join(cwd, `${STATE}.lock`))).toBe(false);
    const left = namesIn(fake.inventory());
    expect(left.length).toBeGreaterThan(0);
    for (const name of left) expect(stateOf(cwd).resources.map((r) => r.name)).toContain(name);

    const again = await mlds(cwd, ['destroy', 'w.yaml', '--yes'], fake.clients);
    expect(again.code).toBe(0);
    expect(namesIn(fake.inventory())).toStrictEqual([]);
  });

  it('during the pre-check: every resource is left to do (not started), none is said done; --json agrees', async () => {
    const cwd = setUp();
    const fake = createFakeCloud();
    expect((await mlds(cwd, ['apply', 'w.yaml', '--yes'], fake.clients)).code).toBe(0);
    const before = fake.mutatingCalls().length;
    const recorded = stateOf(cwd).resources.map((resource) => resource.address);
    const source = signalSource();
    // At the first answer of the pre-check's reads: no delete starts.
    const clients = firingAtFirstAnswer(fake, () => source.fire('SIGINT'));
    const run = await mlds(cwd, ['destroy', 'w.yaml', '--yes', '--json'], clients, source.signals);
    expect(run.code).toBe(130);
    expect(fake.mutatingCalls()).toHaveLength(before);
    const document = JSON.parse(run.stdout) as {
      result: string;
      resources: { address: string; outcome: string }[];
    };
    expect(document.result).toBe('interrupted');
    expect(document.resources.map((resource) => resource.address).sort()).toStrictEqual([...recorded].sort());
    expect(document.resources.every((resource) => resource.outcome === 'skipped')).toBe(true);
    expect(unwrapped(run.stderr)).toContain(`not started: `);
    expect(unwrapped(run.stderr)).not.toContain('after its last calls had finished');
  });
});
