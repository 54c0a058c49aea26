import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  type BucketLocationConstraint,
  CreateBucketCommand,
  type CreateBucketCommandInput,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  NoSuchBucket,
  NotFound,
  PutBucketTaggingCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { ObservedSettings, StateResource } from '@mlds/core';
import { BucketNameTakenError, ExistingResourceNotFoundError, NotEmptyError } from '../errors.js';
import {
  type Found,
  hasTags,
  type Inspection,
  isOurs,
  type KindHandler,
  mediaLiveRoleArnOf,
  type Observed,
  type OursFound,
  type Precheck,
  type Recorded,
  type Runtime,
  type Target,
  tagList,
  tagRecord,
  targetOf,
} from '../runtime.js';
import { bucketArn } from './s3-bucket-policy.js';
import {
  addRoleStatements,
  allOf,
  blockPublicAccess,
  configure,
  encryptWithSseS3,
  enforceBucketOwner,
  putRolePolicy,
} from './s3-configure.js';
import { allowWritesAgain, denyWrites, emptyBucket } from './s3-empty-bucket.js';
import { bucketNotYetVisible, hasS3Code, statusOf } from './s3-errors.js';
import { readSettings } from './s3-settings.js';

export {
  DENY_WRITES_SID,
  MEDIALIVE_LIST_SID,
  MEDIALIVE_WRITE_SID,
  mediaLiveBucketPolicy,
} from './s3-bucket-policy.js';

/** Rounds of emptying when DeleteBucket still finds objects (written before the deny took effect). */
const EMPTY_ROUNDS = 3;

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

async function headBucket(rt: Runtime, s3: S3Client, target: Target): Promise<void> {
  await rt.call(target.address, () => s3.send(new HeadBucketCommand({ Bucket: target.name })));
}

/** What HeadBucket's failure says of the bucket: absent, or not ours to touch. Any other failure is thrown. */
function foundByHeadError(error: unknown): Exclude<Found, OursFound> {
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

function foundByBucketTags(rt: Runtime, target: Target, tags: Record<string, string>): Found {
  if (!isOurs(tags, rt.workflow)) return { status: 'foreign', tags };
  return { status: 'ours', tags, recorded: { arn: bucketArn(target) } };
}

/** What blocks the delete without --force: a version or a delete marker. NoSuchBucket is the caller's to read. */
async function versionsInspection(rt: Runtime, resource: StateResource): Promise<Inspection> {
  const s3 = await rt.clients.s3(resource.region);
  const page = await rt.call(resource.address, () =>
    s3.send(new ListObjectVersionsCommand({ Bucket: resource.name, MaxKeys: 1 })),
  );
  const any = (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0) > 0;
  return any ? { gone: false, blocker: 'the bucket holds objects or object versions' } : { gone: false };
}

/** `find`'s answer, and when the bucket is ours, what was read beside it. */
type FoundWith<T> = { found: Exclude<Found, OursFound> } | { found: OursFound; more: T };

/**
 * `find`, with `more` (reads that need only the bucket's name) asked at the same time as its own two: one round
 * trip instead of three. `more`'s answer counts only for a bucket found ours. A bucket HeadBucket lists that the
 * other reads do not yet (NoSuchBucket, S3 catching up on a bucket just made) is read again one call after the
 * other, as `find` reads it, waiting for it to show.
 */
async function findWith<T>(rt: Runtime, target: Target, more: () => Promise<T>): Promise<FoundWith<T>> {
  const s3 = await rt.clients.s3(target.region);
  const [head, tagging, extra] = await Promise.allSettled([
    headBucket(rt, s3, target),
    rt.call(target.address, () => s3.send(new GetBucketTaggingCommand({ Bucket: target.name }))),
    more(),
  ]);
  if (head.status === 'rejected') return { found: foundByHeadError(head.reason) };
  const notYetListed = (answer: PromiseSettledResult<unknown>) =>
    answer.status === 'rejected' && answer.reason instanceof NoSuchBucket;
  if (notYetListed(tagging) || notYetListed(extra)) {
    const found = await s3BucketHandler.find(rt, target);
    return found.status === 'ours' ? { found, more: await more() } : { found };
  }
  let tags: Record<string, string>;
  if (tagging.status === 'fulfilled') tags = tagRecord(tagging.value.TagSet);
  else if (hasS3Code(tagging.reason, 'NoSuchTagSet')) tags = {};
  else throw tagging.reason;
  const found = foundByBucketTags(rt, target, tags);
  if (found.status !== 'ours') return { found };
  if (extra.status === 'rejected') throw extra.reason;
  return { found, more: extra.value };
}

export const s3BucketHandler: KindHandler = {
  // S3 models none of its throttling or server errors: SlowDown, InternalError and 5xx go by name and status.
  retryable: [],
  async find(rt, target): Promise<Found> {
    try {
      await headBucket(rt, await rt.clients.s3(target.region), target);
    } catch (error) {
      return foundByHeadError(error);
    }
    return foundByBucketTags(rt, target, await readBucketTags(rt, target));
  },

  async read(rt, target): Promise<Recorded> {
    try {
      await headBucket(rt, await rt.clients.s3(target.region), target);
    } catch (error) {
      if (error instanceof NotFound || error instanceof NoSuchBucket) {
        throw new ExistingResourceNotFoundError(target.address, target.name, target.region, {
          cause: error,
          missing:
            'no Region has a bucket of that name; check the name under buckets: in the workflow file, or create the bucket',
        });
      }
      // It exists: in another Region (301), or another account's or not listable with these credentials
      // (403). MediaLive writes with its own role, which these credentials cannot speak for.
      const status = error instanceof S3ServiceException ? statusOf(error) : undefined;
      if (status !== 301 && status !== 403) throw error;
    }
    return { arn: bucketArn(target) };
  },

  async precheck(rt, resource): Promise<Precheck> {
    // The versions' NoSuchBucket, as the tags', is S3 catching up when HeadBucket lists the bucket: not `gone`.
    const read = await findWith(rt, targetOf(resource), () => versionsInspection(rt, resource));
    return 'more' in read ? { found: read.found, inspection: read.more } : read;
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
    // A new bucket already has Block Public Access on and SSE-S3 encryption: AWS's defaults for every new bucket
    // since 2023 (domain.md, S3), exactly what mlds would set. Only the MediaLive role's policy is added; an adopted
    // or updated bucket, which may be older or edited, gets every setting (configure), and refresh checks them.
    const roleArn = mediaLiveRoleArnOf(target.properties);
    if (roleArn) await putRolePolicy(rt, target, roleArn);
    return { arn: bucketArn(target) };
  },

  async adopt(rt, target, found) {
    const s3 = await rt.clients.s3(target.region);
    // The crashed run may have stopped anywhere after CreateBucket: redo every setting, each is idempotent and
    // independent of the others, so all at once.
    await allOf([
      enforceBucketOwner(rt, target),
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

  // Only what differs, each call independent of the others; every one settled before this returns. The import
  // asks for ObjectOwnership alone, before the tag (core's madeBeforeTagging): S3 may refuse it.
  async settleForImport(rt, target, _found, settings) {
    const roleArn = mediaLiveRoleArnOf(target.properties);
    await allOf([
      ...(settings.includes('objectOwnership') ? [enforceBucketOwner(rt, target)] : []),
      ...(settings.includes('publicAccessBlock') ? [blockPublicAccess(rt, target)] : []),
      ...(settings.includes('encryption') ? [encryptWithSseS3(rt, target)] : []),
      ...(settings.includes('policy') && roleArn ? [addRoleStatements(rt, target, roleArn)] : []),
    ]);
    return {};
  },

  async update(rt, target, current, changes) {
    const s3 = await rt.clients.s3(target.region);
    // A refresh found the bucket's ACLs enabled again: made first, as it is the one S3 may refuse (an ACL that
    // grants others: BucketAclInUseError names the fix), before anything else changes.
    if (changes.includes('objectOwnership')) await enforceBucketOwner(rt, target);
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
    let read: FoundWith<ObservedSettings>;
    try {
      read = await findWith(rt, target, () => readSettings(rt, target));
    } catch (error) {
      // Deleted between HeadBucket and the reads after it.
      if (error instanceof NoSuchBucket) return { exists: false };
      throw error;
    }
    if ('more' in read) return { exists: true, tags: read.found.tags, settings: read.more };
    const { found } = read;
    if (found.status === 'absent') return { exists: false };
    // Not ours (another workflow's tag, or none): nothing more to compare, apply refuses it. Its tags go along, so
    // that the refresh names the workflow whose tag it now carries instead of calling this workflow's tag gone.
    return {
      exists: true,
      tags: found.tags ?? {},
      settings: {},
      ...(found.reason ? { notOurs: found.reason } : {}),
    };
  },

  async inspect(rt, resource) {
    try {
      return await versionsInspection(rt, resource);
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
