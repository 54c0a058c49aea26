// Synchronous on purpose: node:fs/promises and the thread pool's start cost ~3 ms of a cold `mlds plan`.
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { formatS3StateUrl, parseStateUrl, readStateDocument, type StateDocument } from '@mlds/core';
import type { RunEnvironment } from './aws.js';
import { FileSystemError, StateFileError, UsageError } from './errors.js';

// The plan compares the workflow with what apply recorded. Reading the state is plain JSON: the provisioner,
// which writes it, loads the AWS SDK and is not imported here.

/** The state document at `path`; undefined when there is no file yet (nothing applied). */
export async function readStateFile(path: string, shownAs: string): Promise<StateDocument | undefined> {
  let text: string;
  try {
    text = readRegularFile(path, shownAs);
  } catch (error) {
    if (error instanceof StateFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR')
      throw new StateFileError(`the state file ${shownAs} is a directory`, { cause: error });
    throw new FileSystemError(`cannot read the state file ${shownAs}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const read = readStateDocument(text);
  if (read.problem === undefined) return read.document;
  if (read.cause !== undefined) {
    throw new StateFileError(`the state file ${shownAs} is ${read.problem}`, {
      cause: read.cause,
      hint: 'Restore it from a backup, or point --state at the right file. mlds never overwrites a corrupt state.',
    });
  }
  throw new StateFileError(`the state file ${shownAs} is not an mlds state: ${read.problem}`, {
    hint: 'Restore it from a backup, or point --state at the right file.',
  });
}

/** States far larger than this are not mlds states (one with 100 downstream entries takes about 100 KiB). */
export const MAX_STATE_BYTES = 16 * 1024 * 1024;

/** The file's text; a FIFO, a device or a file past MAX_STATE_BYTES is refused before anything is read. */
function readRegularFile(path: string, shownAs: string): string {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before fstat could look at it.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!stats.isFile()) {
      throw new StateFileError(
        `the state file ${shownAs} is not a regular file (a FIFO, a device or a socket)`,
        {
          hint: 'Point --state at a file (it is created on the first apply).',
        },
      );
    }
    if (stats.size > MAX_STATE_BYTES) {
      throw new StateFileError(
        `the state file ${shownAs} is larger than ${MAX_STATE_BYTES / 1024 / 1024} MiB: it is not an mlds state`,
        { hint: 'Point --state at the right file.' },
      );
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
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
  where: {
    workflowState?: string | undefined;
    region: string;
    profile?: string | undefined;
    /** How an error names `option` (default `--state`): `state push`'s destination is an argument. */
    optionShownAs?: string;
  } = {
    region: '',
  },
): StatePath {
  const given = option ?? where.workflowState;
  if (given !== undefined) {
    const parsed = parseStateUrl(given);
    if ('problem' in parsed) {
      const source = option !== undefined ? (where.optionShownAs ?? '--state') : "the workflow's state";
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
  // A symbolic link is followed to its target, which is read, locked and replaced atomically (the link stays
  // a link), and shown.
  const absolute = followLinks(resolve(cwd, given ?? join('.mlds', `${workflow}.state.json`)));
  const fromCwd = relative(cwd, absolute);
  const shownAs = fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? absolute : fromCwd;
  return { kind: 'file', absolute, shownAs };
}

/**
 * True when a destroy of `statePath` has nothing to do and nothing to lock: a local state file that does not
 * exist, and no lock beside it. A lock without a state is another run's first apply under way: destroy then
 * takes the lock like any run (and is told it is held, exit 3), instead of answering "nothing to destroy" while
 * that apply creates resources.
 */
export function nothingToDestroyAt(statePath: StatePath): boolean {
  return statePath.kind === 'file' && !existsSync(statePath.absolute) && !lockFileBeside(statePath);
}

/**
 * True when a local state's lock file is there. Asked only by a run that holds no lock (nobody could confirm it):
 * the lock is then another run's, under way or gone without releasing it. An S3 state's lock is not looked at:
 * that would be an AWS call.
 */
export function lockFileBeside(statePath: StatePath): boolean {
  return statePath.kind === 'file' && existsSync(`${statePath.absolute}.lock`);
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

/** The path a chain of symbolic links leads to; the target may not exist yet (the first apply creates it). */
function followLinks(path: string): string {
  let current = path;
  // Linux gives up after 40 links (ELOOP); so does this.
  for (let hops = 0; hops < 40; hops++) {
    let isLink: boolean;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch {
      return current;
    }
    if (!isLink) return current;
    current = resolve(dirname(current), readlinkSync(current));
  }
  throw new StateFileError(`the state path ${path} is a loop of symbolic links`, {
    hint: 'Point --state at a file.',
  });
}
