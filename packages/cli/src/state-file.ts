// Synchronous on purpose: node:fs/promises and the thread pool's start cost ~3 ms of a cold `mlds plan`.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { formatS3StateUrl, parseStateUrl, type StateDocument, stateDocumentProblem } from '@mlds/core';
import type { RunEnvironment } from './aws.js';
import { FileSystemError, StateFileError, UsageError } from './errors.js';

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

/**
 * Where the state lives: `--state` when given, else the workflow's `state:`, else `.mlds/<workflow>.state.json`
 * under `cwd`. A malformed `s3://` URL is a usage error (exit 2) before anything is read or written: it never
 * becomes a local directory tree named after it.
 */
export function statePathFor(
  cwd: string,
  option: string | undefined,
  workflow: string,
  where: { workflowState?: string | undefined; region: string; profile?: string | undefined } = {
    region: '',
  },
): StatePath {
  const given = option ?? where.workflowState;
  if (given !== undefined) {
    const parsed = parseStateUrl(given);
    if ('problem' in parsed) {
      const source = option !== undefined ? '--state' : "the workflow's state";
      throw new UsageError(`${source} ${parsed.problem}`, {
        hint: 'Give a local path, or s3://bucket/key in a bucket that exists (mlds never creates it). Nothing was read or written.',
      });
    }
    if (parsed.url.kind === 's3') {
      return {
        kind: 's3',
        bucket: parsed.url.bucket,
        key: parsed.url.key,
        region: where.region,
        profile: where.profile,
        shownAs: formatS3StateUrl(parsed.url),
      };
    }
  }
  const absolute = resolve(cwd, given ?? join('.mlds', `${workflow}.state.json`));
  const fromCwd = relative(cwd, absolute);
  const shownAs = fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? absolute : fromCwd;
  return { kind: 'file', absolute, shownAs };
}

export type StatePath =
  | {
      kind: 'file';
      absolute: string;
      /** Relative to the current directory when under it. */
      shownAs: string;
    }
  | {
      kind: 's3';
      bucket: string;
      key: string;
      /** The Region mlds asks for the bucket: the workflow's (or --region). */
      region: string;
      profile: string | undefined;
      /** `s3://bucket/key`. */
      shownAs: string;
    };

/** The state at `statePath`; an S3 state loads the provisioner (and the AWS SDK) to read it. */
export async function readStateAt(
  statePath: StatePath,
  context: RunEnvironment,
): Promise<StateDocument | undefined> {
  if (statePath.kind === 'file') return readStateFile(statePath.absolute, statePath.shownAs);
  const { openStateBackend, translateStateError } = await import('./state-backend.js');
  const { backend, provisioner } = await openStateBackend(statePath, context);
  try {
    return await backend.read();
  } catch (error) {
    throw translateStateError(error, provisioner, statePath);
  }
}
