import * as provisioner from '@mlds/provisioner';
import { describe, expect, it } from 'vitest';
import { confirm, isTerminal } from '../src/confirm.js';
import {
  ConfirmationRequiredError,
  DestroyRefusedError,
  ExitCode,
  exitCodeFor,
  FileSystemError,
  MissingSecretsError,
  MldsError,
  OperationFailedError,
  StateFileError,
  StateLockedError,
  StateMismatchError,
  StateStoreError,
} from '../src/errors.js';
import { startProvisioning } from '../src/provisioning.js';
import { againCommand, rerunFlags } from '../src/render/command-line.js';
import { translateRunError } from '../src/run-errors.js';
import { ResultCollector } from '../src/run-results.js';
import { unlockCommand } from '../src/state-backend.js';
import { createColors } from '../src/terminal.js';

const where = {
  command: 'apply' as const,
  file: 'w.yaml',
  statePath: { kind: 'file' as const, absolute: '/site/.mlds/w.state.json', shownAs: '.mlds/w.state.json' },
  again: 'mlds apply w.yaml',
  flags: [],
};

const whereFor = (command: 'apply' | 'destroy') => ({ ...where, command, again: `mlds ${command} w.yaml` });

const translate = (error: unknown, command: 'apply' | 'destroy' = 'apply') =>
  translateRunError(error, provisioner, whereFor(command));

describe('translateRunError: each provisioner error becomes the CLI error of its exit code', () => {
  it('StateLockedError → 3, naming the holder and the lock file', () => {
    const holder = {
      id: 'a1b2c3',
      host: 'ci-7',
      pid: 99,
      acquiredAt: '2025-06-01T10:00:00.000Z',
      command: 'destroy',
    };
    const error = translate(new provisioner.StateLockedError('/site/.mlds/w.state.json.lock', holder));
    expect(error).toBeInstanceOf(StateLockedError);
    expect(exitCodeFor(error)).toBe(ExitCode.locked);
    expect((error as MldsError).message).toBe(
      "the state .mlds/w.state.json is locked by 'destroy' on host ci-7 (pid 99) since 2025-06-01T10:00:00.000Z, lock id a1b2c3",
    );
    expect((error as MldsError).hint).toContain(
      "run 'mlds state unlock a1b2c3 --state .mlds/w.state.json' and run again",
    );
  });

  it('StateCorruptError → 1', () => {
    const error = translate(
      new provisioner.StateCorruptError('/site/.mlds/w.state.json', 'serial is missing'),
    );
    expect(error).toBeInstanceOf(StateFileError);
    expect(exitCodeFor(error)).toBe(1);
    expect((error as Error).message).toBe(
      'the state file .mlds/w.state.json is not an mlds state: serial is missing',
    );
  });

  it('StateFencedError → 1: the state changed under this run, or its lock was taken over; nothing overwritten', () => {
    const changed = translate(
      new provisioner.StateFencedError(
        '/site/.mlds/w.state.json',
        'state-changed',
        'another run wrote the state file',
      ),
    );
    expect(changed).toBeInstanceOf(StateStoreError);
    expect(exitCodeFor(changed)).toBe(1);
    expect((changed as MldsError).message).toBe(
      'the state changed under this run: .mlds/w.state.json; nothing was overwritten',
    );
    const lost = translate(
      new provisioner.StateFencedError('/site/.mlds/w.state.json', 'lock-lost', 'removed'),
    );
    expect((lost as MldsError).message).toBe(
      'this run lost the lock of the state .mlds/w.state.json; nothing was overwritten',
    );
    expect(exitCodeFor(lost)).toBe(1);
  });

  it('StateStoreError → 1, its fix as the hint', () => {
    const error = translate(
      new provisioner.StateStoreError('s3://b/k', 'the state bucket b does not exist', 'Create it first.'),
    );
    expect(error).toBeInstanceOf(StateStoreError);
    expect(exitCodeFor(error)).toBe(1);
    expect((error as MldsError).hint).toBe('Create it first.');
  });

  it('StateWorkflowMismatchError → 2', () => {
    const error = translate(new provisioner.StateWorkflowMismatchError('other', 'w'));
    expect(error).toBeInstanceOf(StateMismatchError);
    expect(exitCodeFor(error)).toBe(2);
  });

  it('MissingEnvironmentError → 2, listing each variable', () => {
    const error = translate(
      new provisioner.MissingEnvironmentError([
        { variable: 'A_PASSWORD', address: 'a.password', sentTo: 'ssm-parameter' },
        { variable: 'B_KEY', address: 'b.password', sentTo: 'ssm-parameter' },
      ]),
    );
    expect(error).toBeInstanceOf(MissingSecretsError);
    expect(exitCodeFor(error)).toBe(2);
    expect((error as Error).message).toBe(
      'set these environment variables, then run apply again:\n  A_PASSWORD (for a.password)\n  B_KEY (for b.password)',
    );
  });

  it('NotEmptyError → 1, every blocker listed, with --force as the way out', () => {
    const error = translate(
      new provisioner.NotEmptyError([
        { address: 'a.bucket[0]', name: 'w-a-p0', reason: 'the bucket holds objects or object versions' },
        { address: 'p.channel', name: 'w-p', reason: 'the channel has 2 origin endpoint(s)' },
      ]),
      'destroy',
    );
    expect(error).toBeInstanceOf(DestroyRefusedError);
    expect(exitCodeFor(error)).toBe(1);
    expect((error as Error).message).toBe(
      'destroy refused, nothing was deleted: a.bucket[0] and p.channel are not empty\n' +
        '  a.bucket[0] (w-a-p0): the bucket holds objects or object versions\n' +
        '  p.channel (w-p): the channel has 2 origin endpoint(s)',
    );
    expect((error as MldsError).hint).toContain("'mlds destroy w.yaml --force'");
  });

  it('NotEmptyError from apply (a resource the workflow dropped still holds objects) speaks of apply', () => {
    const error = translate(
      new provisioner.NotEmptyError([
        { address: 'a.bucket[0]', name: 'w-a-p0', reason: 'the bucket holds objects or object versions' },
      ]),
      'apply',
    );
    expect((error as Error).message).toBe(
      'apply refused, nothing was changed: a.bucket[0] is not empty\n' +
        '  a.bucket[0] (w-a-p0): the bucket holds objects or object versions',
    );
    expect((error as MldsError).hint).toBe(
      'Empty them yourself (apply has no --force) and run apply again, or put them back in the workflow.',
    );
  });

  it('ApplyFailedError → 1 with the redacted text of each failure, never its cause', () => {
    const cause = new Error('AccessDenied for password hunter2-from-the-sdk');
    const failed = new provisioner.ApplyFailedError(
      'apply',
      [
        { address: 'a.password', error: 'AccessDenied: ***', cause },
        { address: 'b.bucket[0]', error: 'BucketNameTakenError: taken', cause: new Error('raw') },
      ],
      ['b.password'],
    );
    const error = translate(failed);
    expect(error).toBeInstanceOf(OperationFailedError);
    expect(exitCodeFor(error)).toBe(1);
    expect((error as OperationFailedError).failures).toStrictEqual([
      { address: 'a.password', error: 'AccessDenied: ***' },
      { address: 'b.bucket[0]', error: 'BucketNameTakenError: taken' },
    ]);
    const text = `${(error as Error).message}\n${(error as MldsError).hint}`;
    expect(text).toBe(
      'apply failed for 2 resources:\n  a.password: AccessDenied: ***\n  b.bucket[0]: BucketNameTakenError: taken\n' +
        '  not attempted, because something they need failed: b.password\n' +
        "What was created is recorded in the state .mlds/w.state.json. Fix the cause, then run 'mlds apply w.yaml' again: it finishes the job, creating only what is missing.",
    );
    expect(text).not.toContain('hunter2');
    expect((translate(failed, 'destroy') as MldsError).hint).toContain("run 'mlds destroy w.yaml' again");
  });

  it('the command a hint gives repeats --state, --region and --profile, each path one shell argument', () => {
    const failed = new provisioner.ApplyFailedError(
      'apply',
      [{ address: 'a.bucket[0]', error: 'AccessDenied: no', cause: new Error('raw') }],
      [],
    );
    const flags = rerunFlags({ statePath: 'My State/w.json', region: 'eu-west-1', profile: 'media admin' });
    const spaced = {
      ...where,
      file: 'My Workflows/live.yaml',
      statePath: { kind: 'file' as const, absolute: '/s/My State/w.json', shownAs: 'My State/w.json' },
      again: againCommand('apply', ['My Workflows/live.yaml'], flags),
      flags,
    };
    const hint = (translateRunError(failed, provisioner, spaced, []) as MldsError).hint;
    expect(hint).toBe(
      `Nothing was created or changed. Fix the cause, then run 'mlds apply "My Workflows/live.yaml" --state "My State/w.json" --region eu-west-1 --profile "media admin"' again.`,
    );
    expect(unlockCommand('f00d', spaced.statePath)).toBe('mlds state unlock f00d --state "My State/w.json"');
    expect(rerunFlags({})).toStrictEqual([]);
  });

  it('ApplyFailedError after a run that did nothing: the hint says nothing was created, changed or deleted', () => {
    const failed = new provisioner.ApplyFailedError(
      'apply',
      [{ address: 'a.bucket[0]', error: 'AccessDenied: no', cause: new Error('raw') }],
      [],
    );
    const failedOnly = [{ address: 'a.bucket[0]', kind: 's3-bucket' as const, outcome: 'failed' as const }];
    const hintOf = (command: 'apply' | 'destroy', results: Parameters<typeof translateRunError>[3]) =>
      (translateRunError(failed, provisioner, whereFor(command), results) as MldsError).hint;
    expect(hintOf('apply', failedOnly)).toBe(
      "Nothing was created or changed. Fix the cause, then run 'mlds apply w.yaml' again.",
    );
    expect(hintOf('destroy', failedOnly)).toBe(
      "Nothing was deleted: the state .mlds/w.state.json still records every resource. Fix the cause, then run 'mlds destroy w.yaml' again.",
    );
    // One resource done is enough for the usual hint, which says where it is recorded.
    const oneCreated = [
      ...failedOnly,
      { address: 'a.password', kind: 'ssm-parameter' as const, outcome: 'created' as const },
    ];
    expect(hintOf('apply', oneCreated)).toBe(
      "What was created is recorded in the state .mlds/w.state.json. Fix the cause, then run 'mlds apply w.yaml' again: it finishes the job, creating only what is missing.",
    );
    const oneDeleted = [
      ...failedOnly,
      { address: 'a.password', kind: 'ssm-parameter' as const, outcome: 'deleted' as const },
    ];
    expect(hintOf('destroy', oneDeleted)).toBe(
      "What was deleted is gone from the state .mlds/w.state.json; the rest is still recorded. Fix the cause, then run 'mlds destroy w.yaml' again.",
    );
  });

  it('InvalidPlanError and RunAbortedError → 1', () => {
    for (const thrown of [
      new provisioner.InvalidPlanError('a cycle'),
      new provisioner.RunAbortedError('stopped'),
    ]) {
      const error = translate(thrown);
      expect(error).toBeInstanceOf(MldsError);
      expect(exitCodeFor(error)).toBe(1);
      expect((error as Error).cause).toBe(thrown);
    }
  });

  it('a file-system error (writing the state, the lock) → FileSystemError, 1', () => {
    const thrown = Object.assign(
      new Error("EACCES: permission denied, open '/site/.mlds/w.state.json.lock'"),
      {
        code: 'EACCES',
      },
    );
    const error = translate(thrown);
    expect(error).toBeInstanceOf(FileSystemError);
    expect((error as Error).message).toBe(`cannot use the state .mlds/w.state.json: ${thrown.message}`);
  });

  it('anything else is passed on unchanged (a bug: main prints it as one)', () => {
    const thrown = new TypeError('x is undefined');
    expect(translate(thrown)).toBe(thrown);
  });
});

describe('startProvisioning', () => {
  const context = {
    cwd: '/site',
    env: {},
    stdout: { write: () => true },
    stderr: { write: () => true },
    stdin: undefined,
    isTTY: false,
    colors: createColors(false),
  };

  it("defaults to the provisioner's real SDK clients, with --profile and the resource's Region", async () => {
    const { clients, store } = await startProvisioning(context, {
      profile: 'media-prod',
      statePath: where.statePath,
    });
    const s3 = await clients.s3('eu-west-1');
    expect(s3.config.profile).toBe('media-prod');
    expect(await s3.config.region()).toBe('eu-west-1');
    expect(s3.config.isCustomEndpoint).toBe(false);
    const withoutProfile = await startProvisioning(context, {
      profile: undefined,
      statePath: where.statePath,
    });
    expect((await withoutProfile.clients.s3('eu-west-1')).config.profile).toBeUndefined();
    expect(store).toBeInstanceOf(provisioner.FileStateStore);
    expect((store as provisioner.FileStateStore).path).toBe('/site/.mlds/w.state.json');
  });

  it('uses the factory, clock and sleep of the context when given', async () => {
    const clients = provisioner.createAwsClients();
    const clock = () => 42;
    const sleep = async () => {};
    const asked: unknown[] = [];
    const provisioning = await startProvisioning(
      {
        ...context,
        awsClients: (options) => {
          asked.push(options);
          return clients;
        },
        clock,
        sleep,
      },
      { profile: 'p', statePath: where.statePath },
    );
    expect(provisioning.clients).toBe(clients);
    expect(asked).toStrictEqual([{ profile: 'p' }]);
    expect(provisioning.clock).toBe(clock);
    expect(provisioning.sleep).toBe(sleep);
  });
});

describe('ResultCollector', () => {
  it('lists what the run never reached as skipped, when asked for what is left to do', () => {
    const results = new ResultCollector([
      { address: 'a', kind: 'mediapackage-channel' },
      { address: 'b', kind: 'ssm-parameter' },
    ]);
    results.add({
      type: 'done',
      address: 'b',
      kind: 'ssm-parameter',
      action: 'delete',
      outcome: 'deleted',
      elapsedMs: 1,
      at: 1,
    });
    expect(results.list()).toStrictEqual([{ address: 'b', kind: 'ssm-parameter', outcome: 'deleted' }]);
    expect(results.listWithUnstarted()).toStrictEqual([
      { address: 'a', kind: 'mediapackage-channel', outcome: 'skipped' },
      { address: 'b', kind: 'ssm-parameter', outcome: 'deleted' },
    ]);
  });

  it('lists outcomes in the given order, failures and skips included, waits and starts ignored', () => {
    const results = new ResultCollector([
      { address: 'a', kind: 'mediapackage-channel' },
      { address: 'b', kind: 'ssm-parameter' },
      { address: 'c', kind: 's3-bucket' },
    ]);
    results.add({ type: 'started', address: 'c', kind: 's3-bucket', action: 'create', at: 0 });
    results.add({
      type: 'done',
      address: 'c',
      kind: 's3-bucket',
      action: 'create',
      outcome: 'created',
      elapsedMs: 1,
      at: 1,
    });
    results.add({ type: 'skipped', address: 'b', kind: 'ssm-parameter', reason: 'a failed', at: 1 });
    results.add({ type: 'progress', address: 'a', detail: 'x', at: 1 });
    results.add({
      type: 'failed',
      address: 'a',
      kind: 'mediapackage-channel',
      action: 'create',
      error: 'e',
      elapsedMs: 1,
      at: 1,
    });
    expect(results.list()).toStrictEqual([
      { address: 'a', kind: 'mediapackage-channel', outcome: 'failed' },
      { address: 'b', kind: 'ssm-parameter', outcome: 'skipped' },
      { address: 'c', kind: 's3-bucket', outcome: 'created' },
    ]);
  });
});

describe('confirm', () => {
  const prompt = () => {
    let text = '';
    return { writer: { write: (chunk: string) => (text += chunk) }, text: () => text };
  };
  const lines = (...chunks: Array<string | Uint8Array>) => ({
    isTTY: true,
    async *[Symbol.asyncIterator]() {
      yield* chunks;
    },
  });

  it('--yes: true without reading or writing anything', async () => {
    const out = prompt();
    expect(
      await confirm({
        command: 'apply',
        yes: true,
        json: true,
        question: 'Q?',
        stdin: undefined,
        prompt: out.writer,
      }),
    ).toBe(true);
    expect(out.text()).toBe('');
  });

  it('no terminal: ConfirmationRequiredError (exit 2) saying to pass --yes', async () => {
    const out = prompt();
    const notTerminal = {
      async *[Symbol.asyncIterator]() {
        yield 'yes\n';
      },
    };
    for (const stdin of [undefined, notTerminal, { ...notTerminal, isTTY: false }]) {
      const asked = confirm({
        command: 'destroy',
        yes: false,
        json: false,
        question: 'Q?',
        stdin,
        prompt: out.writer,
      });
      await expect(asked).rejects.toBeInstanceOf(ConfirmationRequiredError);
      await expect(asked).rejects.toThrow('pass --yes to destroy without asking');
    }
    expect(out.text()).toBe('');
    expect(exitCodeFor(new ConfirmationRequiredError('x'))).toBe(2);
  });

  it.each([
    [['yes\n'], true],
    [['y', 'es', '\nmore\n'], true],
    [[new TextEncoder().encode('yes\r\n')], true],
    [['yes'], true],
    [['Yes\n'], false],
    [['no\n'], false],
    [['\n', 'yes\n'], false],
    [[], false],
  ])('typed %j: %s', async (chunks, expected) => {
    const out = prompt();
    const answer = await confirm({
      command: 'apply',
      yes: false,
      json: false,
      question: 'Apply?',
      stdin: lines(...chunks),
      prompt: out.writer,
    });
    expect(answer).toBe(expected);
    expect(out.text()).toBe('Apply? ');
  });

  it('SIGINT at the question answers no at once, even while the terminal read is pending, and frees stdin', async () => {
    const out = prompt();
    let destroyed = false;
    // A terminal: a read pending until someone types, and a return() that waits for that read.
    const pendingForever = new Promise<never>(() => {});
    const terminal = {
      isTTY: true,
      destroy: () => {
        destroyed = true;
      },
      [Symbol.asyncIterator]: () => ({
        next: () => pendingForever,
        return: () => pendingForever,
      }),
    };
    const controller = new AbortController();
    const asked = confirm({
      command: 'apply',
      yes: false,
      json: false,
      question: 'Apply?',
      stdin: terminal,
      prompt: out.writer,
      signal: controller.signal,
    });
    controller.abort('SIGINT');
    expect(await asked).toBe(false);
    expect(destroyed).toBe(true);
  });

  it('isTerminal is true only for a stream marked isTTY', () => {
    expect(isTerminal(undefined)).toBe(false);
    expect(isTerminal(lines())).toBe(true);
    expect(isTerminal({ isTTY: false, async *[Symbol.asyncIterator]() {} })).toBe(false);
  });
});
