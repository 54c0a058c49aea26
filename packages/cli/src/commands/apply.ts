import {
  environmentNeeded,
  FORMAT_VERSION,
  type OutputDestination,
  type Plan,
  resolveDestinations,
  type StateDocument,
} from '@mlds/core';
import type { RunResult } from '@mlds/provisioner';
import { confirm } from '../confirm.js';
import { CancelledError, InterruptedError, OperationFailedError, type ResourceFailure } from '../errors.js';
import {
  interruptedRun,
  missingSecretsError,
  type PreparedRun,
  preflight,
  progressOf,
  ResultCollector,
  runLocked,
  translateRunError,
} from '../provisioning.js';
import { writeDiagnostics } from '../render/diagnostics.js';
import { writeJson } from '../render/json.js';
import { renderPlan, renderPlanSummary } from '../render/plan.js';
import { type ResourceResult, renderApplySummary, renderDestinations, tally } from '../render/summary.js';
import { readStateFile, type StatePath } from '../state-file.js';
import { planLoadedWorkflow, readRecordedState } from '../workflow-file.js';
import { type Command, type CommandContext, workflowFileArgument } from './command.js';

export interface ApplyOptions {
  /** The workflow file; `-` reads stdin (then --yes is needed: stdin is not free for a confirmation). */
  file: string;
  /** `--state`; undefined for `.mlds/<workflow>.state.json`. */
  statePath: string | undefined;
  /** `--region`: replaces the workflow's Region. */
  region: string | undefined;
  /** `--profile`: the AWS shared-config profile; undefined for the SDK's default chain. */
  profile: string | undefined;
  /** `--yes`: apply without asking. */
  yes: boolean;
  json: boolean;
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
  await runLocked('apply', options, context, (prepared) => applyPrepared(options, context, prepared));
}

async function applyPrepared(
  options: ApplyOptions,
  context: CommandContext,
  prepared: PreparedRun,
): Promise<void> {
  const { stdout, stderr, colors } = context;
  const { loaded, statePath } = prepared;
  const state = await readRecordedState(loaded, statePath, true);
  const plan = planLoadedWorkflow(loaded, state);
  const changes = plan.resources.filter((resource) => resource.action !== 'noop').length;

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
        ? 'This workflow needs no AWS resources'
        : `The resources recorded in ${statePath.shownAs} match ${loaded.file}`;
    stdout.write(`${colors.bold('No changes.')} ${why}; nothing was called.\n\n`);
    stdout.write(renderDestinations(destinations, colors));
    return;
  }

  // Before the confirmation: answering 'yes' must not be wasted on a run that cannot start.
  const missing = environmentNeeded(plan).filter((need) => !context.env[need.variable]);
  if (missing.length > 0) throw missingSecretsError(missing);

  // Credentials resolved and the account named before the question; nothing is called when they fail.
  const account =
    prepared.session === undefined
      ? undefined
      : await preflight(prepared.session, plan.region, options.profile);

  if (!options.json) {
    // What a previous apply recorded is shown as it is, not as `(known after apply)`.
    const shown = { ...plan, destinations: destinationsAfter(plan, state) };
    const where = { file: loaded.file, state: { path: statePath.shownAs, serial: state?.serial }, account };
    stdout.write(renderPlan(shown, where, colors));
    stdout.write(renderPlanSummary(plan, colors));
  }
  const approved = await confirm({
    command: 'apply',
    yes: options.yes,
    json: options.json,
    stdin: prepared.answers,
    prompt: stdout,
    signal: prepared.session?.interrupt,
    question: `\n${colors.bold('Apply these changes?')} Only 'yes' is accepted:`,
  });
  if (prepared.session?.interrupt.aborted) {
    throw new InterruptedError(
      'apply interrupted at the question: nothing was changed; the lock is released',
    );
  }
  if (!approved) throw new CancelledError('apply cancelled: nothing was changed');
  if (prepared.session === undefined) throw new Error('apply was approved where nobody could approve it');

  const { provisioner, clients, clock, sleep } = prepared.session.provisioning;
  const { store } = prepared.session.held;
  const { interrupt } = prepared.session;
  const where = { command: 'apply' as const, file: loaded.file, statePath };
  const results = new ResultCollector(plan.resources.map((resource) => resource.address));
  const progress = options.json ? undefined : progressOf(context, clock);
  let run: RunResult;
  try {
    run = await provisioner.apply({
      stopSignal: interrupt,
      plan,
      clients,
      store,
      env: { ...context.env },
      clock,
      ...(sleep === undefined ? {} : { sleep }),
      onEvent: (event) => {
        results.add(event);
        progress?.onEvent(event);
      },
    });
  } catch (error) {
    progress?.stop();
    if (interrupt.aborted) {
      if (options.json) {
        const after = await readStateAfterFailure(statePath);
        writeJson(stdout, applyDocument(plan, 'interrupted', results.list(), destinationsAfter(plan, after)));
      }
      throw interruptedRun(results.list(), where, provisioner, error);
    }
    const failure = translateRunError(error, provisioner, { command: 'apply', file: loaded.file, statePath });
    if (options.json && failure instanceof OperationFailedError) {
      const after = await readStateAfterFailure(statePath);
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

function applyDocument(
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
function destinationsAfter(plan: Plan, state: StateDocument | undefined): OutputDestination[] {
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
async function readStateAfterFailure(statePath: StatePath): Promise<StateDocument | undefined> {
  try {
    return await readStateFile(statePath.absolute, statePath.shownAs);
  } catch {
    return undefined;
  }
}

const usage = 'mlds apply <file> [options]';

export const command: Command<ApplyOptions> = {
  usage,
  description: [
    'Creates what the plan lists (MediaPackage channels, S3 buckets, MediaStore containers, SSM parameters),',
    "adopts resources of the right name that carry this workflow's mlds:workflow tag, and records everything in",
    'the state file. Shows the plan first, then asks for confirmation on a terminal (only `yes` is accepted);',
    'without a terminal, or with --json, pass --yes. Shows each resource as it is done, then a summary and the',
    "Destinations for MediaLive's CreateChannel. When the plan changes nothing, says so without calling AWS.",
    'Secrets given as { env: NAME } are read from the environment, stored in SSM and never printed. Credentials',
    "and endpoints come from the AWS SDK's own configuration (the credential chain, AWS_PROFILE or --profile,",
    'AWS_ENDPOINT_URL[_<SERVICE>] for LocalStack); each resource is created in the Region the plan gives it.',
    'If some resources fail, the others are still created and recorded: fix the cause and run apply again.',
  ].join('\n'),
  options: {
    yes: { type: 'boolean', short: 'y', description: 'Apply without asking for confirmation' },
  },
  examples: [
    { command: 'mlds apply curling-live.yaml', explanation: 'Show the plan, ask, apply' },
    {
      command: 'CDN_PASSWORD=... mlds apply cdn-live.yaml --yes',
      explanation: 'In CI: no question; a password: { env: CDN_PASSWORD } stored in SSM',
    },
    {
      command: "mlds apply curling-live.yaml --yes --json | jq '.destinations'",
      explanation: 'Apply, then the Destinations as JSON',
    },
    {
      command:
        'AWS_ENDPOINT_URL=http://localhost:4566 AWS_ENDPOINT_URL_S3=http://s3.localhost.localstack.cloud:4566 mlds apply archive.yaml --yes',
      explanation:
        'Against LocalStack (S3, SSM, STS; any credentials, e.g. AWS_ACCESS_KEY_ID=test; see docs/localstack.md)',
    },
  ],
  toOptions: (args) => ({
    file: workflowFileArgument(args, usage),
    statePath: args.common.state,
    region: args.common.region,
    profile: args.common.profile,
    yes: args.values.yes === true,
    json: args.common.json,
  }),
  run: apply,
};
