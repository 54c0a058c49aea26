import type { ResourceKind } from '@mlds/core';
import type { AwsClients, EngineEvent, RequestLimiter, StateStore } from '@mlds/provisioner';
import type { CommandContext } from './commands/command.js';
import { confirm, throwUnlessConfirmable } from './confirm.js';
import { CancelledError, InterruptedError, messageOf } from './errors.js';
import {
  type HeldState,
  type PreparedRun,
  type Provisioning,
  progressOf,
  type RunWhere,
  type Session,
} from './provisioning.js';
import { againCommand } from './render/command-line.js';
import { writeJson } from './render/json.js';
import type { ResourceResult } from './render/summary.js';
import { translateRunError } from './run-errors.js';
import {
  interruptedRun,
  isUnfinished,
  markDocumented,
  ResultCollector,
  runEventsOf,
  stoppedChannelsIn,
} from './run-results.js';
import { lockFileBeside } from './state-file.js';

// The steps one workflow's apply and destroy take the same way once what they will do is shown: the question,
// then the engine call with its live progress (none with --json), and for each way the run can end short of
// success, the command's --json document and the error that carries the exit code. What differs (the engine
// call, the documents, the words) is the command's own, passed in. A fleet's members take fleet-run.ts instead,
// with the same engine options (engineRunOptions).

/**
 * The one question (or --yes): returns the session to run in once the run may go ahead; throws the exit code's
 * error otherwise: 130 interrupted at the question, cancelled, or nobody to ask (stdin not a terminal, --json).
 */
export async function confirmWorkflowRun(
  ask: {
    command: 'apply' | 'destroy';
    prepared: PreparedRun;
    yes: boolean;
    json: boolean;
    /** The question, Terraform-style: it must say that only `yes` is accepted. */
    question: string;
    /** What the run did not do when it stops at the question: `nothing was changed`. */
    nothingDone: string;
    /** True when the run was approved already (a saved plan): nobody is asked. */
    approved?: boolean;
  },
  context: CommandContext,
): Promise<Session> {
  const { command, prepared, nothingDone } = ask;
  const confirmed =
    ask.approved === true ||
    (await confirmAtQuestion(prepared.session, {
      command,
      yes: ask.yes,
      json: ask.json,
      stdin: prepared.answers,
      prompt: context.stdout,
      signal: prepared.session?.interrupt,
      question: ask.question,
      again: prepared.again,
      review: reviewCommand(command, prepared),
      hint:
        prepared.session === undefined && lockFileBeside(prepared.statePath)
          ? lockedByAnotherRunHint(command, [prepared.statePath.shownAs])
          : undefined,
    }));
  if (prepared.session?.interrupt.aborted) {
    throw new InterruptedError(
      // With --yes nobody was asked: the signal came during the refresh or the pre-flight.
      `${command} interrupted ${ask.yes || ask.approved === true ? 'before any change' : 'at the question'}: ${nothingDone}; the lock is released`,
    );
  }
  if (!confirmed) throw new CancelledError(`${command} cancelled: ${nothingDone}`);
  if (prepared.session === undefined)
    throw new Error(`${command} was approved where nobody could approve it`);
  return prepared.session;
}

/**
 * confirm(), with the session's question marked open while it waits: a signal then only abandons the question
 * (nothing is in flight), and the run says so itself. Every command that asks in a session asks through it.
 */
export async function confirmAtQuestion(
  session: Pick<Session, 'question'> | undefined,
  options: Parameters<typeof confirm>[0],
): Promise<boolean> {
  if (session !== undefined) session.question.open = !options.yes;
  try {
    return await confirm(options);
  } finally {
    if (session !== undefined) session.question.open = false;
  }
}

/**
 * What a run nobody could confirm says when states it showed are locked by another run: it read them without
 * their locks, so what it showed may be out of date, and --yes would not get past the locks.
 */
export function lockedByAnotherRunHint(command: 'apply' | 'destroy', states: readonly string[]): string {
  const [only] = states;
  const which =
    states.length === 1 && only !== undefined
      ? `The state ${only} is locked by another run, so what is shown may be out of date: with --yes, ${command} would stop with exit 3 until that run ends`
      : `These states are locked by other runs, so what is shown for them may be out of date: ${states.join(', ')}. With --yes, ${command} would leave those workflows out (exit 3) until those runs end`;
  return `Nothing was changed. ${which} (a lock whose process is gone from this host is taken over).`;
}

/**
 * Stops a run nobody can confirm (no --yes; --json, or no terminal) with the error it would meet at the question,
 * before it shows a result it could not check: `hint` says why.
 */
export function stopUnlessConfirmable(
  command: 'apply' | 'destroy',
  prepared: PreparedRun,
  options: { yes: boolean; json: boolean },
  hint: string,
): void {
  throwUnlessConfirmable(
    {
      command,
      yes: options.yes,
      json: options.json,
      stdin: prepared.answers,
      again: prepared.again,
      review: reviewCommand(command, prepared),
    },
    hint,
  );
}

/** What shows what a run would do: apply's plan; what the state records, for destroy. */
function reviewCommand(command: 'apply' | 'destroy', prepared: PreparedRun): string {
  const file = prepared.loaded.file;
  return command === 'apply'
    ? againCommand('plan', [file], prepared.flags)
    : againCommand('state', ['list', '--file', file], prepared.flags);
}

/** What every engine call (apply or destroy) takes from the session, and where it reports its events. */
export interface EngineRunOptions {
  stopSignal: AbortSignal;
  clients: AwsClients;
  store: StateStore;
  limiter: RequestLimiter;
  clock: () => number;
  sleep?: (ms: number) => Promise<void>;
  onEvent: (event: EngineEvent) => void;
}

/** The options every engine call takes from its workflow's provisioning and held state, a fleet's included. */
export function engineRunOptions(
  provisioning: Provisioning,
  held: HeldState,
  run: { stopSignal: AbortSignal; onEvent: (event: EngineEvent) => void },
): EngineRunOptions {
  const { clients, clock, sleep, limiter } = provisioning;
  return {
    stopSignal: run.stopSignal,
    clients,
    store: held.store,
    limiter,
    clock,
    ...(sleep === undefined ? {} : { sleep }),
    onEvent: run.onEvent,
  };
}

/** One workflow's engine call, and the command's --json documents for the ways it can end short of success. */
export interface WorkflowRun<Run, Document> {
  session: Session;
  where: RunWhere;
  /** The resources in the order to report them (the plan's, or the deletion order). */
  order: readonly { address: string; kind: ResourceKind }[];
  json: boolean;
  /** The engine call (apply or destroy), with the session's clients, store, limiter and timers. */
  call(engine: EngineRunOptions): Promise<Run>;
  /** --json: the document of a run SIGINT/SIGTERM stopped; `run` when the engine finished all the same. */
  interrupted(results: ResourceResult[], run: Run | undefined): Document | Promise<Document>;
  /** --json: the document of a failed run, when its failure has one. */
  failed(
    failed: { failure: unknown; error: unknown; message: string },
    results: ResourceResult[],
  ): Document | undefined | Promise<Document | undefined>;
}

/**
 * Runs the engine for one workflow with its live progress; returns what it did when it succeeded. Interrupted
 * or failed, it writes the command's --json document (if any) and throws the error main reports.
 */
export async function runWorkflow<Run, Document>(
  run: WorkflowRun<Run, Document>,
  context: CommandContext,
): Promise<{ run: Run; results: ResourceResult[] }> {
  const { stdout } = context;
  const { provisioning, held, interrupt } = run.session;
  const { provisioner, clock } = provisioning;
  const { where } = run;
  const results = new ResultCollector(run.order);
  const shown = runEventsOf(provisioner);
  const progress = run.json ? undefined : progressOf(context, clock);
  let done: Run;
  try {
    done = await run.call(
      engineRunOptions(provisioning, held, {
        stopSignal: interrupt,
        onEvent: (engineEvent) => {
          const event = shown(engineEvent);
          results.add(event);
          progress?.onEvent(event);
        },
      }),
    );
  } catch (error) {
    progress?.stop();
    if (interrupt.aborted) {
      const stopped = results.listWithUnstarted();
      if (run.json) writeJson(stdout, await run.interrupted(stopped, undefined));
      throw interruptedRun(stopped, where, provisioner, error, await stoppedChannelsIn(held.store));
    }
    const failure = translateRunError(error, provisioner, where, results.list());
    if (run.json) {
      const message = messageOf(failure);
      const document = await run.failed({ failure, error, message }, results.list());
      if (document !== undefined) {
        writeJson(stdout, document);
        markDocumented(failure);
      }
    }
    throw failure;
  }
  progress?.stop();
  // Interrupted, yet the engine ended: stopped before some calls (skipped), the run is interrupted; if the
  // calls in flight were its last, it is done, reported as such, and ends with 130 after it (endIfInterrupted).
  if (interrupt.aborted && results.list().some(isUnfinished)) {
    if (run.json) writeJson(stdout, await run.interrupted(results.list(), done));
    throw interruptedRun(results.list(), where, provisioner, undefined, await stoppedChannelsIn(held.store));
  }
  return { run: done, results: results.list() };
}

/**
 * After a finished run's report: a signal that came while its last calls were in flight still ends the command
 * with the interrupt's exit code (130), saying that nothing is left to do.
 */
export function endIfInterrupted(
  session: Session,
  where: RunWhere,
  results: readonly ResourceResult[],
): void {
  if (session.interrupt.aborted) {
    throw interruptedRun(results, where, session.provisioning.provisioner, undefined);
  }
}
