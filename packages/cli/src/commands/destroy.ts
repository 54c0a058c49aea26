import {
  FORMAT_VERSION,
  lastBinding,
  planTeardown,
  type RateOverrides,
  type ResourceChange,
  type StateDocument,
  type StateResource,
  type Workflow,
} from '@mlds/core';
import type { Blocker, CallerIdentity, RunResult } from '@mlds/provisioner';
import { count, DestroyRefusedError, OperationFailedError, type ResourceFailure } from '../errors.js';
import { type PreparedRun, preflight, runLocked } from '../provisioning.js';
import { RATE_LIMIT_OPTION, rateLimitsOf } from '../rate-limit-option.js';
import { DIAGNOSTIC_WIDTH, wrap } from '../render/diagnostics.js';
import { escapeLine } from '../render/escape.js';
import { writeJson } from '../render/json.js';
import { accountText, resourceLines } from '../render/plan.js';
import { type ResourceResult, renderDestroySummary, tally } from '../render/summary.js';
import { alignColumns } from '../render/table.js';
import { nothingToDestroyAt } from '../state-file.js';
import type { Colors } from '../terminal.js';
import { readRecordedState } from '../workflow-file.js';
import { confirmWorkflowRun, endIfInterrupted, runWorkflow, stopUnlessConfirmable } from '../workflow-run.js';
import { type Command, type CommandContext, workflowFileArguments } from './command.js';

export interface DestroyOptions {
  /** The workflow file (it names the state); `-` reads stdin. */
  file: string;
  /** Every file given; several make a fleet, destroyed as one run (fleet-destroy.ts). */
  files?: readonly string[] | undefined;
  /** `--state`; undefined for `.mlds/<workflow>.state.json`. */
  statePath: string | undefined;
  /** `--profile`: the AWS shared-config profile; undefined for the SDK's default chain. */
  profile: string | undefined;
  /** `--yes`: destroy without asking. */
  yes: boolean;
  /** `--force`: empty buckets and containers and delete origin endpoints instead of refusing. */
  force: boolean;
  json: boolean;
  /** `--rate-limit`: request rates instead of AWS's documented ones; undefined for those. */
  rateLimits?: RateOverrides | undefined;
}

/** What `destroy --json` prints: the only thing on stdout. */
export interface DestroyDocument {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string;
  /** `refused`: some resources are not empty and --force was not given; nothing was deleted. */
  /** `interrupted`: SIGINT/SIGTERM stopped the run (exit 130); what was deleted is in `resources`. */
  result: 'ok' | 'failed' | 'refused' | 'interrupted';
  resources: ResourceResult[];
  failures?: ResourceFailure[];
  blockers?: Blocker[];
  /** With a bound channel: its destination ids that now point at deleted resources (mlds never edits it here). */
  channel?: { id: string; region: string; danglingDestinationIds: string[] };
  /** A refusal or failure that is no resource's (a RUNNING bound channel): its message. */
  error?: string;
}

/**
 * Deletes what the state records, dependents first, after showing the list and asking for confirmation (or
 * --yes). Resources mlds did not create (an existing `channelId` or `buckets`) are only removed from the state.
 * Without --force, refuses (deleting nothing) when a bucket or container holds objects or a channel has origin
 * endpoints. The state file is kept, with no resources, as Terraform keeps an empty state.
 */
export async function destroy(options: DestroyOptions, context: CommandContext): Promise<void> {
  if (options.files !== undefined && options.files.length > 1) {
    const { destroyFleet } = await import('../fleet-destroy.js');
    await destroyFleet({ ...options, files: options.files, region: undefined }, context);
    return;
  }
  // Each resource is deleted in the Region the state records: --region has nothing to change here.
  await runLocked('destroy', { ...options, region: undefined }, context, (prepared) =>
    destroyPrepared(options, context, prepared),
  );
}

async function destroyPrepared(
  options: DestroyOptions,
  context: CommandContext,
  prepared: PreparedRun,
): Promise<void> {
  const { stdout, colors } = context;
  const { loaded, statePath } = prepared;
  const state = await readRecordedState(loaded, statePath, true, context);
  const workflow = loaded.workflow.workflow;

  if (state === undefined && prepared.session === undefined && !nothingToDestroyAt(statePath)) {
    // No state yet, but its lock: another run's first apply is under way, and what it creates is not known here.
    stopUnlessConfirmable(
      'destroy',
      prepared,
      options,
      `The state ${statePath.shownAs} is locked by another run.`,
    );
  }
  if (state === undefined || state.resources.length === 0) {
    if (options.json) {
      writeJson(stdout, destroyDocument(workflow, 'ok', []));
      return;
    }
    const why =
      state === undefined
        ? `there is no state file ${statePath.shownAs}`
        : `the state ${statePath.shownAs} records no resources`;
    stdout.write(`${colors.bold('Nothing to destroy:')} ${why}.\n`);
    return;
  }

  const teardown = teardownOf(state);
  const order = [...teardown.deletions, ...teardown.forgotten];
  const account =
    prepared.session === undefined
      ? undefined
      : await preflight(prepared.session, state.region, options.profile, teardown.deletions);
  if (!options.json)
    stdout.write(
      renderDestroyPlan(
        state,
        teardown,
        {
          file: loaded.file,
          statePath: statePath.shownAs,
          account,
          boundChannel: boundChannelOf(loaded.workflow),
        },
        options.force,
        colors,
      ),
    );

  const session = await confirmWorkflowRun(
    {
      command: 'destroy',
      prepared,
      yes: options.yes,
      json: options.json,
      question: `\n${colors.bold('Destroy these resources?')} There is no undo. Only 'yes' is accepted:`,
      nothingDone: 'nothing was deleted',
    },
    context,
  );
  const { run, results } = await runWorkflow<RunResult, DestroyDocument>(
    {
      session,
      where: {
        command: 'destroy',
        file: loaded.file,
        statePath,
        again: prepared.again,
        flags: prepared.flags,
      },
      order,
      json: options.json,
      call: (engine) =>
        session.provisioning.provisioner.destroy({
          ...engine,
          // Exactly the deletions shown: the engine refuses, nothing deleted, if the state no longer gives them.
          teardown: teardown.deletions,
          force: options.force,
          boundChannel: boundChannelOf(loaded.workflow),
        }),
      interrupted: (results) => destroyDocument(workflow, 'interrupted', results),
      failed: ({ failure, error, message }, results) => {
        if (failure instanceof OperationFailedError) {
          return destroyDocument(workflow, 'failed', results, { failures: failure.failures });
        }
        const refused = failure instanceof DestroyRefusedError;
        if (refused && error instanceof session.provisioning.provisioner.NotEmptyError) {
          return destroyDocument(workflow, 'refused', [], { blockers: error.blockers });
        }
        // As a fleet member's: a refusal or failure that is no resource's (a RUNNING channel) says why.
        return { ...destroyDocument(workflow, refused ? 'refused' : 'failed', results), error: message };
      },
    },
    context,
  );

  if (options.json) {
    writeJson(stdout, destroyDocument(workflow, 'ok', results, run.channel ? { channel: run.channel } : {}));
  } else {
    stdout.write(`\n${renderDestroySummary(tally(results), colors)}`);
    const dangling = run.channel?.danglingDestinationIds ?? [];
    if (run.channel && dangling.length > 0) {
      stdout.write(
        `${colors.yellow(wrap(`MediaLive channel ${run.channel.id} (${run.channel.region}) still has destinations pointing at deleted resources: ${dangling.join(', ')}. Point them elsewhere or remove them (and their output groups): the channel cannot write to them, running or started again.`, DIAGNOSTIC_WIDTH, '    '))}\n`,
      );
    }
    stdout.write(
      `${colors.dim(wrap(`The state file ${statePath.shownAs} is kept, with no resources (serial ${run.state?.serial ?? state.serial}); delete it if you no longer need it.`, DIAGNOSTIC_WIDTH, '    '))}\n`,
    );
  }
  endIfInterrupted(
    session,
    { command: 'destroy', file: loaded.file, statePath, again: prepared.again, flags: prepared.flags },
    results,
  );
}

export function destroyDocument(
  workflow: string,
  result: DestroyDocument['result'],
  resources: ResourceResult[],
  extra: Pick<DestroyDocument, 'failures' | 'blockers' | 'channel'> = {},
): DestroyDocument {
  return { formatVersion: FORMAT_VERSION, workflow, result, resources, ...extra };
}

export interface Teardown {
  /** Core's teardown, dependents first: what the engine deletes, in that order. */
  deletions: ResourceChange[];
  /** Recorded but not created by mlds: removed from the state only. */
  forgotten: StateResource[];
}

export function teardownOf(state: StateDocument): Teardown {
  return {
    deletions: planTeardown(state),
    forgotten: state.resources.filter((resource) => resource.existing === true),
  };
}

/** The channel a workflow binds now, as destroy names it to the engine and in its plan. */
export function boundChannelOf(
  workflow: Pick<Workflow, 'channel' | 'region'>,
): { id: string; region: string } | undefined {
  return workflow.channel === undefined ? undefined : { id: workflow.channel.id, region: workflow.region };
}

/** What will be deleted, and what will only be forgotten. */
export function renderDestroyPlan(
  state: StateDocument,
  { deletions, forgotten }: Teardown,
  where: {
    file: string;
    statePath: string;
    account: CallerIdentity | undefined;
    /** The channel the workflow binds now: the binding shown (core's lastBinding). */
    boundChannel: { id: string; region: string } | undefined;
  },
  force: boolean,
  colors: Colors,
): string {
  const lines = [
    ...alignColumns(
      [
        ['Workflow', `${colors.bold(state.workflow)} ${colors.dim(`(${where.file})`)}`],
        ['State', `${where.statePath} ${colors.dim(`(serial ${state.serial})`)}`],
        ...(where.account === undefined ? [] : [['Account', accountText(where.account, colors)]]),
      ],
      '',
    ),
    '',
    colors.bold(`Resources to delete (${deletions.length})`),
    ...resourceLines(deletions, colors),
  ];
  if (forgotten.length > 0) {
    lines.push(
      '',
      colors.bold(`Removed from the state only, not deleted: mlds did not create them (${forgotten.length})`),
      ...alignColumns(
        forgotten.map((resource) =>
          [resource.address, resource.kind, resource.name, resource.region].map(escapeLine),
        ),
      ),
    );
  }
  const binding = lastBinding(state, where.boundChannel);
  if (binding) {
    lines.push(
      '',
      `${colors.bold('Bound MediaLive channel')} ${binding.name} (${binding.region}): read first, never edited or deleted; destroy refuses while it runs and sends to a resource above (--force deletes anyway).`,
    );
  }
  lines.push('', `${colors.bold('Destroy:')} ${count(deletions.length, 'resource')} to delete.`);
  if (force) {
    lines.push(
      colors.yellow(
        '--force: each bucket is closed to new writes (a bucket-policy deny), then emptied (every object version and delete marker); each container is emptied; each MediaPackage channel loses its origin endpoints; then each is deleted.',
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

const usage = 'mlds destroy <file>... [options]';

export const command: Command<DestroyOptions> = {
  usage,
  description: [
    'Deletes every resource the state file records, dependents first, in the Region recorded for each; a',
    'resource mlds did not create (an existing channelId or buckets) is only removed from the state. Shows the',
    'list, then asks for confirmation on a terminal (only `yes` is accepted); without a terminal, or with',
    '--json, pass --yes. Refuses, deleting nothing, when a bucket or container holds objects or a MediaPackage',
    'channel has origin endpoints, unless --force: that first stops new writes, empties, then deletes.',
    'The state file is kept, with no resources. --region changes nothing: the state records each Region.',
    '',
    'Several workflow files run as one fleet: one list shown, grouped by workflow, one confirmation, one summary;',
    'each workflow keeps its own state and lock. A locked one is left out and named, the others go on; a refused',
    'or failed one does not stop the others. Exit code: 1 (one failed or was refused) before 3 (one was locked)',
    "before 0. --json prints { formatVersion, result, workflows: [ each workflow's own destroy document ] }.",
  ].join('\n'),
  options: {
    yes: { type: 'boolean', short: 'y', description: 'Destroy without asking for confirmation' },
    force: {
      type: 'boolean',
      description: 'Empty buckets and containers and delete origin endpoints instead of refusing',
    },
    ...RATE_LIMIT_OPTION,
  },
  examples: [
    { command: 'mlds destroy curling-live.yaml', explanation: 'Show what goes, ask, delete' },
    {
      command: 'mlds destroy curling-live.yaml --yes --force',
      explanation: 'In CI, deleting what the buckets hold too',
    },
    {
      command: 'mlds destroy courts/*.yaml --yes',
      explanation: 'A fleet: every workflow of the folder at once',
    },
  ],
  toOptions: (args) => ({
    ...workflowFileArguments(args, usage),
    statePath: args.common.state,
    profile: args.common.profile,
    yes: args.values.yes === true,
    force: args.values.force === true,
    json: args.common.json,
    rateLimits: rateLimitsOf(args),
  }),
  run: destroy,
};
