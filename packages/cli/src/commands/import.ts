import {
  FORMAT_VERSION,
  type ImportProblem,
  type ImportSettingChange,
  type ImportTagChange,
  type Plan,
  planImport,
  type RateOverrides,
  type ResourceKind,
} from '@mlds/core';
import type { ImportPreview, ImportResult } from '@mlds/provisioner';
import {
  CancelledError,
  ExitCode,
  exitCodeFor,
  InterruptedError,
  MldsError,
  messageOf,
  OperationFailedError,
  UsageError,
} from '../errors.js';
import { type PreparedRun, runLocked } from '../provisioning.js';
import { RATE_LIMIT_OPTION, rateLimitsOf } from '../rate-limit-option.js';
import { shellArg } from '../render/command-line.js';
import { writeJson } from '../render/json.js';
import { staleLockLine } from '../render/progress.js';
import { translateRunError } from '../run-errors.js';
import { markDocumented } from '../run-results.js';
import { stateArguments } from '../state-backend.js';
import type { Colors } from '../terminal.js';
import { planLoadedWorkflow, readRecordedState } from '../workflow-file.js';
import { confirmAtQuestion } from '../workflow-run.js';
import { type Command, type CommandContext, type ParsedArguments, workflowFileArgument } from './command.js';

export interface ImportOptions {
  /** The workflow file; `-` reads stdin (then --yes is needed). */
  file: string;
  /** The plan's address of the resource, e.g. `archive.bucket[0]`. */
  address: string;
  /** Its physical id: the bucket, channel, container or parameter name the plan gives the address. */
  physicalId: string;
  /** `--state`; undefined for the workflow's `state:` or `.mlds/<workflow>.state.json`. */
  statePath: string | undefined;
  region: string | undefined;
  profile: string | undefined;
  /** `--yes`: tag and record without asking. */
  yes: boolean;
  json: boolean;
  rateLimits: RateOverrides | undefined;
}

/** What `import --json` prints. */
export interface ImportDocument {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string;
  result: 'imported';
  address: string;
  kind: ResourceKind;
  name: string;
  region: string;
  /** The tags the import set (none when an earlier, interrupted import had set them). */
  tagged: { key: string; from: string | null; to: string }[];
  /** The settings the import made what apply makes them (those that differed), in words; never a secret. */
  settings: ImportSettingChange[];
  arn: string | null;
  serial: number;
}

/**
 * An address the state already records is refused as the locked import refuses it (exit 1, the fix named),
 * rather than asked about first: --yes would only meet the refusal. The state is read without the lock; the
 * locked run decides again.
 */
async function refuseRecordedAddress(
  options: ImportOptions,
  context: CommandContext,
  { loaded, statePath }: PreparedRun,
): Promise<void> {
  const state = await readRecordedState(loaded, statePath, true, context);
  if (state === undefined) return;
  const decision = planImport(planLoadedWorkflow(loaded, state), options.address, options.physicalId, state, {
    stateArguments: stateArguments(statePath),
  });
  if (!('problem' in decision) || decision.problem.code !== 'in-state') return;
  const refused = new MldsError(`import refused, nothing was changed: ${decision.problem.message}`, {
    hint: decision.problem.fix,
  });
  if (options.json) {
    writeJson(context.stdout, {
      ...importFailedDocument(loaded.workflow.workflow, options.address, refused),
      result: 'refused',
    });
    markDocumented(refused);
  }
  throw refused;
}

/** import's --json document of a failed run: the workflow's, with the address it was to import. */
function importFailedDocument(workflow: string, address: string, error: unknown) {
  return { formatVersion: FORMAT_VERSION, workflow, address, result: 'failed', error: messageOf(error) };
}

/**
 * Adopts one existing resource of the plan into the state, as Terraform's import does, and tags it so that mlds
 * recognises it as this workflow's. The address and the name are checked against the plan before anything is
 * locked or called; the lookup is read-only; the tags are shown and confirmed before the one tagging call.
 */
export async function importCommand(options: ImportOptions, context: CommandContext): Promise<void> {
  await runLocked(
    'import',
    {
      ...options,
      rerunArguments: [options.address, options.physicalId],
      failedDocument: (workflow, error) => importFailedDocument(workflow, options.address, error),
      check: (loaded) => {
        const decision = planImport(
          planLoadedWorkflow(loaded, undefined),
          options.address,
          options.physicalId,
        );
        if ('problem' in decision) throw usageProblem(decision.problem, loaded.file);
      },
    },
    context,
    (prepared) => importPrepared(options, context, prepared),
  );
}

async function importPrepared(
  options: ImportOptions,
  context: CommandContext,
  prepared: PreparedRun,
): Promise<void> {
  const { stdout, colors } = context;
  const { loaded, statePath } = prepared;
  const ask = (preview: ImportPreview | undefined) => {
    if (preview !== undefined && !options.json) stdout.write(renderPreview(preview, colors));
    return confirmAtQuestion(prepared.session, {
      command: 'import',
      yes: options.yes,
      json: options.json,
      stdin: prepared.answers,
      prompt: stdout,
      signal: prepared.session?.interrupt,
      again: prepared.again,
      question: `${colors.bold('Import it?')} Only 'yes' is accepted:`,
    });
  };
  // Nobody to ask (no terminal, no --yes): confirm() stops here, before the state is locked or AWS called.
  if (prepared.session === undefined) {
    await refuseRecordedAddress(options, context, prepared);
    await ask(undefined);
    throw new Error('an import was approved where nobody could approve it');
  }
  const previous = prepared.session.held.takenOverFrom;
  if (previous !== undefined && !options.json) stdout.write(`${staleLockLine(previous, colors)}\n`);
  const state = await readRecordedState(loaded, statePath, true, context);
  const plan: Plan = planLoadedWorkflow(loaded, state);
  const { provisioner, clients, clock, sleep, limiter } = prepared.session.provisioning;
  const { interrupt } = prepared.session;
  const rerun = prepared.again;
  /** What a failed import reads as at the command line (exit 2 when the command line does not fit the plan). */
  function importFailure(error: unknown): unknown {
    if (error instanceof provisioner.ImportRefusedError) {
      if (isUsageProblem(error.refusal)) {
        return usageProblem(
          error.refusal === 'unknown-address'
            ? { code: error.refusal, message: error.message, addresses: error.addresses }
            : { code: error.refusal, message: error.message, fix: error.fix ?? '' },
          loaded.file,
        );
      }
      return new MldsError(`import refused, nothing was changed: ${error.message}`, {
        cause: error,
        ...(error.fix === undefined ? {} : { hint: error.fix }),
      });
    }
    if (error instanceof provisioner.ImportFailedError) {
      return new OperationFailedError(
        `import failed: ${error.message}`,
        [{ address: options.address, error: error.message }],
        {
          cause: error,
          hint: error.intentRecorded
            ? `The import is recorded in the state ${statePath.shownAs} as started. Fix the cause, then run '${rerun}' again (or apply): it finishes the import.`
            : 'Nothing was changed. Fix the cause, then run the import again.',
        },
      );
    }
    return translateRunError(error, provisioner, {
      command: 'import',
      file: loaded.file,
      statePath,
      again: prepared.again,
      flags: prepared.flags,
    });
  }
  let result: ImportResult;
  try {
    result = await provisioner.importResource({
      plan,
      address: options.address,
      physicalId: options.physicalId,
      clients,
      store: prepared.session.held.store,
      stateArguments: stateArguments(statePath),
      env: { ...context.env },
      limiter,
      clock,
      ...(sleep === undefined ? {} : { sleep }),
      stopSignal: interrupt,
      confirm: ask,
    });
  } catch (error) {
    if (interrupt.aborted) throw interruptedImport(error, provisioner, rerun, statePath.shownAs);
    const failure = importFailure(error);
    // As apply's and destroy's: a refused or failed import says why in its document (a command line that does
    // not fit the plan, exit 2, is an error on stderr alone).
    if (options.json && exitCodeFor(failure) !== ExitCode.invalid) {
      writeJson(stdout, {
        ...importFailedDocument(plan.workflow, options.address, failure),
        result: error instanceof provisioner.ImportRefusedError ? 'refused' : 'failed',
      });
      markDocumented(failure);
    }
    throw failure;
  }
  if (result.outcome === 'interrupted' || interrupt.aborted) {
    // Interrupted while the last call was in flight, yet all is done and recorded: still exit 130.
    throw result.outcome === 'imported'
      ? new InterruptedError(
          `import interrupted, yet it had finished: ${options.address} is recorded in the state ${statePath.shownAs}; the lock is released`,
        )
      : new InterruptedError('import interrupted: nothing was changed; the lock is released');
  }
  if (result.outcome === 'cancelled' || result.resource === undefined || result.state === undefined) {
    throw new CancelledError('import cancelled: nothing was changed');
  }

  const { preview, resource } = result;
  if (options.json) {
    const document: ImportDocument = {
      formatVersion: FORMAT_VERSION,
      workflow: plan.workflow,
      result: 'imported',
      address: resource.address,
      kind: resource.kind,
      name: resource.name,
      region: resource.region,
      tagged: preview.tags.map((tag) => ({ key: tag.key, from: tag.from ?? null, to: tag.to })),
      settings: preview.settings,
      arn: resource.arn ?? null,
      serial: result.state.serial,
    };
    writeJson(stdout, document);
    return;
  }
  stdout.write(
    `\n${colors.green(colors.bold('Import complete:'))} ${resource.address} (${resource.kind} ${resource.name}) is recorded in the state ${statePath.shownAs} (serial ${result.state.serial}); the next apply keeps it as it is.\n`,
  );
}

function renderPreview(preview: ImportPreview, colors: Colors): string {
  const lines = [
    `mlds will import the ${preview.kind} ${colors.bold(preview.name)} (${preview.region}) as ${colors.bold(preview.address)}.`,
  ];
  if (preview.tags.length === 0) {
    lines.push(
      preview.alreadyTagged
        ? 'It already carries this workflow’s tags (an earlier import or apply made or tagged it, and the state does not record it: it stopped before recording it, or the entry was removed): nothing to tag.'
        : 'It already carries the tags the workflow gives it: nothing to tag.',
    );
  } else {
    lines.push('It sets these tags on it, and keeps its other tags:');
    lines.push(...preview.tags.map((tag) => `  ${tagLine(tag, colors)}`));
  }
  if (preview.settings.length === 0) {
    lines.push('Its settings are already those apply makes: nothing else is changed on it.');
  } else {
    lines.push('It makes these settings what apply makes them:');
    lines.push(...preview.settings.map((change) => `  ${settingLine(change, colors)}`));
  }
  lines.push(
    'Nothing is created. The state then records it as created by this workflow, so destroy would delete it.',
    '',
  );
  return lines.join('\n');
}

function settingLine(change: ImportSettingChange, colors: Colors): string {
  return `${colors.yellow('~')} ${change.setting}: ${change.from} → ${change.to}`;
}

/**
 * SIGINT/SIGTERM during the import: the call in flight finished, no other started. Before the intent was
 * recorded nothing changed; after, the intent is in the state and the import (or apply) finishes it.
 */
function interruptedImport(
  error: unknown,
  provisioner: PreparedProvisioner,
  rerun: string,
  state: string,
): InterruptedError {
  const recorded = error instanceof provisioner.ImportFailedError && error.intentRecorded;
  return recorded
    ? new InterruptedError(
        `import interrupted: the import is recorded in the state ${state} as started; the lock is released`,
        { cause: error, hint: `Run '${rerun}' again (or apply) to finish it.` },
      )
    : new InterruptedError('import interrupted: nothing was changed; the lock is released', {
        cause: error,
      });
}

type PreparedProvisioner = NonNullable<PreparedRun['session']>['provisioning']['provisioner'];

function tagLine(tag: ImportTagChange, colors: Colors): string {
  return tag.from === undefined
    ? `${colors.green('+')} ${tag.key} = ${tag.to}`
    : `${colors.yellow('~')} ${tag.key} = ${tag.from} → ${tag.to}`;
}

function isUsageProblem(code: string): code is Exclude<ImportProblem['code'], 'in-state'> {
  return code === 'unknown-address' || code === 'not-importable' || code === 'name-mismatch';
}

/** The command line does not fit the plan: exit 2, before anything is locked or called. */
function usageProblem(problem: ImportProblem, file: string): MldsError {
  if (problem.code === 'in-state') {
    return new MldsError(`import refused, nothing was changed: ${problem.message}`, { hint: problem.fix });
  }
  if (problem.code === 'unknown-address') {
    return new UsageError(problem.message, {
      hint:
        problem.addresses.length === 0
          ? `${file} plans no resource mlds could import.`
          : `The addresses mlds can import in ${file}: ${problem.addresses.join(', ')} (see 'mlds plan ${shellArg(file)}').`,
    });
  }
  return new UsageError(problem.message, { hint: problem.fix });
}

const usage = 'mlds import <file> <address> <physical id> [options]';

export const command: Command<ImportOptions> = {
  usage,
  description: [
    'Adopts an existing resource into the state, as the resource the plan has at <address> (an S3 bucket, a',
    'MediaPackage channel or v2 channel group or channel, a MediaStore container, an SSM parameter), so that',
    'apply keeps it instead of creating it. <physical id> is its name, which must be the name the plan gives',
    "the address ('mlds plan' shows it). The lookup is read-only; then mlds shows the tags it sets (mlds:workflow,",
    "mlds:downstream and the workflow's tags) and the settings apply makes that differ (a bucket's ObjectOwnership",
    "BucketOwnerEnforced, public access block and encryption, the MediaLive role's statement in a bucket,",
    'container or channel policy, an { env } password compared in memory), asks on a terminal (otherwise pass',
    '--yes), makes them and records it, so the next plan --refresh finds nothing to change. Nothing is created.',
    'Refused: a resource of another workflow (another mlds:workflow tag), one that does not exist, a bucket in',
    'another Region, a bucket whose ACL grants others (S3 will not disable its ACLs), an address the state',
    'already records. Ctrl-C: no new AWS call starts, the lock is released, exit 130.',
  ].join('\n'),
  options: {
    yes: { type: 'boolean', short: 'y', description: 'Tag and record without asking for confirmation' },
    ...RATE_LIMIT_OPTION,
  },
  examples: [
    {
      command: "mlds import curling-live.yaml 'archive.bucket[0]' curling-live-archive-p0",
      explanation: 'Show the tags, ask, then tag and record the bucket',
    },
    {
      command: 'mlds import curling-live.yaml packager.channel curling-live-packager --yes --json',
      explanation: 'In CI: import a MediaPackage channel, the result as JSON',
    },
  ],
  toOptions: (args) => ({
    ...positionalsOf(args),
    statePath: args.common.state,
    region: args.common.region,
    profile: args.common.profile,
    yes: args.values.yes === true,
    json: args.common.json,
    rateLimits: rateLimitsOf(args),
  }),
  run: importCommand,
};

function positionalsOf(args: ParsedArguments): { file: string; address: string; physicalId: string } {
  const [first, address, physicalId, ...extra] = args.positionals;
  const file = workflowFileArgument({ ...args, positionals: first === undefined ? [] : [first] }, usage);
  if (address === undefined) throw new UsageError('missing the address', { hint: `Usage: ${usage}` });
  if (physicalId === undefined) {
    throw new UsageError(`missing the physical id of ${address}`, { hint: `Usage: ${usage}` });
  }
  if (extra.length > 0) {
    throw new UsageError(
      `unexpected argument '${extra[0]}': give the workflow file, one address and one id`,
      {
        hint: `Usage: ${usage}`,
      },
    );
  }
  return { file, address, physicalId };
}
