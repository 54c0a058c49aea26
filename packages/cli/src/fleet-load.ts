import { type Diagnostic, FORMAT_VERSION } from '@mlds/core';
import type { CommandContext } from './commands/command.js';
import {
  ExitCode,
  exitCodeFor,
  InvalidFleetError,
  InvalidWorkflowError,
  MldsError,
  UsageError,
} from './errors.js';
import type { RunFlags } from './provisioning.js';
import { shellArg } from './render/command-line.js';
import { writeDiagnostics } from './render/diagnostics.js';
import { writeJson } from './render/json.js';
import { readSavedPlanArgument } from './saved-plan.js';
import type { StatePath } from './state-file.js';
import { type LoadedWorkflow, loadWorkflowAndStatePath } from './workflow-file.js';

// Several workflow files in one `apply` or `destroy` are a fleet (contract §7): one process, one plan shown,
// one confirmation, one progress display, one summary; the AWS clients and the request limiter are shared, so
// the whole run keeps to AWS's rates together. Each workflow keeps its own state and lock: a locked one is
// reported and left out, the others go on. The per-workflow work (planning, the engine call, the JSON document)
// is the single-file commands' own; the fleet's modules only load and check (this one), lock (fleet-lock.ts) and
// total (fleet-report.ts).

/** What a fleet command takes from the command line: the single-file options with several files. */
export interface FleetOptions extends RunFlags {
  files: readonly string[];
  /** The command's own flags that running it again needs (destroy's --force). */
  rerunExtraFlags?: readonly string[] | undefined;
}

/** One workflow of the fleet, loaded and checked; `held` once its state is locked. */
export interface FleetMember {
  loaded: LoadedWorkflow;
  statePath: StatePath;
}

/**
 * Refuses what cannot make a fleet, before any file is read as a workflow: stdin (`-`), one `--state` for
 * several workflows, a saved plan among workflow files.
 */
export function checkFleetArguments(command: 'apply' | 'destroy', options: FleetOptions, cwd: string): void {
  if (options.files.includes('-')) {
    throw new UsageError(`${command}: - (stdin) cannot be one of several workflow files`, {
      hint: 'Give each workflow as a file, or run the workflow from stdin on its own. Nothing was called.',
    });
  }
  if (options.statePath !== undefined) {
    throw new UsageError(
      `${command}: --state names one state, and ${options.files.length} workflows were given`,
      {
        hint: 'Each workflow of a fleet keeps its own state: its `state:` or .mlds/<workflow>.state.json. Drop --state, or run that workflow on its own. Nothing was called.',
      },
    );
  }
  for (const file of options.files) {
    if (readSavedPlanArgument(file, cwd) !== undefined) {
      throw new UsageError(`${command}: ${file} is a saved plan, and a saved plan is applied on its own`, {
        hint: `Run 'mlds apply ${shellArg(file)}' by itself, and the workflow files in another run. Nothing was called.`,
      });
    }
  }
}

/**
 * Loads and validates every file first, so that one invalid file stops the run before any state is locked or
 * AWS called; every invalid file's diagnostics are shown, not only the first's. Two files naming the same
 * workflow or the same state are refused: they would fight over one lock and one state.
 */
export async function loadFleet(options: FleetOptions, context: CommandContext): Promise<FleetMember[]> {
  const members: FleetMember[] = [];
  const invalid: { file: string; error: MldsError }[] = [];
  for (const file of options.files) {
    try {
      members.push(await loadWorkflowAndStatePath({ ...options, file }, context));
    } catch (error) {
      if (!(error instanceof MldsError) || exitCodeFor(error) !== ExitCode.invalid) throw error;
      invalid.push({ file, error });
    }
  }
  const [first] = invalid;
  if (first !== undefined && options.files.length === 1 && !options.json) throw first.error;
  if (first !== undefined) {
    // Every file's diagnostics in the order given, so that one run shows every fix; main ends with the count.
    // With --json, they are one document on stdout, each under its file, and stderr says what is wrong.
    if (options.json) writeJson(context.stdout, invalidFleetDocument(invalid));
    for (const { error } of invalid) writeInvalid(error, context, { diagnostics: !options.json });
    // Said for one invalid file among valid ones too: the others were not run either.
    throw new InvalidFleetError(
      `${invalid.length} of ${options.files.length} workflow files ${invalid.length === 1 ? 'is' : 'are'} invalid; nothing was called.`,
    );
  }
  refuseDuplicates(members, (member) => member.loaded.workflow.workflow, 'the workflow');
  refuseDuplicates(members, (member) => stateKey(member.statePath), 'the state');
  return members;
}

/** An invalid file as main reports one: its diagnostics, then what is wrong with it. */
function writeInvalid(error: MldsError, context: CommandContext, shown: { diagnostics: boolean }): void {
  if (error instanceof InvalidWorkflowError && shown.diagnostics) {
    writeDiagnostics(context.stderr, error.diagnostics, error.file, context.colors);
  }
  context.stderr.write(`${context.colors.red(context.colors.bold('error'))}: ${error.message}\n`);
}

/** What a fleet's --json prints when files are invalid: each one's diagnostics (or error) under its file. */
export interface InvalidFleetDocument {
  formatVersion: typeof FORMAT_VERSION;
  result: 'invalid';
  workflows: (
    | { file: string; workflow?: string; diagnostics: Diagnostic[] }
    | { file: string; error: string }
  )[];
}

function invalidFleetDocument(invalid: readonly { file: string; error: MldsError }[]): InvalidFleetDocument {
  return {
    formatVersion: FORMAT_VERSION,
    result: 'invalid',
    workflows: invalid.map(({ file, error }) =>
      error instanceof InvalidWorkflowError
        ? {
            file: error.file,
            ...(error.workflow === undefined ? {} : { workflow: error.workflow }),
            diagnostics: error.diagnostics,
          }
        : { file, error: error.message },
    ),
  };
}

function refuseDuplicates(
  members: readonly FleetMember[],
  keyOf: (member: FleetMember) => string,
  what: string,
): void {
  const seen = new Map<string, FleetMember>();
  for (const member of members) {
    const key = keyOf(member);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const shown = what === 'the state' ? member.statePath.shownAs : key;
      throw new UsageError(`${earlier.loaded.file} and ${member.loaded.file} name ${what} ${shown}`, {
        hint: 'Each workflow of a fleet needs its own name and its own state; give each file once. Nothing was called.',
      });
    }
    seen.set(key, member);
  }
}

function stateKey(statePath: StatePath): string {
  return statePath.kind === 'file'
    ? `file:${statePath.absolute}`
    : `s3://${statePath.bucket}/${statePath.key}`;
}
