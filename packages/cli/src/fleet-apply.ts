import { environmentProblems, type Plan, recordedDestinations, type StateDocument } from '@mlds/core';
import type { CallerIdentity, RunResult } from '@mlds/provisioner';
import {
  type ApplyDocument,
  applyDocument,
  changingResources,
  countChanges,
  destinationsAfter,
  noChangesReason,
  withRestart,
} from './apply-plan.js';
import { readStateAfterFailure } from './apply-workflow.js';
import type { ApplyOptions } from './commands/apply.js';
import type { CommandContext } from './commands/command.js';
import { throwUnlessConfirmable } from './confirm.js';
import { count, OperationFailedError, UsageError } from './errors.js';
import { checkFleetArguments, type FleetOptions, loadFleet } from './fleet-load.js';
import { type LockedMember, lockFleet } from './fleet-lock.js';
import { fleetAccount, runFleet, runFleetMember, withLockedFleet } from './fleet-run.js';
import { toCall } from './provisioning.js';
import { refreshRecorded } from './refresh.js';
import { againCommand, rerunFlags } from './render/command-line.js';
import { DIAGNOSTIC_WIDTH, wrap, writeDiagnostics } from './render/diagnostics.js';
import type { FleetProgress } from './render/fleet-progress.js';
import { renderPlan, renderPlanSummary } from './render/plan.js';
import {
  applyCounts,
  type ResourceResult,
  renderAdoptedFromElsewhere,
  renderApplySummary,
  tally,
} from './render/summary.js';
import { missingSecretsError } from './run-errors.js';
import { type LoadedWorkflow, planLoadedWorkflow, readRecordedState } from './workflow-file.js';

// `mlds apply a.yaml b.yaml …`: each workflow planned against its own locked state exactly as `apply a.yaml`
// would, the plans shown together, one confirmation, then every workflow applied at once through one engine
// call each, sharing the AWS clients and the request limiter.

/** A workflow of the fleet, planned. */
interface PlannedMember {
  member: LockedMember | undefined;
  loaded: LoadedWorkflow;
  /** The workflow as planned: with --restart-channel, its channel's whenRunning is restart. */
  workflow: LoadedWorkflow;
  shownState: string;
  state: StateDocument | undefined;
  plan: Plan;
  changes: number;
  /** The refresh read what its state records (apply's default). */
  refreshed: boolean;
}

/** A workflow's document in the fleet's `--json`: apply's own, with the error when it failed before any resource. */
type MemberDocument = ApplyDocument;

export async function applyFleet(
  options: ApplyOptions & FleetOptions,
  context: CommandContext,
): Promise<void> {
  const { stdout, stderr, colors } = context;
  checkFleetArguments('apply', options, context.cwd);
  const members = await loadFleet(options, context);
  // As for one file: the flag is for workflows that bind a channel; those that do not are left as they are.
  if (options.restartChannel && !members.some((member) => member.loaded.workflow.channel !== undefined)) {
    throw new UsageError(
      '--restart-channel: none of these workflows binds a MediaLive channel; add channel: { id: "<channel id>" } or drop the flag',
    );
  }
  const fleet = await lockFleet('apply', options, members, context);
  await withLockedFleet(fleet, async () => {
    const lockedNames = new Set(fleet.lockedOut.map((member) => member.loaded.file));
    const planned: PlannedMember[] = [];
    // Every plan before any question or call: an error in one (exit 2) stops them all with nothing called.
    for (const loadedMember of members) {
      if (lockedNames.has(loadedMember.loaded.file)) continue;
      const member = fleet.running.find((running) => running.loaded.file === loadedMember.loaded.file);
      const { loaded, statePath } = loadedMember;
      const state = await readRecordedState(loaded, statePath, true, context);
      const restart = options.restartChannel && loaded.workflow.channel !== undefined;
      const workflow = withRestart(loaded, restart);
      const plan = planLoadedWorkflow(workflow, state);
      planned.push({
        member,
        loaded,
        workflow,
        shownState: statePath.shownAs,
        state,
        plan,
        changes: countChanges(plan, state),
        refreshed: false,
      });
    }
    // As for one file: a secret the state alone shows missing stops the run before the refresh's reads.
    throwMissingFleetSecrets(planned, context);
    // The credentials resolved and the account named once, before the first AWS call of any workflow (the
    // refresh's reads, else the question); nothing is called when they fail. One account serves the fleet.
    // As for one file, a workflow calls AWS only with a state to refresh or a change to make: a fleet of
    // workflows that need no AWS resources calls nothing, not even the pre-flight.
    const first = planned.find(
      (entry) => entry.changes > 0 || (options.refresh && entry.state !== undefined),
    )?.member;
    const account = await fleetAccount(
      fleet,
      first,
      options.profile,
      planned.flatMap((entry) => toCall(entry.plan)),
    );
    await refreshFleet(planned, options, context);
    throwMissingFleetSecrets(planned, context);
    // As for one file: nobody can confirm, so nothing was read in AWS, and "unchanged" would be the states' word
    // alone; the run stops as it would at the question.
    const unrefreshed = planned.filter(
      (entry) => options.refresh && entry.state !== undefined && !entry.refreshed,
    );
    const [example] = unrefreshed;
    if (example !== undefined && planned.every((entry) => entry.changes === 0)) {
      throwUnlessConfirmable(
        { command: 'apply', yes: options.yes, json: options.json, stdin: context.stdin },
        `Nothing was called: without --yes, apply reads nothing in AWS, so it cannot say whether AWS still holds what these workflows' states record. '${againCommand('plan', [example.loaded.file], [...rerunFlags({ region: options.region, profile: options.profile }), '--refresh'])}' compares one without changing anything.`,
      );
    }
    for (const entry of planned) writeDiagnostics(stderr, entry.plan.diagnostics, entry.loaded.file, colors);

    const changing = planned.filter((entry) => entry.changes > 0);
    if (!options.json) stdout.write(renderFleetPlan(planned, account, context));
    await runFleet<MemberDocument>(
      {
        command: 'apply',
        fleet,
        members,
        yes: options.yes,
        json: options.json,
        question: `\n${colors.bold(`Apply these changes to ${count(changing.length, 'workflow')}?`)} Only 'yes' is accepted:`,
        nothingDone: 'nothing was changed',
        shown: changing.map((entry) => ({
          workflow: entry.plan.workflow,
          resources: entry.changes,
          planned: changingResources(entry.plan, entry.state).map((resource) => ({
            address: resource.address,
            action: resource.action,
          })),
        })),
        runEach: (progress) =>
          planned.map((entry) => applyMember(entry, options, context, progress, fleet.interrupt)),
        summary: {
          title: 'Fleet apply',
          done: 'applied',
          failedAs: 'failed',
          counts: applyCounts,
          hint: (results) =>
            destinationsHint(
              planned.filter((_, index) => results[index] === 'ok').map((entry) => entry.loaded.file),
              rerunFlags({ region: options.region, profile: options.profile }),
            ),
        },
      },
      context,
    );
  });
}

/**
 * Where the destinations of the workflows applied are: `mlds output` of one file at a time, the first given as
 * the example, with the run's --region and --profile; nothing when none was applied (their outputs are not
 * complete).
 */
function destinationsHint(applied: readonly string[], flags: readonly string[]): string | undefined {
  const [first] = applied;
  if (first === undefined) return undefined;
  const command = `'${againCommand('output', [first], flags)}'`;
  return applied.length === 1
    ? `The destinations of the workflow applied: ${command}.`
    : `Each workflow's destinations: ${command}, and so on for each of the ${applied.length} files applied.`;
}

function throwMissingFleetSecrets(planned: readonly PlannedMember[], context: CommandContext): void {
  const missing = planned.flatMap((entry) =>
    environmentProblems(entry.plan, context.env).map((need) => ({
      ...need,
      address: `${entry.plan.workflow} ${need.address}`,
    })),
  );
  if (missing.length > 0) throw missingSecretsError(missing, undefined, context.env);
}

/**
 * apply's refresh (unless --refresh=false), for every workflow at once through the shared limiter: each
 * recorded resource read, then planned again against what AWS holds. Only reads; a workflow whose reads fail
 * stops the fleet before the question, with nothing changed for any (exit 1), as it stops one workflow's apply.
 */
async function refreshFleet(
  planned: PlannedMember[],
  options: ApplyOptions,
  context: CommandContext,
): Promise<void> {
  if (!options.refresh) return;
  await Promise.all(
    planned.map(async (entry) => {
      const { member, state } = entry;
      // Nobody can confirm (no lock taken): calls nothing, not even reads, as for one workflow.
      if (member === undefined || state === undefined) return;
      const observations = await refreshRecorded(member.provisioning, state, context, {
        command: 'apply',
        flags: member.flags,
        profile: options.profile,
        file: entry.loaded.file,
        workflow: entry.workflow.workflow,
      });
      entry.plan = planLoadedWorkflow(entry.workflow, state, observations);
      entry.changes = countChanges(entry.plan, state);
      entry.refreshed = true;
    }),
  );
}

/** Applies one workflow of the fleet; never throws for the workflow's own failure: that is its document. */
async function applyMember(
  entry: PlannedMember,
  options: ApplyOptions,
  context: CommandContext,
  progress: FleetProgress | undefined,
  interrupt: AbortSignal,
): Promise<MemberDocument> {
  const { plan, state, member } = entry;
  if (entry.changes === 0 || member === undefined) {
    const unchanged = plan.resources.map((resource) => ({
      address: resource.address,
      kind: resource.kind,
      outcome: 'unchanged' as const,
    }));
    return applyDocument(plan, 'ok', unchanged, destinationsAfter(plan, state));
  }
  const { provisioner } = member.provisioning;
  const adoptedNote = (results: readonly ResourceResult[]) => {
    const note = renderAdoptedFromElsewhere(results, state, plan.workflow, context.colors).trimEnd();
    return note === '' ? '' : `\n${note}`;
  };
  const destinationsAfterFailure = async () =>
    destinationsAfter(plan, await readStateAfterFailure(member.statePath, context));
  return runFleetMember<RunResult, MemberDocument>(
    {
      command: 'apply',
      workflow: plan.workflow,
      member,
      order: plan.resources,
      interrupt,
      progress,
      json: options.json,
      call: (engine) => provisioner.apply({ ...engine, plan, env: { ...context.env } }),
      succeeded: (run, results) => ({
        text: `${renderApplySummary(tally(results), context.colors).trimEnd()} State: ${member.statePath.shownAs} (serial ${run.state?.serial ?? 0})${adoptedNote(results)}`,
        document: applyDocument(plan, 'ok', results, destinationsAfter(plan, run.state)),
      }),
      interrupted: async (results) =>
        applyDocument(plan, 'interrupted', results, await destinationsAfterFailure()),
      failed: async ({ failure, message }, results) => {
        const destinations = await destinationsAfterFailure();
        if (failure instanceof OperationFailedError) {
          return applyDocument(plan, 'failed', results, destinations, failure.failures);
        }
        return { ...applyDocument(plan, 'failed', results, destinations), error: message };
      },
    },
    context,
  );
}

/** Each workflow's plan under its own header, then one line for the fleet. */
function renderFleetPlan(
  planned: readonly PlannedMember[],
  account: CallerIdentity | undefined,
  context: CommandContext,
): string {
  const { colors } = context;
  const parts: string[] = [];
  for (const entry of planned) {
    const { plan, loaded, state, shownState } = entry;
    parts.push(colors.bold(`== ${plan.workflow} (${loaded.file})`), '');
    if (entry.changes === 0) {
      const why = noChangesReason(plan, shownState, loaded.file, entry.refreshed);
      parts.push(wrap(`${colors.bold('No changes.')} ${why}.`, DIAGNOSTIC_WIDTH, '    '), '');
      continue;
    }
    const shown = { ...plan, destinations: recordedDestinations(plan.destinations, plan.resources, state) };
    parts.push(
      renderPlan(
        shown,
        { file: loaded.file, state: { path: shownState, serial: state?.serial }, account },
        colors,
      ) + renderPlanSummary(plan, colors),
    );
  }
  const changing = planned.filter((entry) => entry.changes > 0);
  // A resource mlds only reads is no change to AWS, though the state records it: counted apart, as each plan does.
  const applied = changing.flatMap((entry) => changingResources(entry.plan, entry.state));
  const reads = applied.filter((resource) => resource.action === 'read').length;
  const toRead = reads > 0 ? `, ${reads} to read` : '';
  parts.push(
    `${colors.bold('Fleet:')} ${count(planned.length, 'workflow')}, ${changing.length} with changes (${count(applied.length - reads, 'resource')} to change${toRead}), ${planned.length - changing.length} unchanged.\n`,
  );
  return parts.join('\n');
}
