import { FORMAT_VERSION, type RateOverrides } from '@mlds/core';
import type { CommandContext } from './commands/command.js';
import { canConfirm } from './confirm.js';
import {
  ExitCode,
  exitCodeFor,
  InterruptedError,
  InvalidWorkflowError,
  MldsError,
  OperationFailedError,
  StateLockedError,
  UsageError,
} from './errors.js';
import {
  type HeldState,
  holdStateLock,
  type Provisioning,
  type Session,
  startProvisioning,
} from './provisioning.js';
import { writeDiagnostics } from './render/diagnostics.js';
import { writeJson } from './render/json.js';
import { readSavedPlanArgument } from './saved-plan.js';
import type { SignalName } from './signals.js';
import type { StatePath } from './state-file.js';
import { type LoadedWorkflow, loadWorkflowAndStatePath } from './workflow-file.js';

// Several workflow files in one `apply` or `destroy` are a fleet (contract §7): one process, one plan shown,
// one confirmation, one progress display, one summary; the AWS clients and the request limiter are shared, so
// the whole run keeps to AWS's rates together. Each workflow keeps its own state and lock: a locked one is
// reported and left out, the others go on. The per-workflow work (planning, the engine call, the JSON document)
// is the single-file commands' own; this module only loads, checks, locks and totals.

/** What a fleet command takes from the command line: the single-file options with several files. */
export interface FleetOptions {
  files: readonly string[];
  statePath: string | undefined;
  region: string | undefined;
  profile: string | undefined;
  yes: boolean;
  json: boolean;
  rateLimits?: RateOverrides | undefined;
}

/** One workflow of the fleet, loaded and checked; `held` once its state is locked. */
export interface FleetMember {
  loaded: LoadedWorkflow;
  statePath: StatePath;
}

/** A member whose lock is held: it takes part in the run. */
export interface LockedMember extends FleetMember {
  provisioning: Provisioning;
  held: HeldState;
}

/** A member left out because another run holds its state's lock. */
export interface LockedOutMember extends FleetMember {
  error: MldsError;
}

/** The fleet after locking; `session` false when nobody can confirm (the plans are shown, then confirm stops). */
export interface LockedFleet {
  members: FleetMember[];
  running: LockedMember[];
  lockedOut: LockedOutMember[];
  /** False when the run cannot be confirmed: nothing is locked, nothing will be called. */
  canRun: boolean;
  /** Fires on the first SIGINT/SIGTERM of the run: the question is abandoned, no new AWS call starts. */
  interrupt: AbortSignal;
  /** Stops listening for signals; releaseFleet's caller calls it once the run is over. */
  unsubscribe: () => void;
  /**
   * Handles `name` exactly as if the process had received it: Ctrl-C typed while the live display holds the
   * terminal in raw mode raises no SIGINT, and comes here instead.
   */
  raise: (name: SignalName) => void;
  /**
   * Runs `cleanup` (giving the terminal back) before a second signal ends the process at once; until the
   * returned function is called.
   */
  beforeStopAtOnce: (cleanup: () => void) => () => void;
}

/**
 * Refuses what cannot make a fleet, before any file is read as a workflow: stdin (`-`), one `--state` for
 * several workflows, a saved plan among workflow files.
 */
export function checkFleetArguments(command: 'apply' | 'destroy', options: FleetOptions, cwd: string): void {
  if (options.files.includes('-')) {
    throw new UsageError(`${command}: - (stdin) cannot be one of several workflow files`, {
      hint: 'Give each workflow as a file, or run the workflow from stdin on its own. Nothing was called.',
    });
  }
  if (options.statePath !== undefined) {
    throw new UsageError(
      `${command}: --state names one state, and ${options.files.length} workflows were given`,
      {
        hint: 'Each workflow of a fleet keeps its own state: its `state:` or .mlds/<workflow>.state.json. Drop --state, or run that workflow on its own. Nothing was called.',
      },
    );
  }
  for (const file of options.files) {
    if (readSavedPlanArgument(file, cwd) !== undefined) {
      throw new UsageError(`${command}: ${file} is a saved plan, and a saved plan is applied on its own`, {
        hint: `Run 'mlds apply ${file}' by itself, and the workflow files in another run. Nothing was called.`,
      });
    }
  }
}

/**
 * Loads and validates every file first, so that one invalid file stops the run before any state is locked or
 * AWS called; every invalid file's diagnostics are shown, not only the first's. Two files naming the same
 * workflow or the same state are refused: they would fight over one lock and one state.
 */
export async function loadFleet(options: FleetOptions, context: CommandContext): Promise<FleetMember[]> {
  const members: FleetMember[] = [];
  const invalid: MldsError[] = [];
  for (const file of options.files) {
    try {
      members.push(await loadWorkflowAndStatePath({ ...options, file }, context));
    } catch (error) {
      if (!(error instanceof MldsError) || exitCodeFor(error) !== ExitCode.invalid) throw error;
      invalid.push(error);
    }
  }
  const [first, ...others] = invalid;
  if (first !== undefined) {
    // main reports the first; the others' diagnostics are written here, so that one run shows every fix.
    for (const error of others) {
      if (error instanceof InvalidWorkflowError) {
        writeDiagnostics(context.stderr, error.diagnostics, error.file, context.colors);
      }
      context.stderr.write(`${context.colors.red(context.colors.bold('error'))}: ${error.message}\n`);
    }
    if (others.length > 0) {
      context.stderr.write(
        `${invalid.length} of ${options.files.length} workflow files are invalid; nothing was called.\n`,
      );
    }
    throw first;
  }
  refuseDuplicates(members, (member) => member.loaded.workflow.workflow, 'the workflow');
  refuseDuplicates(members, (member) => stateKey(member.statePath), 'the state');
  return members;
}

function refuseDuplicates(
  members: readonly FleetMember[],
  keyOf: (member: FleetMember) => string,
  what: string,
): void {
  const seen = new Map<string, FleetMember>();
  for (const member of members) {
    const key = keyOf(member);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const shown = what === 'the state' ? member.statePath.shownAs : key;
      throw new UsageError(`${earlier.loaded.file} and ${member.loaded.file} name ${what} ${shown}`, {
        hint: 'Each workflow of a fleet needs its own name and its own state; give each file once. Nothing was called.',
      });
    }
    seen.set(key, member);
  }
}

function stateKey(statePath: StatePath): string {
  return statePath.kind === 'file'
    ? `file:${statePath.absolute}`
    : `s3://${statePath.bucket}/${statePath.key}`;
}

/**
 * Locks every member's state, as the single-file commands do before reading it. One AWS client set and one
 * request limiter serve the whole fleet. A state held by another run leaves that workflow out (reported, exit 3
 * at the end); any other failure to lock stops the run, releasing what was taken.
 */
export async function lockFleet(
  command: 'apply' | 'destroy',
  options: FleetOptions,
  members: FleetMember[],
  context: CommandContext,
  /** False for a member with nothing to lock: destroy with no state file says so without creating one. */
  needsLock: (member: FleetMember) => boolean = () => true,
): Promise<LockedFleet> {
  const interrupt = new AbortController();
  if (!canConfirm({ yes: options.yes, json: options.json, stdin: context.stdin })) {
    return {
      members,
      running: [],
      lockedOut: [],
      canRun: false,
      interrupt: interrupt.signal,
      unsubscribe: () => {},
      raise: () => {},
      beforeStopAtOnce: () => () => {},
    };
  }
  const taking = members.filter(needsLock);
  // The first member's clients and limiter serve every member: one instance of each for the whole run.
  const [first] = taking;
  const shared =
    first === undefined
      ? undefined
      : await startProvisioning(context, {
          profile: options.profile,
          statePath: first.statePath,
          rateLimits: options.rateLimits,
        });
  // All at once: each lock is a few file-system round trips (or S3 requests), and they do not depend on each other.
  const outcomes = await Promise.allSettled(
    taking.map(async (member): Promise<LockedMember> => {
      const own =
        member === first && shared !== undefined
          ? shared
          : await startProvisioning(context, {
              profile: options.profile,
              statePath: member.statePath,
              rateLimits: options.rateLimits,
            });
      const provisioning: Provisioning = {
        ...own,
        clients: shared?.clients ?? own.clients,
        limiter: shared?.limiter ?? own.limiter,
      };
      const held = await holdStateLock(provisioning, command, {
        command,
        file: member.loaded.file,
        statePath: member.statePath,
      });
      return { ...member, provisioning, held };
    }),
  );
  const running: LockedMember[] = [];
  const lockedOut: LockedOutMember[] = [];
  let failure: { reason: unknown } | undefined;
  outcomes.forEach((outcome, index) => {
    const member = taking[index] as FleetMember;
    if (outcome.status === 'fulfilled') running.push(outcome.value);
    else if (outcome.reason instanceof StateLockedError) lockedOut.push({ ...member, error: outcome.reason });
    else failure ??= { reason: outcome.reason };
  });
  if (failure !== undefined) {
    // Another failure than a held lock (a denied state bucket, a broken state directory) stops the run.
    await releaseFleet(running);
    throw failure.reason;
  }
  for (const member of lockedOut) reportLockedOut(member, member.error, context);
  const cleanups = new Set<() => void>();
  let listening = true;
  const onSignal = (name: SignalName) => {
    if (listening) onFleetSignal(name, interrupt, context, command, cleanups);
  };
  const unsubscribeSignals = context.signals?.subscribe(onSignal) ?? (() => {});
  return {
    members,
    running,
    lockedOut,
    canRun: true,
    interrupt: interrupt.signal,
    unsubscribe: () => {
      listening = false;
      unsubscribeSignals();
    },
    raise: onSignal,
    beforeStopAtOnce: (cleanup) => {
      cleanups.add(cleanup);
      return () => cleanups.delete(cleanup);
    },
  };
}

/**
 * As for one workflow: the first signal stops starting AWS calls in every workflow and lets those in flight
 * finish and be recorded, then the locks are released and the run exits 130; a second one exits at once.
 */
function onFleetSignal(
  name: SignalName,
  interrupt: AbortController,
  context: CommandContext,
  command: 'apply' | 'destroy',
  beforeStopAtOnce: ReadonlySet<() => void>,
): void {
  const { stderr, colors } = context;
  if (!interrupt.signal.aborted) {
    interrupt.abort(name);
    stderr.write(
      `\n${colors.yellow(colors.bold(name === 'SIGINT' ? 'Interrupted' : 'Terminated'))}: no new AWS call starts in any workflow; the calls in flight finish and are recorded, then the locks are released. Press Ctrl-C again to stop at once (the locks then stay).\n`,
    );
    return;
  }
  stderr.write(
    `${colors.red(colors.bold('Stopped at once'))}: the locks of this run stay (<state>.lock beside each state), and a call in flight may not be recorded. Once no mlds run is going on, run 'mlds ${command}' with the same files again on this host: it takes over a local lock whose process is gone (an S3 lock: 'mlds state unlock <lock id> --state <url>' first), looks up what the states do not record and finishes the job.\n`,
  );
  for (const cleanup of beforeStopAtOnce) cleanup();
  context.signals?.exitNow(ExitCode.interrupted);
}

/** A workflow's session as the single-workflow helpers (the credentials pre-flight) take it. */
export function sessionOf(member: LockedMember, fleet: LockedFleet): Session {
  return { provisioning: member.provisioning, held: member.held, interrupt: fleet.interrupt };
}

function reportLockedOut(member: FleetMember, error: MldsError, context: CommandContext): void {
  const { stderr, colors } = context;
  stderr.write(
    `${colors.yellow(colors.bold('locked'))}: ${member.loaded.workflow.workflow} (${member.loaded.file}) is left out of this run: ${error.message}\n`,
  );
}

/** Releases every lock taken, even when one release fails: the first failure is thrown after all were tried. */
export async function releaseFleet(running: readonly LockedMember[]): Promise<void> {
  const results = await Promise.allSettled(running.map((member) => member.held.release()));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** How one workflow of the run ended. */
export type MemberOutcome = 'ok' | 'failed' | 'refused' | 'locked' | 'interrupted';

/**
 * The fleet's exit code: the worst outcome wins, in this order: 130 (interrupted), 1 (a workflow failed or was refused: something
 * needs fixing) over 3 (a workflow was locked: run again once the other run is over) over 0. Invalid files
 * (2) never get this far: they stop the run before anything is locked or called.
 */
export function fleetExitCode(outcomes: readonly MemberOutcome[]): ExitCode {
  if (outcomes.includes('interrupted')) return ExitCode.interrupted;
  if (outcomes.some((outcome) => outcome === 'failed' || outcome === 'refused')) return ExitCode.failed;
  if (outcomes.includes('locked')) return ExitCode.locked;
  return ExitCode.ok;
}

/** The fleet's `--json` document: one result for the run, then each workflow's own document, in file order. */
export interface FleetDocument<WorkflowDocument> {
  formatVersion: typeof FORMAT_VERSION;
  result: 'ok' | 'failed' | 'locked' | 'interrupted';
  workflows: (WorkflowDocument | LockedWorkflowDocument)[];
}

/** A workflow left out of the run because its state was locked: nothing was done for it. */
export interface LockedWorkflowDocument {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string;
  result: 'locked';
  error: string;
}

export function fleetDocument<WorkflowDocument extends { result: string }>(
  workflows: (WorkflowDocument | LockedWorkflowDocument)[],
): FleetDocument<WorkflowDocument> {
  const code = fleetExitCode(workflows.map((workflow) => workflow.result as MemberOutcome));
  const result =
    code === ExitCode.ok
      ? 'ok'
      : code === ExitCode.locked
        ? 'locked'
        : code === ExitCode.interrupted
          ? 'interrupted'
          : 'failed';
  return { formatVersion: FORMAT_VERSION, result, workflows };
}

export function lockedWorkflowDocument(member: LockedOutMember): LockedWorkflowDocument {
  return {
    formatVersion: FORMAT_VERSION,
    workflow: member.loaded.workflow.workflow,
    result: 'locked',
    error: member.error.message,
  };
}

/**
 * Ends a fleet run: its one summary (or its `--json` document, workflows in file order, the locked ones
 * included), then the error that carries the worst outcome's exit code, if any.
 */
export function reportFleet<WorkflowDocument extends { workflow: string; result: string }>(
  command: 'apply' | 'destroy',
  run: {
    members: readonly { loaded: LoadedWorkflow }[];
    documents: readonly WorkflowDocument[];
    lockedOut: readonly LockedOutMember[];
    json: boolean;
    summary: () => string;
  },
  context: CommandContext,
): void {
  const results = [...run.documents, ...run.lockedOut.map((member) => lockedWorkflowDocument(member))];
  const inFileOrder = run.members.map(
    (member) =>
      results.find((result) => result.workflow === member.loaded.workflow.workflow) as
        | WorkflowDocument
        | LockedWorkflowDocument,
  );
  if (run.json) writeJson(context.stdout, fleetDocument<WorkflowDocument>(inFileOrder));
  else context.stdout.write(`\n${run.summary()}`);
  const end = fleetEndError(
    command,
    inFileOrder.map((document) => ({
      workflow: document.workflow,
      outcome: document.result as MemberOutcome,
    })),
  );
  if (end !== undefined) throw end;
}

/** Thrown at the end of a fleet run that did not fully succeed; each workflow's failure was printed already. */
export class FleetFailedError extends OperationFailedError {
  override name = 'FleetFailedError';
}

/** Thrown at the end of a fleet run where the only trouble was a locked state (exit 3). */
export class FleetLockedError extends StateLockedError {
  override name = 'FleetLockedError';
}

/** The error that ends a fleet run with its exit code, or undefined when every workflow succeeded. */
export function fleetEndError(
  command: 'apply' | 'destroy',
  results: readonly { workflow: string; outcome: MemberOutcome }[],
): MldsError | undefined {
  const code = fleetExitCode(results.map((result) => result.outcome));
  const names = (outcomes: MemberOutcome[]) =>
    results.filter((result) => outcomes.includes(result.outcome)).map((result) => result.workflow);
  const locked = names(['locked']);
  const lockedHint =
    locked.length === 0
      ? ''
      : ` Locked, left out: ${locked.join(', ')}; run ${command} again for them once the other run is over.`;
  if (code === ExitCode.interrupted) {
    const stopped = names(['interrupted']);
    return new InterruptedError(
      `${command} interrupted: ${stopped.length} of ${results.length} workflows stopped (${stopped.join(', ')}); what was done is recorded in each one's state; the locks are released`,
      { hint: `Run 'mlds ${command}' with the same files again to finish the job.${lockedHint}` },
    );
  }
  if (code === ExitCode.failed) {
    const failed = names(['failed', 'refused']);
    return new FleetFailedError(
      `${command} failed for ${failed.length} of ${results.length} workflows: ${failed.join(', ')}`,
      [],
      {
        hint: `Each workflow's failure is shown above; what was done is in each one's state. Fix the causes, then run ${command} again with the same files: it finishes the job.${lockedHint}`,
      },
    );
  }
  if (code === ExitCode.locked) {
    return new FleetLockedError(
      `${locked.length} of ${results.length} workflows were locked by another run and left out: ${locked.join(', ')}`,
      { hint: `The others are done.${lockedHint}` },
    );
  }
  return undefined;
}

/** A workflow's failure, as main reports a single workflow's, named after the workflow; the run goes on. */
export function reportMemberFailure(workflow: string, failure: unknown, context: CommandContext): void {
  const { stderr, colors } = context;
  const label = colors.red(colors.bold('error'));
  if (failure instanceof MldsError) {
    stderr.write(`${label}: ${workflow}: ${failure.message}\n`);
    if (failure.hint !== undefined) stderr.write(`${colors.dim(failure.hint)}\n`);
    return;
  }
  const detail = failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
  stderr.write(`${label}: ${workflow}: unexpected failure, please report it: ${detail}\n`);
}
