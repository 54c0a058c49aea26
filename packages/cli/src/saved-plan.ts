import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type FORMAT_VERSION, type Plan, parseStateUrl, type StateDocument } from '@mlds/core';
import type { CommandContext } from './commands/command.js';
import { FileSystemError, SavedPlanInvalidError, SavedPlanStaleError, UsageError } from './errors.js';
import { type PreparedRun, runLocked } from './provisioning.js';
import { againCommand, rerunFlags, shellArg } from './render/command-line.js';
import { documentingFailure, failedWorkflowDocument } from './run-results.js';
import {
  isObject,
  SAVED_PLAN_KIND,
  savedPlanDocument,
  savedPlanWorkflowFile,
  shownPath,
} from './saved-plan-kind.js';
import { statePathFor } from './state-file.js';
import { readRecordedState } from './workflow-file.js';

// `plan --out <planfile>` and `apply <planfile>`, as Terraform's `plan -out` and `apply planfile`: the plan a
// person reviewed is the plan that runs, or nothing runs. A saved plan is only valid against the state and the
// workflow text it was made from; it holds no secret, because a plan never does ({ env } passwords are named by
// their variable, read at apply time).

const formatVersion: typeof FORMAT_VERSION = 1;

/** What the state was when the plan was made; `serial: null` means there was no state file at all. */
export interface StateIdentity {
  /** The state's `lineage`, null when the state has none (written before lineages existed) or is absent. */
  lineage: string | null;
  serial: number | null;
}

/** The saved plan file: JSON, one document. */
export interface SavedPlan {
  kind: typeof SAVED_PLAN_KIND;
  formatVersion: typeof FORMAT_VERSION;
  /** When `plan --out` ran, ISO 8601. */
  createdAt: string;
  /** The workflow file the plan was made from: its absolute path and the SHA-256 of its text. */
  workflowFile: { path: string; sha256: string };
  /** `--region` given to plan (it replaced the workflow's Region), or null. */
  region: string | null;
  /** The state file (absolute path) and what it was when the plan was made. */
  state: { path: string } & StateIdentity;
  /** Exactly what `plan --json` printed. */
  plan: Plan;
  /**
   * The SHA-256 of every other member as written (their JSON, compact, in this order): a plan file edited after
   * it was saved (its plan, its state, its workflow file) is refused, as the plan a person reviewed is the plan
   * that runs. Not a signature: it catches an edit, not a forger.
   */
  planSha256: string;
}

/** A plan that needs no further confirmation, and the state it was checked against under the lock. */
export interface ApprovedPlan {
  plan: Plan;
  state: StateDocument | undefined;
  /** The plan file, as given on the command line. */
  file: string;
}

export function stateIdentity(state: StateDocument | undefined): StateIdentity {
  if (state === undefined) return { lineage: null, serial: null };
  // `lineage` is newer than this mlds's state type; a state written before it has none.
  const lineage = (state as { lineage?: unknown }).lineage;
  return { lineage: typeof lineage === 'string' ? lineage : null, serial: state.serial };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function savedPlanOf(input: {
  plan: Plan;
  workflowPath: string;
  workflowText: string;
  region: string | undefined;
  statePath: string;
  state: StateDocument | undefined;
  now: number;
}): SavedPlan {
  const saved: Omit<SavedPlan, 'planSha256'> = {
    kind: SAVED_PLAN_KIND,
    formatVersion,
    createdAt: new Date(input.now).toISOString(),
    workflowFile: { path: input.workflowPath, sha256: sha256(input.workflowText) },
    region: input.region ?? null,
    state: { path: input.statePath, ...stateIdentity(input.state) },
    plan: input.plan,
  };
  return { ...saved, planSha256: savedPlanDigest(saved) };
}

/**
 * The digest `planSha256` holds: of the other members' compact JSON, in the order a saved plan writes them,
 * which reading the file back gives again.
 */
function savedPlanDigest(document: object): string {
  const { kind, formatVersion, createdAt, workflowFile, region, state, plan } = document as Record<
    string,
    unknown
  >;
  return sha256(JSON.stringify({ kind, formatVersion, createdAt, workflowFile, region, state, plan }));
}

/**
 * Writes the plan file whole or not at all: a temporary file beside it, then a rename. Only a saved plan is
 * replaced: `--out` naming the workflow file, the state or anything else by mistake would destroy it.
 */
export function writeSavedPlan(path: string, shownAs: string, saved: SavedPlan): void {
  let existing: string | undefined;
  try {
    existing = readFileSync(path, 'utf8');
  } catch {
    // Absent, or not a file that can be read: the write below says why it cannot be written, if it cannot.
  }
  if (existing !== undefined && savedPlanDocument(existing) === undefined) {
    throw new UsageError(
      `--out ${shownAs}: the file exists and is not a saved plan; mlds does not replace it`,
      {
        hint: 'Give --out a new file name (or that of an earlier saved plan). Nothing was written.',
      },
    );
  }
  const temporary = `${path}.tmp`;
  try {
    // As --state's directory: made when missing.
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temporary, `${JSON.stringify(saved, null, 2)}\n`, { flush: true });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    // The system's message (`EISDIR: illegal operation on a directory, rename '<temporary>' -> …`) names the
    // temporary file: only its reason is shown, with the plan file the user named.
    const reason = (error as Error).message.split(', ')[0];
    throw new FileSystemError(`cannot write the plan file ${shownAs}: ${reason}`, { cause: error });
  }
}

/**
 * The saved plan in `file`, or undefined when it is not one (a workflow file, or no readable file: loading it
 * as a workflow then reports why). Told apart by content: a saved plan is JSON with `kind: "mlds-saved-plan"`,
 * a member no workflow file may have.
 */
export function readSavedPlanArgument(file: string, cwd: string): SavedPlan | undefined {
  if (file === '-') return undefined;
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch {
    return undefined;
  }
  const document = savedPlanDocument(text);
  if (document === undefined) return undefined;
  const problem = savedPlanProblem(document);
  if (problem !== undefined) {
    // Its workflow file, when the document still names one, is the one to plan again.
    const named = savedPlanWorkflowFile(document, cwd);
    const workflowFile = named === undefined ? '<workflow file>' : shellArg(named);
    throw new SavedPlanInvalidError(`${file} is not a plan this mlds can apply: ${problem}`, {
      hint: `Make it again with 'mlds plan ${workflowFile} --out ${shellArg(file)}'. Nothing was called.`,
    });
  }
  return document as unknown as SavedPlan;
}

function savedPlanProblem(document: Record<string, unknown>): string | undefined {
  if (document.formatVersion === undefined) return `it has no formatVersion (mlds writes ${formatVersion})`;
  if (document.formatVersion !== formatVersion) {
    return `formatVersion ${JSON.stringify(document.formatVersion)} is not ${formatVersion} (made by another version of mlds?)`;
  }
  const { workflowFile, state, plan, region } = document;
  if (!isObject(workflowFile) || typeof workflowFile.path !== 'string' || !isAbsolute(workflowFile.path)) {
    return 'workflowFile.path is not an absolute path';
  }
  if (typeof workflowFile.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(workflowFile.sha256)) {
    return 'workflowFile.sha256 is not a SHA-256 in hex';
  }
  if (region !== null && typeof region !== 'string') return 'region is neither a string nor null';
  // A local state by its absolute path; a state on S3 by its URL.
  if (!isObject(state) || typeof state.path !== 'string' || !statePathUsable(state.path)) {
    return 'state.path is neither an absolute path nor an s3://bucket/key URL';
  }
  if (state.lineage !== null && typeof state.lineage !== 'string') {
    return 'state.lineage is neither a string nor null';
  }
  if (state.serial !== null && !Number.isSafeInteger(state.serial)) {
    return 'state.serial is neither an integer nor null';
  }
  if (
    !isObject(plan) ||
    plan.formatVersion !== formatVersion ||
    typeof plan.workflow !== 'string' ||
    !Array.isArray(plan.resources) ||
    !Array.isArray(plan.destinations)
  ) {
    return 'plan is not an mlds plan';
  }
  if (typeof document.planSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(document.planSha256)) {
    return 'planSha256 is not a SHA-256 in hex (made by an earlier mlds?)';
  }
  if (savedPlanDigest(document) !== document.planSha256) {
    return 'it was edited after it was saved (planSha256 does not match): the plan that runs must be the one that was reviewed';
  }
  return undefined;
}

function statePathUsable(path: string): boolean {
  if (path.startsWith('s3://')) {
    const parsed = parseStateUrl(path);
    return !('problem' in parsed) && parsed.url.kind === 's3';
  }
  return isAbsolute(path);
}

/**
 * The `--state` a command must be given to use the state the plan records: none for the workflow's default
 * (`.mlds/<workflow>.state.json` here), else the path as shown (an S3 URL as it is).
 */
function stateArgumentOf(saved: SavedPlan, cwd: string): string | undefined {
  const { path } = saved.state;
  const parsed = parseStateUrl(path);
  if ('url' in parsed && parsed.url.kind === 's3') return path;
  const standard = statePathFor(cwd, undefined, saved.plan.workflow);
  return standard.kind === 'file' && standard.absolute === path ? undefined : shownPath(cwd, path);
}

/**
 * `workflowFile`: the file the plan was made from, as shown (the plan records it); the new plan's command repeats
 * the Region and the state the saved plan records.
 */
function stale(
  saved: SavedPlan,
  cwd: string,
  planFile: string,
  workflowFile: string,
  reason: string,
): SavedPlanStaleError {
  const flags = rerunFlags({ statePath: stateArgumentOf(saved, cwd), region: saved.region ?? undefined });
  const plan = againCommand('plan', [workflowFile], [...flags, '--out', shellArg(planFile)]);
  return new SavedPlanStaleError(`the saved plan ${planFile} is stale: ${reason}; nothing was changed`, {
    hint: `Make a new plan with '${plan}', review it, then apply it.`,
  });
}

/** Throws SavedPlanStaleError unless the workflow file still holds the text the plan was made from. */
function checkWorkflowUnchanged(saved: SavedPlan, planFile: string, cwd: string): void {
  const shown = shownPath(cwd, saved.workflowFile.path);
  let text: string;
  try {
    text = readFileSync(saved.workflowFile.path, 'utf8');
  } catch (error) {
    throw stale(
      saved,
      cwd,
      planFile,
      shown,
      `its workflow file ${shown} cannot be read (${(error as Error).message})`,
    );
  }
  if (sha256(text) !== saved.workflowFile.sha256) {
    throw stale(saved, cwd, planFile, shown, `the workflow file ${shown} changed since the plan was made`);
  }
}

/** Throws SavedPlanStaleError unless the state is the one the plan was made against. */
function checkStateUnchanged(
  saved: SavedPlan,
  state: StateDocument | undefined,
  planFile: string,
  stateShownAs: string,
  cwd: string,
): void {
  const workflowFile = shownPath(cwd, saved.workflowFile.path);
  const now = stateIdentity(state);
  const then = saved.state;
  if (then.serial === null && now.serial === null) return;
  if (then.serial === null) {
    throw stale(
      saved,
      cwd,
      planFile,
      workflowFile,
      `the state ${stateShownAs} was created (serial ${now.serial}) since the plan was made`,
    );
  }
  if (now.serial === null) {
    throw stale(
      saved,
      cwd,
      planFile,
      workflowFile,
      `the state ${stateShownAs} is gone since the plan was made`,
    );
  }
  if (now.lineage !== then.lineage) {
    throw stale(
      saved,
      cwd,
      planFile,
      workflowFile,
      `the state ${stateShownAs} is another state (lineage ${now.lineage ?? 'none'}, the plan's ${then.lineage ?? 'none'})`,
    );
  }
  if (now.serial !== then.serial) {
    throw stale(
      saved,
      cwd,
      planFile,
      workflowFile,
      `the state ${stateShownAs} changed since the plan was made (serial ${now.serial}, the plan's ${then.serial})`,
    );
  }
}

/**
 * `apply <planfile>`: checks the workflow file, locks the state, checks that it is the state the plan was made
 * against, then hands the saved plan to `execute` as approved (Terraform's `apply planfile` does not ask
 * either). Stale: SavedPlanStaleError before any AWS call.
 */
export async function applySavedPlan(
  saved: SavedPlan,
  options: {
    file: string;
    statePath: string | undefined;
    region: string | undefined;
    profile: string | undefined;
    json: boolean;
  },
  context: CommandContext,
  execute: (prepared: PreparedRun, approved: ApprovedPlan) => Promise<void>,
): Promise<void> {
  // The plan was made with one state and one Region: another would apply it to something it was not made for.
  for (const [given, flag] of [
    [options.statePath, '--state'],
    [options.region, '--region'],
  ] as const) {
    if (given !== undefined) {
      throw new UsageError(`${flag} cannot be used with a saved plan: ${options.file} records its own`, {
        hint: `Apply it without ${flag}, or make a new plan with ${flag}: 'mlds plan ${shellArg(shownPath(context.cwd, saved.workflowFile.path))} ${flag} ${shellArg(given)} --out ${shellArg(options.file)}'.`,
      });
    }
  }
  // A plan the workflow file moved past fails before anything is locked: its document as a run's would be.
  await documentingFailure(
    options.json ? (error) => failedWorkflowDocument(saved.plan.workflow, error) : undefined,
    context.stdout,
    async () => checkWorkflowUnchanged(saved, options.file, context.cwd),
  );
  await runLocked(
    'apply',
    {
      file: shownPath(context.cwd, saved.workflowFile.path),
      statePath: saved.state.path,
      region: saved.region ?? undefined,
      profile: options.profile,
      yes: true,
      json: options.json,
      rerunFlags: rerunFlags({
        statePath: stateArgumentOf(saved, context.cwd),
        region: saved.region ?? undefined,
        profile: options.profile,
      }),
    },
    context,
    async (prepared) => {
      // A plan file whose workflowFile was pointed at another workflow's file (its digest with it).
      const named = prepared.loaded.workflow.workflow;
      if (named !== saved.plan.workflow) {
        throw new SavedPlanInvalidError(
          `${options.file} is a plan of the workflow '${saved.plan.workflow}', and its workflow file ${prepared.loaded.file} is the workflow '${named}'; nothing was changed`,
          {
            hint: `Make the plan again from the workflow file: 'mlds plan ${shellArg(prepared.loaded.file)} --out ${shellArg(options.file)}'.`,
          },
        );
      }
      const state = await readRecordedState(prepared.loaded, prepared.statePath, true, context);
      checkStateUnchanged(saved, state, options.file, prepared.statePath.shownAs, context.cwd);
      await execute(prepared, { plan: saved.plan, state, file: options.file });
    },
  );
}
