import {
  ContainerInUseException,
  ContainerNotFoundException,
  CreateContainerCommand,
  DeleteContainerCommand,
  DeleteContainerPolicyCommand,
  DescribeContainerCommand,
  GetContainerPolicyCommand,
  LimitExceededException,
  ListTagsForResourceCommand,
  PolicyNotFoundException,
  PutContainerPolicyCommand,
} from '@aws-sdk/client-mediastore';
import { DeleteObjectCommand, ListItemsCommand } from '@aws-sdk/client-mediastore-data';
import type { StateDocument } from '@mlds/core';
import { describe, expect, it } from 'vitest';
import {
  type ApplyFailedError,
  NotEmptyError,
  ResourceNotOursError,
  WaitTimeoutError,
} from '../src/errors.js';
import { type AwsClients, apply, destroy } from '../src/index.js';
import {
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

const CONTAINER = 'curling-live-store-p0';
const ARN = `arn:aws:mediastore:${REGION}:111122223333:container/${CONTAINER}`;
const ENDPOINT = 'https://abc123xyz.data.mediastore.us-west-2.amazonaws.com';

const storePlan = () =>
  planOf({
    channelClass: 'SINGLE_PIPELINE',
    mediaLiveRoleArn: ROLE,
    downstream: [{ name: 'store', system: 'mediastore' }],
  });

const container = (Status: 'CREATING' | 'ACTIVE') => ({
  Container: {
    Name: CONTAINER,
    ARN,
    Status,
    ...(Status === 'ACTIVE' ? { Endpoint: ENDPOINT } : {}),
  },
});

const TAG_LIST = [
  { Key: 'mlds:workflow', Value: 'curling-live' },
  { Key: 'mlds:downstream', Value: 'store' },
];

function containerState(): StateDocument {
  return {
    formatVersion: 1,
    workflow: 'curling-live',
    region: REGION,
    serial: 2,
    resources: [
      {
        address: 'store.container[0]',
        kind: 'mediastore-container',
        name: CONTAINER,
        region: REGION,
        pipeline: 0,
        downstream: 'store',
        status: 'created',
        arn: ARN,
        tags: tagsOf('store'),
        properties: { mediaLiveRoleArn: ROLE },
        outputs: { endpoint: ENDPOINT },
      },
    ],
  };
}

describe('MediaStore container: apply', () => {
  it('creates it with tags, polls until ACTIVE, records the endpoint as mediastoressl://, and lets the role write', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaStore.on(CreateContainerCommand).resolves(container('CREATING'));
    mocks.mediaStore
      .on(DescribeContainerCommand)
      .resolvesOnce(container('CREATING'))
      .resolvesOnce(container('CREATING'))
      .resolves(container('ACTIVE'));
    mocks.mediaStore.on(PutContainerPolicyCommand).resolves({});
    const time = virtualTime();
    const result = await apply({
      plan: storePlan(),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...time,
    });

    expect(mocks.mediaStore.commandCalls(CreateContainerCommand).map((c) => c.args[0].input)).toStrictEqual([
      { ContainerName: CONTAINER, Tags: TAG_LIST },
    ]);
    expect(mocks.mediaStore.commandCalls(DescribeContainerCommand).map((c) => c.args[0].input)).toStrictEqual(
      [{ ContainerName: CONTAINER }, { ContainerName: CONTAINER }, { ContainerName: CONTAINER }],
    );
    expect(time.sleeps).toEqual([2000, 3000]);
    const policies = mocks.mediaStore.commandCalls(PutContainerPolicyCommand).map((c) => c.args[0].input);
    expect(policies.map((p) => ({ ...p, Policy: JSON.parse(p.Policy ?? '') }))).toStrictEqual([
      {
        ContainerName: CONTAINER,
        Policy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'MldsMediaLiveWrite',
              Effect: 'Allow',
              Principal: { AWS: ROLE },
              Action: [
                'mediastore:PutObject',
                'mediastore:GetObject',
                'mediastore:DeleteObject',
                'mediastore:DescribeObject',
                'mediastore:ListItems',
              ],
              Resource: `${ARN}/*`,
              Condition: { Bool: { 'aws:SecureTransport': 'true' } },
            },
          ],
        },
      },
    ]);
    expect(result.state?.resources[0]).toMatchObject({
      status: 'created',
      arn: ARN,
      outputs: {
        endpoint: ENDPOINT,
        ingestUrl: 'mediastoressl://abc123xyz.data.mediastore.us-west-2.amazonaws.com',
      },
    });
  });

  it('gives up on a container that never turns ACTIVE, naming it', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaStore.on(CreateContainerCommand).resolves(container('CREATING'));
    mocks.mediaStore.on(DescribeContainerCommand).resolves(container('CREATING'));
    const time = virtualTime();
    const error = await apply({
      plan: storePlan(),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      wait: { maxWaitMs: 60_000 },
      ...time,
    }).catch((e) => e);
    expect((error as ApplyFailedError).failures[0]?.cause).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/store\.container\[0\].*container ACTIVE/);
    expect(mocks.mediaStore.commandCalls(PutContainerPolicyCommand)).toHaveLength(0);
  });

  it('adopting without a role removes the write deny a forced destroy that did not finish left behind', async () => {
    const inUse = new ContainerInUseException({ message: 'already exists', $metadata: meta(400) });
    const { aws, mocks } = mockedClients();
    mocks.mediaStore.on(CreateContainerCommand).rejects(inUse);
    mocks.mediaStore.on(DescribeContainerCommand).resolves(container('ACTIVE'));
    mocks.mediaStore.on(ListTagsForResourceCommand).resolves({ Tags: TAG_LIST });
    const deny = {
      Sid: 'MldsDenyWritesWhileDestroying',
      Effect: 'Deny',
      Principal: '*',
      Action: 'mediastore:PutObject',
      Resource: `${ARN}/*`,
    };
    mocks.mediaStore
      .on(GetContainerPolicyCommand)
      .resolves({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [deny] }) });
    mocks.mediaStore.on(DeleteContainerPolicyCommand).resolves({});
    const plan = planOf({
      channelClass: 'SINGLE_PIPELINE',
      downstream: [{ name: 'store', system: 'mediastore' }],
    });
    const adopted = await apply({
      plan,
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    expect(adopted.outcomes).toMatchObject([{ outcome: 'adopted' }]);
    expect(
      mocks.mediaStore.commandCalls(DeleteContainerPolicyCommand).map((c) => c.args[0].input),
    ).toStrictEqual([{ ContainerName: CONTAINER }]);
    expect(mocks.mediaStore.commandCalls(PutContainerPolicyCommand)).toHaveLength(0);
  });

  it('on ContainerInUseException adopts the container only with our tag', async () => {
    const inUse = new ContainerInUseException({ message: 'already exists', $metadata: meta(400) });
    const ours = mockedClients();
    ours.mocks.mediaStore.on(CreateContainerCommand).rejects(inUse);
    ours.mocks.mediaStore.on(DescribeContainerCommand).resolves(container('ACTIVE'));
    ours.mocks.mediaStore.on(ListTagsForResourceCommand).resolves({ Tags: TAG_LIST });
    ours.mocks.mediaStore.on(PutContainerPolicyCommand).resolves({});
    const adopted = await apply({
      plan: storePlan(),
      clients: ours.aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    expect(adopted.outcomes).toMatchObject([{ outcome: 'adopted' }]);
    expect(
      ours.mocks.mediaStore.commandCalls(ListTagsForResourceCommand).map((c) => c.args[0].input),
    ).toStrictEqual([{ Resource: ARN }]);
    expect(ours.mocks.mediaStore.commandCalls(PutContainerPolicyCommand)).toHaveLength(1);

    const theirs = mockedClients();
    theirs.mocks.mediaStore.on(CreateContainerCommand).rejects(inUse);
    theirs.mocks.mediaStore.on(DescribeContainerCommand).resolves(container('ACTIVE'));
    theirs.mocks.mediaStore.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    const error = await apply({
      plan: storePlan(),
      clients: theirs.aws,
      store: new MemoryStateStore(),
      env: {},
    }).catch((e) => e);
    expect((error as ApplyFailedError).failures[0]?.cause).toBeInstanceOf(ResourceNotOursError);
    expect(theirs.mocks.mediaStore.commandCalls(PutContainerPolicyCommand)).toHaveLength(0);
  });

  it('retries LimitExceededException, MediaStore’s throttling', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaStore
      .on(CreateContainerCommand)
      .rejectsOnce(new LimitExceededException({ message: 'Rate exceeded', $metadata: meta(400) }))
      .resolves(container('CREATING'));
    mocks.mediaStore.on(DescribeContainerCommand).resolves(container('ACTIVE'));
    mocks.mediaStore.on(PutContainerPolicyCommand).resolves({});
    await apply({
      plan: storePlan(),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    expect(mocks.mediaStore.commandCalls(CreateContainerCommand)).toHaveLength(2);
  });
});

/** Destroy looks the container up (ours), then describes it before emptying; after that it is gone. */
function oursUntilDeleted(mocks: ReturnType<typeof mockedClients>['mocks']) {
  mocks.mediaStore
    .on(DescribeContainerCommand)
    .resolvesOnce(container('ACTIVE'))
    .resolvesOnce(container('ACTIVE'))
    .rejects(new ContainerNotFoundException({ message: 'gone', $metadata: meta(400) }));
  mocks.mediaStore.on(ListTagsForResourceCommand).resolves({ Tags: TAG_LIST });
}

describe('MediaStore container: destroy', () => {
  /** Destroys `state`'s empty container; for each time the data plane's client was asked for, the calls before. */
  async function dataPlaneAskedAfterCalls(state: StateDocument): Promise<number[]> {
    const { aws, mocks } = mockedClients();
    oursUntilDeleted(mocks);
    mocks.mediaStoreData.on(ListItemsCommand).resolves({ Items: [] });
    mocks.mediaStore.on(DeleteContainerCommand).resolves({});
    const askedAfterCalls: number[] = [];
    const clients: AwsClients = {
      ...aws,
      mediaStoreData: (endpoint, region) => {
        askedAfterCalls.push(mocks.mediaStore.calls().length);
        return aws.mediaStoreData(endpoint, region);
      },
    };
    await destroy({ clients, store: new MemoryStateStore(state), ...virtualTime() });
    return askedAfterCalls;
  }

  it('builds the data plane’s client at the endpoint the state records before its first call, not midway through the pre-check', async () => {
    expect(await dataPlaneAskedAfterCalls(containerState())).toStrictEqual([0, 1]);
  });

  it('builds no data-plane client ahead for a container the state records without an endpoint', async () => {
    const state = containerState();
    delete state.resources[0]?.outputs;
    expect(await dataPlaneAskedAfterCalls(state)).toStrictEqual([1]);
  });

  it('refuses a container holding objects without --force, asking the data plane at the container’s endpoint', async () => {
    const { aws, mocks, requested } = mockedClients();
    mocks.mediaStore.on(DescribeContainerCommand).resolves(container('ACTIVE'));
    mocks.mediaStore.on(ListTagsForResourceCommand).resolves({ Tags: TAG_LIST });
    mocks.mediaStoreData.on(ListItemsCommand).resolves({ Items: [{ Name: 'live', Type: 'FOLDER' }] });
    const error = await destroy({
      clients: aws,
      store: new MemoryStateStore(containerState()),
      ...virtualTime(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(NotEmptyError);
    expect((error as NotEmptyError).blockers).toMatchObject([{ reason: 'the container holds objects' }]);
    expect(mocks.mediaStoreData.commandCalls(ListItemsCommand).map((c) => c.args[0].input)).toStrictEqual([
      { MaxResults: 1 },
    ]);
    // Built before the pre-check from the endpoint the state records, then asked for at the one it described.
    expect(requested.filter((r) => r.service === 'mediastore-data')).toEqual([
      { service: 'mediastore-data', region: REGION, endpoint: ENDPOINT },
      { service: 'mediastore-data', region: REGION, endpoint: ENDPOINT },
    ]);
    expect(mocks.mediaStore.commandCalls(DeleteContainerCommand)).toHaveLength(0);
    expect(mocks.mediaStoreData.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  it('with --force empties folder by folder, then deletes the container, retrying ContainerInUseException', async () => {
    const { aws, mocks } = mockedClients();
    oursUntilDeleted(mocks);
    mocks.mediaStoreData.on(ListItemsCommand).callsFake((input) => {
      const key = `${input.Path ?? '(root)'} ${input.NextToken ?? ''}`.trim();
      const pages: Record<string, object> = {
        '(root)': {
          Items: [
            { Name: 'a.ts', Type: 'OBJECT' },
            { Name: 'live', Type: 'FOLDER' },
          ],
        },
        live: {
          Items: [
            { Name: 'index.m3u8', Type: 'OBJECT' },
            { Name: 'seg', Type: 'FOLDER' },
          ],
          NextToken: 't2',
        },
        'live t2': { Items: [{ Name: 'x.ts', Type: 'OBJECT' }] },
        'live/seg': { Items: [{ Name: '1.ts', Type: 'OBJECT' }] },
      };
      const page = pages[key];
      if (!page) throw new Error(`unexpected ListItems ${key}`);
      return page;
    });
    mocks.mediaStoreData.on(DeleteObjectCommand).resolves({});
    mocks.mediaStore
      .on(DeleteContainerCommand)
      .rejectsOnce(new ContainerInUseException({ message: 'not empty yet', $metadata: meta(400) }))
      .resolves({});
    const result = await destroy({
      clients: aws,
      store: new MemoryStateStore(containerState()),
      force: true,
      ...virtualTime(),
    });
    expect(mocks.mediaStoreData.commandCalls(ListItemsCommand).map((c) => c.args[0].input)).toStrictEqual([
      {},
      { Path: 'live' },
      { Path: 'live', NextToken: 't2' },
      { Path: 'live/seg' },
    ]);
    expect(
      mocks.mediaStoreData
        .commandCalls(DeleteObjectCommand)
        .map((c) => c.args[0].input.Path)
        .sort(),
    ).toEqual(['a.ts', 'live/index.m3u8', 'live/seg/1.ts', 'live/x.ts']);
    expect(mocks.mediaStore.commandCalls(DeleteContainerCommand).map((c) => c.args[0].input)).toStrictEqual([
      { ContainerName: CONTAINER },
      { ContainerName: CONTAINER },
    ]);
    expect(result.state?.resources).toEqual([]);
  });

  it('with --force denies writes in the container policy (keeping its statements) before the first delete', async () => {
    const { aws, mocks } = mockedClients();
    oursUntilDeleted(mocks);
    const order: string[] = [];
    const existing = {
      Sid: 'MldsMediaLiveWrite',
      Effect: 'Allow',
      Principal: { AWS: 'role' },
      Action: ['mediastore:PutObject'],
      Resource: `${ARN}/*`,
    };
    mocks.mediaStore.on(GetContainerPolicyCommand).callsFake(() => {
      order.push('GetContainerPolicy');
      return { Policy: JSON.stringify({ Version: '2012-10-17', Statement: [existing] }) };
    });
    mocks.mediaStore.on(PutContainerPolicyCommand).callsFake(() => {
      order.push('PutContainerPolicy');
      return {};
    });
    mocks.mediaStoreData.on(ListItemsCommand).callsFake(() => {
      order.push('ListItems');
      return { Items: [{ Name: 'a.ts', Type: 'OBJECT' }] };
    });
    mocks.mediaStoreData.on(DeleteObjectCommand).callsFake(() => {
      order.push('DeleteObject');
      return {};
    });
    mocks.mediaStore.on(DeleteContainerCommand).resolves({});
    await destroy({
      clients: aws,
      store: new MemoryStateStore(containerState()),
      force: true,
      ...virtualTime(),
    });
    expect(order).toStrictEqual(['GetContainerPolicy', 'PutContainerPolicy', 'ListItems', 'DeleteObject']);
    expect(
      mocks.mediaStore.commandCalls(GetContainerPolicyCommand).map((c) => c.args[0].input),
    ).toStrictEqual([{ ContainerName: CONTAINER }]);
    expect(
      mocks.mediaStore.commandCalls(PutContainerPolicyCommand).map((c) => c.args[0].input),
    ).toStrictEqual([
      {
        ContainerName: CONTAINER,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            existing,
            {
              Sid: 'MldsDenyWritesWhileDestroying',
              Effect: 'Deny',
              Principal: '*',
              Action: 'mediastore:PutObject',
              Resource: `${ARN}/*`,
            },
          ],
        }),
      },
    ]);
  });

  it('with --force and no container policy yet, the deny is the whole policy', async () => {
    const { aws, mocks } = mockedClients();
    oursUntilDeleted(mocks);
    mocks.mediaStore.on(GetContainerPolicyCommand).rejects(
      new PolicyNotFoundException({
        message: 'The policy does not exist within the container',
        $metadata: meta(400),
      }),
    );
    mocks.mediaStoreData.on(ListItemsCommand).resolves({ Items: [] });
    mocks.mediaStore.on(DeleteContainerCommand).resolves({});
    await destroy({
      clients: aws,
      store: new MemoryStateStore(containerState()),
      force: true,
      ...virtualTime(),
    });
    const sent = mocks.mediaStore
      .commandCalls(PutContainerPolicyCommand)
      .map((c) => JSON.parse(c.args[0].input.Policy ?? ''));
    expect(sent).toStrictEqual([
      {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'MldsDenyWritesWhileDestroying',
            Effect: 'Deny',
            Principal: '*',
            Action: 'mediastore:PutObject',
            Resource: `${ARN}/*`,
          },
        ],
      },
    ]);
  });

  it('stays within the data plane’s limits: ≤5 ListItems and ≤100 DeleteObject per second', async () => {
    const { aws, mocks } = mockedClients();
    const time = virtualTime();
    const folders = Array.from({ length: 12 }, (_, i) => `f${i}`);
    const listedAt: number[] = [];
    const deletedAt: number[] = [];
    oursUntilDeleted(mocks);
    mocks.mediaStoreData.on(ListItemsCommand).callsFake((input) => {
      listedAt.push(time.clock());
      if (!input.Path) return { Items: folders.map((Name) => ({ Name, Type: 'FOLDER' })) };
      return { Items: Array.from({ length: 30 }, (_, i) => ({ Name: `${i}.ts`, Type: 'OBJECT' })) };
    });
    mocks.mediaStoreData.on(DeleteObjectCommand).callsFake(() => {
      deletedAt.push(time.clock());
      return {};
    });
    mocks.mediaStore.on(DeleteContainerCommand).resolves({});
    await destroy({ clients: aws, store: new MemoryStateStore(containerState()), force: true, ...time });
    expect(listedAt).toHaveLength(13);
    expect(deletedAt).toHaveLength(360);
    const busiest = (stamps: number[]) =>
      Math.max(...stamps.map((start) => stamps.filter((t) => t >= start && t < start + 1000).length));
    expect(busiest(listedAt)).toBeLessThanOrEqual(5);
    expect(busiest(deletedAt)).toBeLessThanOrEqual(100);
    expect(busiest(deletedAt)).toBeGreaterThan(5);
  });

  it('lists at most 5 folders per second, however little each holds', async () => {
    const { aws, mocks } = mockedClients();
    const time = virtualTime();
    const listedAt: number[] = [];
    oursUntilDeleted(mocks);
    mocks.mediaStoreData.on(ListItemsCommand).callsFake((input) => {
      listedAt.push(time.clock());
      if (!input.Path)
        return { Items: Array.from({ length: 20 }, (_, i) => ({ Name: `f${i}`, Type: 'FOLDER' })) };
      return { Items: [{ Name: 'index.m3u8', Type: 'OBJECT' }] };
    });
    mocks.mediaStoreData.on(DeleteObjectCommand).resolves({});
    mocks.mediaStore.on(DeleteContainerCommand).resolves({});
    await destroy({ clients: aws, store: new MemoryStateStore(containerState()), force: true, ...time });
    expect(listedAt).toHaveLength(21);
    expect(mocks.mediaStoreData.commandCalls(DeleteObjectCommand)).toHaveLength(20);
    const busiest = Math.max(
      ...listedAt.map((start) => listedAt.filter((t) => t >= start && t < start + 1000).length),
    );
    expect(busiest).toBe(5);
  });

  it('keeps the entry as `deleting` until DescribeContainer no longer finds the container', async () => {
    const { aws, mocks } = mockedClients();
    const store = new MemoryStateStore(containerState());
    const time = virtualTime();
    let deleted = false;
    mocks.mediaStore.on(ListTagsForResourceCommand).resolves({ Tags: TAG_LIST });
    mocks.mediaStoreData.on(ListItemsCommand).resolves({ Items: [] });
    mocks.mediaStore.on(DeleteContainerCommand).callsFake(() => {
      deleted = true;
      return {};
    });
    let pollsAfterDelete = 0;
    mocks.mediaStore.on(DescribeContainerCommand).callsFake(() => {
      if (!deleted) return container('ACTIVE');
      pollsAfterDelete++;
      expect(store.doc?.resources.map((r) => r.status)).toEqual(['deleting']);
      if (pollsAfterDelete <= 2)
        return { Container: { ...container('ACTIVE').Container, Status: 'DELETING' } };
      throw new ContainerNotFoundException({ message: 'gone', $metadata: meta(400) });
    });
    const result = await destroy({ clients: aws, store, ...time });
    expect(pollsAfterDelete).toBe(3);
    expect(time.sleeps).toEqual([2000, 3000]);
    expect(result.state?.resources).toEqual([]);
  });

  it('reads a container in two rounds before deleting it: DescribeContainer, then its tags and items at once', async () => {
    const { aws, mocks } = mockedClients();
    const reads = inFlight();
    mocks.mediaStore
      .on(DescribeContainerCommand)
      .callsFakeOnce(reads.answer(container('ACTIVE')))
      .rejects(new ContainerNotFoundException({ message: 'gone', $metadata: meta(400) }));
    mocks.mediaStore.on(ListTagsForResourceCommand).callsFake(reads.answer({ Tags: TAG_LIST }));
    mocks.mediaStoreData.on(ListItemsCommand).callsFake(reads.answer({ Items: [] }));
    mocks.mediaStore.on(DeleteContainerCommand).resolves({});
    const result = await destroy({
      clients: aws,
      store: new MemoryStateStore(containerState()),
      ...virtualTime(),
    });
    // The describe alone (its ARN and endpoint are what the others read with), then two at once.
    expect(reads.most).toBe(2);
    expect(
      mocks.mediaStore.commandCalls(ListTagsForResourceCommand).map((c) => c.args[0].input),
    ).toStrictEqual([{ Resource: ARN }]);
    expect(mocks.mediaStoreData.commandCalls(ListItemsCommand).map((c) => c.args[0].input)).toStrictEqual([
      { MaxResults: 1 },
    ]);
    expect(mocks.mediaStore.commandCalls(DeleteContainerCommand).map((c) => c.args[0].input)).toStrictEqual([
      { ContainerName: CONTAINER },
    ]);
    expect(result.state?.resources).toEqual([]);
  });

  it('refuses a container that lost its tag, whatever listing its items answered', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaStore.on(DescribeContainerCommand).resolves(container('ACTIVE'));
    mocks.mediaStore.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'team', Value: 'sports' }] });
    mocks.mediaStoreData.on(ListItemsCommand).rejects(new Error('the data plane is not ours to read'));
    const error = await destroy({
      clients: aws,
      store: new MemoryStateStore(containerState()),
      ...virtualTime(),
    }).catch((e) => e);
    expect((error as ApplyFailedError).failures[0]?.cause).toBeInstanceOf(ResourceNotOursError);
    expect(mocks.mediaStore.commandCalls(DeleteContainerCommand)).toHaveLength(0);
  });

  it('says a container deleted outside mlds is already gone', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaStore
      .on(DescribeContainerCommand)
      .rejects(new ContainerNotFoundException({ message: 'gone', $metadata: meta(400) }));
    const result = await destroy({
      clients: aws,
      store: new MemoryStateStore(containerState()),
      ...virtualTime(),
    });
    expect(result.outcomes).toMatchObject([{ outcome: 'gone' }]);
    expect(mocks.mediaStore.commandCalls(DeleteContainerCommand)).toHaveLength(0);
  });
});
