import { DescribeChannelCommand, NotFoundException } from '@aws-sdk/client-mediapackage';
import {
  DescribeContainerCommand,
  GetContainerPolicyCommand,
  ListTagsForResourceCommand as ListContainerTagsCommand,
} from '@aws-sdk/client-mediastore';
import {
  AccessDenied,
  DeleteBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  NoSuchBucket,
  NotFound,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  GetParameterCommand,
  ListTagsForResourceCommand,
  ParameterNotFound,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import {
  normalizeWorkflow,
  type Plan,
  planWorkflow,
  refreshTargets,
  type StateDocument,
  type StateResource,
  type WorkflowInput,
} from '@mlds/core';
import { aWorkflow, createFakeCloud, DEFAULT_PUBLIC_ACCESS_BLOCK } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { mediaLiveBucketPolicy } from '../src/handlers/s3.js';
import { apply, destroy, RefreshFailedError, refresh } from '../src/index.js';
import {
  collectEvents,
  everyEntry,
  inFlight,
  MemoryStateStore,
  meta,
  mockedClients,
  noOwnershipControls,
  REGION,
  ROLE,
  tagsOf,
  virtualTime,
} from './helpers.js';

const BUCKET = 'curling-live-archive-p0';
const PARAMETER = '/mlds/curling-live/cdn/password';
const CONTAINER_ARN = `arn:aws:mediastore:${REGION}:111122223333:container/curling-live-store-p0`;

function stateOf(resources: StateDocument['resources']): StateDocument {
  return { formatVersion: 1, workflow: 'curling-live', region: REGION, serial: 3, resources };
}

const bucketEntry = {
  address: 'archive.bucket[0]',
  kind: 's3-bucket' as const,
  name: BUCKET,
  region: REGION,
  pipeline: 0 as const,
  downstream: 'archive',
  status: 'created' as const,
  tags: tagsOf('archive'),
  properties: { mediaLiveRoleArn: ROLE },
};

const parameterEntry = {
  address: 'cdn.password',
  kind: 'ssm-parameter' as const,
  name: PARAMETER,
  region: REGION,
  pipeline: null,
  downstream: 'cdn',
  status: 'created' as const,
  tags: tagsOf('cdn'),
  properties: { source: { env: 'CDN_PASSWORD' } },
  outputs: { version: 1 },
};

const READS = new Set([
  'HeadBucketCommand',
  'GetBucketOwnershipControlsCommand',
  'GetBucketTaggingCommand',
  'GetPublicAccessBlockCommand',
  'GetBucketEncryptionCommand',
  'GetBucketPolicyCommand',
]);

describe('refresh, one kind at a time (exact SDK inputs)', () => {
  it('reads a bucket with HeadBucket, its tags, ownership controls, public access block, encryption and policy, and nothing else', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.s3.on(GetBucketOwnershipControlsCommand).resolves({
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
    });
    mocks.s3.on(GetBucketTaggingCommand).resolves({
      TagSet: [
        { Key: 'mlds:workflow', Value: 'curling-live' },
        { Key: 'mlds:downstream', Value: 'archive' },
      ],
    });
    mocks.s3.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: true,
      },
    });
    mocks.s3.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    // The statements in another order, the list statement's action as a list of one: still as mlds wrote it.
    const policy = mediaLiveBucketPolicy(BUCKET, REGION, ROLE);
    const [write, list] = policy.Statement;
    mocks.s3.on(GetBucketPolicyCommand).resolves({
      Policy: JSON.stringify({ ...policy, Statement: [{ ...list, Action: ['s3:ListBucket'] }, write] }),
    });

    const observations = await refresh({
      ...everyEntry(stateOf([bucketEntry])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });

    expect(observations).toStrictEqual([
      {
        address: 'archive.bucket[0]',
        kind: 's3-bucket',
        name: BUCKET,
        region: REGION,
        exists: true,
        tags: tagsOf('archive'),
        settings: {
          objectOwnership: 'BucketOwnerPreferred',
          publicAccessBlocked: false,
          encryption: 'AES256',
          mediaLiveRoleArn: ROLE,
        },
      },
    ]);
    expect(
      mocks.s3
        .calls()
        .map((call) => [call.args[0].constructor.name, call.args[0].input])
        .sort(),
    ).toStrictEqual([...READS].sort().map((name) => [name, { Bucket: BUCKET }]));
    expect(
      mocks.s3
        .calls()
        .map((call) => call.args[0].constructor.name)
        .filter((name) => !READS.has(name)),
    ).toEqual([]);
  });

  it('reads a bucket in one round: HeadBucket, its tags and its settings at once', async () => {
    const { aws, mocks } = mockedClients();
    const reads = inFlight();
    mocks.s3.on(HeadBucketCommand).callsFake(reads.answer({}));
    mocks.s3
      .on(GetBucketTaggingCommand)
      .callsFake(
        reads.answer({ TagSet: Object.entries(tagsOf('archive')).map(([Key, Value]) => ({ Key, Value })) }),
      );
    mocks.s3.on(GetBucketOwnershipControlsCommand).callsFake(reads.answer(noOwnershipControls()));
    mocks.s3.on(GetPublicAccessBlockCommand).callsFake(reads.answer({}));
    mocks.s3.on(GetBucketEncryptionCommand).callsFake(reads.answer({}));
    mocks.s3.on(GetBucketPolicyCommand).callsFake(reads.answer({}));
    const [seen] = await refresh({
      ...everyEntry(stateOf([bucketEntry])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(reads.most).toBe(READS.size);
    expect(seen).toMatchObject({ exists: true, tags: tagsOf('archive') });
  });

  it('reads one call after the other when HeadBucket lists a bucket its other reads do not: gone, if it went', async () => {
    const { aws, mocks } = mockedClients();
    const missing = () =>
      new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: meta(404) });
    // Listed by the first HeadBucket only: deleted while the reads beside it were asked.
    mocks.s3
      .on(HeadBucketCommand)
      .resolvesOnce({})
      .rejects(new NotFound({ message: 'Not Found', $metadata: meta(404) }));
    mocks.s3.on(GetBucketTaggingCommand).rejects(missing());
    mocks.s3.on(GetBucketOwnershipControlsCommand).rejects(missing());
    mocks.s3.on(GetPublicAccessBlockCommand).rejects(missing());
    mocks.s3.on(GetBucketEncryptionCommand).rejects(missing());
    mocks.s3.on(GetBucketPolicyCommand).rejects(missing());
    const observations = await refresh({
      ...everyEntry(stateOf([bucketEntry])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(observations).toMatchObject([{ address: 'archive.bucket[0]', exists: false }]);
    expect(mocks.s3.commandCalls(HeadBucketCommand)).toHaveLength(2);
  });

  it('reports an edited role statement as no role, and a missing bucket after one round of reads', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3
      .on(HeadBucketCommand, { Bucket: 'curling-live-archive-p1' })
      .rejects(new NotFound({ message: 'Not Found', $metadata: meta(404) }));
    mocks.s3.on(HeadBucketCommand, { Bucket: BUCKET }).resolves({});
    mocks.s3.on(GetBucketTaggingCommand).resolves({
      TagSet: [
        { Key: 'mlds:workflow', Value: 'curling-live' },
        { Key: 'mlds:downstream', Value: 'archive' },
      ],
    });
    mocks.s3.on(GetBucketOwnershipControlsCommand).rejects(noOwnershipControls());
    mocks.s3.on(GetPublicAccessBlockCommand).resolves({});
    mocks.s3.on(GetBucketEncryptionCommand).resolves({});
    const policy = mediaLiveBucketPolicy(BUCKET, REGION, ROLE);
    const [write, list] = policy.Statement;
    const widened = { ...write, Action: ['s3:*'] };
    mocks.s3
      .on(GetBucketPolicyCommand)
      .resolves({ Policy: JSON.stringify({ ...policy, Statement: [widened, list] }) });
    const gone = {
      ...bucketEntry,
      address: 'archive.bucket[1]',
      name: 'curling-live-archive-p1',
      pipeline: 1 as const,
    };

    const observations = await refresh({
      ...everyEntry(stateOf([bucketEntry, gone])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });

    expect(observations.map((seen) => (seen.exists ? seen.settings : 'gone'))).toStrictEqual([
      { objectOwnership: null, publicAccessBlocked: false, encryption: null, mediaLiveRoleArn: null },
      'gone',
    ]);
    expect(
      mocks.s3
        .calls()
        .filter((call) => (call.args[0].input as { Bucket?: string }).Bucket === 'curling-live-archive-p1')
        .map((call) => call.args[0].constructor.name)
        .sort(),
    ).toStrictEqual([...READS].sort());
  });

  it('a HeadBucket denied with 403 is not ours, and says why, whatever the reads beside it answered', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3
      .on(HeadBucketCommand)
      .rejects(
        new S3ServiceException({ name: 'Forbidden', $fault: 'client', $metadata: meta(403), message: '' }),
      );
    const observations = await refresh({
      ...everyEntry(stateOf([bucketEntry])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(observations).toStrictEqual([
      {
        address: 'archive.bucket[0]',
        kind: 's3-bucket',
        name: BUCKET,
        region: REGION,
        exists: true,
        tags: {},
        settings: {},
        notOurs:
          'HeadBucket was denied (403): another account owns it, or these credentials lack s3:ListBucket on it',
      },
    ]);
    // All asked at once, none asked again.
    expect(
      mocks.s3
        .calls()
        .map((call) => call.args[0].constructor.name)
        .sort(),
    ).toStrictEqual([...READS].sort());
  });

  it('compares an { env } password with its decrypted parameter in memory and returns neither value', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.on(ListTagsForResourceCommand).resolves({
      TagList: [
        { Key: 'mlds:workflow', Value: 'curling-live' },
        { Key: 'mlds:downstream', Value: 'cdn' },
      ],
    });
    mocks.ssm.on(GetParameterCommand).resolves({
      Parameter: { Name: PARAMETER, Type: 'SecureString', Value: 'old-cdn-secret', Version: 4 },
    });
    const { events, onEvent } = collectEvents();

    const observations = await refresh({
      ...everyEntry(stateOf([parameterEntry])),
      clients: aws,
      env: { CDN_PASSWORD: 'new-cdn-secret' },
      onEvent,
      ...virtualTime(),
    });

    expect(observations).toStrictEqual([
      {
        address: 'cdn.password',
        kind: 'ssm-parameter',
        name: PARAMETER,
        region: REGION,
        exists: true,
        tags: tagsOf('cdn'),
        settings: { value: 'differs', version: 4 },
      },
    ]);
    expect(
      mocks.ssm.commandCalls(ListTagsForResourceCommand).map((call) => call.args[0].input),
    ).toStrictEqual([{ ResourceType: 'Parameter', ResourceId: PARAMETER }]);
    expect(mocks.ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toStrictEqual([
      { Name: PARAMETER, WithDecryption: true },
    ]);
    expect(mocks.ssm.calls()).toHaveLength(2);
    const said = JSON.stringify({ observations, events });
    expect(said).not.toContain('old-cdn-secret');
    expect(said).not.toContain('new-cdn-secret');
  });

  it('reads no value when the variable is unset, and says same when the values are equal', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm
      .on(ListTagsForResourceCommand)
      .resolves({ TagList: [{ Key: 'mlds:workflow', Value: 'curling-live' }] });
    mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'same-secret', Version: 1 } });
    const unset = await refresh({
      ...everyEntry(stateOf([parameterEntry])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(unset.map((seen) => seen.exists && seen.settings)).toStrictEqual([{}]);
    expect(mocks.ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    const same = await refresh({
      ...everyEntry(stateOf([parameterEntry])),
      clients: aws,
      env: { CDN_PASSWORD: 'same-secret' },
      ...virtualTime(),
    });
    expect(same.map((seen) => seen.exists && seen.settings)).toStrictEqual([{ value: 'same', version: 1 }]);
  });

  it('compares an ingest password parameter with the password its channel has now, in memory; a gone channel compares nothing', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm
      .on(ListTagsForResourceCommand)
      .resolves({ TagList: [{ Key: 'mlds:workflow', Value: 'curling-live' }] });
    mocks.ssm.on(GetParameterCommand, { Name: '/mlds/curling-live/origin/password-p0' }).resolves({
      Parameter: { Value: 'password-written-0', Version: 1 },
    });
    mocks.ssm.on(GetParameterCommand, { Name: '/mlds/curling-live/origin/password-p1' }).resolves({
      Parameter: { Value: 'password-now-1', Version: 1 },
    });
    // What MediaPackage answers now: the passwords after a rotation (pipeline 1's is the one written).
    const ingestNow = {
      IngestEndpoints: [0, 1].map((n) => ({
        Id: `ep${n}`,
        Url: `https://in.example/ep${n}`,
        Username: `user${n}`,
        Password: `password-now-${n}`,
      })),
    };
    mocks.mediaPackage.on(DescribeChannelCommand).resolves({ Id: 'their-channel', HlsIngest: ingestNow });
    const channel = {
      address: 'origin.channel',
      kind: 'mediapackage-channel' as const,
      name: 'their-channel',
      region: REGION,
      pipeline: null,
      downstream: 'origin',
      status: 'created' as const,
      existing: true as const,
      properties: {},
    };
    const passwords = ([0, 1] as const).map(
      (pipeline): StateResource => ({
        ...parameterEntry,
        address: `origin.password[${pipeline}]`,
        name: `/mlds/curling-live/origin/password-p${pipeline}`,
        pipeline,
        downstream: 'origin',
        properties: { source: { ingestEndpointOf: 'origin.channel', endpointIndex: pipeline } },
      }),
    );
    const state = stateOf([channel, ...passwords]);
    const { events, onEvent } = collectEvents();
    // The channel mlds only reads, refreshed with its parameters: one DescribeChannel for all three.
    const all = await refresh({
      state,
      resources: [channel, ...passwords],
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(all.map((seen) => seen.exists)).toStrictEqual([true, true, true]);
    expect(mocks.mediaPackage.commandCalls(DescribeChannelCommand)).toHaveLength(1);
    mocks.mediaPackage.resetHistory();
    const observations = await refresh({
      state,
      resources: passwords,
      clients: aws,
      env: {},
      onEvent,
      ...virtualTime(),
    });
    expect(observations.map((seen) => [seen.address, seen.exists && seen.settings])).toStrictEqual([
      ['origin.password[0]', { value: 'differs', version: 1 }],
      ['origin.password[1]', { value: 'same', version: 1 }],
    ]);
    // One DescribeChannel for both parameters.
    expect(
      mocks.mediaPackage.commandCalls(DescribeChannelCommand).map((call) => call.args[0].input),
    ).toStrictEqual([{ Id: 'their-channel' }]);
    const said = JSON.stringify({ observations, events });
    expect(said).not.toMatch(/password-(now|written)/);

    // A channel mlds made, read with its parameters: one DescribeChannel for all three.
    const made = { ...channel, existing: undefined, tags: tagsOf('origin') };
    mocks.mediaPackage
      .on(DescribeChannelCommand)
      .resolves({ Id: 'their-channel', Tags: tagsOf('origin'), HlsIngest: ingestNow });
    mocks.mediaPackage.resetHistory();
    const withChannel = await refresh({
      state: stateOf([made, ...passwords]),
      resources: [made, ...passwords],
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(withChannel.map((seen) => seen.exists && seen.settings)).toStrictEqual([
      {
        ingestEndpoints: [0, 1].map((n) => ({
          id: `ep${n}`,
          url: `https://in.example/ep${n}`,
          username: `user${n}`,
        })),
      },
      { value: 'differs', version: 1 },
      { value: 'same', version: 1 },
    ]);
    expect(mocks.mediaPackage.commandCalls(DescribeChannelCommand)).toHaveLength(1);

    mocks.mediaPackage
      .on(DescribeChannelCommand)
      .rejects(new NotFoundException({ message: 'gone', $metadata: meta(404) }));
    const gone = await refresh({ state, resources: passwords, clients: aws, env: {}, ...virtualTime() });
    expect(gone.map((seen) => seen.exists && seen.settings)).toStrictEqual([{}, {}]);
  });

  it('reads a container, its tags and its policy; a channel with one DescribeChannel', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaStore.on(DescribeContainerCommand).resolves({
      Container: {
        Name: 'curling-live-store-p0',
        ARN: CONTAINER_ARN,
        Status: 'ACTIVE',
        Endpoint: 'https://e',
      },
    });
    mocks.mediaStore.on(ListContainerTagsCommand).resolves({
      Tags: [
        { Key: 'mlds:workflow', Value: 'curling-live' },
        { Key: 'mlds:downstream', Value: 'store' },
      ],
    });
    mocks.mediaStore.on(GetContainerPolicyCommand).resolves({
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'MldsMediaLiveWrite',
            Effect: 'Allow',
            Principal: { AWS: ROLE },
            Action: [
              'mediastore:ListItems',
              'mediastore:PutObject',
              'mediastore:GetObject',
              'mediastore:DeleteObject',
              'mediastore:DescribeObject',
            ],
            Resource: `${CONTAINER_ARN}/*`,
            Condition: { Bool: { 'aws:SecureTransport': 'true' } },
          },
        ],
      }),
    });
    mocks.mediaPackage.on(DescribeChannelCommand).resolves({
      Id: 'curling-live-packager',
      Tags: { 'mlds:workflow': 'curling-live' },
      HlsIngest: {
        IngestEndpoints: [{ Id: 'a', Password: 'ingest-secret', Url: 'https://i', Username: 'u' }],
      },
    });
    const container = {
      ...bucketEntry,
      address: 'store.container[0]',
      kind: 'mediastore-container' as const,
      name: 'curling-live-store-p0',
      downstream: 'store',
      tags: tagsOf('store'),
    };
    const channel = {
      ...bucketEntry,
      address: 'packager.channel',
      kind: 'mediapackage-channel' as const,
      name: 'curling-live-packager',
      pipeline: null,
      downstream: 'packager',
      tags: tagsOf('packager'),
      properties: {},
    };

    const observations = await refresh({
      ...everyEntry(stateOf([container, channel])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });

    // The channel's endpoints as DescribeChannel answers them, without the password.
    expect(observations.map((seen) => seen.exists && seen.settings)).toStrictEqual([
      { mediaLiveRoleArn: ROLE },
      { ingestEndpoints: [{ id: 'a', url: 'https://i', username: 'u' }] },
    ]);
    expect(JSON.stringify(observations)).not.toContain('ingest-secret');
    expect(mocks.mediaStore.commandCalls(DescribeContainerCommand).map((c) => c.args[0].input)).toStrictEqual(
      [{ ContainerName: 'curling-live-store-p0' }],
    );
    expect(mocks.mediaStore.commandCalls(ListContainerTagsCommand).map((c) => c.args[0].input)).toStrictEqual(
      [{ Resource: CONTAINER_ARN }],
    );
    expect(
      mocks.mediaStore.commandCalls(GetContainerPolicyCommand).map((c) => c.args[0].input),
    ).toStrictEqual([{ ContainerName: 'curling-live-store-p0' }]);
    expect(mocks.mediaPackage.commandCalls(DescribeChannelCommand).map((c) => c.args[0].input)).toStrictEqual(
      [{ Id: 'curling-live-packager' }],
    );
    expect(JSON.stringify(observations)).not.toContain('ingest-secret');
  });

  it('reads what core chose (not what is unfinished), and reports every failed read together, redacted', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3
      .on(HeadBucketCommand, { Bucket: BUCKET })
      .rejects(new AccessDenied({ message: 'Access Denied', $metadata: meta(400) }));
    mocks.s3.on(HeadBucketCommand, { Bucket: 'their-bucket' }).resolves({});
    mocks.ssm
      .on(ListTagsForResourceCommand)
      .resolves({ TagList: [{ Key: 'mlds:workflow', Value: 'curling-live' }] });
    mocks.ssm
      .on(GetParameterCommand)
      .rejects(new ParameterNotFound({ message: 'value new-cdn-secret not found', $metadata: meta(400) }));
    const creating = { ...bucketEntry, address: 'archive.bucket[1]', status: 'creating' as const };
    const existing = {
      ...bucketEntry,
      address: 'vod.bucket[0]',
      name: 'their-bucket',
      tags: {},
      existing: true as const,
    };
    const state = stateOf([bucketEntry, creating, existing, parameterEntry]);
    const resources = refreshTargets(normalizeWorkflow(aWorkflow()), state);
    expect(resources.map((resource) => resource.address)).toStrictEqual([
      'archive.bucket[0]',
      'vod.bucket[0]',
      'cdn.password',
    ]);
    const error = await refresh({
      state,
      resources,
      clients: aws,
      env: { CDN_PASSWORD: 'new-cdn-secret' },
      ...virtualTime(),
    }).catch((caught: unknown) => caught);
    // The parameter's GetParameter found nothing: it counts as gone, not as a failure.
    expect(error).toBeInstanceOf(RefreshFailedError);
    expect(
      (error as RefreshFailedError).failures.map((failure) => [failure.address, failure.error]),
    ).toStrictEqual([['archive.bucket[0]', 'AccessDenied: Access Denied']]);
    // What mlds only reads: HeadBucket alone, whether it is there; no tag or setting of it is read.
    expect(
      mocks.s3
        .calls()
        .filter((call) => (call.args[0].input as { Bucket?: string }).Bucket === 'their-bucket')
        .map((call) => [call.args[0].constructor.name, call.args[0].input]),
    ).toStrictEqual([['HeadBucketCommand', { Bucket: 'their-bucket' }]]);
    expect(mocks.s3.commandCalls(HeadBucketCommand, { Bucket: BUCKET })).toHaveLength(1);
  });

  it('reports what mlds only reads as there or not, from the read apply makes of it', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.on(HeadBucketCommand, { Bucket: 'their-bucket' }).resolves({});
    mocks.s3
      .on(HeadBucketCommand, { Bucket: 'their-gone-bucket' })
      .rejects(new NotFound({ message: 'Not Found', $metadata: meta(404) }));
    const existing = (address: string, name: string) => ({
      ...bucketEntry,
      address,
      name,
      tags: {},
      existing: true as const,
    });
    const resources = [
      existing('vod.bucket[0]', 'their-bucket'),
      existing('vod.bucket[1]', 'their-gone-bucket'),
    ];
    const observations = await refresh({
      state: stateOf(resources),
      resources,
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(observations).toStrictEqual([
      {
        address: 'vod.bucket[0]',
        kind: 's3-bucket',
        name: 'their-bucket',
        region: REGION,
        exists: true,
        tags: {},
        settings: {},
      },
      {
        address: 'vod.bucket[1]',
        kind: 's3-bucket',
        name: 'their-gone-bucket',
        region: REGION,
        exists: false,
      },
    ]);
  });
});

// --- Against the fake cloud: the drift scenarios of issue 9, end to end through the provisioner -------------

const WORKFLOW: WorkflowInput = aWorkflow({
  mediaLiveRoleArn: ROLE,
  downstream: [
    { name: 'archive', system: 's3', format: 'archive' },
    {
      name: 'cdn',
      system: 'http-put',
      urls: ['https://ingest-a.example-cdn.com/live/index', 'https://ingest-b.example-cdn.com/live/index'],
      username: 'ingest',
      password: { env: 'CDN_PASSWORD' },
    },
  ],
});

/** What core has refresh read of `state` for this workflow. */
const targetsOf = (state: StateDocument | undefined) => {
  if (state === undefined) throw new Error('apply recorded no state');
  return { state, resources: refreshTargets(normalizeWorkflow(WORKFLOW), state) };
};

const planned = (state?: StateDocument, observations?: Awaited<ReturnType<typeof refresh>>): Plan =>
  planWorkflow(normalizeWorkflow(WORKFLOW), {
    ...(state ? { state } : {}),
    ...(observations ? { observations } : {}),
  });

describe('drift against the fake cloud', () => {
  it('buckets deleted behind mlds: refresh reads only, the plan creates them with drift, apply brings them back', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const store = new MemoryStateStore();
    const env = { CDN_PASSWORD: 'first-cdn-secret' };
    const first = await apply({ plan: planned(), clients: cloud.clients, store, env, ...virtualTime() });
    const s3 = cloud.clients.s3(REGION) as S3Client;
    for (const bucket of ['curling-live-archive-p0', 'curling-live-archive-p1'])
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    const mutatingBefore = cloud.mutatingCalls().length;

    const observations = await refresh({
      ...targetsOf(first.state),
      clients: cloud.clients,
      env,
      ...virtualTime(),
    });

    expect(cloud.mutatingCalls()).toHaveLength(mutatingBefore);
    const plan = planned(first.state, observations);
    expect(plan.resources.map((r) => [r.address, r.action, r.drift])).toStrictEqual([
      ['archive.bucket[0]', 'create', ['curling-live-archive-p0 was deleted outside mlds']],
      ['archive.bucket[1]', 'create', ['curling-live-archive-p1 was deleted outside mlds']],
      ['cdn.password', 'noop', undefined],
    ]);

    const second = await apply({ plan, clients: cloud.clients, store, env, ...virtualTime() });
    expect(second.outcomes.map((o) => [o.address, o.outcome]).sort()).toStrictEqual([
      ['archive.bucket[0]', 'created'],
      ['archive.bucket[1]', 'created'],
      ['cdn.password', 'unchanged'],
    ]);
    expect(cloud.inventory().s3.map((bucket) => bucket.name)).toStrictEqual([
      'curling-live-archive-p0',
      'curling-live-archive-p1',
    ]);
    // Refreshed again: nothing left to do.
    const again = await refresh({
      ...targetsOf(second.state),
      clients: cloud.clients,
      env,
      ...virtualTime(),
    });
    expect(planned(second.state, again).resources.map((r) => r.action)).toStrictEqual([
      'noop',
      'noop',
      'noop',
    ]);
  });

  it('settings changed by hand are put back; a bucket that lost our tag is refused, untouched', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const store = new MemoryStateStore();
    const env = { CDN_PASSWORD: 'first-cdn-secret' };
    const first = await apply({ plan: planned(), clients: cloud.clients, store, env, ...virtualTime() });
    const s3 = cloud.clients.s3(REGION) as S3Client;
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: 'curling-live-archive-p0',
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: false,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: 'curling-live-archive-p1',
        Tagging: { TagSet: [{ Key: 'owner', Value: 'someone' }] },
      }),
    );

    const observations = await refresh({
      ...targetsOf(first.state),
      clients: cloud.clients,
      env,
      ...virtualTime(),
    });
    const plan = planned(first.state, observations);
    expect(
      plan.resources.map((r) => [r.address, r.action, r.action === 'update' ? r.changes : []]),
    ).toStrictEqual([
      ['archive.bucket[0]', 'update', ['publicAccessBlock']],
      ['archive.bucket[1]', 'update', ['tags']],
      ['cdn.password', 'noop', []],
    ]);

    const mutatingBefore = cloud.mutatingCalls().length;
    const failed = await apply({ plan, clients: cloud.clients, store, env, ...virtualTime() }).catch(
      (e: unknown) => e,
    );
    // The drifted bucket gets every setting mlds makes again (in parallel: in any order); the one that lost our
    // tag gets nothing.
    expect(
      cloud
        .mutatingCalls()
        .slice(mutatingBefore)
        .map((call) => [call.command, call.input])
        .sort(),
    ).toStrictEqual([
      [
        'PutBucketEncryptionCommand',
        {
          Bucket: 'curling-live-archive-p0',
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        },
      ],
      [
        'PutBucketPolicyCommand',
        {
          Bucket: 'curling-live-archive-p0',
          Policy: JSON.stringify(mediaLiveBucketPolicy('curling-live-archive-p0', REGION, ROLE)),
        },
      ],
      [
        'PutPublicAccessBlockCommand',
        {
          Bucket: 'curling-live-archive-p0',
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        },
      ],
    ]);
    expect((failed as { failures?: { address: string }[] }).failures?.map((f) => f.address)).toStrictEqual([
      'archive.bucket[1]',
    ]);
    const buckets = cloud.inventory().s3;
    expect(buckets.find((b) => b.name === 'curling-live-archive-p0')?.publicAccessBlock).toStrictEqual(
      DEFAULT_PUBLIC_ACCESS_BLOCK,
    );
    expect(buckets.find((b) => b.name === 'curling-live-archive-p1')?.tags).toStrictEqual({
      owner: 'someone',
    });
  });

  it('a changed CDN password: refresh sees it differs, apply writes the new one into SSM, no secret anywhere', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const store = new MemoryStateStore();
    const { events, onEvent } = collectEvents();
    const first = await apply({
      plan: planned(),
      clients: cloud.clients,
      store,
      env: { CDN_PASSWORD: 'first-cdn-secret' },
      onEvent,
      ...virtualTime(),
    });
    expect(first.state?.resources.find((r) => r.address === 'cdn.password')?.outputs).toStrictEqual({
      version: 1,
    });
    const env = { CDN_PASSWORD: 'second-cdn-secret' };
    const mutatingBefore = cloud.mutatingCalls().length;

    const observations = await refresh({
      ...targetsOf(first.state),
      clients: cloud.clients,
      env,
      onEvent,
      ...virtualTime(),
    });

    expect(cloud.mutatingCalls()).toHaveLength(mutatingBefore);
    const plan = planned(first.state, observations);
    const change = plan.resources.find((r) => r.address === 'cdn.password');
    expect(change?.action === 'update' && change.changes).toStrictEqual(['value']);

    const second = await apply({ plan, clients: cloud.clients, store, env, onEvent, ...virtualTime() });
    expect(second.outcomes.find((o) => o.address === 'cdn.password')?.outcome).toBe('updated');
    const ssm = cloud.clients.ssm(REGION) as SSMClient;
    const stored = await ssm.send(new GetParameterCommand({ Name: PARAMETER, WithDecryption: true }));
    expect(stored.Parameter?.Value).toBe('second-cdn-secret');
    expect(second.state?.resources.find((r) => r.address === 'cdn.password')?.outputs).toStrictEqual({
      version: 2,
    });
    const puts = cloud
      .mutatingCalls()
      .slice(mutatingBefore)
      .map((call) => [call.command, call.input]);
    // Tags cannot go with Overwrite; the tags are unchanged, so none follow.
    expect(puts).toStrictEqual([
      [
        'PutParameterCommand',
        {
          Name: PARAMETER,
          Value: 'second-cdn-secret',
          Type: 'SecureString',
          Tier: 'Standard',
          Overwrite: true,
        },
      ],
    ]);

    const leaked = JSON.stringify({ observations, plan, events, writes: store.writes });
    for (const secret of ['first-cdn-secret', 'second-cdn-secret']) expect(leaked).not.toContain(secret);
  });

  it('destroy says a bucket deleted outside mlds is gone, not forgotten', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const store = new MemoryStateStore();
    const env = { CDN_PASSWORD: 'first-cdn-secret' };
    await apply({ plan: planned(), clients: cloud.clients, store, env, ...virtualTime() });
    await (cloud.clients.s3(REGION) as S3Client).send(
      new DeleteBucketCommand({ Bucket: 'curling-live-archive-p0' }),
    );
    const result = await destroy({ clients: cloud.clients, store, ...virtualTime() });
    expect(result.outcomes.map((o) => [o.address, o.outcome]).sort()).toStrictEqual([
      ['archive.bucket[0]', 'gone'],
      ['archive.bucket[1]', 'deleted'],
      ['cdn.password', 'deleted'],
    ]);
  });
});
