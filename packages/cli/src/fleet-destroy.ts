import { existsSync } from 'node:fs';
import type { StateDocument } from '@mlds/core';
import type { CallerIdentity } from '@mlds/provisioner';
import type { CommandContext } from './commands/command.js';
import {
  type DestroyDocument,
  type DestroyOptions,
  destroyDocument,
  renderDestroyPlan,
  type Teardown,
  teardownOf,
} from './commands/destroy.js';
import { confirm } from './confirm.js';
import {
  CancelledError,
  count,
  DestroyRefusedError,
  InterruptedError,
  OperationFailedError,
} from './errors.js';
import {
  checkFleetArguments,
  type FleetMember,
  type FleetOptions,
  type LockedMember,
  loadFleet,
  lockFleet,
  releaseFleet,
  reportMemberFailure,
  sessionOf,
} from './fleet.js';
import { runFleetWithDisplay } from './fleet-display.js';
import { preflight, translateRunError } from './provisioning.js';
import { type FleetProgress, fleetResultLine } from './render/fleet-progress.js';
import { renderDestroySummary, tally, unfinishedCounts } from './render/summary.js';
import { interruptedRun, ResultCollector, runEventsOf } from './run-results.js';
import { readRecordedState } from './workflow-file.js';

// `mlds destroy a.yaml b.yaml …`: each workflow's teardown read from its own locked state exactly as
// `destroy a.yaml` would, shown together, one confirmation, then every workflow destroyed at once, sharing the
// AWS clients and the request limiter.

interface TornDownMember {
  member: FleetMember;
  locked: LockedMember | undefined;
  state: StateDocument | undefined;
  teardown: Teardown | undefined;
}

type MemberDocument = DestroyDocument & { error?: string };

export async function destroyFleet(
  options: DestroyOptions & FleetOptions,
  context: CommandContext,
): Promise<void> {
  const { stdout, colors } = context;
  checkFleetArguments('destroy', options, context.cwd);
  const members = await loadFleet(options, context);
  // A workflow with no state file has nothing to destroy: no lock, no state directory created for it.
  const hasState = (member: FleetMember) =>
    member.statePath.kind !== 'file' || existsSync(member.statePath.absolute);
  const fleet = await lockFleet('destroy', options, members, context, hasState);
  try {
    const lockedFiles = new Set(fleet.lockedOut.map((member) => member.loaded.file));
    const entries: TornDownMember[] = [];
    for (const member of members) {
      if (lockedFiles.has(member.loaded.file)) continue;
      const locked = fleet.running.find((running) => running.loaded.file === member.loaded.file);
      const state = hasState(member)
        ? await readRecordedState(member.loaded, member.statePath, true, context)
        : undefined;
      const teardown = state === undefined || state.resources.length === 0 ? undefined : teardownOf(state);
      entries.push({ member, locked, state, teardown });
    }

    const deleting = entries.filter((entry) => entry.teardown !== undefined);
    // The credentials resolved and the account named once, before the question; nothing is called when they fail.
    const first = deleting.find((entry) => entry.locked !== undefined)?.locked;
    const account =
      first === undefined
        ? undefined
        : await preflight(sessionOf(first, fleet), first.loaded.workflow.region, options.profile);
    if (!options.json) stdout.write(renderFleetTeardown(entries, options.force, account, context));
    if (deleting.length > 0) {
      const approved = await confirm({
        command: 'destroy',
        yes: options.yes,
        json: options.json,
        stdin: context.stdin,
        prompt: stdout,
        signal: fleet.interrupt,
        question: `\n${colors.bold(`Destroy the resources of ${count(deleting.length, 'workflow')}?`)} There is no undo. Only 'yes' is accepted:`,
      });
      if (fleet.interrupt.aborted) {
        throw new InterruptedError(
          'destroy interrupted at the question: nothing was deleted; the locks are released',
        );
      }
      if (!approved) throw new CancelledError('destroy cancelled: nothing was deleted');
      if (!fleet.canRun) throw new Error('destroy was approved where nobody could approve it');
    }

    await runFleetWithDisplay<MemberDocument>(
      'destroy',
      {
        fleet,
        members,
        json: options.json,
        shown: deleting.map((entry) => ({
          workflow: entry.member.loaded.workflow.workflow,
          resources: (entry.teardown?.deletions.length ?? 0) + (entry.teardown?.forgotten.length ?? 0),
          planned: [
            ...(entry.teardown?.deletions ?? []).map((resource) => ({
              address: resource.address,
              action: 'delete' as const,
            })),
            ...(entry.teardown?.forgotten ?? []).map((resource) => ({
              address: resource.address,
              action: 'forget' as const,
            })),
          ],
        })),
        runEach: (progress) =>
          entries.map((entry) => destroyMember(entry, options, context, progress, fleet.interrupt)),
        summary: (documents) => renderFleetSummary(documents, fleet.lockedOut.length, context),
      },
      context,
    );
  } finally {
    fleet.unsubscribe();
    await releaseFleet(fleet.running);
  }
}

/** A workflow stopped by SIGINT/SIGTERM: what it deleted is gone from its state; reported as for one workflow. */
function interruptedMember(
  entry: TornDownMember,
  locked: LockedMember,
  results: ResultCollector,
  error: unknown,
  options: DestroyOptions,
  context: CommandContext,
  progress: FleetProgress | undefined,
): MemberDocument {
  const workflow = entry.member.loaded.workflow.workflow;
  const where = { command: 'destroy' as const, file: entry.member.loaded.file, statePath: locked.statePath };
  const stopped = interruptedRun(results.list(), where, locked.provisioning.provisioner, error);
  progress?.finished(workflow, fleetResultLine(workflow, 'interrupted', stopped.message, context.colors));
  if (!options.json) reportMemberFailure(workflow, stopped, context);
  return destroyDocument(workflow, 'interrupted', results.list());
}

async function destroyMember(
  entry: TornDownMember,
  options: DestroyOptions,
  context: CommandContext,
  progress: FleetProgress | undefined,
  interrupt: AbortSignal,
): Promise<MemberDocument> {
  const { member, locked, teardown } = entry;
  const workflow = member.loaded.workflow.workflow;
  if (teardown === undefined || locked === undefined) return destroyDocument(workflow, 'ok', []);
  const { provisioner, clients, clock, sleep, limiter } = locked.provisioning;
  const order = [...teardown.deletions, ...teardown.forgotten].map((resource) => resource.address);
  const results = new ResultCollector(order);
  const shown = runEventsOf(provisioner);
  try {
    const run = await provisioner.destroy({
      stopSignal: interrupt,
      clients,
      store: locked.held.store,
      teardown: teardown.deletions,
      force: options.force,
      limiter,
      clock,
      ...(sleep === undefined ? {} : { sleep }),
      onEvent: (engineEvent) => {
        const event = shown(engineEvent);
        results.add(event);
        progress?.onEvent(workflow, event);
      },
    });
    if (interrupt.aborted)
      return interruptedMember(entry, locked, results, undefined, options, context, progress);
    const done = renderDestroySummary(tally(results.list()), context.colors).trimEnd();
    const dangling = run.channel?.danglingDestinationIds ?? [];
    const channelNote =
      run.channel && dangling.length > 0
        ? ` MediaLive channel ${run.channel.id} (${run.channel.region}) still has destinations pointing at deleted resources: ${dangling.join(', ')}.`
        : '';
    progress?.finished(workflow, fleetResultLine(workflow, 'ok', `${done}${channelNote}`, context.colors));
    return destroyDocument(workflow, 'ok', results.list(), run.channel ? { channel: run.channel } : {});
  } catch (error) {
    if (interrupt.aborted)
      return interruptedMember(entry, locked, results, error, options, context, progress);
    const failure = translateRunError(
      error,
      provisioner,
      { command: 'destroy', file: member.loaded.file, statePath: member.statePath },
      results.list(),
    );
    const message = failure instanceof Error ? failure.message : String(failure);
    const refused = failure instanceof DestroyRefusedError;
    progress?.finished(
      workflow,
      fleetResultLine(workflow, refused ? 'refused' : 'failed', message, context.colors),
    );
    if (!options.json) reportMemberFailure(workflow, failure, context);
    if (refused && error instanceof provisioner.NotEmptyError) {
      return destroyDocument(workflow, 'refused', [], { blockers: error.blockers });
    }
    if (failure instanceof OperationFailedError) {
      return destroyDocument(workflow, 'failed', results.list(), { failures: failure.failures });
    }
    return { ...destroyDocument(workflow, refused ? 'refused' : 'failed', results.list()), error: message };
  }
}

function renderFleetTeardown(
  entries: readonly TornDownMember[],
  force: boolean,
  account: CallerIdentity | undefined,
  context: CommandContext,
): string {
  const { colors } = context;
  const parts: string[] = [];
  for (const { member, state, teardown } of entries) {
    parts.push(colors.bold(`== ${member.loaded.workflow.workflow} (${member.loaded.file})`), '');
    if (state === undefined || teardown === undefined) {
      const why =
        state === undefined
          ? `there is no state file ${member.statePath.shownAs}`
          : `the state ${member.statePath.shownAs} records no resources`;
      parts.push(`${colors.bold('Nothing to destroy:')} ${why}.\n`);
      continue;
    }
    parts.push(
      renderDestroyPlan(
        state,
        teardown,
        { file: member.loaded.file, statePath: member.statePath.shownAs, account },
        force,
        colors,
      ),
    );
  }
  const deleting = entries.filter((entry) => entry.teardown !== undefined);
  const resources = deleting.reduce((sum, entry) => sum + (entry.teardown?.deletions.length ?? 0), 0);
  parts.push(
    `${colors.bold('Fleet:')} ${count(entries.length, 'workflow')}, ${deleting.length} with resources (${count(resources, 'resource')} to delete).\n`,
  );
  return parts.join('\n');
}

function renderFleetSummary(
  documents: readonly MemberDocument[],
  locked: number,
  context: CommandContext,
): string {
  const { colors } = context;
  const all = tally(documents.flatMap((document) => document.resources));
  const failed = documents.filter(
    (document) => document.result === 'failed' || document.result === 'refused',
  ).length;
  const interrupted = documents.filter((document) => document.result === 'interrupted').length;
  const ok = documents.length - failed - interrupted;
  const head = `${colors.bold('Fleet destroy:')} ${ok} of ${count(documents.length + locked, 'workflow')} destroyed${failed > 0 ? `, ${colors.red(`${failed} failed or refused`)}` : ''}${interrupted > 0 ? `, ${colors.yellow(`${interrupted} interrupted`)}` : ''}${locked > 0 ? `, ${colors.yellow(`${locked} locked`)}` : ''}.`;
  const inAll = `In all: ${all.deleted} deleted${all.forgotten > 0 ? `, ${all.forgotten} removed from the state only` : ''}${unfinishedCounts(all)}.`;
  return `${head} ${inAll}\n${colors.dim('Each state file is kept, with what is left in it.')}\n`;
}
