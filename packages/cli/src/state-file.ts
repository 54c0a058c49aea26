import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { FORMAT_VERSION, type StateDocument } from '@mlds/core';
import { FileSystemError, StateFileError } from './errors.js';

// The plan compares the workflow with what apply recorded. Reading the state is plain JSON: the provisioner,
// which writes it, loads the AWS SDK and is not imported here.

/** The state document at `path`; undefined when there is no file yet (nothing applied). */
export async function readStateFile(path: string, shownAs: string): Promise<StateDocument | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR')
      throw new StateFileError(`the state file ${shownAs} is a directory`, { cause: error });
    throw new FileSystemError(`cannot read the state file ${shownAs}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(`the state file ${shownAs} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
      hint: 'Restore it from a backup, or point --state at the right file. mlds never overwrites a corrupt state.',
    });
  }
  const problem = stateDocumentProblem(document);
  if (problem !== undefined) {
    throw new StateFileError(`the state file ${shownAs} is not an mlds state: ${problem}`, {
      hint: 'Restore it from a backup, or point --state at the right file.',
    });
  }
  return document as StateDocument;
}

const KINDS: ReadonlySet<unknown> = new Set([
  'mediapackage-channel',
  's3-bucket',
  'mediastore-container',
  'ssm-parameter',
]);
const STATUSES: ReadonlySet<unknown> = new Set(['creating', 'created', 'deleting']);
const PIPELINES: ReadonlySet<unknown> = new Set([0, 1, null]);

/** Why `value` is not a state document this version can plan against; undefined when it is one. */
export function stateDocumentProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  if (value.formatVersion !== FORMAT_VERSION) {
    return `formatVersion is ${JSON.stringify(value.formatVersion)}, this mlds reads ${FORMAT_VERSION}`;
  }
  if (typeof value.workflow !== 'string') return 'workflow is missing';
  if (typeof value.region !== 'string') return 'region is missing';
  if (typeof value.serial !== 'number') return 'serial is missing';
  if (!Array.isArray(value.resources)) return 'resources is not a list';
  for (const [index, resource] of value.resources.entries()) {
    const at = `resources[${index}]`;
    if (!isObject(resource)) return `${at} is not an object`;
    for (const field of ['address', 'name', 'region', 'downstream'] as const) {
      if (typeof resource[field] !== 'string') return `${at}.${field} is missing`;
    }
    if (!KINDS.has(resource.kind)) return `${at}.kind ${JSON.stringify(resource.kind)} is unknown`;
    if (!STATUSES.has(resource.status)) return `${at}.status ${JSON.stringify(resource.status)} is unknown`;
    if (!PIPELINES.has(resource.pipeline)) return `${at}.pipeline must be 0, 1 or null`;
    for (const field of ['tags', 'properties', 'outputs'] as const) {
      if (resource[field] !== undefined && !isObject(resource[field]))
        return `${at}.${field} is not an object`;
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where the state lives: `--state` when given, else `.mlds/<workflow>.state.json`, under `cwd`. */
export function statePathFor(cwd: string, option: string | undefined, workflow: string): StatePath {
  const absolute = resolve(cwd, option ?? join('.mlds', `${workflow}.state.json`));
  const fromCwd = relative(cwd, absolute);
  const shownAs = fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? absolute : fromCwd;
  return { absolute, shownAs };
}

export interface StatePath {
  absolute: string;
  /** Relative to the current directory when under it. */
  shownAs: string;
}
