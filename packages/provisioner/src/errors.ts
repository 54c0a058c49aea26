// Every error the provisioner throws on purpose. The CLI maps them to exit codes (see each class); none of
// them ever carries a password or stream key in its message.
import type { EnvironmentNeed } from '@mlds/core';

export interface LockInfo {
  /** The lock id: what `mlds state unlock <id>` takes. */
  id: string;
  host: string;
  pid: number;
  /** ISO timestamp. */
  acquiredAt: string;
  /** The command holding the lock: `apply`, `destroy`, `state rm`, `state push`. */
  command: string;
}

/** Another run holds the state lock. CLI exit code 3. */
export class StateLockedError extends Error {
  override readonly name = 'StateLockedError';
  constructor(
    /** Where the lock is: `<state path>.lock` or `s3://bucket/<key>.lock`. */
    readonly lockPath: string,
    readonly holder: LockInfo,
    options?: { cause?: unknown },
  ) {
    super(
      `The state is locked by ${holder.command} on ${holder.host} (pid ${holder.pid}) since ${holder.acquiredAt}, lock id ${holder.id}. ` +
        `Wait for it to finish; if that run is gone, run \`mlds state unlock ${holder.id}\`.`,
      options,
    );
  }
}

/**
 * A fenced write was refused, nothing was overwritten: the lock this run took is no longer its own (taken over
 * as stale, or removed with `state unlock`), or the state changed since this run read it. CLI exit code 1.
 */
export class StateFencedError extends Error {
  override readonly name = 'StateFencedError';
  constructor(
    readonly location: string,
    readonly reason: 'lock-lost' | 'state-changed',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${reason === 'lock-lost' ? 'This run no longer holds the lock of' : 'The state changed under this run:'} ${location} (${detail}); nothing was overwritten.`,
      options,
    );
  }
}

/**
 * The state's store cannot be used: a missing bucket, a denied call, a bucket in another Region. mlds never
 * creates the state bucket; `fix` says what to do. CLI exit code 1.
 */
export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';
  constructor(
    readonly location: string,
    message: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (${location})`, options);
  }
}

/** `state unlock <id>` named no lock, or another lock than the one there. CLI exit code 1. */
export class LockNotFoundError extends Error {
  override readonly name = 'LockNotFoundError';
  constructor(
    readonly lockPath: string,
    readonly lockId: string,
    /** The lock that is there instead, if any. */
    readonly holder: LockInfo | undefined,
  ) {
    super(
      holder === undefined
        ? `there is no lock at ${lockPath}; nothing to unlock`
        : `the lock at ${lockPath} has id ${holder.id} (${holder.command} on ${holder.host}, pid ${holder.pid}), not ${lockId}; it was left alone`,
    );
  }
}

/**
 * `state unlock <id>` named the lock of a run that still runs on this host (its process alive); it was left
 * alone, as `terraform force-unlock` asks first. The CLI's `--force` removes it anyway. CLI exit code 3.
 */
export class LockHolderRunningError extends Error {
  override readonly name = 'LockHolderRunningError';
  constructor(
    readonly lockPath: string,
    readonly holder: LockInfo,
  ) {
    super(
      `the lock ${holder.id} at ${lockPath} belongs to a run still running on this host: '${holder.command}' (pid ${holder.pid}) since ${holder.acquiredAt}; nothing was removed`,
    );
  }
}

/** `state push` would overwrite a state of another history (another lineage), or a newer one. CLI exit code 1. */
export class StatePushRefusedError extends Error {
  override readonly name = 'StatePushRefusedError';
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
  constructor(readonly missing: EnvironmentNeed[]) {
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

/**
 * S3 refused ObjectOwnership BucketOwnerEnforced (`InvalidBucketAclWithObjectOwnership`, 400): the bucket's ACL
 * grants access to someone other than its owner, and S3 disables ACLs only on a bucket whose ACL grants none.
 * The call changed nothing. CLI exit code 1.
 */
export class BucketAclInUseError extends Error {
  override readonly name = 'BucketAclInUseError';
  /** What S3 refused and why, without the fix. */
  readonly reason: string;
  /** What to do: move the grants into the bucket policy, reset the ACL, run again. */
  readonly fix: string;
  constructor(
    readonly bucket: string,
    options?: { cause?: unknown },
  ) {
    const reason = `S3 refused to disable the ACLs of bucket ${bucket} (ObjectOwnership BucketOwnerEnforced, which mlds sets on every bucket it manages): its ACL grants access to another account or group (InvalidBucketAclWithObjectOwnership)`;
    const fix =
      `Move what the ACL grants into the bucket policy, reset the bucket's ACL to private ` +
      `(aws s3api put-bucket-acl --bucket ${bucket} --acl private), then run mlds again. AWS's steps: ` +
      'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-migrating-acls-prerequisites.html';
    // Whole in the message, for apply's adopt reports it as a failed resource's error.
    super(`${reason}. ${fix}`, options);
    this.reason = reason;
    this.fix = fix;
  }
}

/** A resource with the name mlds would use exists but does not carry this workflow's `mlds:workflow` tag. */
export class ResourceNotOursError extends Error {
  override readonly name = 'ResourceNotOursError';
  /** The state records it as made by this workflow: it lost the tag since (the fix differs). */
  readonly recorded: boolean;
  constructor(
    readonly address: string,
    readonly resourceName: string,
    readonly workflow: string,
    readonly reason?: string,
    options?: { cause?: unknown; recorded?: boolean },
  ) {
    const why = reason ?? `it lacks the tag mlds:workflow=${workflow}`;
    super(
      options?.recorded === true
        ? `${resourceName} (${address}) is recorded as workflow ${workflow}'s, but mlds cannot take it as such any more: ` +
            `${why}; mlds neither changes nor deletes it. Put the tag mlds:workflow=${workflow} back if it is ` +
            "still this workflow's, or delete it yourself."
        : `${resourceName} (${address}) already exists, and mlds cannot take it as workflow ${workflow}'s: ` +
            `${why}; apply neither takes it over nor deletes it. ` +
            `Delete or rename it yourself, or rename the workflow or downstream entry${reason === undefined ? "; or, if it is meant to be this workflow's, import it" : ''}.`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.recorded = options?.recorded === true;
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
    /** `missing`: what is missing and the fix, for a kind whose names are not per Region (a bucket's are global). */
    options?: { cause?: unknown; missing?: string },
  ) {
    super(
      `${resourceName} (${address}) was given as an existing resource but ${options?.missing ?? `does not exist in ${region}; check the id and the region in the workflow file`}.`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
  }
}

/** AWS refused a create because an account quota is reached (MediaPackage v2's HTTP 402). CLI exit code 1. */
export class QuotaExceededError extends Error {
  override readonly name = 'QuotaExceededError';
  constructor(
    readonly address: string,
    readonly quota: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${address}: the quota of ${quota} is reached, so AWS refused the create; ${fix}.`, options);
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

/** A refresh could not read some recorded resources; nothing was changed. Texts are redacted. */
export class RefreshFailedError extends Error {
  override readonly name = 'RefreshFailedError';
  constructor(readonly failures: Failure[]) {
    const lines = failures.map((failure) => `  ${failure.address}: ${failure.error}`).join('\n');
    super(`refresh could not read ${failures.length} resource(s); nothing was changed:\n${lines}`, {
      cause: failures[0]?.cause,
    });
  }
}

/**
 * apply or destroy refused to go on because of the bound MediaLive channel (its Region, class, output groups or
 * state); nothing was changed. CLI exit code 1.
 */
export class ChannelRefusedError extends Error {
  override readonly name = 'ChannelRefusedError';
  constructor(
    readonly command: 'apply' | 'destroy',
    readonly channelId: string,
    readonly reasons: string[],
    readonly fix: string,
    /** `atWrite`: refused when writing the channel, after the run's other changes (recorded), not before them. */
    options?: { cause?: unknown; atWrite?: boolean },
  ) {
    const nothing = command === 'apply' ? 'nothing was changed' : 'nothing was deleted';
    const refused = options?.atWrite
      ? `${command} stopped at MediaLive channel ${channelId} (what this run changed before it is recorded)`
      : `${command} refused, ${nothing}: MediaLive channel ${channelId}`;
    super(
      `${refused}:\n${reasons.map((reason) => `  ${reason}`).join('\n')}\n${fix}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
  }
}

/** One of MediaLive's `ValidationErrors`: where in the request, and what is wrong. */
export interface MediaLiveValidationError {
  elementPath: string;
  message: string;
}

/** MediaLive answered 400, 409 or 422; its ValidationErrors are in the message, one a line. */
export class MediaLiveRejectedError extends Error {
  override readonly name = 'MediaLiveRejectedError';
  constructor(
    readonly operation: string,
    readonly channelId: string,
    readonly status: number | undefined,
    readonly errorName: string,
    readonly detail: string,
    readonly validationErrors: MediaLiveValidationError[],
    options?: { cause?: unknown },
  ) {
    const lines = validationErrors.map((error) => `\n  ${error.elementPath}: ${error.message}`).join('');
    super(
      `MediaLive refused ${operation} for channel ${channelId} (${status ?? '?'} ${errorName}: ${detail})${lines}`,
      options,
    );
  }
}

/** StartChannel was accepted but the channel fell back to IDLE instead of running. */
export class ChannelStartFailedError extends Error {
  override readonly name = 'ChannelStartFailedError';
  constructor(
    readonly channelId: string,
    options?: { cause?: unknown },
  ) {
    super(
      `MediaLive channel ${channelId} went back to IDLE instead of RUNNING after StartChannel: its new destinations are written, ` +
        "but it is not running. Look at the channel's alerts in the MediaLive console, fix the cause, and start it (or run apply again).",
      options,
    );
  }
}
