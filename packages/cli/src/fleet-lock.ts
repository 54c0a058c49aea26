import type { CommandContext } from './commands/command.js';
import { canConfirm } from './confirm.js';
import { ExitCode, type MldsError, StateLockedError } from './errors.js';
import type { FleetMember, FleetOptions } from './fleet-load.js';
import {
  type HeldState,
  holdStateLock,
  type Provisioning,
  type Session,
  startProvisioning,
} from './provisioning.js';
import { againCommand, rerunFlags } from './render/command-line.js';
import type { SignalName } from './signals.js';

// A fleet's locks: each workflow's state locked as the single-file commands lock it, one set of AWS clients and
// one request limiter for the whole run, the run's signals, and every lock released at the end.

/** A member whose lock is held: it takes part in the run. */
export interface LockedMember extends FleetMember {
  provisioning: Provisioning;
  held: HeldState;
  /** The flags a hint's command must repeat (the fleet's --region, --profile, --force). */
  flags: readonly string[];
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
  /** The command line that runs the whole fleet again, as given. */
  again: string;
  /** Fires on the first SIGINT/SIGTERM of the run: the question is abandoned, no new AWS call starts. */
  interrupt: AbortSignal;
  /** Open while the fleet's question waits for its answer (see Session's). */
  question: { open: boolean };
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
  const flags = rerunFlags({ region: options.region, profile: options.profile }, options.rerunExtraFlags);
  const again = againCommand(command, options.files, flags);
  if (!canConfirm({ yes: options.yes, json: options.json, stdin: context.stdin })) {
    return {
      members,
      running: [],
      lockedOut: [],
      canRun: false,
      again,
      interrupt: interrupt.signal,
      question: { open: false },
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
        again: againCommand(command, [member.loaded.file], flags),
        flags,
      });
      return { ...member, provisioning, held, flags };
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
  const question = { open: false };
  const onSignal = (name: SignalName) => {
    if (listening) onFleetSignal(name, interrupt, context, { again, question }, cleanups);
  };
  const unsubscribeSignals = context.signals?.subscribe(onSignal) ?? (() => {});
  return {
    members,
    running,
    lockedOut,
    canRun: true,
    again,
    interrupt: interrupt.signal,
    question,
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
  /** The command line that runs the fleet again, and the question while it is open. */
  where: { again: string; question: { open: boolean } },
  beforeStopAtOnce: ReadonlySet<() => void>,
): void {
  const { stderr, colors } = context;
  const { again } = where;
  if (!interrupt.signal.aborted) {
    interrupt.abort(name);
    // At the question nothing is in flight: the run ends at once, saying so itself.
    if (where.question.open) {
      stderr.write('\n');
      return;
    }
    stderr.write(
      `\n${colors.yellow(colors.bold(name === 'SIGINT' ? 'Interrupted' : 'Terminated'))}: no new AWS call starts in any workflow; the calls in flight finish and are recorded, then the locks are released. Press Ctrl-C again to stop at once (the locks then stay).\n`,
    );
    return;
  }
  stderr.write(
    `${colors.red(colors.bold('Stopped at once'))}: the locks of this run stay (<state>.lock beside each state), and a call in flight may not be recorded. Once no mlds run is going on, run '${again}' again on this host: it takes over a local lock whose process is gone (an S3 lock: 'mlds state unlock <lock id> --state <url>' first), looks up what the states do not record and finishes the job.\n`,
  );
  for (const cleanup of beforeStopAtOnce) cleanup();
  context.signals?.exitNow(ExitCode.interrupted);
}

/** A workflow's session as the single-workflow helpers (the credentials pre-flight) take it. */
export function sessionOf(member: LockedMember, fleet: LockedFleet): Session {
  return {
    provisioning: member.provisioning,
    held: member.held,
    interrupt: fleet.interrupt,
    question: fleet.question,
  };
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
