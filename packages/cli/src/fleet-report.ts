import { FORMAT_VERSION } from '@mlds/core';
import type { CommandContext } from './commands/command.js';
import { ExitCode, InterruptedError, MldsError, OperationFailedError, StateLockedError } from './errors.js';
import type { LockedOutMember } from './fleet-lock.js';
import { writeMldsError } from './render/error.js';
import { writeJson } from './render/json.js';
import { type LockedWorkflowDocument, lockedWorkflowDocument } from './run-results.js';
import type { LoadedWorkflow } from './workflow-file.js';

// How a fleet run ends: each workflow's outcome, the worst one's exit code and error, the one summary or --json
// document, and a workflow's failure reported without stopping the others.

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

/**
 * Ends a fleet run: its one summary (or its `--json` document, workflows in file order, the locked ones
 * included), then the error that carries the worst outcome's exit code, if any.
 */
export function reportFleet<WorkflowDocument extends { workflow: string; result: string }>(
  command: 'apply' | 'destroy',
  run: {
    /** The command line that runs the fleet again. */
    again: string;
    members: readonly { loaded: LoadedWorkflow }[];
    documents: readonly WorkflowDocument[];
    lockedOut: readonly LockedOutMember[];
    json: boolean;
    summary: () => string;
  },
  context: CommandContext,
): void {
  const results = [
    ...run.documents,
    ...run.lockedOut.map((member) => lockedWorkflowDocument(member.loaded.workflow.workflow, member.error)),
  ];
  const inFileOrder = run.members.map(
    (member) =>
      results.find((result) => result.workflow === member.loaded.workflow.workflow) as
        | WorkflowDocument
        | LockedWorkflowDocument,
  );
  const summary = run.json ? '' : run.summary();
  if (run.json) writeJson(context.stdout, fleetDocument<WorkflowDocument>(inFileOrder));
  else if (summary !== '') context.stdout.write(`\n${summary}`);
  const end = fleetEndError(
    command,
    run.again,
    inFileOrder.map((document) => ({
      workflow: document.workflow,
      outcome: document.result as MemberOutcome,
    })),
    run.json,
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
  again: string,
  results: readonly { workflow: string; outcome: MemberOutcome }[],
  /** --json: each failure is in its workflow's document on stdout, not shown on stderr. */
  json = false,
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
      { hint: `Run '${again}' again to finish the job.${lockedHint}` },
    );
  }
  if (code === ExitCode.failed) {
    const failed = names(['failed', 'refused']);
    return new FleetFailedError(
      `${command} failed for ${failed.length} of ${results.length} workflows: ${failed.join(', ')}`,
      [],
      {
        hint: `Each workflow's failure is ${json ? 'in its document on stdout (its error, failures or blockers)' : 'shown above'}; what was done is in each one's state. Fix the causes, then run '${again}' again: it finishes the job.${lockedHint}`,
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
  if (failure instanceof MldsError) {
    writeMldsError(stderr, colors, failure, workflow);
    return;
  }
  const label = colors.red(colors.bold('error'));
  const detail = failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
  stderr.write(`${label}: ${workflow}: unexpected failure, please report it: ${detail}\n`);
}
