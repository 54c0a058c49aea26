import type { ResourceKind } from '@mlds/core';
import type { CallerIdentity } from '@mlds/provisioner';
import type { CommandContext } from './commands/command.js';
import { CancelledError, count, InterruptedError, MldsError, messageOf } from './errors.js';
import { startFleetDisplay } from './fleet-display.js';
import { type LockedFleet, type LockedMember, releaseFleet, sessionOf } from './fleet-lock.js';
import { reportFleet, reportMemberFailure } from './fleet-report.js';
import { preflight } from './provisioning.js';
import { againCommand } from './render/command-line.js';
import { type FleetProgress, type FleetProgressOptions, fleetResultLine } from './render/fleet-progress.js';
import { type ResourceResult, type Tally, tally, unfinishedCounts } from './render/summary.js';
import { translateRunError } from './run-errors.js';
import {
  interruptedRun,
  isUnfinished,
  ResultCollector,
  runEventsOf,
  stoppedChannelsIn,
} from './run-results.js';
import { lockFileBeside } from './state-file.js';
import type { Colors } from './terminal.js';
import type { LoadedWorkflow } from './workflow-file.js';
import {
  confirmAtQuestion,
  type EngineRunOptions,
  engineRunOptions,
  lockedByAnotherRunHint,
} from './workflow-run.js';

// The steps a fleet's apply and destroy take the same way, once every workflow is planned: the account named
// once, the one question, the display, each workflow's engine call with what its end shows (its result line,
// its failure on stderr) and returns (its document), the summary and the report. What differs (the engine
// call, the documents, the words) is the command's own, passed in.

/**
 * The account named once for the fleet, through `member`'s session (its clients are the fleet's); nothing is
 * called without one. Meanwhile, the code and clients for calls on `toCall` are made ready.
 */
export async function fleetAccount(
  fleet: LockedFleet,
  member: LockedMember | undefined,
  profile: string | undefined,
  toCall: Iterable<{ kind: ResourceKind; region: string }>,
): Promise<CallerIdentity | undefined> {
  if (member === undefined) return undefined;
  return preflight(sessionOf(member, fleet), member.loaded.workflow.region, profile, toCall);
}

/**
 * Runs `body` with the fleet's locks held, then stops listening for signals and releases every lock, however
 * `body` ends.
 */
export async function withLockedFleet(fleet: LockedFleet, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    fleet.unsubscribe();
    await releaseFleet(fleet.running);
  }
}

/**
 * The planned fleet's run, the same for apply and destroy: one question when anything changes (`shown`: a row
 * per workflow that changes anything), then the live display (none with --json), every workflow at once, the
 * display stopped however they end, and one report (the summary or the --json document, and the worst
 * outcome's exit code).
 */
export async function runFleet<
  WorkflowDocument extends { workflow: string; result: string; resources: readonly ResourceResult[] },
>(
  run: {
    command: 'apply' | 'destroy';
    fleet: LockedFleet;
    members: readonly { loaded: LoadedWorkflow }[];
    yes: boolean;
    json: boolean;
    /** The question, Terraform-style: it must say that only `yes` is accepted. */
    question: string;
    /** What the run did not do when it stops at the question: `nothing was changed`. */
    nothingDone: string;
    shown: FleetProgressOptions['workflows'];
    runEach: (progress: FleetProgress | undefined) => Promise<WorkflowDocument>[];
    summary: FleetSummaryWords;
  },
  context: CommandContext,
): Promise<void> {
  const { command, fleet } = run;
  if (run.shown.length > 0) await confirmFleet(run, context);
  const progress =
    run.json || run.shown.length === 0
      ? undefined
      : startFleetDisplay(context, fleet, run.shown, fleet.running[0]?.provisioning.clock ?? Date.now);
  let documents: WorkflowDocument[];
  try {
    documents = await Promise.all(run.runEach(progress));
  } finally {
    // Also when the run threw: the terminal is given back (raw mode off) on every way out.
    progress?.stop();
  }
  try {
    reportFleet<WorkflowDocument>(
      command,
      {
        again: fleet.again,
        members: run.members,
        documents,
        lockedOut: fleet.lockedOut,
        json: run.json,
        summary: () =>
          // Nothing was asked nor run: the plans' "No changes." and their fleet line told it all.
          run.shown.length === 0 && fleet.lockedOut.length === 0
            ? ''
            : fleetSummary(run.summary, documents, fleet.lockedOut.length, context.colors),
      },
      context,
    );
  } catch (error) {
    // A signal's exit code wins over a failure's (130 before 1), also when the interrupted workflows finished.
    if (!fleet.interrupt.aborted || error instanceof InterruptedError || !(error instanceof MldsError)) {
      throw error;
    }
    throw new InterruptedError(`${command} interrupted; ${error.message}`, {
      cause: error,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    });
  }
  // Every workflow finished (the calls in flight at the signal were its last): done, yet the run was asked to
  // stop, which its exit code says (130), as one workflow's does.
  if (fleet.interrupt.aborted) {
    throw new InterruptedError(
      `${command} interrupted after its last calls had finished: every workflow is done and recorded in its state; the locks are released`,
      { hint: `Nothing is left to do: '${fleet.again}' again would change nothing.` },
    );
  }
}

/**
 * The fleet's one confirmation: returns once it may go ahead (`--yes`, or `yes` typed); throws the exit code's
 * error otherwise: 130 interrupted at the question, cancelled, or nobody to ask (stdin not a terminal, --json).
 */
async function confirmFleet(
  ask: {
    command: 'apply' | 'destroy';
    fleet: LockedFleet;
    yes: boolean;
    json: boolean;
    question: string;
    nothingDone: string;
  },
  context: CommandContext,
): Promise<void> {
  const { command, fleet, nothingDone } = ask;
  // Nothing was locked when nobody can confirm: a lock file beside a member's state is another run's.
  const lockedElsewhere = fleet.canRun
    ? []
    : fleet.members.filter((member) => lockFileBeside(member.statePath));
  const confirmed = await confirmAtQuestion(fleet, {
    command,
    yes: ask.yes,
    json: ask.json,
    stdin: context.stdin,
    prompt: context.stdout,
    signal: fleet.interrupt,
    question: ask.question,
    again: fleet.again,
    hint:
      lockedElsewhere.length === 0
        ? undefined
        : lockedByAnotherRunHint(
            command,
            lockedElsewhere.map((member) => member.statePath.shownAs),
          ),
  });
  if (fleet.interrupt.aborted) {
    throw new InterruptedError(
      // With --yes nobody was asked: the signal came during the refresh or the pre-flight.
      `${command} interrupted ${ask.yes ? 'before any change' : 'at the question'}: ${nothingDone}; the locks are released`,
    );
  }
  if (!confirmed) throw new CancelledError(`${command} cancelled: ${nothingDone}`);
  if (!fleet.canRun) throw new Error(`${command} was approved where nobody could approve it`);
}

/** One workflow's engine call in a fleet, and the command's documents for each way it can end. */
export interface FleetMemberRun<Run, Document> {
  command: 'apply' | 'destroy';
  /** The workflow's name, as its result line and its reported failure name it. */
  workflow: string;
  member: LockedMember;
  /** The resources in the order to report them (the plan's, or the deletion order). */
  order: readonly { address: string; kind: ResourceKind }[];
  interrupt: AbortSignal;
  progress: FleetProgress | undefined;
  /** --json: the failures go in the document only, not on stderr. */
  json: boolean;
  /** The engine call (apply or destroy), with the member's clients, store, limiter and timers. */
  call(engine: EngineRunOptions): Promise<Run>;
  /** A run that succeeded: its result line's text and its document. */
  succeeded(run: Run, results: ResourceResult[]): { text: string; document: Document };
  /** A run stopped by SIGINT/SIGTERM: its document. */
  interrupted(results: ResourceResult[]): Document | Promise<Document>;
  /** How a failure shows in the result line: destroy's refusal (a bucket not empty) is `refused`. */
  outcomeOf?(failure: unknown): 'failed' | 'refused';
  /** A failed run: its document, from the failure as main would report it and the error the engine threw. */
  failed(
    failed: { failure: unknown; error: unknown; message: string },
    results: ResourceResult[],
  ): Document | Promise<Document>;
}

/**
 * Runs one workflow of the fleet; never throws for the workflow's own failure or interrupt: those are its
 * result line, its document and, for a failure, its report on stderr (unless --json); the other workflows go on.
 */
export async function runFleetMember<Run, Document>(
  run: FleetMemberRun<Run, Document>,
  context: CommandContext,
): Promise<Document> {
  const { command, workflow, member, interrupt, progress } = run;
  const { provisioner } = member.provisioning;
  const where = {
    command,
    file: member.loaded.file,
    statePath: member.statePath,
    again: againCommand(command, [member.loaded.file], member.flags),
    flags: member.flags,
  };
  const results = new ResultCollector(run.order);
  const shown = runEventsOf(provisioner);
  const finished = (outcome: Parameters<typeof fleetResultLine>[1], text: string) =>
    progress?.finished(workflow, fleetResultLine(workflow, outcome, text, context.colors));
  const interrupted = async (error: unknown) => {
    // Ended by the engine's error: what it never reached is left to do too.
    const left = error === undefined ? results.list() : results.listWithUnstarted();
    const stopped = interruptedRun(
      left,
      where,
      provisioner,
      error,
      await stoppedChannelsIn(member.held.store),
    );
    // Its result line says it; the fleet's one error at the end says what to run again (an error per workflow
    // on stderr as well said each one twice, with a hint of its own).
    finished('interrupted', stopped.message);
    return run.interrupted(left);
  };
  try {
    const done = await run.call(
      engineRunOptions(member.provisioning, member.held, {
        stopSignal: interrupt,
        onEvent: (engineEvent) => {
          const event = shown(engineEvent);
          results.add(event);
          progress?.onEvent(workflow, event);
        },
      }),
    );
    // Interrupted, yet the engine ended: a workflow the signal stopped before its calls (all skipped) is
    // interrupted; one whose last calls were in flight, and finished, is done, and says so (the fleet still
    // ends with the interrupt's exit code, in runFleet).
    if (interrupt.aborted && results.list().some(isUnfinished)) return await interrupted(undefined);
    const { text, document } = run.succeeded(done, results.list());
    finished('ok', text);
    return document;
  } catch (error) {
    if (interrupt.aborted) return await interrupted(error);
    const failure = translateRunError(error, provisioner, where, results.list());
    const message = messageOf(failure);
    finished(run.outcomeOf?.(failure) ?? 'failed', message);
    if (!run.json) reportMemberFailure(workflow, failure, context);
    return await run.failed({ failure, error, message }, results.list());
  }
}

/** How a command words the fleet's summary line: `Fleet apply: 1 of 3 workflows applied, 1 failed. In all: …`. */
export interface FleetSummaryWords {
  title: string;
  /** What the workflows that succeeded were: `applied`. */
  done: string;
  /** How the failed ones are named: `failed`, or `failed or refused`. */
  failedAs: string;
  /** The resources' totals: `3 created, 0 updated, 0 deleted`. */
  counts: (all: Tally) => string;
  /** The dim line below it, where to look next, given each workflow's result in the order run; none if undefined. */
  hint: (results: readonly string[]) => string | undefined;
}

function fleetSummary(
  words: FleetSummaryWords,
  documents: readonly { result: string; resources: readonly ResourceResult[] }[],
  locked: number,
  colors: Colors,
): string {
  const all = tally(documents.flatMap((document) => document.resources));
  const failed = documents.filter(
    (document) => document.result === 'failed' || document.result === 'refused',
  ).length;
  const interrupted = documents.filter((document) => document.result === 'interrupted').length;
  const ok = documents.length - failed - interrupted;
  const head = `${colors.bold(`${words.title}:`)} ${ok} of ${count(documents.length + locked, 'workflow')} ${words.done}${failed > 0 ? `, ${colors.red(`${failed} ${words.failedAs}`)}` : ''}${interrupted > 0 ? `, ${colors.yellow(`${interrupted} interrupted`)}` : ''}${locked > 0 ? `, ${colors.yellow(`${locked} locked`)}` : ''}.`;
  const hint = words.hint(documents.map((document) => document.result));
  return `${head} In all: ${words.counts(all)}${unfinishedCounts(all)}.\n${hint === undefined ? '' : `${colors.dim(hint)}\n`}`;
}
