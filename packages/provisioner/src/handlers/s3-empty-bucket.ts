import {
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  NoSuchBucket,
  type ObjectIdentifier,
  PutBucketPolicyCommand,
} from '@aws-sdk/client-s3';
import type { StateResource } from '@mlds/core';
import { Semaphore } from '../concurrency.js';
import type { Runtime, Target } from '../runtime.js';
import {
  bucketArn,
  DENY_WRITES_SID,
  type PolicyDocument,
  readPolicy,
  statementsOf,
} from './s3-bucket-policy.js';
import { bucketNotYetVisible } from './s3-errors.js';

// A forced destroy empties the bucket first, with writes denied so a running channel cannot refill it.

/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;
/** DeleteObjects calls in flight while the listing goes on. */
const DELETE_PAGES_IN_PARALLEL = 4;

/** Removes the deny a forced destroy adds, keeping every other statement. */
export async function allowWritesAgain(rt: Runtime, target: Target): Promise<void> {
  const policy = await readPolicy(rt, target, bucketNotYetVisible);
  if (!policy) return;
  const statements = statementsOf(policy);
  const kept = statements.filter((statement) => statement.Sid !== DENY_WRITES_SID);
  if (kept.length === statements.length) return;
  const s3 = await rt.clients.s3(target.region);
  if (kept.length === 0) {
    await rt.call(target.address, () => s3.send(new DeleteBucketPolicyCommand({ Bucket: target.name })));
    return;
  }
  const next = JSON.stringify({ ...policy, Statement: kept });
  await rt.call(target.address, () =>
    s3.send(new PutBucketPolicyCommand({ Bucket: target.name, Policy: next })),
  );
}

/**
 * Adds a Deny on s3:PutObject for everyone, keeping the existing statements, so a running channel cannot refill
 * the bucket while it is emptied. False when the bucket is already gone.
 */
export async function denyWrites(rt: Runtime, resource: StateResource): Promise<boolean> {
  const s3 = await rt.clients.s3(resource.region);
  let policy: PolicyDocument = { Version: '2012-10-17', Statement: [] };
  try {
    policy = (await readPolicy(rt, resource)) ?? policy;
  } catch (error) {
    if (error instanceof NoSuchBucket) return false;
    throw error;
  }
  const statements = statementsOf(policy);
  if (statements.some((statement) => statement.Sid === DENY_WRITES_SID)) return true;
  const next = {
    ...policy,
    Version: policy.Version ?? '2012-10-17',
    Statement: [
      ...statements,
      {
        Sid: DENY_WRITES_SID,
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: `${bucketArn(resource)}/*`,
      },
    ],
  };
  await rt.call(resource.address, () =>
    s3.send(new PutBucketPolicyCommand({ Bucket: resource.name, Policy: JSON.stringify(next) })),
  );
  return true;
}

/** One DeleteObjects page failed in part; named after the first key's error code so throttling is retried. */
class BatchDeleteError extends Error {
  constructor(
    code: string,
    readonly failed: number,
    detail: string,
  ) {
    super(`DeleteObjects could not delete ${failed} object version(s): ${code}: ${detail}`);
    this.name = code;
  }
}

/** Deletes every object version and delete marker: pages are listed in turn and deleted in parallel. */
export async function emptyBucket(rt: Runtime, resource: StateResource): Promise<void> {
  const s3 = await rt.clients.s3(resource.region);
  const pool = new Semaphore(DELETE_PAGES_IN_PARALLEL);
  const running: Promise<void>[] = [];
  const errors: unknown[] = [];
  let deleted = 0;

  const deleteBatch = async (batch: ObjectIdentifier[]) => {
    let remaining = batch;
    await rt.call(resource.address, async () => {
      const output = await s3.send(
        new DeleteObjectsCommand({ Bucket: resource.name, Delete: { Objects: remaining, Quiet: true } }),
      );
      const failures = output.Errors ?? [];
      const failedKeys = new Set(failures.map((failure) => `${failure.Key}\u0000${failure.VersionId ?? ''}`));
      deleted += remaining.length - failures.length;
      remaining = remaining.filter((object) =>
        failedKeys.has(`${object.Key}\u0000${object.VersionId ?? ''}`),
      );
      const first = failures[0];
      if (first) throw new BatchDeleteError(first.Code ?? 'Unknown', failures.length, first.Message ?? '');
    });
  };

  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page: ListObjectVersionsCommandOutput = await rt.call(resource.address, () =>
      s3.send(
        new ListObjectVersionsCommand({
          Bucket: resource.name,
          ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
          ...(versionIdMarker === undefined ? {} : { VersionIdMarker: versionIdMarker }),
        }),
      ),
    );
    const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map(
      (entry) => ({
        Key: entry.Key ?? '',
        ...(entry.VersionId === undefined ? {} : { VersionId: entry.VersionId }),
      }),
    );
    for (let start = 0; start < objects.length; start += DELETE_BATCH) {
      const batch = objects.slice(start, start + DELETE_BATCH);
      running.push(pool.run(() => deleteBatch(batch)).catch((error: unknown) => void errors.push(error)));
    }
    if (errors.length > 0 || !page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
  await Promise.all(running);
  if (errors.length > 0) throw errors[0];
  if (deleted > 0) rt.progress(resource.address, `deleted ${deleted} object version(s)`);
}
