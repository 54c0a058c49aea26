import type { RateOverrides } from '@mlds/core';
import {
  FORMAT_VERSION,
  type OutputDestination,
  type Plan,
  resolveDestinations,
  type StateDocument,
  type StateResource,
} from '@mlds/core';
import type { RotateResult } from '@mlds/provisioner';
import {
  CancelledError,
  InterruptedError,
  MldsError,
  messageOf,
  NotAppliedError,
  OperationFailedError,
  UsageError,
} from '../errors.js';
import { type PreparedRun, runLocked } from '../provisioning.js';
import { RATE_LIMIT_OPTION, rateLimitsOf } from '../rate-limit-option.js';
import { againCommand } from '../render/command-line.js';
import { writeJson } from '../render/json.js';
import { staleLockLine } from '../render/progress.js';
import { renderDestinations } from '../render/summary.js';
import { translateRunError } from '../run-errors.js';
import { markDocumented } from '../run-results.js';
import { planLoadedWorkflow, readRecordedState } from '../workflow-file.js';
import { confirmAtQuestion } from '../workflow-run.js';
import { type Command, type CommandContext, type ParsedArguments, workflowFileArgument } from './command.js';

export interface RotateCredentialsOptions {
  /** The workflow file; `-` reads stdin (then --yes is needed). */
  file: string;
  /** The downstream entry whose MediaPackage v1 channel gets new ingest credentials. */
  downstream: string;
  /** `--state`; undefined for `.mlds/<workflow>.state.json`. */
  statePath: string | undefined;
  /** `--region`: replaces the workflow's Region, as it did for apply. */
  region: string | undefined;
  /** `--profile`: the AWS shared-config profile; undefined for the SDK's default chain. */
  profile: string | undefined;
  /** `--yes`: rotate without asking. */
  yes: boolean;
  json: boolean;
  /** `--rate-limit`: request rates instead of AWS's documented ones; undefined for those. */
  rateLimits: RateOverrides | undefined;
}

/** What `rotate-credentials --json` prints: never a password, only where each one is. */
export interface RotateCredentialsDocument {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string;
  downstream: string;
  /** `interrupted`: a signal stopped the run before every endpoint was rotated (exit 130). */
  result: 'ok' | 'interrupted';
  /** True when this run finished a rotation an earlier run had started. */
  resumed: boolean;
  endpoints: { id: string; username: string; parameter: string }[];
  /** The ids of the endpoints this run rotated (all of them, unless interrupted or resumed). */
  rotated: string[];
  /** The downstream's destination with the new user names, as `output <file> <name> --json` prints it. */
  destination: OutputDestination | undefined;
}

/** rotate-credentials's --json document of a failed run: the workflow's, with the downstream entry. */
function rotateFailedDocument(workflow: string, downstream: string, error: unknown) {
  return { formatVersion: FORMAT_VERSION, workflow, downstream, result: 'failed', error: messageOf(error) };
}

/**
 * New ingest credentials for the MediaPackage v1 channel of one downstream entry: RotateIngestEndpointCredentials
 * per ingest endpoint, each new password straight into its SSM SecureString. The user names change too: the
 * state records them, and the destination shown at the end carries them.
 */
export async function rotateCredentials(
  options: RotateCredentialsOptions,
  context: CommandContext,
): Promise<void> {
  await runLocked(
    'rotate-credentials',
    {
      ...options,
      rerunArguments: [options.downstream],
      failedDocument: (workflow, error) => rotateFailedDocument(workflow, options.downstream, error),
    },
    context,
    (prepared) => rotatePrepared(options, context, prepared),
  );
}

async function rotatePrepared(
  options: RotateCredentialsOptions,
  context: CommandContext,
  prepared: PreparedRun,
): Promise<void> {
  const { stdout, colors } = context;
  const { loaded, statePath } = prepared;
  const state = await readRecordedState(loaded, statePath, true, context);
  const plan = planLoadedWorkflow(loaded, state);
  checkRotatable(plan, options.downstream, loaded.file);
  const channel = recordedChannel(state, options.downstream);
  if (channel === undefined) {
    throw new NotAppliedError(
      `the state ${statePath.shownAs} does not record ${options.downstream}.channel: nothing to rotate yet`,
      { hint: `Run '${againCommand('apply', [loaded.file], prepared.flags)}' first.` },
    );
  }

  const resumed = channel.rotation !== undefined;
  const previous = prepared.session?.held.takenOverFrom;
  if (previous !== undefined && !options.json) stdout.write(`${staleLockLine(previous, colors)}\n`);
  if (!options.json) {
    stdout.write(
      [
        resumed
          ? `A rotation of ${channel.address} (${channel.name}) started earlier did not finish: this run finishes it.`
          : `This rotates the ingest credentials of ${channel.address} (MediaPackage channel ${channel.name}).`,
        'The old user names and passwords stop working at once. The new passwords go straight into their SSM',
        'parameters and are never shown; the new user names are recorded in the state. A MediaLive channel that',
        'sends to it needs the new user names in its destination (mlds output shows it) and a restart.',
        '',
      ].join('\n'),
    );
  }
  const approved = await confirmAtQuestion(prepared.session, {
    command: 'rotate-credentials',
    yes: options.yes,
    json: options.json,
    stdin: prepared.answers,
    prompt: stdout,
    signal: prepared.session?.interrupt,
    again: prepared.again,
    question: `${colors.bold('Rotate these credentials?')} Only 'yes' is accepted:`,
  });
  if (prepared.session?.interrupt.aborted) {
    throw new InterruptedError(
      `rotate-credentials interrupted ${options.yes ? 'before any change' : 'at the question'}: nothing was changed; the lock is released`,
    );
  }
  if (!approved) throw new CancelledError('rotate-credentials cancelled: nothing was changed');
  if (prepared.session === undefined)
    throw new Error('a rotation was approved where nobody could approve it');

  const { provisioner, clients, clock, sleep, limiter } = prepared.session.provisioning;
  const { interrupt } = prepared.session;
  let result: RotateResult;
  try {
    result = await provisioner.rotateIngestCredentials({
      workflow: plan.workflow,
      downstream: options.downstream,
      clients,
      store: prepared.session.held.store,
      limiter,
      signal: interrupt,
      clock,
      ...(sleep === undefined ? {} : { sleep }),
    });
  } catch (error) {
    const rerun = prepared.again;
    const refused = error instanceof provisioner.RotationNotPossibleError;
    const failure =
      error instanceof provisioner.RotationFailedError
        ? new OperationFailedError(
            `rotate-credentials failed: ${error.message}`,
            [{ address: channel.address, error: error.message }],
            {
              cause: error,
              hint: `The rotation is recorded in the state ${statePath.shownAs}. Fix the cause, then run '${rerun}' again: it finishes the rotation.`,
            },
          )
        : refused
          ? new MldsError(`rotate-credentials refused: ${error.message}`, { cause: error })
          : translateRunError(error, provisioner, {
              command: 'rotate-credentials',
              file: loaded.file,
              statePath,
              again: prepared.again,
              flags: prepared.flags,
            });
    // As apply's and destroy's: a script reading stdout gets a document that says what went wrong.
    if (options.json) {
      writeJson(stdout, {
        ...rotateFailedDocument(plan.workflow, options.downstream, failure),
        result: refused ? 'refused' : 'failed',
      });
      markDocumented(failure);
    }
    throw failure;
  }

  const destination = destinationAfter(plan, result.state, options.downstream);
  const endpoints = endpointsOf(result.state, options.downstream);
  const stopped = interrupt.aborted
    ? interruptedRotation(result, endpoints.length, statePath.shownAs, prepared.again)
    : undefined;
  if (options.json) {
    const document: RotateCredentialsDocument = {
      formatVersion: FORMAT_VERSION,
      workflow: plan.workflow,
      downstream: options.downstream,
      result: result.interrupted ? 'interrupted' : 'ok',
      resumed: result.resumed,
      endpoints,
      rotated: result.rotated.map((endpoint) => endpoint.id),
      destination,
    };
    writeJson(stdout, document);
    if (stopped !== undefined) {
      markDocumented(stopped);
      throw stopped;
    }
    return;
  }
  // Stopped short: the error says what was rotated; "Rotation complete" would not be true.
  if (result.interrupted && stopped !== undefined) throw stopped;
  stdout.write(
    `\n${colors.green(colors.bold('Rotation complete:'))} ${result.rotated.length} of ${endpoints.length} ingest endpoints rotated by this run; each new password is in its SSM parameter (${endpoints.map((endpoint) => endpoint.parameter).join(', ')}).\n`,
  );
  stdout.write(`${colors.dim(`State: ${statePath.shownAs} (serial ${result.state.serial})`)}\n\n`);
  if (destination !== undefined) stdout.write(renderDestinations([destination], colors));
  if (stopped !== undefined) throw stopped;
}

/**
 * The exit-130 error of a run a signal reached: stopped before every endpoint was rotated (the rotation stays in
 * the state, the next run finishes it), or after its last calls had finished.
 */
function interruptedRotation(
  result: RotateResult,
  endpoints: number,
  state: string,
  again: string,
): InterruptedError {
  if (result.interrupted) {
    return new InterruptedError(
      `rotate-credentials interrupted: ${result.rotated.length} of ${endpoints} ingest endpoints rotated by this run, each new password in its SSM parameter; no other rotation was started`,
      {
        hint: `The rotation is recorded in the state ${state}: the endpoints not rotated keep their old credentials until '${again}' finishes it. A MediaLive channel that sends to them needs the new user names of those rotated (mlds output shows them).`,
      },
    );
  }
  return new InterruptedError(
    'rotate-credentials interrupted after its last calls had finished: every ingest endpoint is rotated, each new password in its SSM parameter; the lock is released',
    { hint: 'Nothing is left to do.' },
  );
}

/** Refuses, before any AWS call (exit 2), a downstream entry that has no ingest credentials mlds keeps. */
function checkRotatable(plan: Plan, downstream: string, file: string): void {
  const groups = plan.outputGroups.filter((group) => group.name === downstream);
  const channel = plan.resources.find(
    (resource) => resource.address === `${downstream}.channel` && resource.kind === 'mediapackage-channel',
  );
  if (groups.length === 0) {
    // Only the entries this command can rotate: a channel mlds makes, fed by an HLS group (passwords in SSM).
    const candidates = plan.resources
      .filter(
        (resource) =>
          resource.kind === 'mediapackage-channel' &&
          resource.existing !== true &&
          plan.resources.some((other) => other.address.startsWith(`${resource.downstream}.password[`)),
      )
      .map((resource) => resource.downstream);
    throw new UsageError(`${file} has no downstream entry '${downstream}'`, {
      hint:
        candidates.length === 0
          ? 'It has no MediaPackage (v1) channel with ingest credentials (one mlds creates, fed by an HLS output group), so nothing to rotate.'
          : `The entries whose ingest credentials can be rotated: ${candidates.join(', ')}.`,
    });
  }
  if (channel === undefined) {
    throw new UsageError(`'${downstream}' is not a MediaPackage (v1) channel: it has no ingest credentials`);
  }
  if (channel.existing === true) {
    throw new UsageError(
      `'${downstream}' uses the existing channel ${channel.name} (channelId), which mlds does not own`,
      {
        hint: "Rotate it with its owner's tools (aws mediapackage rotate-ingest-endpoint-credentials).",
      },
    );
  }
  if (!plan.resources.some((resource) => resource.address.startsWith(`${downstream}.password[`))) {
    throw new UsageError(
      `'${downstream}' sends through a MediaPackage output group, which uses no ingest credentials: nothing to rotate`,
    );
  }
}

function recordedChannel(state: StateDocument | undefined, downstream: string): StateResource | undefined {
  return state?.resources.find(
    (resource) =>
      resource.address === `${downstream}.channel` &&
      resource.kind === 'mediapackage-channel' &&
      resource.status === 'created',
  );
}

function endpointsOf(state: StateDocument, downstream: string): RotateCredentialsDocument['endpoints'] {
  const recorded = recordedChannel(state, downstream)?.outputs?.ingestEndpoints;
  const endpoints = Array.isArray(recorded) ? (recorded as { id: string; username: string }[]) : [];
  const parameters = state.resources
    .filter((resource) => resource.kind === 'ssm-parameter' && resource.downstream === downstream)
    .sort((a, b) => (a.pipeline ?? 0) - (b.pipeline ?? 0));
  return endpoints.flatMap((endpoint, index) => {
    const parameter = parameters[index];
    return parameter === undefined
      ? []
      : [{ id: endpoint.id, username: endpoint.username, parameter: parameter.name }];
  });
}

function destinationAfter(
  plan: Plan,
  state: StateDocument,
  downstream: string,
): OutputDestination | undefined {
  const id = plan.outputGroups.find((group) => group.name === downstream)?.destinationId;
  return resolveDestinations(plan, state).destinations.find((destination) => destination.Id === id);
}

const usage = 'mlds rotate-credentials <file> <downstream name> [options]';

export const command: Command<RotateCredentialsOptions> = {
  usage,
  description: [
    "Gives the MediaPackage (v1) channel of one downstream entry new ingest credentials: MediaPackage's",
    'RotateIngestEndpointCredentials for each ingest endpoint, each new password going straight into the SSM',
    'SecureString that MediaLive reads (never printed, logged or stored elsewhere). The user names change too:',
    'the state records them, and the destination printed at the end carries them. Only for a channel mlds',
    'created and an HLS output group (a MediaPackage output group uses no credentials). Asks on a terminal;',
    'otherwise pass --yes. The rotation is recorded in the state before the first call: if a run stops midway,',
    'running the command again finishes it.',
  ].join('\n'),
  options: {
    yes: { type: 'boolean', short: 'y', description: 'Rotate without asking for confirmation' },
    ...RATE_LIMIT_OPTION,
  },
  examples: [
    { command: 'mlds rotate-credentials curling-live.yaml packager', explanation: 'Ask, then rotate' },
    {
      command: 'mlds rotate-credentials curling-live.yaml packager --yes --json',
      explanation: 'In CI: the new user names and where each password is, as JSON',
    },
  ],
  toOptions: (args) => ({
    ...fileAndDownstream(args),
    statePath: args.common.state,
    region: args.common.region,
    profile: args.common.profile,
    yes: args.values.yes === true,
    json: args.common.json,
    rateLimits: rateLimitsOf(args),
  }),
  run: rotateCredentials,
};

function fileAndDownstream(args: ParsedArguments): { file: string; downstream: string } {
  const [first, downstream, ...extra] = args.positionals;
  const file = workflowFileArgument({ ...args, positionals: first === undefined ? [] : [first] }, usage);
  if (downstream === undefined) {
    throw new UsageError('missing the downstream name', { hint: `Usage: ${usage}` });
  }
  if (extra.length > 0) {
    throw new UsageError(
      `unexpected argument '${extra[0]}': give the workflow file and one downstream name`,
      {
        hint: `Usage: ${usage}`,
      },
    );
  }
  return { file, downstream };
}
