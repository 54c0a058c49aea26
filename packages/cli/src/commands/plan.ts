import { resolve } from 'node:path';
import {
  environmentDiagnostics,
  type Observation,
  type Plan,
  type ResourceKind,
  recordedDestinations,
  type StateDocument,
} from '@mlds/core';
import { withRestart } from '../apply-plan.js';
import { count, ExitCode, OperationFailedError, UsageError } from '../errors.js';
import { againCommand, rerunFlags } from '../render/command-line.js';
import { writeDiagnostics } from '../render/diagnostics.js';
import { writeJson } from '../render/json.js';
import { renderPlan, renderPlanSummary } from '../render/plan.js';
import type { StatePath } from '../state-file.js';
import { type LoadedWorkflow, loadWorkflowAndState, planLoadedWorkflow } from '../workflow-file.js';
import { type Command, type CommandContext, workflowFileArgument } from './command.js';

export interface PlanOptions {
  /** The workflow file; `-` reads stdin. */
  file: string;
  /** `--state`; undefined for `.mlds/<workflow>.state.json`. */
  statePath: string | undefined;
  /** `--region`: replaces the workflow's Region. */
  region: string | undefined;
  json: boolean;
  /** `--out`: also save the plan to this file, for `apply <planfile>`. */
  out: string | undefined;
  /** `--detailed-exitcode`: exit 4 when the plan has changes. */
  detailedExitcode: boolean;
  /** `--refresh`: read each recorded resource in AWS first (reads only), and plan against what is there. */
  refresh: boolean;
  /** `--profile`: the AWS profile, for --refresh. */
  profile: string | undefined;
  /** `--restart-channel`: plan as `apply --restart-channel` would (whenRunning: restart, this once). */
  restartChannel: boolean;
}

// What Terraform's -detailed-exitcode counts: what apply would create, update or delete. Reading a resource
// mlds does not own (an existing channelId; `read`) changes nothing in AWS.
const CHANGING_ACTIONS: ReadonlySet<string> = new Set(['create', 'update', 'delete']);

/** Whether applying the plan would change anything in AWS: the summary line's create, update and delete. */
export function planHasChanges(plan: Plan): boolean {
  return plan.resources.some((resource) => CHANGING_ACTIONS.has(resource.action));
}

/**
 * The dry run: reads the workflow and the state, prints the plan. Diagnostics go to stderr in text mode and
 * into the document with `--json`. No AWS call, unless `--refresh` (then reads only).
 */
export async function plan(options: PlanOptions, context: CommandContext): Promise<ExitCode> {
  const { stdout, stderr, colors } = context;
  if (options.out !== undefined && options.file === '-') {
    throw new UsageError('--out needs a workflow file, not stdin', {
      hint: 'apply <planfile> reads the workflow file again to check that it did not change since the plan.',
    });
  }
  // A state of another workflow is planned against: the plan's `state.other-workflow` warning says so.
  const read = await loadWorkflowAndState({ ...options, sameWorkflow: false }, context);
  const { statePath, state } = read;
  const loaded = withRestart(read.loaded, options.restartChannel);
  const observations = options.refresh
    ? await refreshFor(options, loaded, statePath, state, context)
    : undefined;
  const planned = planLoadedWorkflow(loaded, state, observations);
  // What the state records for what the plan keeps is shown as recorded, not as `(known after apply)`.
  const result = {
    ...planned,
    destinations: recordedDestinations(planned.destinations, planned.resources, state),
  };
  // The secrets apply would refuse, as this environment has them: shown, not saved (apply reads its own).
  const shown = {
    ...result,
    diagnostics: [
      ...result.diagnostics,
      ...environmentDiagnostics(result, loaded.workflow, context.env, loaded.text),
    ],
  };
  const exitCode = options.detailedExitcode && planHasChanges(result) ? ExitCode.planHasChanges : ExitCode.ok;
  if (options.json) {
    writeJson(stdout, shown);
    throwIfRefused(result, loaded.file, rerunFlags(options));
    // stdout holds the plan document alone.
    if (options.out !== undefined)
      stderr.write(await savePlan(options.out, options, loaded, statePath, state, result, context));
    return exitCode;
  }
  stdout.write(
    renderPlan(
      shown,
      { file: loaded.file, state: { path: statePath.shownAs, serial: state?.serial } },
      colors,
    ),
  );
  writeDiagnostics(stderr, shown.diagnostics, loaded.file, colors);
  stdout.write(renderPlanSummary(result, colors));
  throwIfRefused(result, loaded.file, rerunFlags(options));
  if (options.out !== undefined)
    stdout.write(await savePlan(options.out, options, loaded, statePath, state, result, context));
  return exitCode;
}

/** The workflow field that names what mlds only reads, by kind. */
const EXISTING_FIELD: Partial<Record<ResourceKind, string>> = {
  's3-bucket': 'buckets',
  'mediapackage-channel': 'channelId',
  'mediapackagev2-channel-group': 'channelGroup',
};

/**
 * A plan the refresh showed apply would refuse (a resource no longer this workflow's, a bound channel deleted)
 * cannot be applied as it is: after showing it, plan fails (exit 1, before 4), as Terraform's plan does when
 * it cannot make a plan to apply, and saves nothing; a pipeline gating on --detailed-exitcode stops there.
 */
function throwIfRefused(plan: Plan, file: string, flags: readonly string[]): void {
  const refused = plan.resources.filter((resource) => resource.refused !== undefined);
  if (refused.length === 0) return;
  const failures = refused.map((resource) => ({ address: resource.address, error: resource.refused ?? '' }));
  // Commands to paste: a resource that lost its tag is forgotten, then imported (import tags it again). One that
  // carries another workflow's tag is never imported from it: a person decides whose it is. A bound channel is
  // never made by mlds, so only the workflow file can fix it.
  const fixes = refused.map((resource) => {
    if (resource.kind === 'medialive-channel') {
      return `for the bound channel, set channel.id in ${file} to a channel that exists, or remove channel:`;
    }
    if (resource.existing === true) {
      return `for ${resource.address}, name one that exists under ${EXISTING_FIELD[resource.kind] ?? 'its entry'} in ${file}, or create ${resource.name}`;
    }
    const forget = againCommand('state', ['rm', resource.address, '--file', file], flags);
    if (resource.ownedBy !== undefined) {
      return `the tag of the workflow '${resource.ownedBy}' is now on ${resource.address}: if it is this workflow's, set its tag mlds:workflow back to '${plan.workflow}' in AWS; if it belongs to '${resource.ownedBy}', '${forget}' forgets it here (it stays in AWS) and ${resource.downstream} needs another name`;
    }
    return `to take ${resource.address} back, '${forget}' then '${againCommand('import', [file, resource.address, resource.name], flags)}'`;
  });
  throw new OperationFailedError(
    `apply would refuse ${count(refused.length, 'resource')} of this plan:\n${failures.map((failure) => `  ${failure.address}: ${failure.error}`).join('\n')}`,
    failures,
    { hint: `${fixes.join('; ')}. Then plan again.`.replace(/^./, (first) => first.toUpperCase()) },
  );
}

/** Reads what the state records in AWS; the provisioner (and the SDK) is loaded only for --refresh. */
async function refreshFor(
  options: PlanOptions,
  loaded: LoadedWorkflow,
  statePath: StatePath,
  state: StateDocument | undefined,
  context: CommandContext,
): Promise<Observation[] | undefined> {
  if (state === undefined) return undefined;
  const [{ startProvisioning }, { refreshRecorded }] = await Promise.all([
    import('../provisioning.js'),
    import('../refresh.js'),
  ]);
  const provisioning = await startProvisioning(context, { profile: options.profile, statePath });
  return refreshRecorded(provisioning, state, context, {
    command: 'plan',
    flags: rerunFlags(options),
    profile: options.profile,
    file: loaded.file,
    workflow: loaded.workflow,
  });
}

/** Writes the saved plan; returns what to tell the user. Loaded only with --out, to keep plan's start fast. */
async function savePlan(
  out: string,
  options: PlanOptions,
  loaded: LoadedWorkflow,
  statePath: StatePath,
  state: StateDocument | undefined,
  result: Plan,
  context: CommandContext,
): Promise<string> {
  const { savedPlanOf, writeSavedPlan } = await import('../saved-plan.js');
  const saved = savedPlanOf({
    plan: result,
    workflowPath: resolve(context.cwd, options.file),
    workflowText: loaded.text,
    region: options.region,
    statePath: statePath.kind === 'file' ? statePath.absolute : statePath.shownAs,
    state,
    now: (context.clock ?? Date.now)(),
  });
  writeSavedPlan(resolve(context.cwd, out), out, saved);
  return `\nSaved the plan to ${out}. To apply exactly this plan: '${againCommand('apply', [out], [])}'\n`;
}

const usage = 'mlds plan <file> [options]';

export const command: Command<PlanOptions> = {
  usage,
  description: [
    'Shows what `mlds apply` would do, without calling AWS (unless --refresh): the MediaLive output group each',
    'downstream system needs and why, the resources to create, update, delete or keep (compared with the state',
    "file), and the Destinations to give MediaLive's CreateChannel. Values that exist only after apply read",
    '(known after apply) for what the plan creates; for what it keeps, they are those the state records.',
    'Diagnostics go to stderr; with --json, stdout holds only the plan document. The file - reads stdin.',
    'A { env } secret its apply would refuse is noted: unset here (env.unset, a note: plan often runs where',
    'secrets are not) or set to the empty string (env.empty, a warning); its value is never read.',
    '',
    "--out <planfile> also saves the plan (JSON, with the workflow file's path and SHA-256 and the state's",
    'lineage and serial; never a secret): `mlds apply <planfile>` then applies exactly that plan, without asking,',
    'or refuses (exit 1, nothing changed) when the state or the workflow file changed since. With',
    '--detailed-exitcode, plan exits 4 when the plan has something to create, update or delete and 0 when it has',
    'nothing; an invalid file is still 2.',
    '',
    'With --refresh, plan first reads each resource the state records (one read per resource, in parallel, never',
    'a change) and plans against what AWS holds: a resource deleted outside mlds is to create again, one whose',
    'settings mlds made were changed (public access block, encryption, the MediaLive role policy statement, tags)',
    'is to update, and an { env } password that differs from its SSM parameter is to update; a bound channel whose',
    'destinations mlds wrote were changed or removed is to update, and one deleted is warned about (apply then',
    "stops before any change); each says why under Drift (--json: the resource's drift). Neither value of a",
    'password is ever shown.',
  ].join('\n'),
  options: {
    out: {
      type: 'string',
      valueName: '<planfile>',
      description: 'Also save the plan to this file, for mlds apply <planfile>',
    },
    'detailed-exitcode': {
      type: 'boolean',
      description: 'Exit 4 when the plan has changes, 0 when it has none (errors keep their codes)',
    },
    refresh: {
      type: 'boolean',
      description: 'Read each recorded resource in AWS first (reads only) and show what drifted',
    },
    'restart-channel': {
      type: 'boolean',
      description:
        'Plan as apply --restart-channel would: a RUNNING bound channel stopped, updated and started (an outage)',
    },
  },
  examples: [
    { command: 'mlds plan curling-live.yaml', explanation: 'The plan against .mlds/curling-live.state.json' },
    {
      command: 'mlds plan curling-live.yaml --state ./prod.state.json',
      explanation: 'Against another state file',
    },
    {
      command: 'mlds plan curling-live.yaml --region eu-west-1',
      explanation: 'The same workflow in another Region',
    },
    {
      command:
        'mlds plan curling-live.yaml --json | jq -r \'.resources[] | select(.action != "noop") | .address\'',
      explanation: 'What would change, for a script',
    },
    {
      command: 'mlds plan curling-live.yaml --out curling-live.plan',
      explanation: 'Save the plan; mlds apply curling-live.plan applies exactly it',
    },
    {
      command: 'mlds plan curling-live.yaml --detailed-exitcode >/dev/null; [ $? -eq 4 ] && echo "to apply"',
      explanation: 'In CI: 0 nothing to do, 4 changes, 1 or 2 an error',
    },
    {
      command: 'mlds plan curling-live.yaml --refresh',
      explanation: 'Compare with what AWS holds too: what was deleted or changed outside mlds',
    },
    { command: 'cat curling-live.yaml | mlds plan -', explanation: 'Read the workflow from stdin' },
  ],
  toOptions: (args) => ({
    file: workflowFileArgument(args, usage),
    statePath: args.common.state,
    region: args.common.region,
    json: args.common.json,
    out: typeof args.values.out === 'string' ? args.values.out : undefined,
    detailedExitcode: args.values['detailed-exitcode'] === true,
    refresh: args.values.refresh === true,
    profile: args.common.profile,
    restartChannel: args.values['restart-channel'] === true,
  }),
  run: plan,
};
