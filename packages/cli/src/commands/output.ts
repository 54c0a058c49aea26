import {
  FORMAT_VERSION,
  type OutputDestination,
  type Pipeline,
  type Plan,
  type ResourceKind,
  type ResourceStatus,
  resolveDestinations,
  type StateDocument,
} from '@mlds/core';
import { stateOrEmpty } from '../apply-plan.js';
import { NotAppliedError, UsageError } from '../errors.js';
import { againCommand, rerunFlags, shellArg } from '../render/command-line.js';
import { writeJson } from '../render/json.js';
import { renderDestinations, renderStateResources } from '../render/summary.js';
import { alignColumns } from '../render/table.js';
import { loadWorkflowAndState, planLoadedWorkflow } from '../workflow-file.js';
import { type Command, type CommandContext, type ParsedArguments, workflowFileArgument } from './command.js';

export interface OutputOptions {
  /** The workflow file; `-` reads stdin. */
  file: string;
  /** `--state`; undefined for `.mlds/<workflow>.state.json`. */
  statePath: string | undefined;
  /** `--region`: replaces the workflow's Region, as it did for apply. */
  region: string | undefined;
  /** `--profile`: the credentials a state on S3 is read with. */
  profile: string | undefined;
  json: boolean;
  /** The one destination to print (its MediaLive destination Id, the downstream's name); undefined for all. */
  destinationId: string | undefined;
}

/** What `output --json` prints (contract §4, last paragraph). */
export interface OutputDocument {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string;
  /** MediaLive's Destinations with every value real; a stream key stays `(sensitive)`. */
  destinations: OutputDestination[];
  resources: OutputResource[];
}

export interface OutputResource {
  address: string;
  kind: ResourceKind;
  name: string;
  region: string;
  pipeline: Pipeline | null;
  arn: string | null;
  id: string;
  status: ResourceStatus;
  /** A resource mlds only reads (an existing bucket, `channelId`, `channelGroup`): its `created` is not mlds's. */
  existing?: true;
}

/**
 * What apply recorded, read from the state file without calling AWS (nor loading the AWS SDK): the
 * destinations with the values only apply knows (ingest URLs, user names, container endpoints) filled in, and
 * the resources with their ARNs. Fails when a value is still unknown: nothing applied yet, or an apply that
 * stopped midway.
 */
export async function output(options: OutputOptions, context: CommandContext): Promise<void> {
  const { stdout, colors } = context;
  const { loaded, statePath, state } = await loadWorkflowAndState(
    { ...options, sameWorkflow: true },
    context,
  );
  const plan = planLoadedWorkflow(loaded, state);
  const recorded = stateOrEmpty(plan, state);
  const resolved = resolveDestinations(plan, recorded);
  // One destination needs only the resources of its own downstream entries to be applied.
  const serves = destinationFilter(plan, options.destinationId, loaded.file);
  const destinations = resolved.destinations.filter((destination) => serves.destination(destination.Id));
  const wanted = new Set(plan.resources.filter((r) => serves.downstream(r.downstream)).map((r) => r.address));
  // A resource still to create may be named in a destination whose value the plan already knows (a bucket):
  // that value is not real until the resource exists.
  const notApplied = [
    ...new Set([
      ...resolved.missing,
      ...plan.resources.filter((resource) => resource.action === 'create').map((r) => r.address),
    ]),
  ].filter((address) => wanted.has(address));
  if (
    notApplied.length > 0 &&
    state !== undefined &&
    state.resources.length > 0 &&
    state.region !== plan.region
  ) {
    // Not "not applied": applied in another Region, which the plan for this one would replace.
    const given = options.region === undefined ? `${loaded.file} says` : '--region says';
    const stateFlags = rerunFlags({ statePath: options.statePath, profile: options.profile });
    const output = againCommand('output', [loaded.file], [...stateFlags, '--region', shellArg(state.region)]);
    const apply = againCommand('apply', [loaded.file], rerunFlags(options));
    throw new NotAppliedError(
      `the state ${statePath.shownAs} records workflow ${plan.workflow} applied in ${state.region}, but ${given} ${plan.region}`,
      { hint: `Run '${output}' for what was applied, or '${apply}' to move it to ${plan.region}.` },
    );
  }
  if (notApplied.length > 0) {
    const rerun = againCommand('apply', [loaded.file], rerunFlags(options));
    const outputAgain = againCommand('output', [loaded.file], rerunFlags(options));
    if (state === undefined || state.resources.length === 0) {
      const why =
        state === undefined
          ? `nothing is applied yet: there is no state file ${statePath.shownAs}`
          : `nothing is applied: the state ${statePath.shownAs} records no resources (not applied yet, or destroyed)`;
      // An apply made with --state left its state elsewhere: applying here would make everything a second time.
      const elsewhere =
        state === undefined && options.statePath === undefined
          ? ' If it was applied with --state, give output the same --state.'
          : '';
      throw new NotAppliedError(why, {
        hint: `Run '${rerun}' first; then '${outputAgain}' prints what it created.${elsewhere}`,
      });
    }
    throw new NotAppliedError(
      `the state ${statePath.shownAs} does not record ${notApplied.length === 1 ? 'this resource' : 'these resources'} yet (not applied, or an apply stopped midway): ${notApplied.join(', ')}`,
      { hint: `Run '${rerun}' to finish; then '${outputAgain}' again.` },
    );
  }

  const recordedResources = recorded.resources.filter((resource) => serves.downstream(resource.downstream));
  const resources = recordedResources.map(outputResource);
  if (options.json && options.destinationId !== undefined) {
    // As `terraform output -json NAME` prints the value alone: the OutputDestination, ready for UpdateChannel.
    writeJson(stdout, destinations[0]);
    return;
  }
  if (options.json) {
    const document: OutputDocument = {
      formatVersion: FORMAT_VERSION,
      workflow: plan.workflow,
      destinations,
      resources,
    };
    writeJson(stdout, document);
    return;
  }
  const header = alignColumns(
    [
      ['Workflow', `${colors.bold(plan.workflow)} ${colors.dim(`(${loaded.file})`)}`],
      ['State', `${statePath.shownAs} ${colors.dim(stateNote(state, plan))}`],
    ],
    '',
  );
  stdout.write(
    [
      ...header,
      '',
      renderDestinations(destinations, colors),
      renderStateResources(recordedResources, colors),
    ].join('\n'),
  );
}

function stateNote(state: StateDocument | undefined, plan: Plan): string {
  if (state !== undefined) return `(serial ${state.serial})`;
  // Only a destination that needs no resource gets this far without a state.
  return plan.resources.length === 0
    ? '(none: this workflow has no resources)'
    : '(none yet: this destination has no resources)';
}

interface DestinationFilter {
  destination(id: string): boolean;
  downstream(name: string): boolean;
}

/** Everything, or the one destination asked for and the downstream entries it serves. */
function destinationFilter(plan: Plan, id: string | undefined, file: string): DestinationFilter {
  if (id === undefined) return { destination: () => true, downstream: () => true };
  const known = plan.destinations.map((destination) => destination.Id);
  if (!known.includes(id)) {
    throw new UsageError(`${file} has no destination '${id}'`, {
      hint:
        known.length === 0
          ? 'It has no destinations.'
          : `Its destinations are: ${known.join(', ')}. Run 'mlds output ${shellArg(file)}' for all of them.`,
    });
  }
  const served = new Set(
    plan.outputGroups.filter((group) => group.destinationId === id).map((group) => group.name),
  );
  return { destination: (candidate) => candidate === id, downstream: (name) => served.has(name) };
}

function outputResource(resource: StateDocument['resources'][number]): OutputResource {
  return {
    address: resource.address,
    kind: resource.kind,
    name: resource.name,
    region: resource.region,
    pipeline: resource.pipeline,
    arn: resource.arn ?? null,
    // AWS identifies every kind mlds makes by its name (Terraform's `id` is the same): never null.
    id: resource.id ?? resource.name,
    status: resource.status,
    ...(resource.existing === true ? { existing: true as const } : {}),
  };
}

const usage = 'mlds output <file> [<destination id>] [options]';

export const command: Command<OutputOptions> = {
  usage,
  description: [
    "Prints what apply recorded in the state file, without calling AWS: the Destinations to give MediaLive's",
    'CreateChannel with every value real (ingest URLs and user names, container endpoints; a stream key stays',
    '(sensitive), a password stays in SSM), and each resource with its ARN and status. Exits 1 when a value is',
    'not known yet: nothing applied, or an apply that stopped midway (run mlds apply again). With --json,',
    'stdout holds only { formatVersion, workflow, destinations, resources }.',
    '',
    "Given a destination id (the downstream entry's name), prints that destination alone and the resources of",
    'its downstream entry, and needs only those applied; with --json, stdout holds the OutputDestination object',
    'alone, as terraform output -json NAME prints one value. An id the workflow does not have exits 2, listing',
    'the ids it has.',
  ].join('\n'),
  examples: [
    { command: 'mlds output curling-live.yaml', explanation: 'The destinations and resources, as text' },
    {
      command: "mlds output curling-live.yaml --json | jq '.destinations'",
      explanation: "The Destinations for MediaLive's CreateChannel",
    },
    {
      command:
        'aws medialive create-channel --destinations "$(mlds output archive.yaml --json | jq -c \'.destinations\')" ...',
      explanation:
        'Into the AWS CLI, for a workflow without stream keys: a stream key shows as (sensitive), never as itself. With one, bind the channel instead (channel: { id } in the workflow): apply writes the key into it',
    },
    {
      command: 'mlds output curling-live.yaml packager --json',
      explanation: "One destination, as MediaLive's OutputDestination object",
    },
  ],
  toOptions: (args) => ({
    ...fileAndDestination(args),
    statePath: args.common.state,
    region: args.common.region,
    profile: args.common.profile,
    json: args.common.json,
  }),
  run: output,
};

function fileAndDestination(args: ParsedArguments): { file: string; destinationId: string | undefined } {
  const [file, destinationId, ...extra] = args.positionals;
  if (extra.length > 0) {
    throw new UsageError(
      `unexpected argument '${extra[0]}': give the workflow file and at most one destination id`,
      {
        hint: `Usage: ${usage}`,
      },
    );
  }
  return {
    file: workflowFileArgument({ ...args, positionals: file === undefined ? [] : [file] }, usage),
    destinationId,
  };
}
