import {
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketTaggingCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { normalizeWorkflow, planWorkflow, type StateDocument, type WorkflowInput } from '@mlds/core';
import { aDownstream, aWorkflow, createFakeCloud } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import {
  ApplyFailedError,
  apply,
  BucketAclInUseError,
  type ImportPreview,
  ImportRefusedError,
  importResource,
  refresh,
} from '../src/index.js';
import {
  answerBucketSettingsAsMade,
  everyEntry,
  MemoryStateStore,
  meta,
  mockedClients,
  noOwnershipControls,
  planOf,
  tagsOf,
  virtualTime,
  WORKFLOW,
} from './helpers.js';

// `mlds import` of a bucket makes ObjectOwnership BucketOwnerEnforced, as apply's adopt does, when the bucket has
// ACLs enabled: shown before the question, made first (before the tag), exact SDK inputs. S3 refuses it while the
// bucket's ACL grants others (InvalidBucketAclWithObjectOwnership, 400): then the import is refused naming the
// bucket and the fix, the bucket is untagged and the state is as it was read.

const BUCKET = 'curling-live-archive-p0';
const ARCHIVE: Partial<WorkflowInput> = {
  downstream: [aDownstream('s3', { name: 'archive', format: 'archive' })],
};
const ENFORCE = {
  Bucket: BUCKET,
  OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
};
const TAGGING = {
  Bucket: BUCKET,
  Tagging: { TagSet: Object.entries(tagsOf('archive')).map(([Key, Value]) => ({ Key, Value })) },
};

/** A bucket from before 2023: ACLs enabled (ObjectWriter), every other setting as apply makes it. */
function bucketWithAclsEnabled(mocks: ReturnType<typeof mockedClients>['mocks']) {
  mocks.s3.on(HeadBucketCommand).resolves({});
  mocks.s3
    .on(GetBucketTaggingCommand)
    .resolvesOnce({ TagSet: [] })
    .resolves({ TagSet: TAGGING.Tagging.TagSet });
  mocks.s3
    .on(GetBucketOwnershipControlsCommand)
    .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } });
  answerBucketSettingsAsMade(mocks.s3);
  mocks.s3
    .on(GetBucketPolicyCommand)
    .rejects(new S3ServiceException({ name: 'NoSuchBucketPolicy', $fault: 'client', $metadata: meta(404) }));
  mocks.s3.on(PutBucketTaggingCommand).resolves({});
}

async function importBucket(aws: ReturnType<typeof mockedClients>['aws'], store: MemoryStateStore) {
  const previews: ImportPreview[] = [];
  const outcome = await importResource({
    plan: planOf(ARCHIVE, await store.read()),
    address: 'archive.bucket[0]',
    physicalId: BUCKET,
    clients: aws,
    store,
    confirm: async (preview) => {
      previews.push(preview);
      return true;
    },
    ...virtualTime(),
  }).catch((error: unknown) => error);
  return { outcome, previews };
}

const OWNERSHIP_CHANGE = {
  setting: 'objectOwnership',
  from: 'ObjectOwnership ObjectWriter (ACLs enabled)',
  to: 'ObjectOwnership BucketOwnerEnforced (ACLs disabled: the bucket owns every object, as for a bucket apply creates)',
};

describe('importing a bucket whose ACLs are enabled', () => {
  it('shows ObjectOwnership, then makes it BucketOwnerEnforced before the tag and records the bucket', async () => {
    const { aws, mocks } = mockedClients();
    bucketWithAclsEnabled(mocks);
    mocks.s3.on(PutBucketOwnershipControlsCommand).resolves({});
    const store = new MemoryStateStore();

    const { outcome, previews } = await importBucket(aws, store);

    expect((outcome as { outcome?: string }).outcome).toBe('imported');
    expect(previews.map((preview) => preview.settings)).toStrictEqual([[OWNERSHIP_CHANGE]]);
    expect(
      mocks.s3.commandCalls(GetBucketOwnershipControlsCommand).map((c) => c.args[0].input),
    ).toStrictEqual([{ Bucket: BUCKET }]);
    // The mutating calls, in their order: the ownership first, then the tag.
    const mutating = mocks.s3
      .calls()
      .map((call) => [call.args[0].constructor.name, call.args[0].input])
      .filter(([name]) => String(name).startsWith('Put'));
    expect(mutating).toStrictEqual([
      ['PutBucketOwnershipControlsCommand', ENFORCE],
      ['PutBucketTaggingCommand', TAGGING],
    ]);
    expect(store.writes.map((doc) => doc.resources.map((r) => [r.address, r.status]))).toStrictEqual([
      [['archive.bucket[0]', 'creating']],
      [['archive.bucket[0]', 'created']],
    ]);
  });

  it('an ACL granting others: S3 refuses, the import is refused naming the bucket and the fix; untagged, state as read', async () => {
    const { aws, mocks } = mockedClients();
    bucketWithAclsEnabled(mocks);
    mocks.s3.on(PutBucketOwnershipControlsCommand).rejects(
      new S3ServiceException({
        name: 'InvalidBucketAclWithObjectOwnership',
        $fault: 'client',
        $metadata: meta(400),
        message: "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
      }),
    );
    const read: StateDocument = {
      formatVersion: 1,
      workflow: WORKFLOW,
      region: 'us-west-2',
      lineage: 'lineage-1',
      serial: 4,
      resources: [],
    };
    const store = new MemoryStateStore(read);

    const { outcome: error, previews } = await importBucket(aws, store);

    expect(previews.map((preview) => preview.settings)).toStrictEqual([[OWNERSHIP_CHANGE]]);
    expect(error).toBeInstanceOf(ImportRefusedError);
    const refused = error as ImportRefusedError;
    expect(refused.refusal).toBe('acl-in-use');
    expect(refused.message).toBe(
      `archive.bucket[0]: S3 refused to disable the ACLs of bucket ${BUCKET} (ObjectOwnership BucketOwnerEnforced, which mlds sets on every bucket it manages): its ACL grants access to another account or group (InvalidBucketAclWithObjectOwnership); the bucket and the state are as they were`,
    );
    expect(refused.fix).toBe(
      `Move what the ACL grants into the bucket policy, reset the bucket's ACL to private (aws s3api put-bucket-acl --bucket ${BUCKET} --acl private), then run mlds again. AWS's steps: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-migrating-acls-prerequisites.html`,
    );
    expect(refused.cause).toBeInstanceOf(BucketAclInUseError);
    // One try (a refusal is not retried), and no tag: the bucket is never taken for this workflow's.
    expect(
      mocks.s3.commandCalls(PutBucketOwnershipControlsCommand).map((c) => c.args[0].input),
    ).toStrictEqual([ENFORCE]);
    expect(mocks.s3.commandCalls(PutBucketTaggingCommand)).toStrictEqual([]);
    // The intent before the call, then the state as it was read: nothing recorded as imported.
    expect(store.writes.map((doc) => [doc.serial, doc.resources.map((r) => r.status)])).toStrictEqual([
      [5, ['creating']],
      [4, []],
    ]);
    expect(store.doc).toStrictEqual(read);
  });

  it('a bucket that enforces it already: not shown, not called', async () => {
    const { aws, mocks } = mockedClients();
    bucketWithAclsEnabled(mocks);
    mocks.s3
      .on(GetBucketOwnershipControlsCommand)
      .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
    const { outcome, previews } = await importBucket(aws, new MemoryStateStore());
    expect((outcome as { outcome?: string }).outcome).toBe('imported');
    expect(previews.map((preview) => preview.settings)).toStrictEqual([[]]);
    expect(mocks.s3.commandCalls(PutBucketOwnershipControlsCommand)).toStrictEqual([]);
  });

  it('no ownership controls at all (OwnershipControlsNotFoundError): shown and made', async () => {
    const { aws, mocks } = mockedClients();
    bucketWithAclsEnabled(mocks);
    mocks.s3.on(GetBucketOwnershipControlsCommand).rejects(noOwnershipControls());
    mocks.s3.on(PutBucketOwnershipControlsCommand).resolves({});
    const { outcome, previews } = await importBucket(aws, new MemoryStateStore());
    expect((outcome as { outcome?: string }).outcome).toBe('imported');
    expect(previews[0]?.settings.map((change) => [change.setting, change.from])).toStrictEqual([
      ['objectOwnership', 'no ObjectOwnership (ACLs enabled)'],
    ]);
    expect(
      mocks.s3.commandCalls(PutBucketOwnershipControlsCommand).map((c) => c.args[0].input),
    ).toStrictEqual([ENFORCE]);
  });
});

describe("apply's adopt of a bucket whose ACL grants others", () => {
  it('fails for that bucket with the reason and the fix in its error, never retried', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    // A crashed run's bucket (our tags), its ACLs enabled and granting others since.
    cloud.seed.bucket(BUCKET, 'us-west-2', {
      tags: tagsOf('archive'),
      ownership: 'ObjectWriter',
      aclGrantsOthers: true,
    });
    cloud.seed.bucket('curling-live-archive-p1', 'us-west-2', { tags: tagsOf('archive') });
    const error = await apply({
      plan: planOf(ARCHIVE),
      clients: cloud.clients,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApplyFailedError);
    const failures = (error as ApplyFailedError).failures;
    expect(failures.map((failure) => failure.address)).toStrictEqual(['archive.bucket[0]']);
    expect(failures[0]?.cause).toBeInstanceOf(BucketAclInUseError);
    expect(failures[0]?.error).toContain(`aws s3api put-bucket-acl --bucket ${BUCKET} --acl private`);
    expect(
      cloud
        .calls()
        .filter((call) => call.command === 'PutBucketOwnershipControlsCommand')
        .map((call) => call.input as { Bucket?: string })
        .sort((a, b) => String(a.Bucket).localeCompare(String(b.Bucket))),
    ).toStrictEqual([ENFORCE, { ...ENFORCE, Bucket: 'curling-live-archive-p1' }]);
  });
});

describe('a bucket whose ACLs were enabled again after apply', () => {
  it('refresh sees it, the plan updates it, apply disables them first and changes nothing else', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const store = new MemoryStateStore();
    await apply({ plan: planOf(ARCHIVE), clients: cloud.clients, store, env: {}, ...virtualTime() });
    // Someone turns ACLs back on for one bucket.
    const s3 = await cloud.clients.s3('us-west-2');
    await s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: BUCKET,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      }),
    );
    const state = (await store.read()) as StateDocument;
    const observations = await refresh({
      ...everyEntry(state),
      clients: cloud.clients,
      env: {},
      ...virtualTime(),
    });
    const plan = planWorkflow(normalizeWorkflow(aWorkflow(ARCHIVE)), { state, observations });
    expect(
      plan.resources.map((change) => [
        change.address,
        change.action,
        change.action === 'update' && change.changes,
      ]),
    ).toStrictEqual([
      ['archive.bucket[0]', 'update', ['objectOwnership']],
      ['archive.bucket[1]', 'noop', false],
    ]);
    const before = cloud.calls().length;
    await apply({ plan, clients: cloud.clients, store, env: {}, ...virtualTime() });
    const mutating = cloud
      .calls()
      .slice(before)
      .filter((call) => call.mutating)
      .map((call) => [call.command, call.input]);
    expect(mutating[0]).toStrictEqual(['PutBucketOwnershipControlsCommand', ENFORCE]);
    expect(mutating.map(([command]) => command)).not.toContain('PutBucketTaggingCommand');
    const after = await refresh({
      ...everyEntry((await store.read()) as StateDocument),
      clients: cloud.clients,
      env: {},
      ...virtualTime(),
    });
    expect(after.map((seen) => seen.exists && seen.settings.objectOwnership)).toStrictEqual([
      'BucketOwnerEnforced',
      'BucketOwnerEnforced',
    ]);
  });
});
