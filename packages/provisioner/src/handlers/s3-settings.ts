import {
  GetBucketEncryptionCommand,
  GetBucketOwnershipControlsCommand,
  GetPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import type { ObservedSettings } from '@mlds/core';
import type { Runtime, Target } from '../runtime.js';
import {
  MEDIALIVE_WRITE_SID,
  mediaLiveBucketPolicy,
  type PolicyDocument,
  readPolicy,
  statementsOf,
} from './s3-bucket-policy.js';
import { hasS3Code } from './s3-errors.js';

// The settings mlds makes, read back as the bucket has them now, for refresh to compare and import to settle.

/**
 * What mlds sets on a bucket, as it is now: read in parallel, whatever the bucket's tags. Refresh compares it and
 * import settles it; ObjectOwnership included, which apply gives every bucket and an update makes again.
 */
export async function readSettings(rt: Runtime, target: Target): Promise<ObservedSettings> {
  const [objectOwnership, publicAccessBlocked, encryption, policy] = await Promise.all([
    readObjectOwnership(rt, target),
    readPublicAccessBlocked(rt, target),
    readEncryption(rt, target),
    readPolicy(rt, target),
  ]);
  return {
    objectOwnership,
    publicAccessBlocked,
    encryption,
    mediaLiveRoleArn: policy === undefined ? null : mediaLiveRoleIn(policy, target),
  };
}

/** The bucket's ObjectOwnership rule; null without ownership controls (ACLs enabled). */
async function readObjectOwnership(rt: Runtime, target: Target): Promise<string | null> {
  const s3 = await rt.clients.s3(target.region);
  try {
    const output = await rt.call(target.address, () =>
      s3.send(new GetBucketOwnershipControlsCommand({ Bucket: target.name })),
    );
    return output.OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? null;
  } catch (error) {
    if (hasS3Code(error, 'OwnershipControlsNotFoundError')) return null;
    throw error;
  }
}

async function readPublicAccessBlocked(rt: Runtime, target: Target): Promise<boolean> {
  const s3 = await rt.clients.s3(target.region);
  try {
    const output = await rt.call(target.address, () =>
      s3.send(new GetPublicAccessBlockCommand({ Bucket: target.name })),
    );
    const c = output.PublicAccessBlockConfiguration ?? {};
    return (
      c.BlockPublicAcls === true &&
      c.IgnorePublicAcls === true &&
      c.BlockPublicPolicy === true &&
      c.RestrictPublicBuckets === true
    );
  } catch (error) {
    if (hasS3Code(error, 'NoSuchPublicAccessBlockConfiguration')) return false;
    throw error;
  }
}

/** The default encryption's algorithm; null without a rule. */
async function readEncryption(rt: Runtime, target: Target): Promise<string | null> {
  const s3 = await rt.clients.s3(target.region);
  try {
    const output = await rt.call(target.address, () =>
      s3.send(new GetBucketEncryptionCommand({ Bucket: target.name })),
    );
    const rule = output.ServerSideEncryptionConfiguration?.Rules?.[0];
    return rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null;
  } catch (error) {
    if (hasS3Code(error, 'ServerSideEncryptionConfigurationNotFoundError')) return null;
    throw error;
  }
}

/** The role whose statements mlds writes are all in the policy as mlds writes them; null otherwise. */
function mediaLiveRoleIn(policy: PolicyDocument, target: Target): string | null {
  const statements = statementsOf(policy) as Record<string, unknown>[];
  const write = statements.find((statement) => statement.Sid === MEDIALIVE_WRITE_SID);
  const principal = (write?.Principal as { AWS?: unknown } | undefined)?.AWS;
  if (typeof principal !== 'string') return null;
  const wanted = mediaLiveBucketPolicy(target.name, target.region, principal).Statement;
  const intact = wanted.every((expected) =>
    statements.some((statement) => sameStatement(statement, expected)),
  );
  return intact ? principal : null;
}

/** Equal as IAM reads them: a lone action equals a list of one, the order of actions does not count. */
function sameStatement(actual: Record<string, unknown>, expected: Record<string, unknown>): boolean {
  const normal = (statement: Record<string, unknown>) =>
    JSON.stringify(
      Object.keys(statement)
        .sort()
        .map((key) => {
          const value = statement[key];
          return [
            key,
            Array.isArray(value) ? [...value].sort() : typeof value === 'string' ? [value] : value,
          ];
        }),
    );
  return normal(actual) === normal(expected);
}
