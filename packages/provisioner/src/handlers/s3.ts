import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  type BucketLocationConstraint,
  CreateBucketCommand,
  type CreateBucketCommandInput,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  NoSuchBucket,
  NotFound,
  type ObjectIdentifier,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { ObservedSettings, StateResource } from '@mlds/core';
import { Semaphore } from '../concurrency.js';
import { BucketNameTakenError, NotEmptyError } from '../errors.js';
import { withStatements } from '../policy-statements.js';
import {
  type Found,
  hasTags,
  isOurs,
  type KindHandler,
  mediaLiveRoleArnOf,
  type Observed,
  partitionOf,
  type Runtime,
  type Target,
  tagList,
  tagRecord,
  targetOf,
} from '../runtime.js';

/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;
/** DeleteObjects calls in flight while the listing goes on. */
const DELETE_PAGES_IN_PARALLEL = 4;
/** Rounds of emptying when DeleteBucket still finds objects (written before the deny took effect). */
const EMPTY_ROUNDS = 3;

export const DENY_WRITES_SID = 'MldsDenyWritesWhileDestroying';
export const MEDIALIVE_WRITE_SID = 'MldsMediaLiveWrite';
export const MEDIALIVE_LIST_SID = 'MldsMediaLiveList';

/** S3 error codes without a modelled class in the SDK. */
function hasS3Code(error: unknown, code: string): boolean {
  return error instanceof S3ServiceException && error.name === code;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

const bucketNotYetVisible = (error: unknown) =>
  error instanceof NoSuchBucket ? 'not yet consistent (NoSuchBucket)' : undefined;

function bucketArn(target: { name: string; region: string }): string {
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

async function readBucketTags(rt: Runtime, target: Target): Promise<Record<string, string>> {
  const s3 = await rt.clients.s3(target.region);
  try {
    const output = await rt.call(
      target.address,
      () => s3.send(new GetBucketTaggingCommand({ Bucket: target.name })),
      bucketNotYetVisible,
    );
    return tagRecord(output.TagSet);
  } catch (error) {
    if (hasS3Code(error, 'NoSuchTagSet')) return {};
    throw error;
  }
}

async function putRolePolicy(rt: Runtime, target: Target, roleArn: string): Promise<void> {
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
async function configure(rt: Runtime, target: Target): Promise<void> {
  const roleArn = mediaLiveRoleArnOf(target.properties);
  await allOf([
    blockPublicAccess(rt, target),
    encryptWithSseS3(rt, target),
    ...(roleArn ? [putRolePolicy(rt, target, roleArn)] : []),
  ]);
}

async function encryptWithSseS3(rt: Runtime, target: Target): Promise<void> {
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
async function addRoleStatements(rt: Runtime, target: Target, roleArn: string): Promise<void> {
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

/** What mlds sets on a bucket, as it is now: read in parallel, whatever the bucket's tags. */
async function readSettings(rt: Runtime, target: Target): Promise<ObservedSettings> {
  const [publicAccessBlocked, encryption, policy] = await Promise.all([
    readPublicAccessBlocked(rt, target),
    readEncryption(rt, target),
    readPolicy(rt, target),
  ]);
  return {
    publicAccessBlocked,
    encryption,
    mediaLiveRoleArn: policy === undefined ? null : mediaLiveRoleIn(policy, target),
  };
}

/** Waits for every call, then throws the first failure: nothing is left in flight when a handler returns. */
async function allOf(calls: Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

async function blockPublicAccess(rt: Runtime, target: Target): Promise<void> {
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

export const s3BucketHandler: KindHandler = {
  // S3 models none of its throttling or server errors: SlowDown, InternalError and 5xx go by name and status.
  retryable: [],
  async find(rt, target): Promise<Found> {
    const s3 = await rt.clients.s3(target.region);
    try {
      await rt.call(target.address, () => s3.send(new HeadBucketCommand({ Bucket: target.name })));
    } catch (error) {
      if (error instanceof NotFound || error instanceof NoSuchBucket) return { status: 'absent' };
      // 301: ours-by-name cannot be in another Region. 403 is ambiguous: another account's bucket, or
      // credentials without s3:ListBucket; the error must say both.
      const status = error instanceof S3ServiceException ? statusOf(error) : undefined;
      if (status === 301) return { status: 'foreign', reason: 'it is in another Region' };
      if (status === 403) {
        return {
          status: 'foreign',
          reason:
            'HeadBucket was denied (403): another account owns it, or these credentials lack s3:ListBucket on it',
        };
      }
      throw error;
    }
    const tags = await readBucketTags(rt, target);
    if (!isOurs(tags, rt.workflow)) return { status: 'foreign', tags };
    return { status: 'ours', tags, recorded: { arn: bucketArn(target) } };
  },

  async create(rt, target) {
    const s3 = await rt.clients.s3(target.region);
    // us-east-1 answers CreateBucket with 200 for a bucket this account already owns, tagged or not, so the
    // existing one must be found (and its tag checked) before, not after.
    if (target.region === 'us-east-1' && (await s3BucketHandler.find(rt, target)).status !== 'absent')
      return { exists: true };
    const tags = tagList(target.tags);
    const configuration: NonNullable<CreateBucketCommandInput['CreateBucketConfiguration']> = {
      // us-east-1 rejects its own name as a LocationConstraint (InvalidLocationConstraint).
      ...(target.region === 'us-east-1'
        ? {}
        : { LocationConstraint: target.region as BucketLocationConstraint }),
      ...(tags.length > 0 ? { Tags: tags } : {}),
    };
    try {
      await rt.call(target.address, () =>
        s3.send(
          new CreateBucketCommand({
            Bucket: target.name,
            ObjectOwnership: 'BucketOwnerEnforced',
            ...(Object.keys(configuration).length > 0 ? { CreateBucketConfiguration: configuration } : {}),
          }),
        ),
      );
    } catch (error) {
      if (error instanceof BucketAlreadyExists) throw new BucketNameTakenError(target.name, { cause: error });
      if (error instanceof BucketAlreadyOwnedByYou) return { exists: true };
      throw error;
    }
    await configure(rt, target);
    return { arn: bucketArn(target) };
  },

  async adopt(rt, target, found) {
    const s3 = await rt.clients.s3(target.region);
    // The crashed run may have stopped anywhere after CreateBucket: redo every setting, each is idempotent and
    // independent of the others, so all at once.
    await allOf([
      rt.call(
        target.address,
        () =>
          s3.send(
            new PutBucketOwnershipControlsCommand({
              Bucket: target.name,
              OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
            }),
          ),
        bucketNotYetVisible,
      ),
      ...(hasTags(found.tags, target.tags)
        ? []
        : [
            rt.call(target.address, () =>
              s3.send(
                new PutBucketTaggingCommand({
                  Bucket: target.name,
                  Tagging: { TagSet: tagList({ ...found.tags, ...target.tags }) },
                }),
              ),
            ),
          ]),
      configure(rt, target),
      // With a role, configure replaces the whole policy; without one, a deny left by a forced destroy that
      // stopped midway would still refuse every write.
      ...(mediaLiveRoleArnOf(target.properties) ? [] : [allowWritesAgain(rt, target)]),
    ]);
    return found.recorded;
  },

  // PutBucketTagging replaces the whole set: the bucket's own tags are sent back with ours, its `aws:` system
  // tags (a CloudFormation stack's) included, which S3 requires when they exist ("System Tags cannot be removed
  // by requester"; cloud-custodian#2861).
  async tagForImport(rt, target, found) {
    const s3 = await rt.clients.s3(target.region);
    await rt.call(target.address, () =>
      s3.send(
        new PutBucketTaggingCommand({
          Bucket: target.name,
          Tagging: { TagSet: tagList({ ...found.tags, ...target.tags }) },
        }),
      ),
    );
  },

  async importSettings(rt, target) {
    return readSettings(rt, target);
  },

  // Only what differs, each call independent of the others; every one settled before this returns.
  async settleForImport(rt, target, _found, settings) {
    const roleArn = mediaLiveRoleArnOf(target.properties);
    await allOf([
      ...(settings.includes('publicAccessBlock') ? [blockPublicAccess(rt, target)] : []),
      ...(settings.includes('encryption') ? [encryptWithSseS3(rt, target)] : []),
      ...(settings.includes('policy') && roleArn ? [addRoleStatements(rt, target, roleArn)] : []),
    ]);
    return {};
  },

  async update(rt, target, current, changes) {
    const s3 = await rt.clients.s3(target.region);
    // A refresh found settings mlds made changed outside it: all of them are made again (idempotent calls,
    // the role's policy included).
    const reconfigured = changes.includes('publicAccessBlock') || changes.includes('encryption');
    if (reconfigured) await configure(rt, target);
    const actual = await readBucketTags(rt, target);
    const next = { ...actual };
    for (const key of Object.keys(current.tags ?? {})) if (!(key in target.tags)) delete next[key];
    Object.assign(next, target.tags);
    if (JSON.stringify(Object.entries(next).sort()) !== JSON.stringify(Object.entries(actual).sort())) {
      await rt.call(target.address, () =>
        s3.send(new PutBucketTaggingCommand({ Bucket: target.name, Tagging: { TagSet: tagList(next) } })),
      );
    }
    const roleArn = mediaLiveRoleArnOf(target.properties);
    const roleChanged = roleArn !== mediaLiveRoleArnOf(current.properties ?? {});
    if (roleChanged || changes.includes('policy')) {
      if (roleArn) {
        if (!reconfigured) await putRolePolicy(rt, target, roleArn);
      } else if (roleChanged)
        await rt.call(target.address, () => s3.send(new DeleteBucketPolicyCommand({ Bucket: target.name })));
    }
    return { arn: bucketArn(target) };
  },

  async observe(rt, resource): Promise<Observed> {
    const target = targetOf(resource);
    const found = await s3BucketHandler.find(rt, target);
    if (found.status === 'absent') return { exists: false };
    // Not ours (another workflow's tag, or none): nothing more to compare, apply refuses it.
    if (found.status === 'foreign') {
      return { exists: true, tags: {}, settings: {}, ...(found.reason ? { notOurs: found.reason } : {}) };
    }
    try {
      return { exists: true, tags: found.tags, settings: await readSettings(rt, target) };
    } catch (error) {
      // Deleted between HeadBucket and these reads.
      if (error instanceof NoSuchBucket) return { exists: false };
      throw error;
    }
  },

  async inspect(rt, resource) {
    const s3 = await rt.clients.s3(resource.region);
    try {
      const page = await rt.call(resource.address, () =>
        s3.send(new ListObjectVersionsCommand({ Bucket: resource.name, MaxKeys: 1 })),
      );
      const any = (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0) > 0;
      return any ? { gone: false, blocker: 'the bucket holds objects or object versions' } : { gone: false };
    } catch (error) {
      if (error instanceof NoSuchBucket) return { gone: true };
      throw error;
    }
  },

  async delete(rt, resource, { force }) {
    const s3 = await rt.clients.s3(resource.region);
    if (force) {
      if (!(await denyWrites(rt, resource))) return;
      await emptyBucket(rt, resource);
    }
    for (let round = 1; ; round++) {
      try {
        await rt.call(resource.address, () => s3.send(new DeleteBucketCommand({ Bucket: resource.name })));
        break;
      } catch (error) {
        if (error instanceof NoSuchBucket) return;
        if (!hasS3Code(error, 'BucketNotEmpty')) throw error;
        if (!force) {
          throw new NotEmptyError([
            {
              address: resource.address,
              name: resource.name,
              reason: 'objects were written to the bucket meanwhile',
            },
          ]);
        }
        if (round >= EMPTY_ROUNDS) throw error;
        await emptyBucket(rt, resource);
      }
    }
    await rt.waitUntil(resource.address, 'bucket deleted', async () => {
      try {
        await rt.call(resource.address, () => s3.send(new HeadBucketCommand({ Bucket: resource.name })));
        return { done: false, status: 'still listed' };
      } catch (error) {
        if (error instanceof NotFound || error instanceof NoSuchBucket)
          return { done: true, value: undefined };
        throw error;
      }
    });
  },
};

interface PolicyDocument {
  Version?: string;
  Statement?: { Sid?: string }[] | { Sid?: string };
}

function statementsOf(policy: PolicyDocument): { Sid?: string }[] {
  if (Array.isArray(policy.Statement)) return policy.Statement;
  return policy.Statement ? [policy.Statement] : [];
}

/** The bucket's policy, or undefined when it has none. */
async function readPolicy(
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

/** Removes the deny a forced destroy adds, keeping every other statement. */
async function allowWritesAgain(rt: Runtime, target: Target): Promise<void> {
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
async function denyWrites(rt: Runtime, resource: StateResource): Promise<boolean> {
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
async function emptyBucket(rt: Runtime, resource: StateResource): Promise<void> {
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
