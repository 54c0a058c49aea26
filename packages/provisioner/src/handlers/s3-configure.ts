import {
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { BucketAclInUseError } from '../errors.js';
import { withStatements } from '../policy-statements.js';
import { mediaLiveRoleArnOf, type Runtime, type Target } from '../runtime.js';
import { mediaLiveBucketPolicy, readPolicy } from './s3-bucket-policy.js';
import { bucketNotYetVisible, hasS3Code } from './s3-errors.js';

// What a new bucket is given after CreateBucket; adopt, update and import make the same calls for what is missing.

export async function putRolePolicy(rt: Runtime, target: Target, roleArn: string): Promise<void> {
  const s3 = await rt.clients.s3(target.region);
  const policy = mediaLiveBucketPolicy(target.name, target.region, roleArn);
  await rt.call(
    target.address,
    () => s3.send(new PutBucketPolicyCommand({ Bucket: target.name, Policy: JSON.stringify(policy) })),
    bucketNotYetVisible,
  );
}

/**
 * Public access blocked, SSE-S3 on, the MediaLive role's policy: each call idempotent and independent of the
 * others (each needs only the bucket), so they run at once. Every one is settled before this returns, so no
 * call is still in flight when the engine records the outcome; the first failure is the one reported.
 */
export async function configure(rt: Runtime, target: Target): Promise<void> {
  const roleArn = mediaLiveRoleArnOf(target.properties);
  await allOf([
    blockPublicAccess(rt, target),
    encryptWithSseS3(rt, target),
    ...(roleArn ? [putRolePolicy(rt, target, roleArn)] : []),
  ]);
}

/**
 * ACLs disabled, the bucket owning every object (what CreateBucket's ObjectOwnership gives a new bucket). S3
 * refuses it, changing nothing, while the bucket's ACL grants anyone but its owner: that is a BucketAclInUseError
 * naming the bucket and the fix, never retried.
 */
export async function enforceBucketOwner(rt: Runtime, target: Target): Promise<void> {
  const s3 = await rt.clients.s3(target.region);
  try {
    await rt.call(
      target.address,
      () =>
        s3.send(
          new PutBucketOwnershipControlsCommand({
            Bucket: target.name,
            OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          }),
        ),
      bucketNotYetVisible,
    );
  } catch (error) {
    if (hasS3Code(error, 'InvalidBucketAclWithObjectOwnership')) {
      throw new BucketAclInUseError(target.name, { cause: error });
    }
    throw error;
  }
}

export async function encryptWithSseS3(rt: Runtime, target: Target): Promise<void> {
  const s3 = await rt.clients.s3(target.region);
  await rt.call(
    target.address,
    () =>
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: target.name,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        }),
      ),
    bucketNotYetVisible,
  );
}

/** `mlds import`: the role's statements added to the bucket's policy, its other statements kept. */
export async function addRoleStatements(rt: Runtime, target: Target, roleArn: string): Promise<void> {
  const s3 = await rt.clients.s3(target.region);
  const current = await readPolicy(rt, target);
  const policy = withStatements(
    current === undefined ? undefined : JSON.stringify(current),
    mediaLiveBucketPolicy(target.name, target.region, roleArn).Statement,
  );
  await rt.call(target.address, () =>
    s3.send(new PutBucketPolicyCommand({ Bucket: target.name, Policy: policy })),
  );
}

/** Waits for every call, then throws the first failure: nothing is left in flight when a handler returns. */
export async function allOf(calls: Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

export async function blockPublicAccess(rt: Runtime, target: Target): Promise<void> {
  const s3 = await rt.clients.s3(target.region);
  await rt.call(
    target.address,
    () =>
      s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: target.name,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        }),
      ),
    bucketNotYetVisible,
  );
}
