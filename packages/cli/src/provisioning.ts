import type { Plan, RateOverrides, ResourceChange, ResourceKind } from '@mlds/core';
import type {
  AwsClients,
  CallerIdentity,
  LockInfo,
  RequestLimiter,
  StateBackend,
  StateStore,
} from '@mlds/provisioner';
import type { CommandContext } from './commands/command.js';
import { canConfirm } from './confirm.js';
import { CredentialsFailedError, ExitCode, InterruptedError, StateLockedError } from './errors.js';
import { againCommand, rerunFlags } from './render/command-line.js';
import { writeJson } from './render/json.js';
import { createProgress, type Progress } from './render/progress.js';
import { LOCALSTACK_HINT, translateRunError } from './run-errors.js';
import { documentingFailure, failedWorkflowDocument, lockedWorkflowDocument } from './run-results.js';
import type { SignalName } from './signals.js';
import {
  credentialsFailed,
  defaultAwsClients,
  openStateBackend,
  type Provisioner,
  unlockCommand,
} from './state-backend.js';
import { nothingToDestroyAt, type StatePath } from './state-file.js';
import type { TextReader } from './terminal.js';
import { type LoadedWorkflow, loadWorkflowAndStatePath } from './workflow-file.js';

// What apply and destroy share: loading the provisioner (and with it the AWS SDK) only when they run, building
// its clients and state store from the command's context, holding the state's lock and the signals while they
// run (their errors read as the CLI's own in run-errors.ts). Only types are imported from the provisioner at
// the top.

export type { Provisioner } from './state-backend.js';

export interface Provisioning {
  provisioner: Provisioner;
  clients: AwsClients;
  store: StateBackend;
  clock: () => number;
  /** Undefined for the engine's own timer. */
  sleep: ((ms: number) => Promise<void>) | undefined;
  /** AWS's request rates (or --rate-limit's), one instance for every workflow of the run. */
  limiter: RequestLimiter;
  /** The profile credentials come from, to name when they fail: --profile, else AWS_PROFILE. */
  profileInUse: string | undefined;
}

export async function startProvisioning(
  context: CommandContext,
  options: { profile: string | undefined; statePath: StatePath; rateLimits?: RateOverrides | undefined },
): Promise<Provisioning> {
  const { provisioner, backend } = await openStateBackend(options.statePath, {
    ...context,
    profile: options.profile,
  });
  const clock = context.clock ?? Date.now;
  const createClients =
    context.awsClients ??
    ((given: { profile: string | undefined }) => defaultAwsClients(provisioner, context, given.profile));
  return {
    provisioner,
    clients: createClients({ profile: options.profile }),
    store: backend,
    clock,
    sleep: context.sleep,
    limiter: new provisioner.RequestLimiter({
      clock,
      ...(context.sleep === undefined ? {} : { sleep: context.sleep }),
      ...(options.rateLimits === undefined ? {} : { overrides: options.rateLimits }),
    }),
    profileInUse: options.profile ?? (context.env.AWS_PROFILE || undefined),
  };
}

/** The default for `every`: a timer that never keeps the process alive by itself. */
export function everyWithTimer(ms: number, tick: () => void): () => void {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}

export interface RunWhere {
  command: 'apply' | 'destroy' | 'rotate-credentials' | 'import';
  /** The workflow file as given on the command line. */
  file: string;
  statePath: StatePath;
  /** The command line that runs this command again, as the user gave it (againCommand). */
  again: string;
  /** The flags any command a hint gives must repeat (rerunFlags), quoted for a shell. */
  flags: readonly string[];
}

/** Live progress on a terminal with colour, plain lines otherwise; after a blank line under the plan. */
export function progressOf(context: CommandContext, clock: () => number): Progress {
  context.stdout.write('\n');
  return createProgress({
    stream: context.stdout,
    live: context.isTTY && context.colors.isColorSupported,
    colors: context.colors,
    clock,
    every: context.every ?? everyWithTimer,
  });
}

/** The state's lock, held by the command; `store` hands it to the engine instead of locking again. */
export interface HeldState {
  store: StateStore;
  /** The lock's id: what `mlds state unlock` takes, should the run stop without releasing it. */
  lockId: string;
  /** The lock of a run that is gone, which this one took over (said by the commands that run no engine). */
  takenOverFrom?: LockInfo;
  release(): Promise<void>;
}

/**
 * Takes the state's lock before the state is read and the plan shown, and holds it until the run ends, as
 * Terraform does: a second run is told at once (exit 3), not after the question, and the plan approved is
 * the plan that runs.
 */
export async function holdStateLock(
  provisioning: Provisioning,
  command: RunWhere['command'],
  where: RunWhere,
): Promise<HeldState> {
  const { provisioner, store } = provisioning;
  let lock: Awaited<ReturnType<StateStore['lock']>>;
  try {
    lock = await store.lock(command);
  } catch (error) {
    throw translateRunError(error, provisioner, where);
  }
  // The engine reports a lock taken over from a dead run; releasing stays with the command.
  const handedOver = { info: lock.info, takenOverFrom: lock.takenOverFrom, release: async () => {} };
  return {
    store: {
      lock: async () => handedOver,
      read: () => store.read(),
      write: (doc) => store.write(doc),
    },
    lockId: lock.info.id,
    ...(lock.takenOverFrom === undefined ? {} : { takenOverFrom: lock.takenOverFrom }),
    release: () => lock.release(),
  };
}

/** A run that can go ahead: the provisioner loaded, and the state locked. */
export interface Session {
  provisioning: Provisioning;
  held: HeldState;
  /** Fires on the first SIGINT/SIGTERM: the question is abandoned, or no new AWS call starts. */
  interrupt: AbortSignal;
  /** Open while the question waits for its answer: a signal then abandons it, and no call is in flight to finish. */
  question: { open: boolean };
}

/** What apply and destroy know before they read the state. */
export interface PreparedRun {
  loaded: LoadedWorkflow;
  statePath: StatePath;
  /** Where the confirmation is read: not stdin when the workflow itself came from it (`-`). */
  answers: TextReader | undefined;
  /** Undefined when nobody can confirm: confirm() then stops the command before anything is called. */
  session: Session | undefined;
  /** This command again, and the flags other commands must repeat (RunWhere's). */
  again: string;
  flags: readonly string[];
}

/** What apply, destroy and their kin take from the command line besides the file(s), for one file or a fleet. */
export interface RunFlags {
  statePath: string | undefined;
  region: string | undefined;
  profile: string | undefined;
  yes: boolean;
  json: boolean;
  rateLimits?: RateOverrides | undefined;
}

/**
 * Loads the workflow, then runs `work` with the state locked, from before it reads the state to the end of the
 * run, when the command can go ahead at all (--yes, or someone at a terminal to ask). Otherwise runs it without
 * a lock or the provisioner: it then shows what it would do, and confirm() stops it before anything is called.
 */
export async function runLocked(
  command: RunWhere['command'],
  options: RunFlags & {
    file: string;
    /** Checks the command line against the workflow before anything is locked or called (a UsageError: exit 2). */
    check?: ((loaded: LoadedWorkflow) => void) | undefined;
    /** The arguments after the file that running the command again needs (import's address and id). */
    rerunArguments?: string[] | undefined;
    /** The command's own flags that running it again needs (destroy's --force). */
    rerunExtraFlags?: string[] | undefined;
    /** The flags hints repeat, when not the ones given (a saved plan's recorded state and Region). */
    rerunFlags?: string[] | undefined;
    /** --json: the document of a run that failed before printing its own (default: failedWorkflowDocument). */
    failedDocument?: ((workflow: string, error: unknown) => object) | undefined;
  },
  context: CommandContext,
  work: (prepared: PreparedRun) => Promise<void>,
): Promise<void> {
  const { loaded, statePath } = await loadWorkflowAndStatePath(options, context);
  options.check?.(loaded);
  const answers = options.file === '-' ? undefined : context.stdin;
  const flags = options.rerunFlags ?? rerunFlags(options, options.rerunExtraFlags);
  const again = againCommand(command, [loaded.file, ...(options.rerunArguments ?? [])], flags);
  // A destroy with no state file has nothing to do: it says so without creating the state's directory.
  const nothingToDestroy = command === 'destroy' && nothingToDestroyAt(statePath);
  const failedDocument = options.failedDocument ?? failedWorkflowDocument;
  const failing = (run: () => Promise<void>) =>
    documentingFailure(
      options.json ? (error) => failedDocument(loaded.workflow.workflow, error) : undefined,
      context.stdout,
      run,
    );
  if (nothingToDestroy || !canConfirm({ yes: options.yes, json: options.json, stdin: answers })) {
    return failing(() => work({ loaded, statePath, answers, session: undefined, again, flags }));
  }
  return failing(async () => {
    const provisioning = await startProvisioning(context, {
      profile: options.profile,
      statePath,
      rateLimits: options.rateLimits,
    });
    let held: HeldState;
    try {
      held = await holdStateLock(provisioning, command, {
        command,
        file: loaded.file,
        statePath,
        again,
        flags,
      });
    } catch (error) {
      // As a fleet reports a locked member: a script reading stdout gets a document, not nothing.
      if (options.json && error instanceof StateLockedError) {
        writeJson(context.stdout, lockedWorkflowDocument(loaded.workflow.workflow, error));
      }
      throw error;
    }
    const interrupt = new AbortController();
    const question = { open: false };
    const unsubscribe = context.signals?.subscribe((name) =>
      onSignal(name, interrupt, context, { statePath, again, question }, held.lockId),
    );
    try {
      await work({
        loaded,
        statePath,
        answers,
        session: { provisioning, held, interrupt: interrupt.signal, question },
        again,
        flags,
      });
    } finally {
      unsubscribe?.();
      await held.release();
    }
  });
}

/**
 * The first signal stops starting AWS calls and lets those in flight finish and be recorded; the command then
 * releases the lock and exits 130. A second one exits at once, and says that the lock stays.
 */
function onSignal(
  name: SignalName,
  interrupt: AbortController,
  context: CommandContext,
  where: { statePath: StatePath; again: string; question: { open: boolean } },
  lockId: string,
): void {
  const { stderr, colors } = context;
  if (!interrupt.signal.aborted) {
    interrupt.abort(name);
    // At the question nothing is in flight: the run ends at once, saying so itself.
    if (where.question.open) {
      stderr.write('\n');
      return;
    }
    stderr.write(
      `\n${colors.yellow(colors.bold(name === 'SIGINT' ? 'Interrupted' : 'Terminated'))}: no new AWS call starts; the calls in flight finish and are recorded, then the lock is released. Press Ctrl-C again to stop at once (the lock then stays).\n`,
    );
    return;
  }
  // A local lock whose process is gone is taken over on this host by the next run; an S3 lock never expires.
  const unlock =
    where.statePath.kind === 'file'
      ? `run '${where.again}' again on this host (it takes over a lock whose process is gone)`
      : `run '${unlockCommand(lockId, where.statePath)}', then '${where.again}' again`;
  stderr.write(
    `${colors.red(colors.bold('Stopped at once'))}: the lock ${where.statePath.shownAs}.lock stays, and a call in flight may not be recorded. Once no mlds run is going on, ${unlock}: it looks up what the state does not record and finishes the job.\n`,
  );
  context.signals?.exitNow(ExitCode.interrupted);
}

/** What running `plan` calls AWS on: every change but a no-op. */
export function toCall(plan: Plan): ResourceChange[] {
  return plan.resources.filter((change) => change.action !== 'noop');
}

/**
 * Resolves the credentials and names the account (STS GetCallerIdentity) before the question: a missing or broken
 * profile, or an endpoint whose host does not resolve, stops the run before any resource call. While it waits
 * for AWS's answer, the code and clients the run's calls on `toCall` need are made ready.
 */
export async function preflight(
  session: Session,
  region: string,
  profile: string | undefined,
  toCall: Iterable<{ kind: ResourceKind; region: string }> = [],
): Promise<CallerIdentity | undefined> {
  const { provisioner, clients } = session.provisioning;
  // prepareCalls never rejects; it is not awaited, so that the question comes as soon as the account is named.
  const prepare = () => void provisioner.prepareCalls(clients, toCall);
  try {
    // Named as the credentials' source: the SDK takes AWS_PROFILE when no --profile is given.
    const named = profile ?? session.provisioning.profileInUse;
    return await provisioner.callerIdentity(clients, region, named, prepare);
  } catch (error) {
    if (error instanceof provisioner.CredentialsError) throw credentialsFailed(error);
    // The pre-flight's own request went out (or tried to): what it spared is every resource call.
    if (error instanceof provisioner.EndpointNotFoundError) {
      throw new CredentialsFailedError(`cannot reach AWS: ${error.message}`, {
        cause: error,
        hint: `No resource was touched. ${LOCALSTACK_HINT}`,
      });
    }
    throw new CredentialsFailedError(
      `cannot confirm the AWS credentials (STS GetCallerIdentity): ${describedError(error)}`,
      {
        cause: error,
        hint: 'No resource was touched. Check the credentials, the profile and the endpoint.',
      },
    );
  }
}

/** Throws InterruptedError when the run was interrupted before it changed anything. */
export function throwIfInterrupted(session: Session, command: 'apply' | 'destroy'): void {
  if (session.interrupt.aborted) {
    throw new InterruptedError(
      `${command} interrupted before it started: nothing was changed; the lock is released`,
    );
  }
}

/** An error as one line: Node's plain `Error` by its message alone (not "error: …: Error: connect …"). */
function describedError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
}
