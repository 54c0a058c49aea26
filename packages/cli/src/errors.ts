import type { Diagnostic } from '@mlds/core';

// Every failure the CLI reports is one of these classes; `exitCodeFor` is the only place that turns a failure
// into an exit code (contract §3). A command that calls a library which throws its own errors (the
// provisioner) wraps them in one of these, keeping the library's error as `cause`: that keeps this module free
// of imports that would load the AWS SDK on every start.

export const ExitCode = {
  ok: 0,
  /** An AWS call or the file system failed; what was done is in the state. */
  failed: 1,
  /** Invalid workflow file or command line; nothing was called. */
  invalid: 2,
  /** The state is locked by another run. */
  locked: 3,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class MldsError extends Error {
  override name = 'MldsError';
  /** A next step for the user, printed under the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** The command line is wrong: unknown command or option, missing or extra argument. */
export class UsageError extends MldsError {
  override name = 'UsageError';
}

/** The workflow file named on the command line does not exist (or is a directory). */
export class WorkflowFileNotFoundError extends UsageError {
  override name = 'WorkflowFileNotFoundError';
}

/** The workflow file has at least one error diagnostic. */
export class InvalidWorkflowError extends MldsError {
  override name = 'InvalidWorkflowError';
  /** How the file is shown to the user: the path as given on the command line, or `<stdin>`. */
  readonly file: string;
  /** The workflow's name, when the file got far enough to tell. */
  readonly workflow: string | undefined;
  /** Every diagnostic of the file, errors and the rest, in the order found. */
  readonly diagnostics: Diagnostic[];

  constructor(
    file: string,
    workflow: string | undefined,
    diagnostics: Diagnostic[],
    options?: { cause?: unknown },
  ) {
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
    super(`${file} is not a valid workflow: ${count(errors, 'error')}`, options);
    this.file = file;
    this.workflow = workflow;
    this.diagnostics = diagnostics;
  }
}

/** Reading a file failed for a reason other than its absence (permissions, I/O). */
export class FileSystemError extends MldsError {
  override name = 'FileSystemError';
}

/** The state file exists but cannot be used: not JSON, not a state document, or a newer format. */
export class StateFileError extends MldsError {
  override name = 'StateFileError';
}

/** Another run holds the state's lock. */
export class StateLockedError extends MldsError {
  override name = 'StateLockedError';
}

// Checked in order: the first class the error is an instance of decides. Subclasses before their parents.
const EXIT_CODES: ReadonlyArray<readonly [abstract new (...args: never[]) => Error, ExitCode]> = [
  [UsageError, ExitCode.invalid],
  [InvalidWorkflowError, ExitCode.invalid],
  [StateLockedError, ExitCode.locked],
  [StateFileError, ExitCode.failed],
  [FileSystemError, ExitCode.failed],
];

/** The exit code for a failure (contract §3). Anything unforeseen is an operation that failed: 1. */
export function exitCodeFor(error: unknown): ExitCode {
  for (const [errorClass, code] of EXIT_CODES) {
    if (error instanceof errorClass) return code;
  }
  return ExitCode.failed;
}

export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
