import {
  CreateChannelCommand,
  DeleteChannelCommand,
  DeleteOriginEndpointCommand,
  DescribeChannelCommand,
  ForbiddenException,
  ListOriginEndpointsCommand,
  NotFoundException,
  TagResourceCommand,
  TooManyRequestsException,
  UnprocessableEntityException,
  UntagResourceCommand,
} from '@aws-sdk/client-mediapackage';
import { DeleteParameterCommand, ListTagsForResourceCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { StateDocument } from '@mlds/core';
import { describe, expect, it } from 'vitest';
import {
  ApplyFailedError,
  ExistingResourceNotFoundError,
  NotEmptyError,
  ResourceNotOursError,
  WaitTimeoutError,
} from '../src/errors.js';
import { apply, destroy } from '../src/index.js';
import {
  collectEvents,
  inFlight,
  MemoryStateStore,
  meta,
  mockedClients,
  planOf,
  REGION,
  tagsOf,
  virtualTime,
} from './helpers.js';

const CHANNEL = 'curling-live-packager';
const ARN = `arn:aws:mediapackage:${REGION}:111122223333:channels/0123abcd`;
const hlsPlan = (channelId?: string, state?: StateDocument) =>
  planOf(
    {
      downstream: [
        { name: 'packager', system: 'mediapackage', outputGroup: 'hls', ...(channelId ? { channelId } : {}) },
      ],
    },
    state,
  );

const ingest = (suffix = '') => ({
  IngestEndpoints: [0, 1].map((n) => ({
    Id: `ep${n}`,
    Url: `https://abc.mediapackage.${REGION}.amazonaws.com/in/v2/0123abcd/ep${n}/channel`,
    Username: `user${n}`,
    Password: `ingest-password-${n}${suffix}`,
  })),
});

const channelOutput = (tags: Record<string, string> = tagsOf('packager'), id = CHANNEL) => ({
  Arn: ARN,
  Id: id,
  HlsIngest: ingest(),
  Tags: tags,
});

const TAG_LIST = [
  { Key: 'mlds:workflow', Value: 'curling-live' },
  { Key: 'mlds:downstream', Value: 'packager' },
];

const passwordInputs = (suffix = '') => [
  {
    Name: '/mlds/curling-live/packager/password-p0',
    Value: `ingest-password-0${suffix}`,
    Type: 'SecureString',
    Tier: 'Standard',
    Tags: TAG_LIST,
  },
  {
    Name: '/mlds/curling-live/packager/password-p1',
    Value: `ingest-password-1${suffix}`,
    Type: 'SecureString',
    Tier: 'Standard',
    Tags: TAG_LIST,
  },
];

function channelState(
  overrides: Partial<StateDocument['resources'][number]> = {},
  params = true,
): StateDocument {
  const channel = {
    address: 'packager.channel',
    kind: 'mediapackage-channel' as const,
    name: CHANNEL,
    region: REGION,
    pipeline: null,
    downstream: 'packager',
    status: 'created' as const,
    arn: ARN,
    tags: tagsOf('packager'),
    properties: {},
    outputs: { ingestEndpoints: [] },
    ...overrides,
  };
  const param = (n: 0 | 1) => ({
    address: `packager.password[${n}]`,
    kind: 'ssm-parameter' as const,
    name: `/mlds/curling-live/packager/password-p${n}`,
    region: REGION,
    pipeline: n,
    downstream: 'packager',
    status: 'created' as const,
    tags: tagsOf('packager'),
    properties: { source: { ingestEndpointOf: 'packager.channel', endpointIndex: n } },
  });
  return {
    formatVersion: 1,
    workflow: 'curling-live',
    region: REGION,
    serial: 5,
    resources: [channel, ...(params ? [param(0), param(1)] : [])],
  };
}

describe('MediaPackage channel: apply', () => {
  it('creates the channel with its tags, records url and username, and puts each password straight into SSM', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage.on(CreateChannelCommand).resolves(channelOutput());
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const store = new MemoryStateStore();
    const result = await apply({ plan: hlsPlan(), clients: aws, store, env: {}, ...virtualTime() });

    expect(mocks.mediaPackage.commandCalls(CreateChannelCommand).map((c) => c.args[0].input)).toStrictEqual([
      {
        Id: CHANNEL,
        Description: 'mlds workflow curling-live, downstream packager',
        Tags: tagsOf('packager'),
      },
    ]);
    // From the create response: no DescribeChannel needed.
    expect(mocks.mediaPackage.commandCalls(DescribeChannelCommand)).toHaveLength(0);
    const puts = mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(puts.sort((a, b) => String(a.Name).localeCompare(String(b.Name)))).toStrictEqual(passwordInputs());

    const channel = result.state?.resources.find((r) => r.address === 'packager.channel');
    expect(channel).toMatchObject({ status: 'created', arn: ARN, name: CHANNEL });
    expect(channel?.outputs).toStrictEqual({
      ingestEndpoints: [0, 1].map((n) => ({
        id: `ep${n}`,
        url: `https://abc.mediapackage.${REGION}.amazonaws.com/in/v2/0123abcd/ep${n}/channel`,
        username: `user${n}`,
      })),
    });
    for (const doc of store.writes) expect(JSON.stringify(doc)).not.toMatch(/ingest-password/);
  });

  it('only reads an existing channel (channelId): never creates it, never deletes it', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput({}, 'their-channel'));
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const store = new MemoryStateStore();
    const result = await apply({
      plan: hlsPlan('their-channel'),
      clients: aws,
      store,
      env: {},
      ...virtualTime(),
    });
    expect(mocks.mediaPackage.commandCalls(DescribeChannelCommand).map((c) => c.args[0].input)).toStrictEqual(
      [{ Id: 'their-channel' }],
    );
    expect(mocks.mediaPackage.commandCalls(CreateChannelCommand)).toHaveLength(0);
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(2);
    expect(result.state?.resources.find((r) => r.address === 'packager.channel')).toMatchObject({
      existing: true,
      status: 'created',
      name: 'their-channel',
    });
    expect(result.outcomes.find((o) => o.address === 'packager.channel')?.outcome).toBe('read');

    mocks.ssm.on(DeleteParameterCommand).resolves({});
    mocks.ssm.on(ListTagsForResourceCommand).resolves({ TagList: TAG_LIST });
    const destroyed = await destroy({ clients: aws, store, ...virtualTime() });
    expect(mocks.mediaPackage.commandCalls(DeleteChannelCommand)).toHaveLength(0);
    expect(mocks.mediaPackage.commandCalls(ListOriginEndpointsCommand)).toHaveLength(0);
    expect(mocks.ssm.commandCalls(DeleteParameterCommand)).toHaveLength(2);
    expect(destroyed.outcomes.find((o) => o.address === 'packager.channel')?.outcome).toBe('forgotten');
    expect(destroyed.state?.resources).toEqual([]);
  });

  it('reads the existing channel a MediaPackage output group sends to: one DescribeChannel, no parameter', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput({}, 'their-channel'));
    const store = new MemoryStateStore();
    const plan = planOf({
      downstream: [{ name: 'packager', system: 'mediapackage', channelId: 'their-channel' }],
    });
    const result = await apply({ plan, clients: aws, store, env: {}, ...virtualTime() });
    expect(mocks.mediaPackage.calls().map((c) => c.args[0].input)).toStrictEqual([{ Id: 'their-channel' }]);
    expect(mocks.ssm.calls()).toHaveLength(0);
    expect(result.outcomes.map((o) => [o.address, o.outcome])).toStrictEqual([['packager.channel', 'read']]);
    expect(store.doc?.resources.map((r) => [r.address, r.name, r.existing])).toStrictEqual([
      ['packager.channel', 'their-channel', true],
    ]);
    for (const doc of store.writes) expect(JSON.stringify(doc)).not.toMatch(/ingest-password/);

    mocks.mediaPackage
      .on(DescribeChannelCommand)
      .rejects(new NotFoundException({ message: 'channel not found', $metadata: meta(404) }));
    const missing = await apply({
      plan,
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    }).catch((e) => e);
    expect((missing as ApplyFailedError).failures[0]?.cause).toBeInstanceOf(ExistingResourceNotFoundError);
    expect((missing as ApplyFailedError).failures[0]?.error).toBe(
      "ExistingResourceNotFoundError: their-channel (packager.channel) was given as an existing resource but does not exist in us-west-2; check channelId (and the entry's region) in the workflow file, or create the channel.",
    );
  });

  it('fails clearly when the existing channel is not there', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage
      .on(DescribeChannelCommand)
      .rejects(new NotFoundException({ message: 'channel not found', $metadata: meta(404) }));
    const error = await apply({
      plan: hlsPlan('their-channel'),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
    }).catch((e) => e);
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect((error as ApplyFailedError).failures[0]?.cause).toBeInstanceOf(ExistingResourceNotFoundError);
    expect((error as ApplyFailedError).skipped.sort()).toEqual([
      'packager.password[0]',
      'packager.password[1]',
    ]);
    expect(mocks.ssm.calls()).toHaveLength(0);
  });

  it('gets the passwords again with DescribeChannel when the channel exists but its parameters were never written', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput());
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const state = channelState({}, false);
    const plan = hlsPlan(undefined, state);
    expect(plan.resources.map((r) => r.action)).toStrictEqual(['noop', 'create', 'create']);
    const store = new MemoryStateStore(state);
    const result = await apply({ plan, clients: aws, store, env: {}, ...virtualTime() });
    expect(mocks.mediaPackage.commandCalls(CreateChannelCommand)).toHaveLength(0);
    // One DescribeChannel serves both parameters.
    expect(mocks.mediaPackage.commandCalls(DescribeChannelCommand).map((c) => c.args[0].input)).toStrictEqual(
      [{ Id: CHANNEL }],
    );
    const puts = mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(puts.sort((a, b) => String(a.Name).localeCompare(String(b.Name)))).toStrictEqual(passwordInputs());
    expect(result.outcomes.map((o) => o.outcome).sort()).toEqual(['created', 'created', 'unchanged']);
  });

  it('adopts a channel a crashed run created (creating in the state) when it carries our tag', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput());
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const store = new MemoryStateStore(channelState({ status: 'creating' }, false));
    const result = await apply({ plan: hlsPlan(), clients: aws, store, env: {}, ...virtualTime() });
    expect(mocks.mediaPackage.commandCalls(CreateChannelCommand)).toHaveLength(0);
    // One DescribeChannel: the adoption's answer carries the passwords for both parameters.
    expect(mocks.mediaPackage.commandCalls(DescribeChannelCommand)).toHaveLength(1);
    expect(result.outcomes.find((o) => o.address === 'packager.channel')?.outcome).toBe('adopted');
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(2);
  });

  it('on 422 adopts the channel of that id only when it carries our tag', async () => {
    const taken = new UnprocessableEntityException({
      message: 'Channel already exists',
      $metadata: meta(422),
    });
    const ours = mockedClients();
    ours.mocks.mediaPackage.on(CreateChannelCommand).rejects(taken);
    ours.mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput());
    ours.mocks.ssm.on(PutParameterCommand).resolves({});
    const adopted = await apply({
      plan: hlsPlan(),
      clients: ours.aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    expect(adopted.outcomes.find((o) => o.address === 'packager.channel')?.outcome).toBe('adopted');

    const theirs = mockedClients();
    theirs.mocks.mediaPackage.on(CreateChannelCommand).rejects(taken);
    theirs.mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput({ team: 'other' }));
    const store = new MemoryStateStore();
    const error = await apply({
      plan: hlsPlan(),
      clients: theirs.aws,
      store,
      env: {},
      ...virtualTime(),
    }).catch((e) => e);
    expect((error as ApplyFailedError).failures.map((f) => f.cause)).toEqual([
      expect.any(ResourceNotOursError),
    ]);
    expect(theirs.mocks.ssm.calls()).toHaveLength(0);
    expect(store.doc?.resources).toEqual([]);
  });

  it('reports a 422 that is not a taken id as it is', async () => {
    const { aws, mocks } = mockedClients();
    const invalid = new UnprocessableEntityException({ message: 'Id is invalid', $metadata: meta(422) });
    mocks.mediaPackage.on(CreateChannelCommand).rejects(invalid);
    mocks.mediaPackage
      .on(DescribeChannelCommand)
      .rejects(new NotFoundException({ message: 'nope', $metadata: meta(404) }));
    const error = await apply({
      plan: hlsPlan(),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
    }).catch((e) => e);
    expect((error as ApplyFailedError).failures[0]?.cause).toBe(invalid);
    expect((error as Error).message).toContain('UnprocessableEntityException: Id is invalid');
  });

  it('retries TooManyRequestsException with jittered backoff and reports each wait', async () => {
    const { aws, mocks } = mockedClients();
    const throttled = new TooManyRequestsException({ message: 'Too Many Requests', $metadata: meta(429) });
    mocks.mediaPackage
      .on(CreateChannelCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves(channelOutput());
    mocks.ssm.on(PutParameterCommand).resolves({});
    const time = virtualTime();
    const { events, onEvent } = collectEvents();
    await apply({
      plan: hlsPlan(),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      onEvent,
      ...time,
      random: () => 0,
    });
    expect(mocks.mediaPackage.commandCalls(CreateChannelCommand)).toHaveLength(3);
    expect(time.sleeps).toEqual([125, 250]);
    expect(events.filter((e) => e.type === 'waiting')).toEqual([
      expect.objectContaining({
        address: 'packager.channel',
        reason: 'throttled (TooManyRequestsException)',
        attempt: 1,
        delayMs: 125,
      }),
      expect.objectContaining({
        address: 'packager.channel',
        reason: 'throttled (TooManyRequestsException)',
        attempt: 2,
        delayMs: 250,
      }),
    ]);
  });
});

describe('MediaPackage channel: tags', () => {
  const tagCalls = (mocks: ReturnType<typeof mockedClients>['mocks']) => ({
    untag: mocks.mediaPackage.commandCalls(UntagResourceCommand).map((c) => c.args[0].input),
    tag: mocks.mediaPackage.commandCalls(TagResourceCommand).map((c) => c.args[0].input),
  });

  it('an update removes the tags the workflow no longer has, then sets its own, on the channel ARN', async () => {
    const { aws, mocks } = mockedClients();
    const earlierTags = { ...tagsOf('packager'), team: 'sports' };
    mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput(earlierTags));
    mocks.mediaPackage.on(UntagResourceCommand).resolves({});
    mocks.mediaPackage.on(TagResourceCommand).resolves({});
    const state = channelState({ tags: earlierTags });
    const plan = hlsPlan(undefined, state);
    expect(
      plan.resources.map((r) => [r.address, r.action === 'update' ? r.changes : r.action]),
    ).toStrictEqual([
      ['packager.channel', ['tags']],
      ['packager.password[0]', 'noop'],
      ['packager.password[1]', 'noop'],
    ]);
    const result = await apply({
      plan,
      clients: aws,
      store: new MemoryStateStore(state),
      env: {},
      ...virtualTime(),
    });
    expect(tagCalls(mocks)).toStrictEqual({
      untag: [{ ResourceArn: ARN, TagKeys: ['team'] }],
      tag: [{ ResourceArn: ARN, Tags: tagsOf('packager') }],
    });
    expect(result.state?.resources.find((r) => r.address === 'packager.channel')).toMatchObject({
      arn: ARN,
      tags: tagsOf('packager'),
    });
  });

  it('adopting a channel a crashed run created adds the tags it lacks, and leaves its other tags alone', async () => {
    const { aws, mocks } = mockedClients();
    const partlyTagged = { 'mlds:workflow': 'curling-live', team: 'sports' };
    mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput(partlyTagged));
    mocks.mediaPackage.on(TagResourceCommand).resolves({});
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const store = new MemoryStateStore(channelState({ status: 'creating' }, false));
    const result = await apply({ plan: hlsPlan(), clients: aws, store, env: {}, ...virtualTime() });
    expect(result.outcomes.find((o) => o.address === 'packager.channel')?.outcome).toBe('adopted');
    expect(tagCalls(mocks)).toStrictEqual({
      untag: [],
      tag: [{ ResourceArn: ARN, Tags: tagsOf('packager') }],
    });
  });
});

describe('MediaPackage channel: destroy', () => {
  it('refuses a channel with origin endpoints without --force, after checking everything and deleting nothing', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput());
    mocks.mediaPackage
      .on(ListOriginEndpointsCommand)
      .resolves({ OriginEndpoints: [{ Id: 'hls' }, { Id: 'dash' }] });
    mocks.ssm.on(ListTagsForResourceCommand).resolves({ TagList: TAG_LIST });
    const store = new MemoryStateStore(channelState());
    const error = await destroy({ clients: aws, store, ...virtualTime() }).catch((e) => e);
    expect(error).toBeInstanceOf(NotEmptyError);
    expect((error as NotEmptyError).blockers).toEqual([
      {
        address: 'packager.channel',
        name: CHANNEL,
        reason: 'the channel has 2 origin endpoint(s): hls, dash',
      },
    ]);
    // Only looked up (our tag), never deleted.
    expect(mocks.ssm.calls().map((call) => call.args[0].constructor.name)).toStrictEqual([
      'ListTagsForResourceCommand',
      'ListTagsForResourceCommand',
    ]);
    expect(mocks.mediaPackage.commandCalls(DeleteChannelCommand)).toHaveLength(0);
    expect(store.writes).toEqual([]);
  });

  it('with --force deletes the origin endpoints, then the passwords and the channel, and waits until it is gone', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage
      .on(ListOriginEndpointsCommand)
      .resolvesOnce({ OriginEndpoints: [{ Id: 'hls' }], NextToken: 'page-2' })
      .resolves({ OriginEndpoints: [{ Id: 'dash' }] });
    mocks.mediaPackage.on(DeleteOriginEndpointCommand).resolves({});
    mocks.mediaPackage.on(DeleteChannelCommand).callsFake(() => {
      expect(mocks.ssm.commandCalls(DeleteParameterCommand)).toHaveLength(2);
      return {};
    });
    // Looked up before the delete, then once more still there while the deletion runs on.
    mocks.mediaPackage
      .on(DescribeChannelCommand)
      .resolvesOnce(channelOutput())
      .resolvesOnce(channelOutput())
      .rejects(new NotFoundException({ message: 'gone', $metadata: meta(404) }));
    mocks.ssm.on(DeleteParameterCommand).resolves({});
    mocks.ssm.on(ListTagsForResourceCommand).resolves({ TagList: TAG_LIST });
    const store = new MemoryStateStore(channelState());
    const { events, onEvent } = collectEvents();
    const result = await destroy({ clients: aws, store, force: true, onEvent, ...virtualTime() });
    // Said as a bucket's deleted objects are.
    expect(
      events.filter((event) => event.type === 'progress').map((event) => [event.address, event.detail]),
    ).toStrictEqual([['packager.channel', 'deleted 2 origin endpoint(s): hls, dash']]);
    expect(
      mocks.mediaPackage.commandCalls(ListOriginEndpointsCommand).map((c) => c.args[0].input),
    ).toStrictEqual([{ ChannelId: CHANNEL }, { ChannelId: CHANNEL, NextToken: 'page-2' }]);
    expect(
      mocks.mediaPackage.commandCalls(DeleteOriginEndpointCommand).map((c) => c.args[0].input),
    ).toStrictEqual([{ Id: 'hls' }, { Id: 'dash' }]);
    expect(mocks.mediaPackage.commandCalls(DeleteChannelCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Id: CHANNEL },
    ]);
    expect(mocks.mediaPackage.commandCalls(DescribeChannelCommand)).toHaveLength(3);
    expect(
      mocks.ssm
        .commandCalls(DeleteParameterCommand)
        .map((c) => c.args[0].input.Name)
        .sort(),
    ).toEqual(['/mlds/curling-live/packager/password-p0', '/mlds/curling-live/packager/password-p1']);
    expect(result.state?.resources).toEqual([]);
  });

  it('writes `deleting` before DeleteChannel and removes the entry only once the channel is gone', async () => {
    const { aws, mocks } = mockedClients();
    const store = new MemoryStateStore(channelState({}, false));
    mocks.mediaPackage.on(ListOriginEndpointsCommand).resolves({ OriginEndpoints: [] });
    mocks.mediaPackage.on(DeleteChannelCommand).callsFake(() => {
      expect(store.doc?.resources).toMatchObject([{ address: 'packager.channel', status: 'deleting' }]);
      return {};
    });
    mocks.mediaPackage
      .on(DescribeChannelCommand)
      .resolvesOnce(channelOutput())
      .callsFake(() => {
        expect(store.doc?.resources).toHaveLength(1);
        throw new NotFoundException({ message: 'gone', $metadata: meta(404) });
      });
    await destroy({ clients: aws, store, ...virtualTime() });
    expect(store.doc?.resources).toEqual([]);
  });

  it('reads the channel once: the pre-check’s DescribeChannel and ListOriginEndpoints serve the delete', async () => {
    const { aws, mocks } = mockedClients();
    const store = new MemoryStateStore(channelState({}, false));
    mocks.mediaPackage.on(ListOriginEndpointsCommand).resolves({ OriginEndpoints: [] });
    mocks.mediaPackage.on(DeleteChannelCommand).resolves({});
    mocks.mediaPackage
      .on(DescribeChannelCommand)
      .resolvesOnce(channelOutput())
      .rejects(new NotFoundException({ message: 'gone', $metadata: meta(404) }));
    await destroy({ clients: aws, store, ...virtualTime() });
    // find, the pre-check's list, the delete, and the wait's one DescribeChannel that finds it gone.
    expect(mocks.mediaPackage.calls().map((call) => call.args[0].constructor.name)).toStrictEqual([
      'DescribeChannelCommand',
      'ListOriginEndpointsCommand',
      'DeleteChannelCommand',
      'DescribeChannelCommand',
    ]);
    expect(store.doc?.resources).toEqual([]);
  });

  it('reads the channel in one round before deleting it: DescribeChannel and ListOriginEndpoints at once', async () => {
    const { aws, mocks } = mockedClients();
    const reads = inFlight();
    mocks.mediaPackage
      .on(DescribeChannelCommand)
      .callsFakeOnce(reads.answer(channelOutput()))
      .rejects(new NotFoundException({ message: 'gone', $metadata: meta(404) }));
    mocks.mediaPackage.on(ListOriginEndpointsCommand).callsFake(reads.answer({ OriginEndpoints: [] }));
    mocks.mediaPackage.on(DeleteChannelCommand).resolves({});
    const store = new MemoryStateStore(channelState({}, false));
    await destroy({ clients: aws, store, ...virtualTime() });
    expect(reads.most).toBe(2);
    expect(
      mocks.mediaPackage.commandCalls(ListOriginEndpointsCommand).map((c) => c.args[0].input),
    ).toStrictEqual([{ ChannelId: CHANNEL }]);
    expect(store.doc?.resources).toEqual([]);
  });

  it('refuses a channel that lost its tag, its origin endpoints no blocker of its own', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput({ team: 'sports' }));
    mocks.mediaPackage.on(ListOriginEndpointsCommand).resolves({ OriginEndpoints: [{ Id: 'hls' }] });
    const store = new MemoryStateStore(channelState({}, false));
    const error = await destroy({ clients: aws, store, ...virtualTime() }).catch((e) => e);
    expect((error as ApplyFailedError).failures[0]?.cause).toBeInstanceOf(ResourceNotOursError);
    expect(error).not.toBeInstanceOf(NotEmptyError);
    expect(mocks.mediaPackage.commandCalls(DeleteChannelCommand)).toHaveLength(0);
  });

  it('refuses, naming the endpoints, when an origin endpoint was added between the pre-check and the delete', async () => {
    const { aws, mocks } = mockedClients();
    const store = new MemoryStateStore(channelState({}, false));
    mocks.mediaPackage
      .on(ListOriginEndpointsCommand)
      .resolvesOnce({ OriginEndpoints: [] })
      .resolves({ OriginEndpoints: [{ Id: 'late' }] });
    mocks.mediaPackage
      .on(DeleteChannelCommand)
      .rejects(new UnprocessableEntityException({ message: 'has endpoints', $metadata: meta(422) }));
    mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput());
    const error = await destroy({ clients: aws, store, ...virtualTime() }).catch((e) => e);
    const cause = (error as ApplyFailedError).failures[0]?.cause;
    expect(cause).toBeInstanceOf(NotEmptyError);
    expect((cause as NotEmptyError).blockers).toEqual([
      { address: 'packager.channel', name: CHANNEL, reason: 'the channel has 1 origin endpoint(s): late' },
    ]);
    expect(mocks.mediaPackage.commandCalls(DeleteOriginEndpointCommand)).toHaveLength(0);
  });

  it('gives up waiting for the deletion after the wait policy, naming the channel', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage.on(ListOriginEndpointsCommand).resolves({ OriginEndpoints: [] });
    mocks.mediaPackage.on(DeleteChannelCommand).resolves({});
    mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput());
    const time = virtualTime();
    const error = await destroy({
      clients: aws,
      store: new MemoryStateStore(channelState({}, false)),
      wait: { initialDelayMs: 1000, maxDelayMs: 5000, factor: 2, maxWaitMs: 30_000 },
      ...time,
    }).catch((e) => e);
    expect((error as ApplyFailedError).failures[0]?.cause).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/packager\.channel: WaitTimeoutError: .*channel deleted/);
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000);
  });

  it('lets the other resources finish when one delete is forbidden, and reports it', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage.on(DescribeChannelCommand).resolves(channelOutput());
    mocks.mediaPackage.on(ListOriginEndpointsCommand).resolves({ OriginEndpoints: [] });
    mocks.mediaPackage
      .on(DeleteChannelCommand)
      .rejects(new ForbiddenException({ message: 'not allowed', $metadata: meta(403) }));
    mocks.ssm.on(DeleteParameterCommand).resolves({});
    mocks.ssm.on(ListTagsForResourceCommand).resolves({ TagList: TAG_LIST });
    const store = new MemoryStateStore(channelState());
    const error = await destroy({ clients: aws, store, ...virtualTime() }).catch((e) => e);
    expect((error as ApplyFailedError).failures.map((f) => f.address)).toEqual(['packager.channel']);
    expect(mocks.ssm.commandCalls(DeleteParameterCommand)).toHaveLength(2);
    expect(store.doc?.resources).toMatchObject([{ address: 'packager.channel', status: 'deleting' }]);
  });
});
