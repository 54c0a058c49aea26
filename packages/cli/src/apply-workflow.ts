import { environmentProblems, type Plan, recordedDestinations, type StateDocument } from '@mlds/core';
import type { RunResult } from '@mlds/provisioner';
import {
  type ApplyDocument,
  applyDocument,
  countChanges,
  destinationsAfter,
  noChangesReason,
  withRestart,
} from './apply-plan.js';
import type { ApplyOptions } from './commands/apply.js';
import type { CommandContext } from './commands/command.js';
import { OperationFailedError } from './errors.js';
import { type PreparedRun, preflight, toCall } from './provisioning.js';
import { refreshRecorded } from './refresh.js';
import { againCommand } from './render/command-line.js';
import { DIAGNOSTIC_WIDTH, wrap, writeDiagnostics } from './render/diagnostics.js';
import { writeJson } from './render/json.js';
import { renderPlan, renderPlanSummary } from './render/plan.js';
import {
  renderAdoptedFromElsewhere,
  renderApplySummary,
  renderDestinations,
  tally,
} from './render/summary.js';
import { missingSecretsError } from './run-errors.js';
import type { ApprovedPlan } from './saved-plan.js';
import { readStateAt, type StatePath } from './state-file.js';
import { planLoadedWorkflow, readRecordedState } from './workflow-file.js';
import { confirmWorkflowRun, endIfInterrupted, runWorkflow, stopUnlessConfirmable } from './workflow-run.js';

// One workflow's apply, with its state locked: planned (after a refresh) or taken from a saved plan, shown,
// confirmed, run, and summed up with its destinations.

/**
 * Plans against the state, shows the plan, asks for confirmation (or takes --yes), then creates, adopts,
 * updates and deletes through the provisioner, showing each resource's progress, and ends with a summary and
 * the destinations. Nothing to change: says so without calling AWS.
 */
export async function applyPrepared(
  options: ApplyOptions,
  context: CommandContext,
  prepared: PreparedRun,
  /** A saved plan, checked against the locked state: applied as it is, without asking. */
  approved?: ApprovedPlan,
): Promise<void> {
  const { stdout, stderr, colors } = context;
  const { loaded, statePath } = prepared;
  const state =
    approved === undefined ? await readRecordedState(loaded, statePath, true, context) : approved.state;
  const workflow = withRestart(loaded, options.restartChannel);
  // A saved plan is applied as it is, never refreshed (as Terraform). A run nobody can confirm (no --yes, no
  // terminal) has no session: it calls nothing at all, as exit 2 promises, and plans from the state alone.
  const session = prepared.session;
  const refreshing =
    approved === undefined && options.refresh && session !== undefined && state !== undefined;
  // A refresh only adds to what the plan writes, so a variable the state alone shows missing stops the run
  // before the refresh's reads: a missing secret is exit 2 with nothing called.
  if (refreshing) throwMissingSecrets(planLoadedWorkflow(workflow, state), context);
  // Credentials resolved and the account named before the first AWS call: the refresh's reads when there is
  // one, else the question. Nothing is called when they fail.
  const accountBeforeRefresh = refreshing
    ? await preflight(session, loaded.workflow.region, options.profile, state.resources)
    : undefined;
  const observations = refreshing
    ? await refreshRecorded(session.provisioning, state, context, {
        command: 'apply',
        file: loaded.file,
        workflow: workflow.workflow,
        flags: prepared.flags,
        profile: options.profile,
      })
    : undefined;
  const plan = approved?.plan ?? planLoadedWorkflow(workflow, state, observations);
  const changes = countChanges(plan, state);

  // Also with --json: its document has no room for them, and stderr is free.
  writeDiagnostics(stderr, plan.diagnostics, loaded.file, colors);

  if (changes === 0) {
    // Nobody can confirm, so nothing was read in AWS: "no changes" would be the state's word alone, and exit 0
    // would tell a CI job that forgot --yes that all is well. It stops as it would at the question.
    if (session === undefined && approved === undefined && options.refresh && state !== undefined) {
      stopUnlessConfirmable(
        'apply',
        prepared,
        options,
        `Nothing was called: without --yes, apply reads nothing in AWS, so it cannot say whether AWS still holds what the state records. '${againCommand('plan', [loaded.file], [...prepared.flags, '--refresh'])}' compares them without changing anything.`,
      );
    }
    const unchanged = plan.resources.map((resource) => ({
      address: resource.address,
      kind: resource.kind,
      outcome: 'unchanged' as const,
    }));
    const destinations = destinationsAfter(plan, state);
    if (options.json) {
      writeJson(stdout, applyDocument(plan, 'ok', unchanged, destinations));
      return;
    }
    const why = noChangesReason(plan, statePath.shownAs, loaded.file, observations !== undefined);
    stdout.write(`${wrap(`${colors.bold('No changes.')} ${why}.`, DIAGNOSTIC_WIDTH, '    ')}\n\n`);
    stdout.write(renderDestinations(destinations, colors));
    return;
  }

  // Before the confirmation: answering 'yes' must not be wasted on a run that cannot start.
  throwMissingSecrets(plan, context);

  const account =
    accountBeforeRefresh ??
    (prepared.session === undefined
      ? undefined
      : await preflight(prepared.session, plan.region, options.profile, toCall(plan)));

  if (!options.json && approved !== undefined) {
    stdout.write(`Applying the plan saved in ${approved.file}, made from ${loaded.file}.\n`);
    stdout.write(renderPlanSummary(plan, colors));
  } else if (!options.json) {
    // What a previous apply recorded is shown as it is, not as `(known after apply)`; what this apply creates
    // (again) gets new values.
    const shown = { ...plan, destinations: recordedDestinations(plan.destinations, plan.resources, state) };
    const where = { file: loaded.file, state: { path: statePath.shownAs, serial: state?.serial }, account };
    stdout.write(renderPlan(shown, where, colors));
    stdout.write(renderPlanSummary(plan, colors));
  }
  const confirmedSession = await confirmWorkflowRun(
    {
      command: 'apply',
      prepared,
      yes: options.yes,
      json: options.json,
      question: `\n${colors.bold('Apply these changes?')} Only 'yes' is accepted:`,
      nothingDone: 'nothing was changed',
      approved: approved !== undefined,
    },
    context,
  );
  const { run, results } = await runWorkflow<RunResult, ApplyDocument>(
    {
      session: confirmedSession,
      where: { command: 'apply', file: loaded.file, statePath, again: prepared.again, flags: prepared.flags },
      order: plan.resources,
      json: options.json,
      call: (engine) =>
        confirmedSession.provisioning.provisioner.apply({ ...engine, plan, env: { ...context.env } }),
      interrupted: async (results, run) =>
        applyDocument(
          plan,
          'interrupted',
          results,
          destinationsAfter(
            plan,
            run === undefined ? await readStateAfterFailure(statePath, context) : run.state,
          ),
        ),
      // As a fleet member's: a failure that is not a resource's (a bound channel refused) says why in `error`.
      failed: async ({ failure, message }, results) => {
        const after = await readStateAfterFailure(statePath, context);
        if (failure instanceof OperationFailedError) {
          return applyDocument(plan, 'failed', results, destinationsAfter(plan, after), failure.failures);
        }
        return { ...applyDocument(plan, 'failed', results, destinationsAfter(plan, after)), error: message };
      },
    },
    context,
  );

  const destinations = destinationsAfter(plan, run.state);
  if (options.json) {
    writeJson(stdout, applyDocument(plan, 'ok', results, destinations));
  } else {
    stdout.write(`\n${renderApplySummary(tally(results), colors)}`);
    stdout.write(renderAdoptedFromElsewhere(results, state, plan.workflow, colors));
    stdout.write(`${colors.dim(`State: ${statePath.shownAs} (serial ${run.state?.serial ?? 0})`)}\n\n`);
    stdout.write(renderDestinations(destinations, colors));
  }
  endIfInterrupted(
    confirmedSession,
    { command: 'apply', file: loaded.file, statePath, again: prepared.again, flags: prepared.flags },
    results,
  );
}

function throwMissingSecrets(plan: Plan, context: CommandContext): void {
  const missing = environmentProblems(plan, context.env);
  if (missing.length > 0) throw missingSecretsError(missing, undefined, context.env);
}

/** After a failed run, the state is still worth reading for the destinations; but the failure comes first. */
export async function readStateAfterFailure(
  statePath: StatePath,
  context: CommandContext,
): Promise<StateDocument | undefined> {
  try {
    return await readStateAt(statePath, context);
  } catch {
    return undefined;
  }
}
