// Reads a workflow file's bytes without trusting what the path names: only a regular file (or `-`, stdin) is
// read, never more than the size limit, so a FIFO, /dev/zero or a 20 GB file ends in a message, not a hang.
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { INPUT_LIMITS } from '@mlds/core';
import { FileSystemError, NotARegularFileError, WorkflowFileNotFoundError } from './errors.js';
import { shellArg } from './render/command-line.js';
import { escapeLine } from './render/escape.js';
import type { TextReader } from './terminal.js';

/** The bytes read, or `tooLarge` when the input passed the size limit (then the rest is never read). */
export type BoundedBytes = { bytes: Uint8Array; tooLarge: false } | { bytes?: undefined; tooLarge: true };

export function readWorkflowFileBytes(path: string, shownAs: string): BoundedBytes {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before fstat could look at it.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw openError(error, shownAs);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) {
      throw new WorkflowFileNotFoundError(`${shownAs} is a directory, not a workflow file`, {
        hint: `${GIVE_A_FILE}${workflowFilesIn(path, shownAs)}`,
      });
    }
    if (!stats.isFile()) {
      throw new NotARegularFileError(
        `${shownAs} is ${fileType(stats)}, not a regular file: mlds reads workflow files only`,
        {
          hint: `${GIVE_A_FILE} To read from a pipe, use - and redirect it to stdin.`,
        },
      );
    }
    if (stats.size > INPUT_LIMITS.fileBytes) return { tooLarge: true };
    return readAtMost(fd, INPUT_LIMITS.fileBytes, stats.size);
  } catch (error) {
    if (error instanceof WorkflowFileNotFoundError || error instanceof NotARegularFileError) throw error;
    throw new FileSystemError(`cannot read ${shownAs}: ${(error as Error).message}`, { cause: error });
  } finally {
    closeSync(fd);
  }
}

/** Stdin, read until its end or until it passes the size limit. */
export async function readStdinBytes(stdin: TextReader): Promise<BoundedBytes> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const encoder = new TextEncoder();
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    total += bytes.length;
    if (total > INPUT_LIMITS.fileBytes) return { tooLarge: true };
    chunks.push(bytes);
  }
  return { bytes: concat(chunks, total), tooLarge: false };
}

/**
 * ` It holds "a b/x.yaml", a/y.yaml.`: the first few YAML files of a directory given as a workflow file, each a
 * shell argument (a saved plan, a JSON file, is left out).
 */
function workflowFilesIn(directory: string, shownAs: string): string {
  let names: string[];
  try {
    names = readdirSync(directory)
      .filter((name) => /\.ya?ml$/i.test(name))
      .sort();
  } catch {
    return '';
  }
  if (names.length === 0) return '';
  const shown = names.slice(0, 4).map((name) => shellArg(escapeLine(join(shownAs, name))));
  return ` It holds ${shown.join(', ')}${names.length > 4 ? ` and ${names.length - 4} more` : ''}.`;
}

const GIVE_A_FILE =
  "Give the path of a workflow file (YAML or JSON), or - to read it from stdin; see 'mlds --help'.";

/**
 * Reads to the end, or stops one byte past `limit` (a file that grew since fstat). The buffer starts at the size
 * fstat gave (a workflow is a few KiB), not at the limit: a fleet reads many files, and each would otherwise
 * allocate and zero 1 MiB.
 */
export function readAtMost(fd: number, limit: number, expectedSize: number): BoundedBytes {
  let buffer = new Uint8Array(Math.min(Math.max(expectedSize, 0), limit) + 1);
  let total = 0;
  for (;;) {
    if (total === buffer.length) {
      const grown = new Uint8Array(Math.min(buffer.length * 2, limit + 1));
      grown.set(buffer);
      buffer = grown;
    }
    const read = readSync(fd, buffer, total, buffer.length - total, null);
    if (read === 0) break;
    total += read;
    if (total > limit) return { tooLarge: true };
  }
  return { bytes: buffer.subarray(0, total), tooLarge: false };
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

function fileType(stats: ReturnType<typeof fstatSync>): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function openError(error: unknown, shownAs: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new WorkflowFileNotFoundError(`workflow file ${shownAs} not found`, {
      cause: error,
      hint: GIVE_A_FILE,
    });
  }
  if (code === 'EISDIR') {
    return new WorkflowFileNotFoundError(`${shownAs} is a directory, not a workflow file`, { cause: error });
  }
  return new FileSystemError(`cannot read ${shownAs}: ${(error as Error).message}`, { cause: error });
}
