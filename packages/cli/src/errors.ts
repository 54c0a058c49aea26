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
  /** `plan --detailed-exitcode`: the plan has changes (contract §10); not a failure. */
  planHasChanges: 4,
  /** Interrupted (SIGINT, SIGTERM); what was done is in the state, the lock released. */
  interrupted: 130,
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

/** Several workflow files of a fleet are invalid: each one's diagnostics are already shown; nothing was called. */
export class InvalidFleetError extends MldsError {
  override name = 'InvalidFleetError';
}

/** `mlds` alone: the help follows the message, as it is. */
export class NoCommandError extends UsageError {
  override name = 'NoCommandError';
  constructor(
    readonly help: string,
    /** An option given with no command that no command takes before its name, e.g. `mlds -x`. */
    unknownOption?: string,
  ) {
    super(
      unknownOption === undefined
        ? 'no command given'
        : `unknown option '${unknownOption}', and no command given`,
    );
  }
}

/** The workflow file named on the command line does not exist (or is a directory). */
export class WorkflowFileNotFoundError extends UsageError {
  override name = 'WorkflowFileNotFoundError';
}

/** The workflow file names something that is not a regular file (a FIFO, a device, a socket). */
export class NotARegularFileError extends UsageError {
  override name = 'NotARegularFileError';
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

/**
 * The state's store refused or failed: a missing or denied S3 bucket, a fenced write (the state changed under
 * this run, or its lock was taken over), an unlock of a lock that is not there, a refused push.
 */
export class StateStoreError extends MldsError {
  override name = 'StateStoreError';
}

/** The state file records another workflow than the file named on the command line. Nothing was called. */
export class StateMismatchError extends MldsError {
  override name = 'StateMismatchError';
}

/** apply or destroy cannot ask for confirmation (no terminal, or --json) and --yes was not given. */
export class ConfirmationRequiredError extends UsageError {
  override name = 'ConfirmationRequiredError';
}

/** The user answered the confirmation with anything but `yes`: nothing was changed. */
export class CancelledError extends MldsError {
  override name = 'CancelledError';
}

/** A `{ env: NAME }` secret of the workflow is not set in the environment. Nothing was called. */
export class MissingSecretsError extends MldsError {
  override name = 'MissingSecretsError';
}

/** What a resource's failure says: the provisioner's redacted text, never the SDK error behind it. */
export interface ResourceFailure {
  address: string;
  error: string;
}

/** apply or destroy ran, and some resources failed; what succeeded is recorded in the state. */
export class OperationFailedError extends MldsError {
  override name = 'OperationFailedError';
  readonly failures: ResourceFailure[];

  constructor(
    message: string,
    failures: ResourceFailure[],
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(message, options);
    this.failures = failures;
  }
}

/** The credentials pre-flight failed (no credentials, a broken profile, an endpoint that does not resolve). */
export class CredentialsFailedError extends MldsError {
  override name = 'CredentialsFailedError';
}

/** SIGINT or SIGTERM stopped apply or destroy: calls in flight finished and were recorded, the lock released. */
export class InterruptedError extends MldsError {
  override name = 'InterruptedError';
}

/** destroy refused to delete resources that are not empty; nothing was deleted. */
export class DestroyRefusedError extends MldsError {
  override name = 'DestroyRefusedError';
}

/** A saved plan no longer fits: the state or the workflow file changed since it was made. Nothing was called. */
export class SavedPlanStaleError extends MldsError {
  override name = 'SavedPlanStaleError';
}

/** A file that says it is a saved plan (`kind`) but is not one this mlds can apply. Nothing was called. */
export class SavedPlanInvalidError extends UsageError {
  override name = 'SavedPlanInvalidError';
}

/** `output` needs values that only apply records, and the state does not hold them (yet). */
export class NotAppliedError extends MldsError {
  override name = 'NotAppliedError';
}

// Checked in order: the first class the error is an instance of decides. Subclasses before their parents.
const EXIT_CODES: ReadonlyArray<readonly [abstract new (...args: never[]) => Error, ExitCode]> = [
  [InterruptedError, ExitCode.interrupted],
  [UsageError, ExitCode.invalid],
  [InvalidWorkflowError, ExitCode.invalid],
  [InvalidFleetError, ExitCode.invalid],
  [MissingSecretsError, ExitCode.invalid],
  [StateMismatchError, ExitCode.invalid],
  [StateLockedError, ExitCode.locked],
  [StateFileError, ExitCode.failed],
  [StateStoreError, ExitCode.failed],
  [FileSystemError, ExitCode.failed],
  // Terraform's "Apply cancelled." exits 1 too: the operation did not happen, though nothing failed.
  [CancelledError, ExitCode.failed],
  [OperationFailedError, ExitCode.failed],
  [DestroyRefusedError, ExitCode.failed],
  [NotAppliedError, ExitCode.failed],
  // Terraform's "Saved plan is stale" exits 1: the operation did not happen because the world moved on.
  [SavedPlanStaleError, ExitCode.failed],
];

/** The exit code for a failure (contract §3). Anything unforeseen is an operation that failed: 1. */
export function exitCodeFor(error: unknown): ExitCode {
  for (const [errorClass, code] of EXIT_CODES) {
    if (error instanceof errorClass) return code;
  }
  return ExitCode.failed;
}

/** An error's message as the CLI shows it; anything thrown that is not an Error, as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
