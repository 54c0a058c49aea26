import { resolve } from 'node:path';
import {
  type Diagnostic,
  decodeWorkflowBytes,
  fileSizeProblem,
  type Observation,
  type Plan,
  PlanInputError,
  parseWorkflow,
  placeDiagnostics,
  planWorkflow,
  type StateDocument,
  type Workflow,
} from '@mlds/core';
import type { RunEnvironment } from './aws.js';
import { InvalidWorkflowError, UsageError } from './errors.js';
import { shellArg } from './render/command-line.js';
import { savedPlanDocument, savedPlanWorkflowFile } from './saved-plan-kind.js';
import { readStateAt, type StatePath, statePathFor } from './state-file.js';
import { checkStateWorkflow } from './state-workflow.js';
import type { TextReader } from './terminal.js';
// Synchronous on purpose: node:fs/promises and the thread pool's start cost ~3 ms of a cold `mlds plan`.
import { type BoundedBytes, readStdinBytes, readWorkflowFileBytes } from './workflow-bytes.js';

/** A workflow file that parsed without errors. */
export interface LoadedWorkflow {
  /** How the file is shown to the user: the path as given, or `<stdin>`. */
  file: string;
  workflow: Workflow;
  /** Warnings and infos of validation. */
  diagnostics: Diagnostic[];
  /** The text the workflow was parsed from: what a saved plan's content hash is taken of. */
  text: string;
  /** `--restart-channel` made the channel's whenRunning `restart` for this run, not the file. */
  restartFromFlag?: true;
}

/**
 * Reads and validates the workflow file (`-` reads stdin); `region` replaces the workflow's Region before
 * validation, so the rules that compare Regions see the one the channel will have.
 * Throws InvalidWorkflowError when the file has errors.
 */
export async function loadWorkflow(
  file: string,
  options: { cwd: string; stdin: TextReader | undefined; region: string | undefined },
): Promise<LoadedWorkflow> {
  const fromStdin = file === '-';
  const shownAs = fromStdin ? '<stdin>' : file;
  const text = decodeOrRefuse(
    fromStdin ? await readStdin(options.stdin) : readWorkflowFileBytes(resolve(options.cwd, file), file),
    shownAs,
  );
  refuseSavedPlan(text, shownAs, options.cwd);
  const parsed = parseWorkflow(text, {
    ...(fromStdin ? {} : { filename: file }),
    ...(options.region === undefined ? {} : { region: options.region }),
  });
  if (parsed.workflow === undefined) {
    throw new InvalidWorkflowError(shownAs, parsed.name, parsed.diagnostics);
  }
  return { file: shownAs, workflow: parsed.workflow, diagnostics: parsed.diagnostics, text };
}

/**
 * A saved plan given where a workflow file goes (`plan`, `output`, `destroy`, a fleet) would be read as YAML and
 * fail the schema nine times over: it is named for what it is, with the commands that take it and the file.
 */
function refuseSavedPlan(text: string, shownAs: string, cwd: string): void {
  const saved = savedPlanDocument(text);
  if (saved === undefined) return;
  const workflowFile = savedPlanWorkflowFile(saved, cwd);
  throw new UsageError(`${shownAs} is a plan saved by 'mlds plan --out', not a workflow file`, {
    hint: `Apply it alone with 'mlds apply ${shellArg(shownAs)}'; every other command takes the workflow file it was made from${workflowFile === undefined ? '' : `, ${shellArg(workflowFile)}`}. Nothing was called.`,
  });
}

/** A workflow file and the state that goes with it. */
export interface WorkflowAndState {
  loaded: LoadedWorkflow;
  statePath: StatePath;
  state: StateDocument | undefined;
}

/**
 * Loads the workflow file, then its state (`--state`, or `.mlds/<workflow>.state.json`). With `sameWorkflow`, a
 * state recording another workflow is refused (StateMismatchError) instead of being planned against.
 */
export async function loadWorkflowAndState(
  options: {
    file: string;
    statePath: string | undefined;
    region: string | undefined;
    /** The credentials a state on S3 is read with: every command that reads one passes its `--profile`. */
    profile: string | undefined;
    sameWorkflow: boolean;
  },
  context: { cwd: string; stdin: TextReader | undefined } & RunEnvironment,
): Promise<WorkflowAndState> {
  const { loaded, statePath } = await loadWorkflowAndStatePath(options, context);
  return {
    loaded,
    statePath,
    state: await readRecordedState(loaded, statePath, options.sameWorkflow, context),
  };
}

/** The workflow file and where its state is: for commands that lock the state before reading it. */
export async function loadWorkflowAndStatePath(
  options: {
    file: string;
    statePath: string | undefined;
    region: string | undefined;
    profile: string | undefined;
  },
  context: { cwd: string; stdin: TextReader | undefined },
): Promise<Omit<WorkflowAndState, 'state'>> {
  const loaded = await loadWorkflow(options.file, {
    cwd: context.cwd,
    stdin: context.stdin,
    region: options.region,
  });
  const where = {
    workflowState: loaded.workflow.state,
    region: loaded.workflow.region,
    profile: options.profile,
  };
  return { loaded, statePath: statePathFor(context.cwd, options.statePath, loaded.workflow.workflow, where) };
}

/** The state at `statePath`; undefined when nothing is applied yet. */
export async function readRecordedState(
  loaded: LoadedWorkflow,
  statePath: StatePath,
  sameWorkflow: boolean,
  context: RunEnvironment,
): Promise<StateDocument | undefined> {
  const state = await readStateAt(statePath, context);
  if (sameWorkflow) checkStateWorkflow(state, loaded.workflow.workflow, statePath.shownAs);
  return state;
}

/** The plan, or InvalidWorkflowError when planning finds an error validation could not see. */
export function planLoadedWorkflow(
  loaded: LoadedWorkflow,
  state: StateDocument | undefined,
  /** What a refresh read in AWS; without it the plan compares with the state alone. */
  observations?: Observation[],
): Plan {
  let plan: Plan;
  try {
    plan = planWorkflow(loaded.workflow, {
      ...(state === undefined ? {} : { state }),
      ...(observations === undefined ? {} : { observations }),
      diagnostics: loaded.diagnostics,
    });
  } catch (error) {
    if (!(error instanceof PlanInputError)) throw error;
    const diagnostic: Diagnostic = {
      severity: 'error',
      code: 'plan.input',
      message: error.message,
      path: error.path,
    };
    throw new InvalidWorkflowError(
      loaded.file,
      loaded.workflow.workflow,
      [...loaded.diagnostics, diagnostic],
      {
        cause: error,
      },
    );
  }
  // The planner's own diagnostics get the line and column validation's have.
  const diagnostics = placeDiagnostics(
    loaded.text,
    loaded.restartFromFlag === true ? plan.diagnostics.map(byTheFlag) : plan.diagnostics,
  );
  if (diagnostics.some((diagnostic) => diagnostic.severity === 'error')) {
    throw new InvalidWorkflowError(loaded.file, plan.workflow, diagnostics);
  }
  return { ...plan, diagnostics };
}

/** The restart's warning, blamed on --restart-channel when the flag, not the file, asked for it. */
function byTheFlag(diagnostic: Diagnostic): Diagnostic {
  if (diagnostic.code !== 'channel.restart-outage') return diagnostic;
  return {
    ...diagnostic,
    path: 'channel',
    message: diagnostic.message.replace(
      /^If (.*?) is RUNNING at apply, (.*?)\. Use whenRunning: refuse to update it only while it is IDLE\.$/,
      '--restart-channel: if $1 is RUNNING at apply, $2. Without the flag it is updated only while it is IDLE.',
    ),
  };
}

async function readStdin(stdin: TextReader | undefined): Promise<BoundedBytes> {
  if (stdin === undefined) throw new UsageError('the workflow file is -, but there is no stdin to read');
  return readStdinBytes(stdin);
}

/** The file's text; a file past the size limit or not UTF-8 is an invalid workflow (exit 2), nothing parsed. */
function decodeOrRefuse(input: BoundedBytes, shownAs: string): string {
  let problem: { code: string; message: string };
  if (input.tooLarge) {
    const { code, message } = fileSizeProblem();
    problem = { code, message };
  } else {
    const decoded = decodeWorkflowBytes(input.bytes);
    if (decoded.problem === undefined) return decoded.text;
    problem = decoded.problem;
  }
  const diagnostic: Diagnostic = { severity: 'error', ...problem, path: '', line: 1, column: 1 };
  throw new InvalidWorkflowError(shownAs, undefined, [diagnostic]);
}
