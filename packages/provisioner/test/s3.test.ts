import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  NoSuchBucket,
  NotFound,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Plan, StateDocument } from '@mlds/core';
import { stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import {
  ApplyFailedError,
  BucketNameTakenError,
  ExistingResourceNotFoundError,
  NotEmptyError,
  ResourceNotOursError,
} from '../src/errors.js';
import { type AwsClients, apply, destroy } from '../src/index.js';
import { tagList } from '../src/runtime.js';
import {
  collectEvents,
  inFlight,
  MemoryStateStore,
  meta,
  mockedClients,
  planOf,
  REGION,
  ROLE,
  tagsOf,
  virtualTime,
} from './helpers.js';

const archive = (region = REGION, withRole = true, state?: StateDocument) =>
  planOf(
    {
      region,
      ...(withRole ? { mediaLiveRoleArn: ROLE } : {}),
      channelClass: 'SINGLE_PIPELINE',
      downstream: [{ name: 'archive', system: 's3', format: 'archive' }],
    },
    state,
  );

const BUCKET = 'curling-live-archive-p0';
const TAG_SET = [
  { Key: 'mlds:workflow', Value: 'curling-live' },
  { Key: 'mlds:downstream', Value: 'archive' },
];

const rolePolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'MldsMediaLiveWrite',
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
      Resource: `arn:aws:s3:::${BUCKET}/*`,
    },
    {
      Sid: 'MldsMediaLiveList',
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: 's3:ListBucket',
      Resource: `arn:aws:s3:::${BUCKET}`,
    },
  ],
};

const configureInputs = {
  publicAccessBlock: [
    {
      Bucket: BUCKET,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    },
  ],
  encryption: [
    {
      Bucket: BUCKET,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    },
  ],
};

function bucketState(): StateDocument {
  return {
    formatVersion: 1,
    workflow: 'curling-live',
    region: REGION,
    serial: 3,
    resources: [
      {
        address: 'archive.bucket[0]',
        kind: 's3-bucket',
        name: BUCKET,
        region: REGION,
        pipeline: 0,
        downstream: 'archive',
        status: 'created',
        arn: `arn:aws:s3:::${BUCKET}`,
        tags: tagsOf('archive'),
        properties: { mediaLiveRoleArn: ROLE },
      },
    ],
  };
}

const notEmpty = (message = 'not empty') =>
  new S3ServiceException({ name: 'BucketNotEmpty', $fault: 'client', $metadata: meta(409), message });

/** A bucket of that name is there, with our tag (HeadBucket, GetBucketTagging): apply adopts it. */
function ourBucketIsThere(mocks: ReturnType<typeof mockedClients>['mocks']) {
  mocks.s3.on(HeadBucketCommand).resolves({});
  mocks.s3.on(GetBucketTaggingCommand).resolves({ TagSet: TAG_SET });
}

describe('S3 bucket: apply', () => {
  it('creates the bucket with its Region, tags and enforced ownership, then lets the role write: public access blocked and SSE-S3 are AWS’s defaults for a new bucket', async () => {
    const { aws, mocks } = mockedClients();
    const store = new MemoryStateStore();
    mocks.s3.on(CreateBucketCommand).callsFake(() => {
      // The intent is on disk before the call.
      expect(store.doc?.resources).toMatchObject([{ name: BUCKET, status: 'creating' }]);
      return {};
    });
    mocks.s3.on(PutBucketPolicyCommand).resolves({});

    const result = await apply({ plan: archive(), clients: aws, store, env: {}, ...virtualTime() });

    expect(mocks.s3.commandCalls(CreateBucketCommand).map((call) => call.args[0].input)).toStrictEqual([
      {
        Bucket: BUCKET,
        ObjectOwnership: 'BucketOwnerEnforced',
        CreateBucketConfiguration: { LocationConstraint: REGION, Tags: TAG_SET },
      },
    ]);
    expect(mocks.s3.commandCalls(PutPublicAccessBlockCommand)).toStrictEqual([]);
    expect(mocks.s3.commandCalls(PutBucketEncryptionCommand)).toStrictEqual([]);
    const policies = mocks.s3.commandCalls(PutBucketPolicyCommand).map((c) => c.args[0].input);
    expect(policies).toHaveLength(1);
    expect(policies[0]?.Bucket).toBe(BUCKET);
    expect(JSON.parse(policies[0]?.Policy ?? '')).toStrictEqual(rolePolicy);
    expect(mocks.s3.commandCalls(HeadBucketCommand)).toHaveLength(0);
    expect(mocks.s3.calls()).toHaveLength(2);
    expect(result.state?.resources).toMatchObject([
      { address: 'archive.bucket[0]', name: BUCKET, status: 'created', arn: `arn:aws:s3:::${BUCKET}` },
    ]);
    expect(result.outcomes).toEqual([
      { address: 'archive.bucket[0]', kind: 's3-bucket', outcome: 'created' },
    ]);
  });

  it('adopting a bucket, sends every setting at once, and records it only once all of them answered', async () => {
    const { aws, mocks } = mockedClients();
    // A crashed run's bucket, found by name with our tag: it may have stopped anywhere after CreateBucket.
    const crashed = bucketState();
    for (const resource of crashed.resources) resource.status = 'creating';
    const store = new MemoryStateStore(crashed);
    const inFlight: string[] = [];
    const released: (() => void)[] = [];
    let peak: string[] = [];
    ourBucketIsThere(mocks);
    const settings = [
      'PutBucketOwnershipControlsCommand',
      'PutPublicAccessBlockCommand',
      'PutBucketEncryptionCommand',
      'PutBucketPolicyCommand',
    ];
    const hold = (name: string) => async () => {
      inFlight.push(name);
      if (inFlight.length > peak.length) peak = [...inFlight];
      if (inFlight.length === settings.length) for (const release of released.splice(0)) release();
      else await new Promise<void>((release) => released.push(release));
      expect(store.doc?.resources).toMatchObject([{ name: BUCKET, status: 'creating' }]);
      return {};
    };
    mocks.s3.on(PutBucketOwnershipControlsCommand).callsFake(hold('PutBucketOwnershipControlsCommand'));
    mocks.s3.on(PutPublicAccessBlockCommand).callsFake(hold('PutPublicAccessBlockCommand'));
    mocks.s3.on(PutBucketEncryptionCommand).callsFake(hold('PutBucketEncryptionCommand'));
    mocks.s3.on(PutBucketPolicyCommand).callsFake(hold('PutBucketPolicyCommand'));
    const result = await apply({
      plan: archive(REGION, true, crashed),
      clients: aws,
      store,
      env: {},
      ...virtualTime(),
    });
    expect(peak.sort()).toStrictEqual([...settings].sort());
    expect(mocks.s3.commandCalls(PutPublicAccessBlockCommand).map((c) => c.args[0].input)).toStrictEqual(
      configureInputs.publicAccessBlock,
    );
    expect(mocks.s3.commandCalls(PutBucketEncryptionCommand).map((c) => c.args[0].input)).toStrictEqual(
      configureInputs.encryption,
    );
    expect(mocks.s3.commandCalls(CreateBucketCommand)).toStrictEqual([]);
    expect(result.state?.resources).toMatchObject([{ name: BUCKET, status: 'created' }]);
    expect(result.outcomes).toMatchObject([{ outcome: 'adopted' }]);
  });

  it('adopting a bucket, waits for every setting before reporting the first that failed', async () => {
    const { aws, mocks } = mockedClients();
    let policyAnswered = false;
    mocks.s3.resolves({});
    ourBucketIsThere(mocks);
    mocks.s3.on(PutPublicAccessBlockCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: meta(403),
        message: 'no',
      }),
    );
    mocks.s3.on(PutBucketEncryptionCommand).resolves({});
    mocks.s3.on(PutBucketPolicyCommand).callsFake(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      policyAnswered = true;
      return {};
    });
    const crashed = bucketState();
    for (const resource of crashed.resources) resource.status = 'creating';
    const store = new MemoryStateStore(crashed);
    const error = await apply({
      plan: archive(REGION, true, crashed),
      clients: aws,
      store,
      env: {},
      ...virtualTime(),
    }).catch((e) => e);
    expect((error as Error).message).toMatch(/archive\.bucket\[0\]: AccessDenied: no/);
    expect(policyAnswered).toBe(true);
    expect(store.doc?.resources).toMatchObject([{ name: BUCKET, status: 'creating' }]);
  });

  it('leaves the bucket policy alone without a MediaLive role', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    await apply({
      plan: archive(REGION, false),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    expect(mocks.s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(0);
    // Nothing after CreateBucket: AWS's defaults are what mlds would set.
    expect(mocks.s3.calls().map((call) => call.args[0].constructor.name)).toStrictEqual([
      'CreateBucketCommand',
    ]);
  });

  it('in us-east-1 sends no LocationConstraint, after checking the name is free (that Region answers 200 for your own bucket)', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    mocks.s3.on(HeadBucketCommand).rejects(new NotFound({ message: 'Not Found', $metadata: meta(404) }));
    await apply({
      plan: archive('us-east-1'),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    expect(mocks.s3.commandCalls(HeadBucketCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: BUCKET },
    ]);
    expect(mocks.s3.commandCalls(CreateBucketCommand).map((c) => c.args[0].input)).toStrictEqual([
      {
        Bucket: BUCKET,
        ObjectOwnership: 'BucketOwnerEnforced',
        CreateBucketConfiguration: { Tags: TAG_SET },
      },
    ]);
  });

  it('in us-east-1 adopts an existing bucket of this account only with our tag', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    ourBucketIsThere(mocks);
    const result = await apply({
      plan: archive('us-east-1'),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    expect(mocks.s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
    expect(result.outcomes).toMatchObject([{ outcome: 'adopted' }]);

    const other = mockedClients();
    other.mocks.s3.on(HeadBucketCommand).resolves({});
    other.mocks.s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'team', Value: 'other' }] });
    const run = apply({
      plan: archive('us-east-1'),
      clients: other.aws,
      store: new MemoryStateStore(),
      env: {},
    });
    await expect(run).rejects.toBeInstanceOf(ApplyFailedError);
    expect(other.mocks.s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
    expect(other.mocks.s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(0);
  });

  it('turns BucketAlreadyExists into BucketNameTakenError naming the fix, and records nothing', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.on(CreateBucketCommand).rejects(
      new BucketAlreadyExists({
        message: 'The requested bucket name is not available.',
        $metadata: meta(409),
      }),
    );
    const store = new MemoryStateStore();
    const error = await apply({ plan: archive(), clients: aws, store, env: {}, ...virtualTime() }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ApplyFailedError);
    const cause = (error as ApplyFailedError).failures[0]?.cause;
    expect(cause).toBeInstanceOf(BucketNameTakenError);
    expect((cause as Error).cause).toBeInstanceOf(BucketAlreadyExists);
    expect((error as Error).message).toMatch(
      /"curling-live-archive-p0" is taken by another AWS account.*Rename/,
    );
    expect(store.doc?.resources).toEqual([]);
    expect(mocks.s3.calls()).toHaveLength(1);
  });

  it('adopts on BucketAlreadyOwnedByYou when the bucket carries our tag, and finishes every setting', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    mocks.s3
      .on(CreateBucketCommand)
      .rejects(new BucketAlreadyOwnedByYou({ message: 'you already own it', $metadata: meta(409) }));
    ourBucketIsThere(mocks);
    const result = await apply({
      plan: archive(),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    expect(result.outcomes).toMatchObject([{ outcome: 'adopted' }]);
    expect(
      mocks.s3.commandCalls(PutBucketOwnershipControlsCommand).map((c) => c.args[0].input),
    ).toStrictEqual([
      { Bucket: BUCKET, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } },
    ]);
    expect(mocks.s3.commandCalls(PutPublicAccessBlockCommand).map((c) => c.args[0].input)).toStrictEqual(
      configureInputs.publicAccessBlock,
    );
    expect(mocks.s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(1);
    expect(mocks.s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(1);
    expect(mocks.s3.commandCalls(PutBucketTaggingCommand)).toHaveLength(0);
    expect(result.state?.resources).toMatchObject([{ status: 'created' }]);
  });

  it('refuses a bucket of this account without our tag: never adopted, never recorded', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3
      .on(CreateBucketCommand)
      .rejects(new BucketAlreadyOwnedByYou({ message: 'you already own it', $metadata: meta(409) }));
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.s3.on(GetBucketTaggingCommand).rejects(
      new S3ServiceException({
        name: 'NoSuchTagSet',
        $fault: 'client',
        $metadata: meta(404),
        message: 'none',
      }),
    );
    const store = new MemoryStateStore();
    const error = await apply({ plan: archive(), clients: aws, store, env: {}, ...virtualTime() }).catch(
      (e) => e,
    );
    expect((error as ApplyFailedError).failures[0]?.cause).toBeInstanceOf(ResourceNotOursError);
    expect((error as Error).message).toMatch(/it lacks the tag mlds:workflow=curling-live/);
    expect(store.doc?.resources).toEqual([]);
    expect(mocks.s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(0);
    expect(mocks.s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(0);
    expect(mocks.s3.commandCalls(PutBucketOwnershipControlsCommand)).toHaveLength(0);
  });

  it('says a denied HeadBucket may be a missing s3:ListBucket, not only another account, and creates nothing', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3
      .on(HeadBucketCommand)
      .rejects(
        new S3ServiceException({ name: 'Forbidden', $fault: 'client', $metadata: meta(403), message: '' }),
      );
    const store = new MemoryStateStore();
    const error = await apply({
      plan: archive('us-east-1'),
      clients: aws,
      store,
      env: {},
      ...virtualTime(),
    }).catch((e) => e);
    expect((error as ApplyFailedError).failures[0]?.cause).toBeInstanceOf(ResourceNotOursError);
    expect((error as Error).message).toMatch(/denied \(403\).*another account owns it.*lack s3:ListBucket/);
    expect(mocks.s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
    expect(store.doc?.resources).toEqual([]);
  });

  it('retries NoSuchBucket right after CreateBucket (eventual consistency) and says it waited', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    mocks.s3
      .on(PutBucketPolicyCommand)
      .rejectsOnce(new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: meta(404) }))
      .resolves({});
    const { events, onEvent } = collectEvents();
    await apply({
      plan: archive(),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      onEvent,
      ...virtualTime(),
    });
    expect(mocks.s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(2);
    expect(events.filter((event) => event.type === 'waiting')).toMatchObject([
      { address: 'archive.bucket[0]', reason: 'not yet consistent (NoSuchBucket)', attempt: 1 },
    ]);
  });

  it('does not retry NoSuchBucket where it means the bucket is gone', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    mocks.s3.on(HeadBucketCommand).rejects(new NoSuchBucket({ message: 'gone', $metadata: meta(404) }));
    const crashed = bucketState();
    for (const resource of crashed.resources) resource.status = 'creating';
    const store = new MemoryStateStore(crashed);
    await apply({ plan: archive(), clients: aws, store, env: {}, ...virtualTime() });
    expect(mocks.s3.commandCalls(HeadBucketCommand)).toHaveLength(1);
    expect(mocks.s3.commandCalls(CreateBucketCommand)).toHaveLength(1);
  });

  it.each([
    ['alone, deletes the policy', [], { deleted: true }],
    [
      'next to a statement of the user, puts that one back',
      [{ Sid: 'Audit', Effect: 'Allow' }],
      { deleted: false },
    ],
  ])(
    'adopting a bucket a forced destroy stopped in lifts its write deny: %s',
    async (_label, others, { deleted }) => {
      const { aws, mocks } = mockedClients();
      mocks.s3.resolves({});
      ourBucketIsThere(mocks);
      const deny = {
        Sid: 'MldsDenyWritesWhileDestroying',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${BUCKET}/*`,
      };
      mocks.s3
        .on(GetBucketPolicyCommand)
        .resolves({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [...others, deny] }) });
      const halfDestroyed = bucketState();
      for (const resource of halfDestroyed.resources) {
        resource.status = 'deleting';
        resource.properties = {};
      }
      const result = await apply({
        plan: archive(REGION, false),
        clients: aws,
        store: new MemoryStateStore(halfDestroyed),
        env: {},
        ...virtualTime(),
      });
      expect(result.outcomes).toStrictEqual([
        { address: 'archive.bucket[0]', kind: 's3-bucket', outcome: 'adopted' },
      ]);
      expect(mocks.s3.commandCalls(GetBucketPolicyCommand).map((c) => c.args[0].input)).toStrictEqual([
        { Bucket: BUCKET },
      ]);
      expect(mocks.s3.commandCalls(DeleteBucketPolicyCommand).map((c) => c.args[0].input)).toStrictEqual(
        deleted ? [{ Bucket: BUCKET }] : [],
      );
      expect(
        mocks.s3.commandCalls(PutBucketPolicyCommand).map((c) => ({
          ...c.args[0].input,
          Policy: JSON.parse(c.args[0].input.Policy ?? ''),
        })),
      ).toStrictEqual(
        deleted ? [] : [{ Bucket: BUCKET, Policy: { Version: '2012-10-17', Statement: others } }],
      );
    },
  );

  it('adopting a bucket without the deny leaves its policy alone', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    ourBucketIsThere(mocks);
    mocks.s3.on(GetBucketPolicyCommand).rejects(
      new S3ServiceException({
        name: 'NoSuchBucketPolicy',
        $fault: 'client',
        $metadata: meta(404),
        message: '',
      }),
    );
    const crashed = bucketState();
    for (const resource of crashed.resources) {
      resource.status = 'creating';
      resource.properties = {};
    }
    await apply({
      plan: archive(REGION, false),
      clients: aws,
      store: new MemoryStateStore(crashed),
      env: {},
      ...virtualTime(),
    });
    expect(mocks.s3.commandCalls(GetBucketPolicyCommand)).toHaveLength(1);
    expect(mocks.s3.commandCalls(DeleteBucketPolicyCommand)).toHaveLength(0);
    expect(mocks.s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(0);
  });
});

/** Destroy looks the bucket up first (there, with our tag); then HeadBucket answers 404 once it is deleted. */
function answerOurs(mocks: ReturnType<typeof mockedClients>['mocks'], listedTimes = 1) {
  let head = mocks.s3.on(HeadBucketCommand);
  for (let i = 0; i < listedTimes; i++) head = head.resolvesOnce({});
  head.rejects(new NotFound({ message: 'Not Found', $metadata: meta(404) }));
  mocks.s3.on(GetBucketTaggingCommand).resolves({ TagSet: TAG_SET });
}

/** What destroy's pre-check asks of a bucket, all at once. */
const PRECHECK_READS = ['GetBucketTaggingCommand', 'HeadBucketCommand', 'ListObjectVersionsCommand'];

/** The S3 commands sent, in name order: reads asked at once go in no particular order. */
function sortedCallNames(mocks: ReturnType<typeof mockedClients>['mocks']): string[] {
  return mocks.s3
    .calls()
    .map((call) => call.args[0].constructor.name)
    .sort();
}

/** A workflow writing to buckets it names (`buckets:`): mlds reads them, never creates one. */
const existingBuckets = (buckets: string[], state?: StateDocument) =>
  planOf(
    {
      region: REGION,
      mediaLiveRoleArn: ROLE,
      channelClass: 'STANDARD',
      downstream: [{ name: 'archive', system: 's3', format: 'archive', buckets }],
    },
    state,
  );

/** apply of `plan` with the mocked clients on `store`, at the virtual time `start`. */
const applyWith = (store: MemoryStateStore, clients: AwsClients, plan: Plan, start?: number) =>
  apply({ plan, clients, store, env: {}, ...virtualTime(start) });

describe('S3 bucket: existing buckets (buckets:)', () => {
  it('reads each with HeadBucket alone and records it as read: nothing created, tagged or opened to the role', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.on(HeadBucketCommand).resolves({});
    const store = new MemoryStateStore();
    const result = await applyWith(store, aws, existingBuckets(['their-archive-a', 'their-archive-b']));
    expect(mocks.s3.commandCalls(HeadBucketCommand).map((call) => call.args[0].input)).toStrictEqual([
      { Bucket: 'their-archive-a' },
      { Bucket: 'their-archive-b' },
    ]);
    expect(sortedCallNames(mocks)).toStrictEqual(['HeadBucketCommand', 'HeadBucketCommand']);
    expect(result.outcomes.map((o) => [o.address, o.outcome])).toStrictEqual([
      ['archive.bucket[0]', 'read'],
      ['archive.bucket[1]', 'read'],
    ]);
    expect(
      store.doc?.resources.map((r) => [r.address, r.name, r.status, r.existing, r.arn, r.tags]),
    ).toStrictEqual([
      ['archive.bucket[0]', 'their-archive-a', 'created', true, 'arn:aws:s3:::their-archive-a', undefined],
      ['archive.bucket[1]', 'their-archive-b', 'created', true, 'arn:aws:s3:::their-archive-b', undefined],
    ]);

    // Read again, as recorded: nothing written, the serial as it was.
    const writes = store.writes.length;
    const again = await applyWith(
      store,
      aws,
      existingBuckets(['their-archive-a', 'their-archive-b'], store.doc),
      1_800_000_000_000,
    );
    expect(again.outcomes.map((o) => o.outcome)).toStrictEqual(['read', 'read']);
    expect([store.writes.length, store.doc?.serial]).toStrictEqual([writes, 1]);

    const destroyed = await destroy({ clients: aws, store, ...virtualTime() });
    expect(destroyed.outcomes.map((o) => o.outcome)).toStrictEqual(['forgotten', 'forgotten']);
    expect(sortedCallNames(mocks)).toStrictEqual(Array(4).fill('HeadBucketCommand'));
    expect(store.doc?.resources).toStrictEqual([]);
  });

  it('fails clearly when a bucket named there does not exist, so the name is fixed before MediaLive writes to it', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.on(HeadBucketCommand, { Bucket: 'their-archive-a' }).resolves({});
    mocks.s3
      .on(HeadBucketCommand, { Bucket: 'their-archvie-b' })
      .rejects(new NotFound({ message: 'Not Found', $metadata: meta(404) }));
    const store = new MemoryStateStore();
    const error = await applyWith(store, aws, existingBuckets(['their-archive-a', 'their-archvie-b'])).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ApplyFailedError);
    const [failure] = (error as ApplyFailedError).failures;
    expect(failure?.address).toBe('archive.bucket[1]');
    expect(failure?.cause).toBeInstanceOf(ExistingResourceNotFoundError);
    expect(String((failure?.cause as Error | undefined)?.message)).toBe(
      'their-archvie-b (archive.bucket[1]) was given as an existing resource but no Region has a bucket of that name; check the name under buckets: in the workflow file, or create the bucket.',
    );
    // Asked once: a missing bucket is no S3 delay to wait out.
    expect(mocks.s3.commandCalls(HeadBucketCommand, { Bucket: 'their-archvie-b' })).toHaveLength(1);
    expect(store.doc?.resources.map((r) => [r.address, r.status])).toStrictEqual([
      ['archive.bucket[0]', 'created'],
    ]);
  });

  it('reads them before any change: a missing one stops the run with nothing created or deleted', async () => {
    const withOld = planOf({
      region: REGION,
      mediaLiveRoleArn: ROLE,
      channelClass: 'SINGLE_PIPELINE',
      downstream: [{ name: 'old', system: 's3', format: 'archive' }],
    });
    const store = new MemoryStateStore(stateAfterApply(withOld));
    const plan = planOf(
      {
        region: REGION,
        mediaLiveRoleArn: ROLE,
        channelClass: 'SINGLE_PIPELINE',
        downstream: [
          { name: 'packager', system: 'mediapackage' },
          { name: 'vod', system: 's3', format: 'hls', buckets: ['their-vod'] },
        ],
      },
      store.doc,
    );
    expect(plan.resources.map((r) => `${r.action} ${r.address}`)).toStrictEqual([
      'create packager.channel',
      'create packager.password[0]',
      'read vod.bucket[0]',
      'delete old.bucket[0]',
    ]);
    const { aws, mocks } = mockedClients();
    mocks.s3
      .on(HeadBucketCommand, { Bucket: 'their-vod' })
      .rejects(new NotFound({ message: 'Not Found', $metadata: meta(404) }));
    mocks.s3.on(HeadBucketCommand, { Bucket: 'curling-live-old-p0' }).resolves({});
    mocks.s3.on(GetBucketTaggingCommand).resolves({ TagSet: tagList(tagsOf('old')) });
    mocks.s3.on(ListObjectVersionsCommand).resolves({});
    const error = await applyWith(store, aws, plan).catch((e) => e);
    expect((error as ApplyFailedError).failures.map((f) => f.address)).toStrictEqual(['vod.bucket[0]']);
    expect((error as ApplyFailedError).skipped.sort()).toStrictEqual([
      'old.bucket[0]',
      'packager.channel',
      'packager.password[0]',
    ]);
    expect(mocks.mediaPackage.calls()).toHaveLength(0);
    expect(mocks.ssm.calls()).toHaveLength(0);
    expect(mocks.s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
    expect(store.doc?.resources.map((r) => [r.address, r.status])).toStrictEqual([
      ['old.bucket[0]', 'created'],
    ]);
  });

  it('a read that fails stops the forget of the bucket read before at its address too: the state stays as it was', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.on(HeadBucketCommand).resolves({});
    const store = new MemoryStateStore();
    await applyWith(store, aws, existingBuckets(['their-old-a', 'their-old-b']));
    const plan = existingBuckets(['their-old-a', 'their-nwe-b'], store.doc);
    expect(plan.resources.map((r) => `${r.action} ${r.name}`)).toStrictEqual([
      'read their-old-a',
      'read their-nwe-b',
      'delete their-old-b',
    ]);
    mocks.s3
      .on(HeadBucketCommand, { Bucket: 'their-nwe-b' })
      .rejects(new NotFound({ message: 'Not Found', $metadata: meta(404) }));
    const [writes, before] = [store.writes.length, store.doc];
    const error = await applyWith(store, aws, plan).catch((e) => e);
    expect((error as ApplyFailedError).failures.map((f) => f.address)).toStrictEqual(['archive.bucket[1]']);
    expect((error as ApplyFailedError).skipped).toStrictEqual(['archive.bucket[1]']);
    expect([store.writes.length, store.doc]).toStrictEqual([writes, before]);
  });

  it.each([
    [301, 'PermanentRedirect', 'in another Region'],
    [403, 'Forbidden', 'another account’s, or not listable with these credentials'],
  ])('takes a %i from HeadBucket (%s) as a bucket that exists: %s', async (status, name) => {
    const { aws, mocks } = mockedClients();
    mocks.s3
      .on(HeadBucketCommand)
      .rejects(new S3ServiceException({ name, $fault: 'client', $metadata: meta(status), message: '' }));
    const store = new MemoryStateStore();
    const result = await applyWith(store, aws, existingBuckets(['their-archive-a', 'their-archive-b']));
    expect(result.outcomes.map((o) => o.outcome)).toStrictEqual(['read', 'read']);
    expect(sortedCallNames(mocks)).toStrictEqual(['HeadBucketCommand', 'HeadBucketCommand']);
  });
});

describe('S3 bucket: destroy', () => {
  it('deletes an empty bucket and waits until HeadBucket says it is gone', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    mocks.s3.on(DeleteBucketCommand).resolves({});
    // Looked up (ours), then still listed once after DeleteBucket.
    answerOurs(mocks, 2);
    const store = new MemoryStateStore(bucketState());
    const time = virtualTime();
    const result = await destroy({ clients: aws, store, ...time });
    expect(mocks.s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: BUCKET, MaxKeys: 1 },
    ]);
    expect(mocks.s3.commandCalls(DeleteBucketCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: BUCKET },
    ]);
    expect(mocks.s3.commandCalls(HeadBucketCommand)).toHaveLength(3);
    expect(mocks.s3.commandCalls(GetBucketTaggingCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: BUCKET },
    ]);
    expect(mocks.s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(0);
    expect(result.state?.resources).toEqual([]);
    expect(time.sleeps).toHaveLength(1);
  });

  it('refuses a bucket holding objects without --force, deleting nothing', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3
      .on(ListObjectVersionsCommand)
      .resolves({ Versions: [{ Key: 'a.ts', VersionId: 'null' }], IsTruncated: true });
    answerOurs(mocks);
    const store = new MemoryStateStore(bucketState());
    const error = await destroy({ clients: aws, store, ...virtualTime() }).catch((e) => e);
    expect(error).toBeInstanceOf(NotEmptyError);
    expect((error as NotEmptyError).blockers).toEqual([
      { address: 'archive.bucket[0]', name: BUCKET, reason: 'the bucket holds objects or object versions' },
    ]);
    expect((error as Error).message).toMatch(/Nothing was deleted.*--force/s);
    // The three reads go at once, in no particular order.
    expect(sortedCallNames(mocks)).toStrictEqual(PRECHECK_READS);
    expect(store.writes).toEqual([]);
  });

  it('reads a bucket in one round before deleting it: HeadBucket, its tags and its versions at once', async () => {
    const { aws, mocks } = mockedClients();
    const reads = inFlight();
    mocks.s3
      .on(HeadBucketCommand)
      .callsFakeOnce(reads.answer({}))
      .rejects(new NotFound({ message: 'Not Found', $metadata: meta(404) }));
    mocks.s3.on(GetBucketTaggingCommand).callsFake(reads.answer({ TagSet: TAG_SET }));
    mocks.s3.on(ListObjectVersionsCommand).callsFake(reads.answer({ IsTruncated: false }));
    mocks.s3.on(DeleteBucketCommand).resolves({});
    const store = new MemoryStateStore(bucketState());
    const result = await destroy({ clients: aws, store, ...virtualTime() });
    expect(reads.most).toBe(3);
    const inputs = mocks.s3.calls().map((call) => [call.args[0].constructor.name, call.args[0].input]);
    expect(inputs.slice(0, 3).sort()).toStrictEqual([
      ['GetBucketTaggingCommand', { Bucket: BUCKET }],
      ['HeadBucketCommand', { Bucket: BUCKET }],
      ['ListObjectVersionsCommand', { Bucket: BUCKET, MaxKeys: 1 }],
    ]);
    // Nothing read twice: then only the delete, and the wait's HeadBucket that finds it gone.
    expect(inputs.slice(3)).toStrictEqual([
      ['DeleteBucketCommand', { Bucket: BUCKET }],
      ['HeadBucketCommand', { Bucket: BUCKET }],
    ]);
    expect(result.state?.resources).toEqual([]);
  });

  it('reads the tags and versions again, waiting, when HeadBucket lists a bucket the others do not yet', async () => {
    const { aws, mocks } = mockedClients();
    const notYet = () =>
      new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: meta(404) });
    mocks.s3
      .on(HeadBucketCommand)
      .resolvesOnce({})
      .resolvesOnce({})
      .rejects(new NotFound({ message: 'Not Found', $metadata: meta(404) }));
    mocks.s3.on(GetBucketTaggingCommand).rejectsOnce(notYet()).resolves({ TagSet: TAG_SET });
    mocks.s3.on(ListObjectVersionsCommand).rejectsOnce(notYet()).resolves({ IsTruncated: false });
    mocks.s3.on(DeleteBucketCommand).resolves({});
    const store = new MemoryStateStore(bucketState());
    const result = await destroy({ clients: aws, store, ...virtualTime() });
    // Not `gone`: the NoSuchBucket of a bucket HeadBucket lists is S3 catching up, not a deletion.
    expect(result.outcomes).toMatchObject([{ address: 'archive.bucket[0]', outcome: 'deleted' }]);
    expect(mocks.s3.commandCalls(GetBucketTaggingCommand)).toHaveLength(2);
    expect(mocks.s3.commandCalls(ListObjectVersionsCommand)).toHaveLength(2);
    expect(mocks.s3.commandCalls(DeleteBucketCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: BUCKET },
    ]);
    expect(result.state?.resources).toEqual([]);
  });

  it('deletes, not forgets, a bucket HeadBucket lists while its versions are not yet listed (NoSuchBucket)', async () => {
    const { aws, mocks } = mockedClients();
    answerOurs(mocks, 2);
    mocks.s3
      .on(ListObjectVersionsCommand)
      .rejectsOnce(new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: meta(404) }))
      .resolves({ IsTruncated: false });
    mocks.s3.on(DeleteBucketCommand).resolves({});
    const store = new MemoryStateStore(bucketState());
    const result = await destroy({ clients: aws, store, ...virtualTime() });
    expect(result.outcomes).toMatchObject([{ address: 'archive.bucket[0]', outcome: 'deleted' }]);
    expect(mocks.s3.commandCalls(DeleteBucketCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: BUCKET },
    ]);
  });

  it('refuses a bucket HeadBucket is denied, whatever the reads asked beside it answered', async () => {
    const { aws, mocks } = mockedClients();
    const denied = (name: string) =>
      new S3ServiceException({ name, $fault: 'client', $metadata: meta(403), message: '' });
    mocks.s3.on(HeadBucketCommand).rejects(denied('Forbidden'));
    mocks.s3.on(GetBucketTaggingCommand).rejects(denied('AccessDenied'));
    mocks.s3.on(ListObjectVersionsCommand).rejects(denied('AccessDenied'));
    const store = new MemoryStateStore(bucketState());
    const error = await destroy({ clients: aws, store, ...virtualTime() }).catch((e) => e);
    expect((error as ApplyFailedError).failures[0]?.cause).toBeInstanceOf(ResourceNotOursError);
    expect((error as Error).message).toMatch(/denied \(403\).*another account owns it/);
    expect(mocks.s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
  });

  it('with --force denies new writes (keeping the policy), deletes every version and marker in pages of ≤1000, then the bucket', async () => {
    const { aws, mocks } = mockedClients();
    const existingPolicy = { Version: '2012-10-17', Statement: [rolePolicy.Statement[0]] };
    mocks.s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(existingPolicy) });
    mocks.s3.on(PutBucketPolicyCommand).resolves({});
    const page1Versions = Array.from({ length: 600 }, (_, i) => ({ Key: `seg/${i}.ts`, VersionId: `v${i}` }));
    const page1Markers = Array.from({ length: 400 }, (_, i) => ({ Key: `old/${i}.ts`, VersionId: `m${i}` }));
    let secondPageListed: () => void = () => {};
    const listedTwice = new Promise<void>((resolve) => {
      secondPageListed = resolve;
    });
    mocks.s3
      .on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: page1Versions,
        DeleteMarkers: page1Markers,
        IsTruncated: true,
        NextKeyMarker: 'seg/599.ts',
        NextVersionIdMarker: 'v599',
      })
      .callsFakeOnce(() => {
        secondPageListed();
        return { Versions: [{ Key: 'z.m3u8', VersionId: 'null' }], IsTruncated: false };
      });
    // The first page's delete completes only once the second page was listed: pages run in parallel.
    mocks.s3
      .on(DeleteObjectsCommand)
      .callsFakeOnce(async () => {
        await listedTwice;
        return {};
      })
      .resolves({});
    mocks.s3.on(DeleteBucketCommand).resolves({});
    answerOurs(mocks);
    const { events, onEvent } = collectEvents();
    const result = await destroy({
      clients: aws,
      store: new MemoryStateStore(bucketState()),
      force: true,
      onEvent,
      ...virtualTime(),
    });

    const policies = mocks.s3.commandCalls(PutBucketPolicyCommand).map((c) => c.args[0].input);
    expect(policies.map((p) => ({ ...p, Policy: JSON.parse(p.Policy ?? '') }))).toStrictEqual([
      {
        Bucket: BUCKET,
        Policy: {
          Version: '2012-10-17',
          Statement: [
            rolePolicy.Statement[0],
            {
              Sid: 'MldsDenyWritesWhileDestroying',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:PutObject',
              Resource: `arn:aws:s3:::${BUCKET}/*`,
            },
          ],
        },
      },
    ]);
    expect(mocks.s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: BUCKET },
      { Bucket: BUCKET, KeyMarker: 'seg/599.ts', VersionIdMarker: 'v599' },
    ]);
    expect(mocks.s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: BUCKET, Delete: { Objects: [...page1Versions, ...page1Markers], Quiet: true } },
      { Bucket: BUCKET, Delete: { Objects: [{ Key: 'z.m3u8', VersionId: 'null' }], Quiet: true } },
    ]);
    const order = mocks.s3.calls().map((call) => call.args[0].constructor.name);
    expect(order.indexOf('PutBucketPolicyCommand')).toBeLessThan(order.indexOf('DeleteObjectsCommand'));
    expect(order.lastIndexOf('DeleteObjectsCommand')).toBeLessThan(order.indexOf('DeleteBucketCommand'));
    expect(result.state?.resources).toEqual([]);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'progress',
        address: 'archive.bucket[0]',
        detail: 'deleted 1001 object version(s)',
      }),
    );
  });

  it('with --force splits a listing page of more than 1,000 versions into DeleteObjects calls of at most 1,000', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    mocks.s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(rolePolicy) });
    // A compatible endpoint that ignores the default page size of 1,000.
    const versions = Array.from({ length: 2500 }, (_, i) => ({ Key: `seg/${i}.ts`, VersionId: `v${i}` }));
    mocks.s3.on(ListObjectVersionsCommand).resolves({ Versions: versions, IsTruncated: false });
    answerOurs(mocks);
    await destroy({
      clients: aws,
      store: new MemoryStateStore(bucketState()),
      force: true,
      ...virtualTime(),
    });
    expect(mocks.s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: BUCKET, Delete: { Objects: versions.slice(0, 1000), Quiet: true } },
      { Bucket: BUCKET, Delete: { Objects: versions.slice(1000, 2000), Quiet: true } },
      { Bucket: BUCKET, Delete: { Objects: versions.slice(2000), Quiet: true } },
    ]);
  });

  it('with --force deletes listed pages in parallel, at most 4 DeleteObjects at once', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    mocks.s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(rolePolicy) });
    const pages = 6;
    let allListed: () => void = () => {};
    const listed = new Promise<void>((resolve) => {
      allListed = resolve;
    });
    mocks.s3.on(ListObjectVersionsCommand).callsFake((input) => {
      const page = input.KeyMarker === undefined ? 0 : Number(input.KeyMarker) + 1;
      if (page === pages - 1) allListed();
      return {
        Versions: [{ Key: `${page}`, VersionId: 'null' }],
        IsTruncated: page < pages - 1,
        ...(page < pages - 1 ? { NextKeyMarker: `${page}`, NextVersionIdMarker: 'null' } : {}),
      };
    });
    let inFlight = 0;
    let peak = 0;
    mocks.s3.on(DeleteObjectsCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await listed;
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return {};
    });
    answerOurs(mocks);
    await destroy({
      clients: aws,
      store: new MemoryStateStore(bucketState()),
      force: true,
      ...virtualTime(),
    });
    expect(mocks.s3.commandCalls(DeleteObjectsCommand)).toHaveLength(pages);
    expect(peak).toBe(4);
  });

  it('with --force and no bucket policy, the deny is the whole policy', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    mocks.s3.on(GetBucketPolicyCommand).rejects(
      new S3ServiceException({
        name: 'NoSuchBucketPolicy',
        $fault: 'client',
        $metadata: meta(404),
        message: 'none',
      }),
    );
    mocks.s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    answerOurs(mocks);
    await destroy({
      clients: aws,
      store: new MemoryStateStore(bucketState()),
      force: true,
      ...virtualTime(),
    });
    const policy = JSON.parse(mocks.s3.commandCalls(PutBucketPolicyCommand)[0]?.args[0].input.Policy ?? '');
    expect(policy.Statement).toHaveLength(1);
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Deny', Action: 's3:PutObject' });
    expect(mocks.s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  it('retries only the keys DeleteObjects could not delete when S3 asks to slow down', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    mocks.s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(rolePolicy) });
    mocks.s3.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: 'a', VersionId: '1' },
        { Key: 'b', VersionId: '2' },
      ],
      IsTruncated: false,
    });
    mocks.s3
      .on(DeleteObjectsCommand)
      .resolvesOnce({
        Errors: [{ Key: 'b', VersionId: '2', Code: 'SlowDown', Message: 'Please reduce your request rate.' }],
      })
      .resolves({});
    answerOurs(mocks);
    await destroy({
      clients: aws,
      store: new MemoryStateStore(bucketState()),
      force: true,
      ...virtualTime(),
    });
    expect(
      mocks.s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects),
    ).toStrictEqual([
      [
        { Key: 'a', VersionId: '1' },
        { Key: 'b', VersionId: '2' },
      ],
      [{ Key: 'b', VersionId: '2' }],
    ]);
  });

  it('empties again when objects arrived before the deny took effect (BucketNotEmpty)', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    mocks.s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(rolePolicy) });
    mocks.s3
      .on(ListObjectVersionsCommand)
      .resolvesOnce({ IsTruncated: false })
      .resolves({ Versions: [{ Key: 'late.ts', VersionId: 'null' }], IsTruncated: false });
    mocks.s3.on(DeleteBucketCommand).rejectsOnce(notEmpty()).resolves({});
    answerOurs(mocks);
    await destroy({
      clients: aws,
      store: new MemoryStateStore(bucketState()),
      force: true,
      ...virtualTime(),
    });
    expect(mocks.s3.commandCalls(DeleteBucketCommand)).toHaveLength(2);
    expect(
      mocks.s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects),
    ).toStrictEqual([[{ Key: 'late.ts', VersionId: 'null' }]]);
  });

  it('says a bucket deleted outside mlds is already gone, from its one round of reads', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.on(HeadBucketCommand).rejects(new NotFound({ message: 'Not Found', $metadata: meta(404) }));
    mocks.s3
      .on(GetBucketTaggingCommand)
      .rejects(new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: meta(404) }));
    mocks.s3
      .on(ListObjectVersionsCommand)
      .rejects(new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: meta(404) }));
    const result = await destroy({
      clients: aws,
      store: new MemoryStateStore(bucketState()),
      ...virtualTime(),
    });
    expect(result.state?.resources).toEqual([]);
    // HeadBucket decides; the tags and versions asked beside it are not asked again, nor waited for as a bucket
    // not yet visible would be.
    expect(sortedCallNames(mocks)).toStrictEqual(PRECHECK_READS);
    expect(result.outcomes).toEqual([{ address: 'archive.bucket[0]', kind: 's3-bucket', outcome: 'gone' }]);
  });
});
