import { randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { NoSuchBucket, S3Client } from '@aws-sdk/client-s3';
import { readStateDocument, type StateDocument } from '@mlds/core';
import type { ClientOf } from './clients.js';
import {
  LockHolderRunningError,
  type LockInfo,
  LockNotFoundError,
  StateCorruptError,
  StateFencedError,
  StateLockedError,
  StateStoreError,
} from './errors.js';
import {
  holderRunsHere,
  infoOf,
  type LockRecord,
  lockRecordText,
  ownLockRecord,
  parseLockRecord,
} from './lock-record.js';
import { credentialsErrorOf } from './preflight.js';
import { type ProcessTable, systemProcessTable } from './process-table.js';
import type { Lock, StateBackend } from './state-store.js';

export interface S3StateStoreOptions {
  /** A client of the bucket's Region (the workflow's, or --region). */
  client: ClientOf<S3Client>;
  bucket: string;
  key: string;
  hostname?: string;
  pid?: number;
  clock?: () => number;
  randomId?: () => string;
  processes?: ProcessTable;
  /** Between retries of a 409 ConditionalRequestConflict. */
  sleep?: (ms: number) => Promise<void>;
  /** The profile the client's credentials come from, to name it when they cannot be loaded. */
  profile?: string;
  /** The client's Region, to name it when the bucket is in another. */
  region?: string;
}

/** A 409 ConditionalRequestConflict says another conditional write to the key is in flight: try again. */
const CONFLICT_ATTEMPTS = 5;
const CONFLICT_BACKOFF_MS = 200;
const LOCK_ROUNDS = 3;

/** The IAM actions the S3 state needs (docs/iam-policy.json, statement StateBucket*). */
export function stateIamActions(bucket: string, key: string): string {
  return [
    `s3:ListBucket on arn:aws:s3:::${bucket} (so that "no state yet" reads as such, not as a denial)`,
    `s3:GetObject and s3:PutObject on arn:aws:s3:::${bucket}/${key} and arn:aws:s3:::${bucket}/${key}.lock`,
    `s3:DeleteObject on arn:aws:s3:::${bucket}/${key}.lock`,
  ].join('; ');
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

const isPreconditionFailed = (error: unknown) =>
  errorName(error) === 'PreconditionFailed' || httpStatus(error) === 412;
const isConflict = (error: unknown) =>
  errorName(error) === 'ConditionalRequestConflict' || httpStatus(error) === 409;

/**
 * The team's state store: the state is the object `key`, written with `If-Match` on the ETag last read (or
 * `If-None-Match: *` when there was none), so a run never overwrites what another wrote; the lock is the
 * object `<key>.lock`, created with `If-None-Match: *` (Terraform's S3 backend with `use_lockfile`). There is
 * no expiry: a lock whose run is gone is removed with `mlds state unlock <id>`. mlds never creates the bucket.
 */
export class S3StateStore implements StateBackend {
  readonly bucket: string;
  readonly key: string;
  // The SDK is imported by each method when it first calls S3 (see the dynamic imports below): the
  // provisioner's entry loads no SDK package until a call is due.
  private readonly client: ClientOf<S3Client>;
  private readonly hostname: string;
  private readonly pid: number;
  private readonly clock: () => number;
  private readonly randomId: () => string;
  private readonly processes: ProcessTable;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly profile: string | undefined;
  private readonly region: string | undefined;
  /** The ETag this store last read or wrote; null when it read no state. */
  private etag: string | null | undefined;
  /** The id of the lock this store holds, while it holds it. */
  private heldId: string | undefined;

  constructor(options: S3StateStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.key = options.key;
    this.hostname = options.hostname ?? osHostname();
    this.pid = options.pid ?? process.pid;
    this.clock = options.clock ?? Date.now;
    this.randomId = options.randomId ?? (() => randomBytes(12).toString('hex'));
    this.processes = options.processes ?? systemProcessTable;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.profile = options.profile;
    this.region = options.region;
  }

  get location(): string {
    return `s3://${this.bucket}/${this.key}`;
  }

  get lockLocation(): string {
    return `s3://${this.bucket}/${this.lockKey}`;
  }

  private get lockKey(): string {
    return `${this.key}.lock`;
  }

  async lock(command: string): Promise<Lock> {
    const { hostname, pid, processes } = this;
    const record = ownLockRecord(
      { id: this.randomId(), hostname, pid, processes, now: this.clock() },
      command,
    );
    for (let round = 0; round < LOCK_ROUNDS; round += 1) {
      try {
        await this.put(this.lockKey, lockRecordText(record), { IfNoneMatch: '*' });
        return this.heldLock(record);
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
      }
      const holder = await this.getLock();
      // Released between our write and this read: try again.
      if (holder !== undefined) throw new StateLockedError(this.lockLocation, infoOf(holder.record));
    }
    throw new StateLockedError(this.lockLocation, (await this.lockHolder()) ?? unknownHolder());
  }

  async read(): Promise<StateDocument | undefined> {
    const object = await this.get(this.key);
    if (object === undefined) {
      this.etag = null;
      return undefined;
    }
    const read = readStateDocument(object.text);
    if (read.problem !== undefined) {
      throw new StateCorruptError(this.location, read.problem, { cause: read.cause });
    }
    this.etag = object.etag;
    return read.document;
  }

  async write(doc: StateDocument): Promise<void> {
    if (this.heldId !== undefined) {
      // A lock removed with `state unlock` (and maybe taken by another run) stops this run's writes too.
      const holder = (await this.getLock())?.record;
      if (holder?.id !== this.heldId) {
        const by = holder ? `now held by ${holder.command} on ${holder.host}, pid ${holder.pid}` : 'removed';
        throw new StateFencedError(this.location, 'lock-lost', `the lock ${this.heldId} was ${by}`);
      }
    }
    const condition = typeof this.etag === 'string' ? { IfMatch: this.etag } : { IfNoneMatch: '*' };
    const { NoSuchKey } = await import('@aws-sdk/client-s3');
    try {
      this.etag = await this.put(this.key, `${JSON.stringify(doc, null, 2)}\n`, condition);
    } catch (error) {
      if (!isPreconditionFailed(error) && !(error instanceof NoSuchKey)) throw error;
      const what =
        'IfMatch' in condition
          ? 'another run wrote or deleted the state since this run read it'
          : 'a state appeared that this run never read';
      throw new StateFencedError(this.location, 'state-changed', what, { cause: error });
    }
  }

  async lockHolder(): Promise<LockInfo | undefined> {
    const found = await this.getLock();
    return found === undefined ? undefined : infoOf(found.record);
  }

  async forceUnlock(lockId: string, options: { evenIfRunning?: boolean } = {}): Promise<LockInfo> {
    const found = await this.getLock();
    if (found === undefined || found.record.id !== lockId) {
      throw new LockNotFoundError(this.lockLocation, lockId, found && infoOf(found.record));
    }
    if (!options.evenIfRunning && holderRunsHere(found.record, this.hostname, this.processes)) {
      throw new LockHolderRunningError(this.lockLocation, infoOf(found.record));
    }
    await this.deleteLock(found.etag);
    return infoOf(found.record);
  }

  private heldLock(record: LockRecord): Lock {
    this.heldId = record.id;
    let released = false;
    return {
      info: infoOf(record),
      release: async () => {
        if (released) return;
        released = true;
        if (this.heldId === record.id) this.heldId = undefined;
        // Deleted only while it is still ours, and only that version of it (If-Match on its ETag).
        try {
          const found = await this.getLock();
          if (found?.record.id === record.id) await this.deleteLock(found.etag);
        } catch {
          // Runs in a `finally`: never hides the run's own error. `state unlock` removes a leftover lock.
        }
      },
    };
  }

  private async getLock(): Promise<{ record: LockRecord; etag: string } | undefined> {
    const object = await this.get(this.lockKey);
    if (object === undefined) return undefined;
    const record = parseLockRecord(object.text) ?? {
      ...unknownRecord(),
      id: object.etag.replaceAll('"', ''),
    };
    return { record, etag: object.etag };
  }

  private async deleteLock(etag: string): Promise<void> {
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    const client = await this.client;
    await this.call(() =>
      client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.lockKey, IfMatch: etag })),
    );
  }

  private async get(key: string): Promise<{ text: string; etag: string } | undefined> {
    const { GetObjectCommand, NoSuchKey } = await import('@aws-sdk/client-s3');
    const client = await this.client;
    try {
      const output = await this.call(() =>
        client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })),
      );
      const text = (await output.Body?.transformToString('utf-8')) ?? '';
      return { text, etag: output.ETag ?? '' };
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  /** The new object's ETag. */
  private async put(
    key: string,
    body: string,
    condition: { IfMatch: string } | { IfNoneMatch: string },
  ): Promise<string> {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const client = await this.client;
    const output = await this.call(() =>
      client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ...condition,
        }),
      ),
    );
    return output.ETag ?? '';
  }

  /** Retries a conditional-write conflict; names the fix for a missing bucket, a denied call, a wrong Region. */
  private async call<T>(send: () => Promise<T>): Promise<T> {
    const { NoSuchBucket } = await import('@aws-sdk/client-s3');
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await send();
      } catch (error) {
        if (isConflict(error) && attempt < CONFLICT_ATTEMPTS) {
          await this.sleep(CONFLICT_BACKOFF_MS * attempt);
          continue;
        }
        throw this.storeError(error, NoSuchBucket);
      }
    }
  }

  private storeError(error: unknown, noSuchBucket: typeof NoSuchBucket): unknown {
    const credentials = credentialsErrorOf(error, this.profile);
    if (credentials !== undefined) return credentials;
    if (error instanceof noSuchBucket) {
      return new StateStoreError(
        this.location,
        `the state bucket ${this.bucket} does not exist`,
        `Create it first (mlds never creates the state bucket), with versioning and default encryption on, or fix the state URL. The bucket needs: ${stateIamActions(this.bucket, this.key)}.`,
        { cause: error },
      );
    }
    const name = errorName(error);
    if (name === 'AccessDenied' || name === 'Forbidden' || httpStatus(error) === 403) {
      return new StateStoreError(
        this.location,
        `access to the state bucket ${this.bucket} was denied`,
        `Grant these IAM actions to the credentials mlds runs with (see docs/iam-policy.json): ${stateIamActions(this.bucket, this.key)}.`,
        { cause: error },
      );
    }
    if (name === 'PermanentRedirect' || httpStatus(error) === 301) {
      return new StateStoreError(
        this.location,
        `the state bucket ${this.bucket} is in another Region than ${this.region === undefined ? 'the one' : `${this.region}, the one`} mlds asked`,
        "mlds reaches the state bucket in the workflow's Region (`mlds state`: --region, else AWS_REGION): keep the state in a bucket of that Region.",
        { cause: error },
      );
    }
    return error;
  }
}

function unknownRecord(): LockRecord {
  return { id: 'unknown', host: 'unknown', pid: 0, command: 'unknown', since: 'unknown' };
}

function unknownHolder(): LockInfo {
  return infoOf(unknownRecord());
}
