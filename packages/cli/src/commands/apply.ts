import {
  environmentNeeded,
  FORMAT_VERSION,
  type OutputDestination,
  type Plan,
  type RateOverrides,
  recordedDestinations,
  resolveDestinations,
  type StateDocument,
} from '@mlds/core';
import type { RunResult } from '@mlds/provisioner';
import { confirm } from '../confirm.js';
import {
  CancelledError,
  InterruptedError,
  OperationFailedError,
  type ResourceFailure,
  UsageError,
} from '../errors.js';
import {
  missingSecretsError,
  type PreparedRun,
  preflight,
  progressOf,
  runLocked,
  translateRunError,
} from '../provisioning.js';
import { RATE_LIMIT_OPTION, rateLimitsOf } from '../rate-limit-option.js';
import { refreshRecorded } from '../refresh.js';
import { writeDiagnostics } from '../render/diagnostics.js';
import { writeJson } from '../render/json.js';
import { renderPlan, renderPlanSummary } from '../render/plan.js';
import { type ResourceResult, renderApplySummary, renderDestinations, tally } from '../render/summary.js';
import { interruptedRun, ResultCollector, runEventsOf } from '../run-results.js';
import { type ApprovedPlan, applySavedPlan, readSavedPlanArgument } from '../saved-plan.js';
import { readStateAt, type StatePath } from '../state-file.js';
import { type LoadedWorkflow, planLoadedWorkflow, readRecordedState } from '../workflow-file.js';
import {
  type Command,
  type CommandContext,
  type OptionValue,
  type ParsedArguments,
  workflowFileArguments,
} from './command.js';

export interface ApplyOptions {
  /**
   * The workflow file; `-` reads stdin (then --yes is needed: stdin is not free for a confirmation). Or a plan
   * saved by `plan --out`, told apart by its content.
   */
  file: string;
  /** Every file given; several make a fleet, applied as one run (fleet-apply.ts). */
  files?: readonly string[] | undefined;
  /** `--state`; undefined for `.mlds/<workflow>.state.json`. */
  statePath: string | undefined;
  /** `--region`: replaces the workflow's Region. */
  region: string | undefined;
  /** `--profile`: the AWS shared-config profile; undefined for the SDK's default chain. */
  profile: string | undefined;
  /** `--yes`: apply without asking. */
  yes: boolean;
  /** `--restart-channel`: this once, a RUNNING bound channel is stopped, updated and started (whenRunning: restart). */
  restartChannel: boolean;
  json: boolean;
  /** False with `--refresh=false`: plan against the state alone, without first reading the resources in AWS. */
  refresh: boolean;
  /** `--rate-limit`: request rates instead of AWS's documented ones; undefined for those. */
  rateLimits?: RateOverrides | undefined;
}

/** What `apply --json` prints: the only thing on stdout, once the run is over. */
export interface ApplyDocument {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string;
  /** `interrupted`: SIGINT/SIGTERM stopped the run (exit 130); what was done is in `resources` and the state. */
  result: 'ok' | 'failed' | 'interrupted';
  resources: ResourceResult[];
  /** As `output --json` prints them; after a failure, what is still unknown reads `(known after apply)`. */
  destinations: OutputDestination[];
  failures?: ResourceFailure[];
}

/**
 * Plans against the state, shows the plan, asks for confirmation (or takes --yes), then creates, adopts,
 * updates and deletes through the provisioner, showing each resource's progress, and ends with a summary and
 * the destinations. Nothing to change: says so without calling AWS.
 */
export async function apply(options: ApplyOptions, context: CommandContext): Promise<void> {
  if (options.files !== undefined && options.files.length > 1) {
    const { applyFleet } = await import('../fleet-apply.js');
    await applyFleet({ ...options, files: options.files }, context);
    return;
  }
  const saved = readSavedPlanArgument(options.file, context.cwd);
  if (saved !== undefined) {
    await applySavedPlan(saved, options, context, (prepared, approved) =>
      applyPrepared(options, context, prepared, approved),
    );
    return;
  }
  await runLocked('apply', options, context, (prepared) => applyPrepared(options, context, prepared));
}

async function applyPrepared(
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
    ? await preflight(session, loaded.workflow.region, options.profile)
    : undefined;
  const observations = refreshing
    ? await refreshRecorded(session.provisioning, state, context, {
        command: 'apply',
        file: loaded.file,
        workflow: workflow.workflow,
      })
    : undefined;
  const plan = approved?.plan ?? planLoadedWorkflow(workflow, state, observations);
  const changes = countChanges(plan, state);

  // Also with --json: its document has no room for them, and stderr is free.
  writeDiagnostics(stderr, plan.diagnostics, loaded.file, colors);

  if (changes === 0) {
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
    const why =
      plan.resources.length === 0
        ? 'This workflow needs no AWS resources; nothing was called'
        : observations === undefined
          ? `The resources recorded in ${statePath.shownAs} match ${loaded.file}; nothing was called`
          : `The resources recorded in ${statePath.shownAs} match ${loaded.file} and what AWS holds; only reads were made`;
    stdout.write(`${colors.bold('No changes.')} ${why}.\n\n`);
    stdout.write(renderDestinations(destinations, colors));
    return;
  }

  // Before the confirmation: answering 'yes' must not be wasted on a run that cannot start.
  throwMissingSecrets(plan, context);

  const account =
    accountBeforeRefresh ??
    (prepared.session === undefined
      ? undefined
      : await preflight(prepared.session, plan.region, options.profile));

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
  const confirmed =
    approved !== undefined ||
    (await confirm({
      command: 'apply',
      yes: options.yes,
      json: options.json,
      stdin: prepared.answers,
      prompt: stdout,
      signal: prepared.session?.interrupt,
      question: `\n${colors.bold('Apply these changes?')} Only 'yes' is accepted:`,
    }));
  if (prepared.session?.interrupt.aborted) {
    throw new InterruptedError(
      'apply interrupted at the question: nothing was changed; the lock is released',
    );
  }
  if (!confirmed) throw new CancelledError('apply cancelled: nothing was changed');
  if (prepared.session === undefined) throw new Error('apply was approved where nobody could approve it');

  const { provisioner, clients, clock, sleep, limiter } = prepared.session.provisioning;
  const { store } = prepared.session.held;
  const { interrupt } = prepared.session;
  const where = { command: 'apply' as const, file: loaded.file, statePath };
  const results = new ResultCollector(plan.resources.map((resource) => resource.address));
  const shown = runEventsOf(provisioner);
  const progress = options.json ? undefined : progressOf(context, clock);
  let run: RunResult;
  try {
    run = await provisioner.apply({
      stopSignal: interrupt,
      plan,
      clients,
      store,
      env: { ...context.env },
      limiter,
      clock,
      ...(sleep === undefined ? {} : { sleep }),
      onEvent: (engineEvent) => {
        const event = shown(engineEvent);
        results.add(event);
        progress?.onEvent(event);
      },
    });
  } catch (error) {
    progress?.stop();
    if (interrupt.aborted) {
      if (options.json) {
        const after = await readStateAfterFailure(statePath, context);
        writeJson(stdout, applyDocument(plan, 'interrupted', results.list(), destinationsAfter(plan, after)));
      }
      throw interruptedRun(results.list(), where, provisioner, error);
    }
    const failure = translateRunError(
      error,
      provisioner,
      { command: 'apply', file: loaded.file, statePath },
      results.list(),
    );
    if (options.json && failure instanceof OperationFailedError) {
      const after = await readStateAfterFailure(statePath, context);
      writeJson(
        stdout,
        applyDocument(plan, 'failed', results.list(), destinationsAfter(plan, after), failure.failures),
      );
    }
    throw failure;
  }
  progress?.stop();
  // Interrupted while the last calls were in flight: all is done, yet the run was asked to stop (exit 130).
  if (interrupt.aborted) {
    if (options.json) {
      writeJson(
        stdout,
        applyDocument(plan, 'interrupted', results.list(), destinationsAfter(plan, run.state)),
      );
    }
    throw interruptedRun(results.list(), where, provisioner, undefined);
  }

  const destinations = destinationsAfter(plan, run.state);
  if (options.json) {
    writeJson(stdout, applyDocument(plan, 'ok', results.list(), destinations));
    return;
  }
  stdout.write(`\n${renderApplySummary(tally(results.list()), colors)}`);
  stdout.write(`${colors.dim(`State: ${statePath.shownAs} (serial ${run.state?.serial ?? 0})`)}\n\n`);
  stdout.write(renderDestinations(destinations, colors));
}

/** How many resources the plan changes: a resource mlds only reads and has already recorded as such is not one. */
export function countChanges(plan: Plan, state: StateDocument | undefined): number {
  return changingResources(plan, state).length;
}

/** The resources the plan changes, in plan order (see countChanges). */
export function changingResources(plan: Plan, state: StateDocument | undefined): Plan['resources'] {
  const alreadyRead = (resource: Plan['resources'][number]) =>
    resource.action === 'read' &&
    (state?.resources ?? []).some(
      (recorded) =>
        recorded.address === resource.address &&
        recorded.kind === resource.kind &&
        recorded.name === resource.name &&
        recorded.region === resource.region &&
        recorded.status === 'created' &&
        recorded.existing === true,
    );
  return plan.resources.filter((resource) => resource.action !== 'noop' && !alreadyRead(resource));
}

function throwMissingSecrets(plan: Plan, context: CommandContext): void {
  const missing = environmentNeeded(plan).filter((need) => !context.env[need.variable]);
  if (missing.length > 0) throw missingSecretsError(missing);
}

/** `--restart-channel` is `channel.whenRunning: restart` for this run; without a `channel:` it is a usage error. */
export function withRestart(loaded: LoadedWorkflow, restart: boolean): LoadedWorkflow {
  if (!restart) return loaded;
  const channel = loaded.workflow.channel;
  if (channel === undefined) {
    throw new UsageError(
      `--restart-channel: ${loaded.file} binds no MediaLive channel; add channel: { id: "<channel id>" } or drop the flag`,
    );
  }
  return { ...loaded, workflow: { ...loaded.workflow, channel: { ...channel, whenRunning: 'restart' } } };
}

export function applyDocument(
  plan: Plan,
  result: ApplyDocument['result'],
  resources: ResourceResult[],
  destinations: OutputDestination[],
  failures?: ResourceFailure[],
): ApplyDocument {
  return {
    formatVersion: FORMAT_VERSION,
    workflow: plan.workflow,
    result,
    resources,
    destinations,
    ...(failures === undefined ? {} : { failures }),
  };
}

/** The plan's destinations with what the state recorded filled in. */
export function destinationsAfter(plan: Plan, state: StateDocument | undefined): OutputDestination[] {
  const recorded: StateDocument = state ?? {
    formatVersion: FORMAT_VERSION,
    workflow: plan.workflow,
    region: plan.region,
    serial: 0,
    resources: [],
  };
  return resolveDestinations(plan, recorded).destinations;
}

/** After a failed run, the state is still worth reading for the destinations; but the failure comes first. */
async function readStateAfterFailure(
  statePath: StatePath,
  context: CommandContext,
): Promise<StateDocument | undefined> {
  try {
    return await readStateAt(statePath, context);
  } catch {
    return undefined;
  }
}

/** `--refresh=false` (or `=true`, the default); anything else is a usage error naming the two values. */
function refreshOption(value: OptionValue): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`--refresh takes true or false, not '${String(value)}'`, {
    hint: 'apply refreshes by default; --refresh=false plans against the state alone.',
  });
}

const usage = 'mlds apply <file>... | <planfile> [options]';

function fileArguments(args: ParsedArguments): Pick<ApplyOptions, 'file' | 'files'> {
  const files = workflowFileArguments(args, usage);
  return { file: files[0], files };
}

export const command: Command<ApplyOptions> = {
  usage,
  description: [
    'Creates what the plan lists (MediaPackage channels, S3 buckets, MediaStore containers, SSM parameters),',
    "adopts resources of the right name that carry this workflow's mlds:workflow tag, and records everything in",
    'the state file. Shows the plan first, then asks for confirmation on a terminal (only `yes` is accepted);',
    'without a terminal, or with --json, pass --yes. Shows each resource as it is done, then a summary and the',
    "Destinations for MediaLive's CreateChannel. When the plan changes nothing, says so (and changes nothing).",
    'Secrets given as { env: NAME } are read from the environment, stored in SSM and never printed. Credentials',
    "and endpoints come from the AWS SDK's own configuration (the credential chain, AWS_PROFILE or --profile,",
    'AWS_ENDPOINT_URL[_<SERVICE>] for LocalStack); each resource is created in the Region the plan gives it.',
    'If some resources fail, the others are still created and recorded: fix the cause and run apply again.',
    '',
    'Given a plan saved by `mlds plan <file> --out <planfile>` instead of a workflow file (told apart by its',
    'content: JSON with "kind": "mlds-saved-plan"), applies exactly that plan without planning again and without',
    'asking, as `terraform apply planfile` does; it refuses, with exit 1 and no AWS call, when the state changed',
    'since the plan was made (its lineage or serial differ) or the workflow file changed. The plan file records',
    'its state file and Region: --state and --region do not go with it.',
    '',
    'Before planning, apply refreshes: it reads each resource the state records (reads only, in parallel) and',
    'plans against what AWS holds, so a resource deleted outside mlds is created again, settings changed outside',
    'mlds are put back, an { env } password that differs from its SSM parameter is written again, and a resource',
    'that lost its mlds:workflow tag is refused. --refresh=false plans against the state alone. A saved plan is',
    'never refreshed: it is applied exactly as it was shown.',
    '',
    'With channel: { id } in the workflow, apply reads that MediaLive channel before any change, refuses when its',
    'Region, class or output groups do not fit, then writes the Destinations into it (UpdateChannel, its role',
    'kept; stream keys sent to MediaLive only). A RUNNING channel is refused unless whenRunning: restart or',
    '--restart-channel: then it is stopped, updated and started again, an outage the plan announces.',
    '',
    'Several workflow files run as one fleet: one process, each plan shown under its workflow, one confirmation,',
    "one progress display, one summary; AWS's request rates are kept to by the whole run together. Every file is",
    'validated and planned first: an invalid one stops the run with nothing called (exit 2), as do two files',
    'naming the same workflow or state, --state (each workflow keeps its own state) and a saved plan among them.',
    'A workflow whose state another run has locked is left out and named, the others go on. Exit code: the worst',
    'outcome wins, 1 (a workflow failed) before 3 (one was locked) before 0. --json prints { formatVersion,',
    "result, workflows: [ each workflow's own apply document, in the order given ] }.",
  ].join('\n'),
  options: {
    yes: { type: 'boolean', short: 'y', description: 'Apply without asking for confirmation' },
    'restart-channel': {
      type: 'boolean',
      description:
        'If the bound channel is RUNNING and its destinations change: stop it, update it, start it (an outage)',
    },
    refresh: {
      type: 'string',
      valueName: '<true|false>',
      description: 'Skip the refresh: plan against the state alone, without reading the resources first',
    },
    ...RATE_LIMIT_OPTION,
  },
  examples: [
    { command: 'mlds apply curling-live.yaml', explanation: 'Show the plan, ask, apply' },
    {
      command: 'CDN_PASSWORD=... mlds apply cdn-live.yaml --yes',
      explanation: 'In CI: no question; a password: { env: CDN_PASSWORD } stored in SSM',
    },
    {
      command: 'SOCIAL_STREAM_KEY=... mlds apply curling-live.yaml --restart-channel',
      explanation: 'Write the destinations into the bound channel, restarting it if it runs',
    },
    {
      command: 'mlds apply courts/*.yaml --yes',
      explanation: 'A fleet: every workflow of the folder in one run, one confirmation',
    },
    {
      command: "mlds apply curling-live.yaml --yes --json | jq '.destinations'",
      explanation: 'Apply, then the Destinations as JSON',
    },
    {
      command: 'mlds plan curling-live.yaml --out curling-live.plan && mlds apply curling-live.plan',
      explanation: 'Review a plan, then apply exactly that plan (refused if the state moved on meanwhile)',
    },
    {
      command: 'mlds apply curling-live.yaml --refresh=false',
      explanation: 'Plan against the state file alone (no reads first)',
    },
    {
      command:
        'AWS_ENDPOINT_URL=http://localhost:4566 AWS_ENDPOINT_URL_S3=http://s3.localhost.localstack.cloud:4566 mlds apply archive.yaml --yes',
      explanation:
        'Against LocalStack (S3, SSM, STS; any credentials, e.g. AWS_ACCESS_KEY_ID=test; see docs/localstack.md)',
    },
  ],
  toOptions: (args) => ({
    ...fileArguments(args),
    statePath: args.common.state,
    region: args.common.region,
    profile: args.common.profile,
    yes: args.values.yes === true,
    restartChannel: args.values['restart-channel'] === true,
    json: args.common.json,
    refresh: refreshOption(args.values.refresh),
    rateLimits: rateLimitsOf(args),
  }),
  run: apply,
};
