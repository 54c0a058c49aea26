import type { RateOverrides } from '@mlds/core';
import { applyPrepared } from '../apply-workflow.js';
import { UsageError } from '../errors.js';
import { runLocked } from '../provisioning.js';
import { RATE_LIMIT_OPTION, rateLimitsOf } from '../rate-limit-option.js';
import { applySavedPlan, readSavedPlanArgument } from '../saved-plan.js';
import { type Command, type CommandContext, type OptionValue, workflowFileArguments } from './command.js';

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

/**
 * `mlds apply`: several files are a fleet (fleet-apply.ts); a saved plan is applied as it is (saved-plan.ts);
 * one workflow file is planned, shown, confirmed and applied with its state locked (apply-workflow.ts).
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

/** `--refresh=false` (or `=true`, the default); anything else is a usage error naming the two values. */
function refreshOption(value: OptionValue): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`--refresh takes true or false, not '${String(value)}'`, {
    hint: 'apply refreshes by default; --refresh=false plans against the state alone.',
  });
}

const usage = 'mlds apply <file>... | <planfile> [options]';

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
      description:
        'true (the default) reads the recorded resources in AWS before planning; false plans against the state alone',
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
        'Against LocalStack (S3, SSM, STS; any credentials, e.g. AWS_ACCESS_KEY_ID=test; see LocalStack in the mlds README)',
    },
  ],
  toOptions: (args) => ({
    ...workflowFileArguments(args, usage),
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
