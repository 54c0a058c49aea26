import { GetBucketPolicyCommand } from '@aws-sdk/client-s3';
import { partitionOf, type Runtime } from '../runtime.js';
import { hasS3Code } from './s3-errors.js';

// The bucket's ARN and policy: the statements mlds writes for the MediaLive role, and the policy as S3 has it.

export const DENY_WRITES_SID = 'MldsDenyWritesWhileDestroying';
export const MEDIALIVE_WRITE_SID = 'MldsMediaLiveWrite';
export const MEDIALIVE_LIST_SID = 'MldsMediaLiveList';

export function bucketArn(target: { name: string; region: string }): string {
  return `arn:${partitionOf(target.region)}:s3:::${target.name}`;
}

/** MediaLive writes HLS/Archive/Frame Capture output with put, get, delete and list on the bucket. */
export function mediaLiveBucketPolicy(bucket: string, region: string, roleArn: string) {
  const arn = bucketArn({ name: bucket, region });
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: MEDIALIVE_WRITE_SID,
        Effect: 'Allow',
        Principal: { AWS: roleArn },
        Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
        Resource: `${arn}/*`,
      },
      {
        Sid: MEDIALIVE_LIST_SID,
        Effect: 'Allow',
        Principal: { AWS: roleArn },
        Action: 's3:ListBucket',
        Resource: arn,
      },
    ],
  };
}

export interface PolicyDocument {
  Version?: string;
  Statement?: { Sid?: string }[] | { Sid?: string };
}

export function statementsOf(policy: PolicyDocument): { Sid?: string }[] {
  if (Array.isArray(policy.Statement)) return policy.Statement;
  return policy.Statement ? [policy.Statement] : [];
}

/** The bucket's policy, or undefined when it has none. */
export async function readPolicy(
  rt: Runtime,
  target: { address: string; name: string; region: string },
  alsoRetry?: (error: unknown) => string | undefined,
): Promise<PolicyDocument | undefined> {
  const s3 = await rt.clients.s3(target.region);
  try {
    const output = await rt.call(
      target.address,
      () => s3.send(new GetBucketPolicyCommand({ Bucket: target.name })),
      alsoRetry,
    );
    return output.Policy ? (JSON.parse(output.Policy) as PolicyDocument) : undefined;
  } catch (error) {
    if (hasS3Code(error, 'NoSuchBucketPolicy')) return undefined;
    throw error;
  }
}
