import { FORMAT_VERSION, type ResourceKind, type StateDocument } from '@mlds/core';
import type { EngineAction, EngineEvent } from '@mlds/provisioner';
import { ExitCode, exitCodeFor, InterruptedError, messageOf } from './errors.js';
import type { RunWhere } from './provisioning.js';
import { writeJson } from './render/json.js';
import type { ResourceResult, RunOutcome } from './render/summary.js';
import type { Provisioner } from './state-backend.js';
import type { TextWriter } from './terminal.js';

// What a run did, from the engine's events, as apply and destroy show, count and report it.
//
// On SIGINT the engine refuses every call not yet
// started with InterruptedCallError, and reports each resource that had one left as `failed` with that error's
// text ("not started: the run was interrupted"), whether or not its first calls went through: a bucket whose
// CreateBucket returned before the signal, its settings not yet made, exists and is recorded (as in progress),
// yet was shown as "failed … not started" and counted as a failure. It is neither: the interrupt stopped it
// midway, and the next run finishes it. Such a `failed` is turned into `interrupted` here, in one place, before
// the progress display and the result list see it.

/** A resource the interrupt stopped while it was being worked on: what was done of it is in the state. */
export interface InterruptedEvent {
  type: 'interrupted';
  address: string;
  kind: ResourceKind;
  action: EngineAction;
  elapsedMs: number;
  at: number;
}

export type RunEvent = EngineEvent | InterruptedEvent;

/** Maps the engine's events for the CLI: an InterruptedCallError `failed` becomes `interrupted`. */
export function runEventsOf(provisioner: Provisioner): (event: EngineEvent) => RunEvent {
  // The engine reports an error as `<name>: <message>`; the name is set on the instance, so it survives bundling.
  const probe = new provisioner.InterruptedCallError();
  const interruptedText = `${probe.name}: ${probe.message}`;
  return (event) => {
    if (event.type !== 'failed' || event.error !== interruptedText) return event;
    const { address, kind, action, elapsedMs, at } = event;
    return { type: 'interrupted', address, kind, action, elapsedMs, at };
  };
}

/**
 * Collects what happened to each resource from the engine's events: the RunResult's outcomes exist only when
 * the run succeeds, and a failed run must report what it did too.
 */
export class ResultCollector {
  private readonly results: ResourceResult[] = [];

  constructor(
    /** The resources in the order to report them (the plan's, or the deletion order). */
    private readonly order: readonly { address: string; kind: ResourceKind }[],
  ) {}

  add(event: RunEvent): void {
    if (event.type === 'done') {
      this.results.push({ address: event.address, kind: event.kind, outcome: event.outcome });
    } else if (event.type === 'failed' || event.type === 'skipped' || event.type === 'interrupted') {
      this.results.push({ address: event.address, kind: event.kind, outcome: event.type });
    }
  }

  /** In the given order; within one address (a replaced resource), in the order they happened. */
  list(): ResourceResult[] {
    const addresses = this.order.map((resource) => resource.address);
    const rank = (address: string) => {
      const index = addresses.indexOf(address);
      return index === -1 ? addresses.length : index;
    };
    return this.results
      .map((result, index) => ({ result, index }))
      .sort((a, b) => rank(a.result.address) - rank(b.result.address) || a.index - b.index)
      .map(({ result }) => result);
  }

  /**
   * `list()`, with every resource the run never reached as `skipped`: a run a signal ended before it started
   * them (destroy's pre-check, say) reported no event for them, yet they are left to do.
   */
  listWithUnstarted(): ResourceResult[] {
    const reached = new Set(this.results.map((result) => result.address));
    for (const resource of this.order) {
      if (!reached.has(resource.address)) {
        this.results.push({ address: resource.address, kind: resource.kind, outcome: 'skipped' });
      }
    }
    return this.list();
  }
}

/**
 * The error for a run that was interrupted: what was done (recorded in the state), what was stopped or not
 * started, and how to resume. Failures of calls never started (InterruptedCallError) are not failures.
 */
export function interruptedRun(
  results: readonly ResourceResult[],
  where: RunWhere,
  provisioner: Provisioner,
  error: unknown,
  /** Bound MediaLive channels a restart stopped and not yet saw running again (`pendingStart` in the state). */
  stoppedChannels: readonly string[] = [],
): InterruptedError {
  const { command, statePath, again } = where;
  // The one interruption that leaves an outage going: said first, with what ends it.
  const offAir = stoppedChannels.map(
    (id) =>
      `  MediaLive channel ${id} may be off air: mlds stopped it to update it and had not seen it running again when the run stopped; '${again}' starts it (or finds it running)`,
  );
  const done = results.filter((result) => !isUnfinished(result));
  const failed =
    error instanceof provisioner.ApplyFailedError
      ? error.failures.filter((failure) => !(failure.cause instanceof provisioner.InterruptedCallError))
      : [];
  const addressesOf = (outcomes: readonly RunOutcome[]) => [
    ...new Set(results.filter((result) => outcomes.includes(result.outcome)).map((result) => result.address)),
  ];
  const midway = addressesOf(['interrupted']);
  const notStarted = addressesOf(['failed', 'skipped']).filter(
    (address) => !midway.includes(address) && !failed.some((failure) => failure.address === address),
  );
  if (midway.length === 0 && notStarted.length === 0 && failed.length === 0) {
    // The signal came while the last calls were in flight, and they finished: nothing is left undone.
    return new InterruptedError(
      `${command} interrupted after its last calls had finished: all ${done.length} done and recorded in the state ${statePath.shownAs}; the lock is released`,
      {
        cause: error,
        hint: `Nothing is left to do: '${again}' again would change nothing.`,
      },
    );
  }
  const lines = [
    `${command} interrupted: ${done.length} done and recorded in the state ${statePath.shownAs}; the lock is released`,
    ...offAir,
    ...(midway.length === 0
      ? []
      : [
          `  stopped midway (what was done of them is recorded; the next run finishes them): ${midway.join(', ')}`,
        ]),
    ...(notStarted.length === 0 ? [] : [`  not started: ${notStarted.join(', ')}`]),
    ...failed.map((failure) => `  failed: ${failure.address}: ${failure.error}`),
  ];
  return new InterruptedError(lines.join('\n'), {
    cause: error,
    hint: `Run '${again}' again to finish: it ${command === 'apply' ? `creates only what is missing${stoppedChannels.length > 0 ? ', and starts the channel unless it runs' : ''}` : 'deletes what the state still records'}.`,
  });
}

/** The bound channels the state records as stopped by a restart not finished (read after an interrupted run). */
export async function stoppedChannelsIn(store: {
  read(): Promise<StateDocument | undefined>;
}): Promise<string[]> {
  try {
    const state = await store.read();
    return (state?.resources ?? [])
      .filter((resource) => resource.kind === 'medialive-channel' && resource.outputs?.pendingStart === true)
      .map((resource) => resource.name);
  } catch {
    // The report of the interrupt matters more than this line: a state that cannot be read leaves it out.
    return [];
  }
}

/** A resource a run left undone: failed, not started, or stopped midway by an interrupt. */
export function isUnfinished(result: ResourceResult): boolean {
  return result.outcome === 'failed' || result.outcome === 'skipped' || result.outcome === 'interrupted';
}

/** What `--json` prints for a workflow whose state another run has locked: nothing was done for it. */
export interface LockedWorkflowDocument {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string;
  result: 'locked';
  error: string;
}

export function lockedWorkflowDocument(workflow: string, error: Error): LockedWorkflowDocument {
  return { formatVersion: FORMAT_VERSION, workflow, result: 'locked', error: error.message };
}

/**
 * What `--json` prints for a run that failed before any resource (exit 1: the credentials pre-flight, a refresh
 * that could not read, a saved plan the state moved past): as the locked document, a script reading stdout gets
 * a document, not nothing.
 */
export interface FailedWorkflowDocument {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string;
  result: 'failed';
  error: string;
}

export function failedWorkflowDocument(workflow: string, error: unknown): FailedWorkflowDocument {
  return { formatVersion: FORMAT_VERSION, workflow, result: 'failed', error: messageOf(error) };
}

/** Errors whose run already printed its --json document (a run that failed midway, with its resources). */
const documented = new WeakSet<object>();

export function markDocumented(error: unknown): void {
  if (typeof error === 'object' && error !== null) documented.add(error);
}

/**
 * Runs `work`; when it fails with exit 1 before printing a document, prints `document(error)` (given for
 * `--json` only). Other exit codes keep their own rule: 2 is an error on stderr alone, 3 and 130 print their own
 * documents.
 */
export async function documentingFailure(
  document: ((error: unknown) => object) | undefined,
  stdout: TextWriter,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    const printed = typeof error === 'object' && error !== null && documented.has(error);
    if (document !== undefined && !printed && exitCodeFor(error) === ExitCode.failed) {
      writeJson(stdout, document(error));
      markDocumented(error);
    }
    throw error;
  }
}
