import type { StateDocument } from '@mlds/core';
import type { CallerIdentity, RunResult } from '@mlds/provisioner';
import type { CommandContext } from './commands/command.js';
import {
  boundChannelOf,
  type DestroyDocument,
  type DestroyOptions,
  destroyDocument,
  renderDestroyPlan,
  type Teardown,
  teardownOf,
} from './commands/destroy.js';
import { throwUnlessConfirmable } from './confirm.js';
import { count, DestroyRefusedError, OperationFailedError } from './errors.js';
import { checkFleetArguments, type FleetMember, type FleetOptions, loadFleet } from './fleet-load.js';
import { type LockedMember, lockFleet } from './fleet-lock.js';
import { fleetAccount, runFleet, runFleetMember, withLockedFleet } from './fleet-run.js';
import type { FleetProgress } from './render/fleet-progress.js';
import { destroyCounts, renderDestroySummary, tally } from './render/summary.js';
import { nothingToDestroyAt } from './state-file.js';
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

type MemberDocument = DestroyDocument;

export async function destroyFleet(
  options: DestroyOptions & FleetOptions,
  context: CommandContext,
): Promise<void> {
  const { stdout, colors } = context;
  checkFleetArguments('destroy', options, context.cwd);
  const members = await loadFleet(options, context);
  // A workflow with no state file has nothing to destroy: no lock, no state directory created for it.
  const hasState = (member: FleetMember) => !nothingToDestroyAt(member.statePath);
  const fleet = await lockFleet(
    'destroy',
    { ...options, rerunExtraFlags: options.force ? ['--force'] : [] },
    members,
    context,
    hasState,
  );
  await withLockedFleet(fleet, async () => {
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

    // Nothing locked (nobody can confirm): a state's lock without the state is another run's first apply,
    // whose resources are not known here. As for one workflow: the question's error, not "nothing to destroy".
    const lockedWithoutState = fleet.canRun
      ? []
      : entries.filter((entry) => entry.state === undefined && !nothingToDestroyAt(entry.member.statePath));
    if (lockedWithoutState.length > 0) {
      throwUnlessConfirmable(
        {
          command: 'destroy',
          yes: options.yes,
          json: options.json,
          stdin: context.stdin,
          again: fleet.again,
        },
        `Locked by another run, with no state yet: ${lockedWithoutState.map((entry) => entry.member.statePath.shownAs).join(', ')}.`,
      );
    }
    const deleting = entries.filter((entry) => entry.teardown !== undefined);
    // The credentials resolved and the account named once, before the question; nothing is called when they fail.
    const first = deleting.find((entry) => entry.locked !== undefined)?.locked;
    const account = await fleetAccount(
      fleet,
      first,
      options.profile,
      deleting.flatMap((entry) => entry.teardown?.deletions ?? []),
    );
    if (!options.json) stdout.write(renderFleetTeardown(entries, options.force, account, context));
    await runFleet<MemberDocument>(
      {
        command: 'destroy',
        fleet,
        members,
        yes: options.yes,
        json: options.json,
        question: `\n${colors.bold(`Destroy the resources of ${count(deleting.length, 'workflow')}?`)} There is no undo. Only 'yes' is accepted:`,
        nothingDone: 'nothing was deleted',
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
        summary: {
          title: 'Fleet destroy',
          done: 'destroyed',
          failedAs: 'failed or refused',
          counts: destroyCounts,
          hint: () => 'Each state file is kept, with what is left in it.',
        },
      },
      context,
    );
  });
}

/** Destroys one workflow of the fleet; never throws for the workflow's own failure: that is its document. */
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
  const { provisioner } = locked.provisioning;
  return runFleetMember<RunResult, MemberDocument>(
    {
      command: 'destroy',
      workflow,
      member: locked,
      order: [...teardown.deletions, ...teardown.forgotten],
      interrupt,
      progress,
      json: options.json,
      call: (engine) =>
        provisioner.destroy({
          ...engine,
          teardown: teardown.deletions,
          force: options.force,
          boundChannel: boundChannelOf(member.loaded.workflow),
        }),
      succeeded: (run, results) => {
        const done = renderDestroySummary(tally(results), context.colors).trimEnd();
        const dangling = run.channel?.danglingDestinationIds ?? [];
        const channelNote =
          run.channel && dangling.length > 0
            ? ` MediaLive channel ${run.channel.id} (${run.channel.region}) still has destinations pointing at deleted resources: ${dangling.join(', ')}.`
            : '';
        return {
          text: `${done}${channelNote}`,
          document: destroyDocument(workflow, 'ok', results, run.channel ? { channel: run.channel } : {}),
        };
      },
      interrupted: (results) => destroyDocument(workflow, 'interrupted', results),
      outcomeOf: (failure) => (failure instanceof DestroyRefusedError ? 'refused' : 'failed'),
      failed: ({ failure, error, message }, results) => {
        const refused = failure instanceof DestroyRefusedError;
        if (refused && error instanceof provisioner.NotEmptyError) {
          return destroyDocument(workflow, 'refused', [], { blockers: error.blockers });
        }
        if (failure instanceof OperationFailedError) {
          return destroyDocument(workflow, 'failed', results, { failures: failure.failures });
        }
        return { ...destroyDocument(workflow, refused ? 'refused' : 'failed', results), error: message };
      },
    },
    context,
  );
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
        {
          file: member.loaded.file,
          statePath: member.statePath.shownAs,
          account,
          boundChannel: boundChannelOf(member.loaded.workflow),
        },
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
