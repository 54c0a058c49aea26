// Every error the provisioner throws on purpose. The CLI maps them to exit codes (see each class); none of
// them ever carries a password or stream key in its message.

export interface LockInfo {
  host: string;
  pid: number;
  /** ISO timestamp. */
  acquiredAt: string;
  /** The command holding the lock: `apply`, `destroy`. */
  command: string;
}

/** Another run holds the state lock. CLI exit code 3. */
export class StateLockedError extends Error {
  override readonly name = 'StateLockedError';
  constructor(
    readonly lockPath: string,
    readonly holder: LockInfo,
    options?: { cause?: unknown },
  ) {
    super(
      `The state is locked by ${holder.command} on ${holder.host} (pid ${holder.pid}) since ${holder.acquiredAt}. ` +
        `Wait for it to finish; if that run is gone, delete ${lockPath}.`,
      options,
    );
  }
}

/** The state file cannot be read as an mlds state. It is never overwritten. CLI exit code 1. */
export class StateCorruptError extends Error {
  override readonly name = 'StateCorruptError';
  constructor(
    readonly path: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The state file ${path} is not a valid mlds state (${problem}). mlds will not overwrite it: ` +
        'restore it from a backup or version control, or move it aside if you know what it recorded.',
      options,
    );
  }
}

/** The state file belongs to another workflow than the plan. CLI exit code 2. */
export class StateWorkflowMismatchError extends Error {
  override readonly name = 'StateWorkflowMismatchError';
  constructor(
    readonly stateWorkflow: string,
    readonly planWorkflow: string,
  ) {
    super(
      `The state file records workflow "${stateWorkflow}", not "${planWorkflow}". Pass the right file with --state.`,
    );
  }
}

/** A `{ env: NAME }` secret is not set. Thrown before any AWS call. CLI exit code 2. */
export class MissingEnvironmentError extends Error {
  override readonly name = 'MissingEnvironmentError';
  constructor(readonly missing: { variable: string; address: string }[]) {
    const list = missing.map((entry) => `${entry.variable} (for ${entry.address})`).join(', ');
    super(`Set these environment variables before apply; nothing was called: ${list}.`);
  }
}

/** The plan cannot be executed as given (a cycle, an unknown secret source). CLI exit code 1. */
export class InvalidPlanError extends Error {
  override readonly name = 'InvalidPlanError';
}

export interface Failure {
  address: string;
  /** Redacted: never holds a secret. */
  error: string;
  cause: unknown;
}

/** One or more resources failed; every branch ran to its end first. CLI exit code 1. */
export class ApplyFailedError extends Error {
  override readonly name = 'ApplyFailedError';
  constructor(
    readonly command: 'apply' | 'destroy',
    readonly failures: Failure[],
    /** Addresses not attempted because something they depend on failed. */
    readonly skipped: string[],
  ) {
    const lines = failures.map((failure) => `  ${failure.address}: ${failure.error}`).join('\n');
    super(
      `${command} failed for ${failures.length} resource(s); what was done is recorded in the state:\n${lines}`,
      { cause: failures[0]?.cause },
    );
  }
}

/** The S3 bucket name is owned by another account. */
export class BucketNameTakenError extends Error {
  override readonly name = 'BucketNameTakenError';
  constructor(
    readonly bucket: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The bucket name "${bucket}" is taken by another AWS account (S3 names are global). ` +
        'Rename the workflow or the downstream entry, or list buckets you own under `buckets:`.',
      options,
    );
  }
}

/** A resource with the name mlds would use exists but does not carry this workflow's `mlds:workflow` tag. */
export class ResourceNotOursError extends Error {
  override readonly name = 'ResourceNotOursError';
  constructor(
    readonly address: string,
    readonly resourceName: string,
    readonly workflow: string,
    readonly reason?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${resourceName} (${address}) already exists without the tag mlds:workflow=${workflow}` +
        `${reason ? ` (${reason})` : ''}; mlds neither adopts nor deletes it. Delete or rename it yourself, ` +
        'or rename the workflow or downstream entry.',
      options,
    );
  }
}

export interface Blocker {
  address: string;
  name: string;
  reason: string;
}

/** Destroy refused: nothing was deleted. Retry with --force to empty first. CLI exit code 1. */
export class NotEmptyError extends Error {
  override readonly name = 'NotEmptyError';
  constructor(readonly blockers: Blocker[]) {
    const lines = blockers
      .map((blocker) => `  ${blocker.address} (${blocker.name}): ${blocker.reason}`)
      .join('\n');
    super(`Nothing was deleted; these resources are not empty (use --force to empty them first):\n${lines}`);
  }
}

/** A resource the workflow names as existing (`channelId`) is not there. */
export class ExistingResourceNotFoundError extends Error {
  override readonly name = 'ExistingResourceNotFoundError';
  constructor(
    readonly address: string,
    readonly resourceName: string,
    readonly region: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${resourceName} (${address}) was given as an existing resource but does not exist in ${region}; ` +
        'check the id and the region in the workflow file.',
      options,
    );
  }
}

/** A bounded wait ran out. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(
    readonly address: string,
    readonly what: string,
    readonly waitedMs: number,
  ) {
    super(`Gave up after ${Math.round(waitedMs / 1000)} s waiting for ${address}: ${what}.`);
  }
}

/** One AWS operation (every attempt and retry of one call) passed its deadline and was aborted. */
export class OperationTimeoutError extends Error {
  override readonly name = 'OperationTimeoutError';

  constructor(
    readonly address: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `no answer from AWS within ${Math.round(timeoutMs / 1000)} s (the endpoint accepts connections but does not respond); check the network, a proxy or AWS_ENDPOINT_URL`,
      options,
    );
  }
}

/** The credentials cannot be resolved (no chain provider found any, or the profile is missing or broken). */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';

  constructor(
    readonly profile: string | undefined,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      profile === undefined
        ? `no AWS credentials found: ${detail}`
        : `cannot load AWS credentials for the profile '${profile}': ${detail}`,
      options,
    );
  }
}

/** A host name of an AWS endpoint does not resolve (ENOTFOUND): reported at once, never retried. */
export class EndpointNotFoundError extends Error {
  override readonly name = 'EndpointNotFoundError';

  constructor(
    readonly host: string,
    options?: { cause?: unknown },
  ) {
    super(`the host name ${host} does not resolve (ENOTFOUND)`, options);
  }
}

/** A call that was not started because the run was interrupted (`stopSignal`): not a failure of AWS. */
export class InterruptedCallError extends Error {
  override readonly name = 'InterruptedCallError';

  constructor() {
    super('not started: the run was interrupted');
  }
}

/** The run was cancelled through its AbortSignal. */
export class RunAbortedError extends Error {
  override readonly name = 'RunAbortedError';
}
