// Synchronous on purpose: node:fs/promises and the thread pool's start cost ~3 ms of a cold `mlds plan`.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type StateDocument, stateDocumentProblem } from '@mlds/core';
import { FileSystemError, StateFileError } from './errors.js';

// The plan compares the workflow with what apply recorded. Reading the state is plain JSON: the provisioner,
// which writes it, loads the AWS SDK and is not imported here.

/** The state document at `path`; undefined when there is no file yet (nothing applied). */
export async function readStateFile(path: string, shownAs: string): Promise<StateDocument | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
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
