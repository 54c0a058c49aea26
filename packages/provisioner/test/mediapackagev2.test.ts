import {
  ConflictException,
  CreateChannelCommand,
  CreateChannelGroupCommand,
  GetChannelCommand,
  GetChannelGroupCommand,
  ListChannelsCommand,
  ListOriginEndpointsCommand,
  ServiceQuotaExceededException,
  TagResourceCommand,
} from '@aws-sdk/client-mediapackagev2';
import type { StateDocument, WorkflowInput } from '@mlds/core';
import {
  createFakeCloud,
  type FakeCloud,
  type Inventory,
  type RecordedCall,
  stateAfterApply,
} from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { ApplyFailedError, NotEmptyError, QuotaExceededError } from '../src/errors.js';
import { channelPolicy } from '../src/handlers/mediapackagev2.js';
import { apply, destroy, type StateStore } from '../src/index.js';
import {
  aChange,
  collectEvents,
  handPlan,
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

// MediaPackage v2 end to end against the fake cloud (real SDK clients and exception classes), and the error
// mapping against aws-sdk-client-mock.

const instant = { sleep: async () => {} };
const GROUP_ARN = `arn:aws:mediapackagev2:${REGION}:111122223333:channelGroup/curling-live`;
const CHANNEL_ARN = `${GROUP_ARN}/channel/curling-live-packager`;

function v2(overrides: Partial<WorkflowInput['downstream'][number]> = {}): Partial<WorkflowInput> {
  return {
    mediaLiveRoleArn: ROLE,
    tags: { team: 'sports' },
    downstream: [{ name: 'packager', system: 'mediapackage-v2', ...overrides }],
  };
}

const okMutations = (cloud: FakeCloud) =>
  cloud.mutatingCalls().filter((call) => call.outcome === 'ok' && call.service === 'mediapackagev2').length;

const v2Calls = (cloud: FakeCloud): Pick<RecordedCall, 'command' | 'input'>[] =>
  cloud
    .calls()
    .filter((call) => call.service === 'mediapackagev2')
    .map(({ command, input }) => ({ command, input }));

/** Without what the fake generates at random (ingest hosts). */
function shape(inventory: Inventory) {
  return inventory.mediapackagev2.map((group) => ({
    ...group,
    channels: group.channels.map((channel) => ({
      ...channel,
      ingestEndpoints: channel.ingestEndpoints.length,
    })),
  }));
}

/** `v2()` applied to a fresh fake account. */
async function applied() {
  const cloud = createFakeCloud(instant);
  const store = new MemoryStateStore();
  const first = await apply({ plan: planOf(v2()), clients: cloud.clients, store, env: {}, ...virtualTime() });
  return { cloud, store, first };
}

const TOKEN = expect.stringMatching(/^mlds-[0-9a-f]{40}$/);

describe('apply', () => {
  it('creates the group, the CMAF channel and its policy, records GetChannel’s ingest URLs: every call exactly', async () => {
    const { cloud, first } = await applied();
    const { state } = first;
    const tags = tagsOf('packager', { team: 'sports' });
    expect(v2Calls(cloud)).toStrictEqual([
      {
        command: 'CreateChannelGroupCommand',
        input: {
          ChannelGroupName: 'curling-live',
          Description: 'mlds workflow curling-live',
          Tags: tags,
          ClientToken: TOKEN,
        },
      },
      {
        command: 'CreateChannelCommand',
        input: {
          ChannelGroupName: 'curling-live',
          ChannelName: 'curling-live-packager',
          InputType: 'CMAF',
          Description: 'mlds workflow curling-live, downstream packager',
          Tags: tags,
          ClientToken: TOKEN,
        },
      },
      {
        command: 'PutChannelPolicyCommand',
        input: {
          ChannelGroupName: 'curling-live',
          ChannelName: 'curling-live-packager',
          Policy: channelPolicy(ROLE, CHANNEL_ARN),
        },
      },
      {
        command: 'GetChannelCommand',
        input: { ChannelGroupName: 'curling-live', ChannelName: 'curling-live-packager' },
      },
    ]);
    expect(JSON.parse(channelPolicy(ROLE, CHANNEL_ARN))).toStrictEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AllowMediaLiveChannelToIngestToEmpChannel',
          Effect: 'Allow',
          Principal: { AWS: ROLE },
          Action: 'mediapackagev2:PutObject',
          Resource: CHANNEL_ARN,
        },
      ],
    });
    const [group] = cloud.inventory().mediapackagev2;
    expect(group?.channels[0]).toMatchObject({
      inputType: 'CMAF',
      tags,
      policy: JSON.parse(channelPolicy(ROLE, CHANNEL_ARN)),
    });
    const channel = state?.resources.find((r) => r.kind === 'mediapackagev2-channel');
    expect(channel).toMatchObject({
      status: 'created',
      arn: CHANNEL_ARN,
      outputs: { ingestEndpoints: group?.channels[0]?.ingestEndpoints },
    });
    expect(state?.resources.find((r) => r.kind === 'mediapackagev2-channel-group')).toMatchObject({
      arn: GROUP_ARN,
    });
  });

  it('only reads an existing channel group (GetChannelGroup), creates the HLS channel in it, and destroy leaves the group', async () => {
    const cloud = createFakeCloud(instant);
    cloud.seed.mediaPackageV2ChannelGroup('live-events', REGION);
    const store = new MemoryStateStore();
    const plan = planOf(v2({ format: 'hls', channelGroup: 'live-events', channelName: 'curling' }));
    expect(plan.resources.map((r) => r.action)).toStrictEqual(['read', 'create']);
    const { outcomes } = await apply({ plan, clients: cloud.clients, store, env: {}, ...virtualTime() });
    expect(outcomes.map((o) => `${o.address} ${o.outcome}`)).toStrictEqual([
      'packager.channel-group read',
      'packager.channel created',
    ]);
    expect(v2Calls(cloud).slice(0, 2)).toStrictEqual([
      { command: 'GetChannelGroupCommand', input: { ChannelGroupName: 'live-events' } },
      {
        command: 'CreateChannelCommand',
        input: {
          ChannelGroupName: 'live-events',
          ChannelName: 'curling',
          InputType: 'HLS',
          Description: 'mlds workflow curling-live, downstream packager',
          Tags: tagsOf('packager', { team: 'sports' }),
          ClientToken: TOKEN,
        },
      },
    ]);
    expect(cloud.inventory().mediapackagev2[0]?.tags).toStrictEqual({});
    await destroy({ clients: cloud.clients, store, ...virtualTime() });
    expect(cloud.inventory().mediapackagev2).toStrictEqual([
      { name: 'live-events', region: REGION, tags: {}, channels: [] },
    ]);
  });

  it('a channel group named there that does not exist stops apply before its channel is created, naming the field', async () => {
    const cloud = createFakeCloud(instant);
    const plan = planOf(v2({ format: 'hls', channelGroup: 'live-evnets', channelName: 'curling' }));
    const error = await apply({
      plan,
      clients: cloud.clients,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    }).catch((e) => e);
    expect((error as ApplyFailedError).failures.map((f) => [f.address, f.error])).toStrictEqual([
      [
        'packager.channel-group',
        "ExistingResourceNotFoundError: live-evnets (packager.channel-group) was given as an existing resource but does not exist in us-west-2; check channelGroup (and the entry's region) in the workflow file, or create the channel group.",
      ],
    ]);
    expect((error as ApplyFailedError).skipped).toStrictEqual(['packager.channel']);
    expect(cloud.calls().filter((call) => call.mutating)).toStrictEqual([]);
  });

  it('replaces the channel when its InputType changes: the old one is deleted first, then the new one created', async () => {
    const { cloud, store, first } = await applied();
    const before = cloud.calls().length;
    const second = await apply({
      plan: planOf(v2({ format: 'hls' }), first.state),
      clients: cloud.clients,
      store,
      env: {},
      ...virtualTime(),
    });
    const mutating = cloud
      .calls()
      .slice(before)
      .filter((call) => call.mutating)
      .map((call) => call.command);
    expect(mutating).toStrictEqual([
      'DeleteChannelCommand',
      'CreateChannelCommand',
      'PutChannelPolicyCommand',
    ]);
    expect(second.outcomes.map((o) => `${o.address} ${o.outcome}`).sort()).toStrictEqual([
      'packager.channel created',
      'packager.channel deleted',
      'packager.channel-group unchanged',
    ]);
    expect(cloud.inventory().mediapackagev2[0]?.channels.map((c) => c.inputType)).toStrictEqual(['HLS']);
    expect(second.state?.resources.filter((r) => r.address === 'packager.channel')).toHaveLength(1);
  });

  it('a new MediaLive role rewrites the channel policy, nothing else', async () => {
    const { cloud, store, first } = await applied();
    const before = cloud.calls().length;
    const other = 'arn:aws:iam::111122223333:role/OtherRole';
    await apply({
      plan: planOf({ ...v2(), mediaLiveRoleArn: other }, first.state),
      clients: cloud.clients,
      store,
      env: {},
      ...virtualTime(),
    });
    expect(
      cloud
        .calls()
        .slice(before)
        .filter((call) => call.mutating)
        .map(({ command, input }) => ({ command, input })),
    ).toStrictEqual([
      {
        command: 'PutChannelPolicyCommand',
        input: {
          ChannelGroupName: 'curling-live',
          ChannelName: 'curling-live-packager',
          Policy: channelPolicy(other, CHANNEL_ARN),
        },
      },
    ]);
  });

  it('a group mlds created, then named as existing: read again, recorded as existing, and destroy keeps it', async () => {
    const { cloud, store, first } = await applied();
    const plan = planOf(v2({ channelGroup: 'curling-live' }), first.state);
    expect(plan.resources.map((r) => `${r.action} ${r.address}`)).toStrictEqual([
      'read packager.channel-group',
      'noop packager.channel',
    ]);
    const before = cloud.calls().length;
    const second = await apply({ plan, clients: cloud.clients, store, env: {}, ...virtualTime() });
    expect(
      cloud
        .calls()
        .slice(before)
        .map((c) => c.command),
    ).toStrictEqual(['GetChannelGroupCommand']);
    expect(second.state?.resources.find((r) => r.address === 'packager.channel-group')?.existing).toBe(true);
    // A third apply executes the same plan: the read it shows, and nothing else.
    const third = planOf(v2({ channelGroup: 'curling-live' }), second.state);
    const calls = cloud.calls().length;
    await apply({ plan: third, clients: cloud.clients, store, env: {}, ...virtualTime() });
    expect(
      cloud
        .calls()
        .slice(calls)
        .map((c) => c.command),
    ).toStrictEqual(['GetChannelGroupCommand']);
    await destroy({ clients: cloud.clients, store, ...virtualTime() });
    expect(cloud.inventory().mediapackagev2.map((g) => [g.name, g.channels.length])).toStrictEqual([
      ['curling-live', 0],
    ]);
  });

  it('never adopts a channel group without our tag', async () => {
    const cloud = createFakeCloud(instant);
    cloud.seed.mediaPackageV2ChannelGroup('curling-live', REGION, { tags: { owner: 'someone-else' } });
    const failure = apply({
      plan: planOf(v2()),
      clients: cloud.clients,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    await expect(failure).rejects.toBeInstanceOf(ApplyFailedError);
    await expect(failure).rejects.toThrow(
      /curling-live \(packager\.channel-group\) already exists, and mlds cannot take it as workflow curling-live's: it lacks the tag mlds:workflow=curling-live;/,
    );
    expect(cloud.inventory().mediapackagev2[0]).toStrictEqual({
      name: 'curling-live',
      region: REGION,
      tags: { owner: 'someone-else' },
      channels: [],
    });
  });

  it('reports the channel-group quota (3 per account and Region, HTTP 402) with the fix, and stops there', async () => {
    const cloud = createFakeCloud(instant);
    for (const name of ['a', 'b', 'c']) cloud.seed.mediaPackageV2ChannelGroup(name, REGION);
    const failure = apply({
      plan: planOf(v2()),
      clients: cloud.clients,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    await expect(failure).rejects.toBeInstanceOf(ApplyFailedError);
    const error = (await failure.catch((e: unknown) => e)) as ApplyFailedError;
    const cause = error.failures[0]?.cause;
    expect(cause).toBeInstanceOf(QuotaExceededError);
    expect((cause as QuotaExceededError).cause).toBeInstanceOf(ServiceQuotaExceededException);
    expect((cause as Error).message).toBe(
      'packager.channel-group: the quota of MediaPackage v2 channel groups per account and Region (default 3) is reached, so AWS refused the create; delete a channel group you no longer use in us-west-2, name an existing one with `channelGroup`, or request a higher quota in Service Quotas (AWS Elemental MediaPackage).',
    );
    expect(error.skipped).toStrictEqual(['packager.channel']);
    expect(cloud.calls().filter((c) => c.command === 'CreateChannelGroupCommand')).toHaveLength(1);
  });
});

describe('error mapping (aws-sdk-client-mock)', () => {
  const groupOnly = () =>
    handPlan([
      aChange({
        address: 'packager.channel-group',
        kind: 'mediapackagev2-channel-group',
        name: 'curling-live',
      }),
    ]);

  it('a ConflictException RESOURCE_ALREADY_EXISTS on create looks the group up and adopts it when it is ours', async () => {
    const { aws, mocks } = mockedClients();
    const mock = mocks.mediaPackageV2;
    mock.on(CreateChannelGroupCommand as never).rejects(
      new ConflictException({
        message: 'exists',
        ConflictExceptionType: 'RESOURCE_ALREADY_EXISTS',
        $metadata: meta(409),
      }),
    );
    mock
      .on(GetChannelGroupCommand as never)
      .resolves({ Arn: GROUP_ARN, ChannelGroupName: 'curling-live', Tags: tagsOf('packager') } as never);
    const { outcomes } = await apply({
      plan: groupOnly(),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    expect(outcomes).toStrictEqual([
      { address: 'packager.channel-group', kind: 'mediapackagev2-channel-group', outcome: 'adopted' },
    ]);
    const creates = mock.commandCalls(CreateChannelGroupCommand as never);
    expect(
      mock.commandCalls(GetChannelGroupCommand as never).map((call) => call.args[0].input),
    ).toStrictEqual([{ ChannelGroupName: 'curling-live' }]);
    expect(mock.commandCalls(TagResourceCommand as never)).toStrictEqual([]);
    expect(creates.map((call) => call.args[0].input)).toStrictEqual([
      {
        ChannelGroupName: 'curling-live',
        Description: 'mlds workflow curling-live',
        Tags: tagsOf('packager'),
        ClientToken: TOKEN,
      },
    ]);
  });

  it('destroy reads a channel in one round: GetChannel and ListOriginEndpoints at once', async () => {
    const { aws, mocks } = mockedClients();
    const mock = mocks.mediaPackageV2;
    const reads = inFlight();
    mock
      .on(GetChannelGroupCommand as never)
      .resolves({ Arn: GROUP_ARN, ChannelGroupName: 'curling-live', Tags: tagsOf('packager') } as never);
    mock.on(GetChannelCommand as never).callsFake(
      reads.answer({
        Arn: CHANNEL_ARN,
        ChannelName: 'curling-live-packager',
        InputType: 'CMAF',
        Tags: tagsOf('packager', { team: 'sports' }),
      }) as never,
    );
    mock.on(ListOriginEndpointsCommand as never).callsFake(reads.answer({ Items: [] }) as never);
    mock.on(ListChannelsCommand as never).resolves({ Items: [] } as never);
    const store = new MemoryStateStore(stateAfterApply(planOf(v2())));
    const { outcomes } = await destroy({ clients: aws, store, ...virtualTime() });
    expect(reads.most).toBe(2);
    expect(outcomes.map((o) => `${o.address} ${o.outcome}`)).toStrictEqual([
      'packager.channel deleted',
      'packager.channel-group deleted',
    ]);
    // What the pre-check listed is what the delete goes by: the list is not asked again.
    expect(mock.commandCalls(ListOriginEndpointsCommand as never)).toHaveLength(1);
  });

  it('a ConflictException CONFLICTING_OPERATION is waited out; the retried create sends the same ClientToken', async () => {
    const { aws, mocks } = mockedClients();
    const mock = mocks.mediaPackageV2;
    mock
      .on(CreateChannelGroupCommand as never)
      .rejectsOnce(
        new ConflictException({
          message: 'busy',
          ConflictExceptionType: 'CONFLICTING_OPERATION',
          $metadata: meta(409),
        }),
      )
      .resolves({ Arn: GROUP_ARN, ChannelGroupName: 'curling-live' } as never);
    const { outcomes } = await apply({
      plan: groupOnly(),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    expect(outcomes.map((o) => o.outcome)).toStrictEqual(['created']);
    const tokens = mock
      .commandCalls(CreateChannelGroupCommand as never)
      .map((call) => (call.args[0].input as { ClientToken: string }).ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
  });

  it('the channel quota names the group and the fix', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackageV2
      .on(CreateChannelCommand as never)
      .rejects(new ServiceQuotaExceededException({ message: 'limit', $metadata: meta(402) }));
    const plan = handPlan([
      aChange({
        address: 'packager.channel',
        kind: 'mediapackagev2-channel',
        name: 'curling-live-packager',
        properties: { channelGroup: 'live-events', inputType: 'CMAF', mediaLiveRoleArn: ROLE },
      }),
    ]);
    const error = (await apply({
      plan,
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    }).catch((e: unknown) => e)) as ApplyFailedError;
    expect(error.failures[0]?.error).toBe(
      'QuotaExceededError: packager.channel: the quota of MediaPackage v2 channels per channel group (default 10; group live-events) is reached, so AWS refused the create; delete a channel you no longer use in live-events, put this one in another group with `channelGroup`, or request a higher quota in Service Quotas (AWS Elemental MediaPackage).',
    );
    expect(mocks.mediaPackageV2.commandCalls(CreateChannelCommand as never)).toHaveLength(1);
  });
});

describe('crash after each mutating call', () => {
  it('re-apply finishes with no duplicate and no orphan, and destroy leaves nothing', async () => {
    const input = {
      ...v2(),
      downstream: [
        { name: 'packager', system: 'mediapackage-v2' as const },
        { name: 'ingest', system: 'mediapackage-v2' as const, outputGroup: 'cmaf-ingest' as const },
      ],
    };
    const clean = createFakeCloud(instant);
    await apply({
      plan: planOf(input),
      clients: clean.clients,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    const total = okMutations(clean);
    const expected = shape(clean.inventory());
    // The group, then per channel: CreateChannel and PutChannelPolicy.
    expect(total).toBe(5);

    for (let n = 1; n <= total; n++) {
      const cloud = createFakeCloud(instant);
      const memory = new MemoryStateStore();
      // The process dies right after its n-th mutating call: no state write after it.
      const dying: StateStore = {
        lock: (command) => memory.lock(command),
        read: () => memory.read(),
        write: async (doc) => {
          if (okMutations(cloud) >= n) throw new Error('the process is dead');
          await memory.write(doc);
        },
      };
      cloud.crashAfterMutatingCalls(n);
      await expect(
        apply({ plan: planOf(input), clients: cloud.clients, store: dying, env: {}, ...virtualTime() }),
      ).rejects.toThrow();
      cloud.crashAfterMutatingCalls(undefined);

      const recorded = (await memory.read()) as StateDocument | undefined;
      const result = await apply({
        plan: planOf(input, recorded),
        clients: cloud.clients,
        store: memory,
        env: {},
        ...virtualTime(),
      });
      expect({ n, inventory: shape(cloud.inventory()) }).toStrictEqual({ n, inventory: expected });
      const channels = cloud.inventory().mediapackagev2[0]?.channels ?? [];
      for (const channel of channels) {
        const recordedChannel = result.state?.resources.find((r) => r.name === channel.name);
        expect(recordedChannel?.outputs).toStrictEqual({ ingestEndpoints: channel.ingestEndpoints });
      }
      expect(result.state?.resources.map((r) => r.status)).toStrictEqual(['created', 'created', 'created']);

      await destroy({ clients: cloud.clients, store: memory, ...virtualTime() });
      expect({ n, inventory: cloud.inventory().mediapackagev2 }).toStrictEqual({ n, inventory: [] });
    }
  });
});

describe('destroy', () => {
  it('refuses a channel with a foreign origin endpoint, listing it, deleting nothing; --force deletes it, the channel, then the group', async () => {
    const { cloud, store } = await applied();
    cloud.seed.mediaPackageV2OriginEndpoint('curling-live', 'curling-live-packager', REGION, 'their-hls');
    const before = cloud.mutatingCalls().length;
    const refused = destroy({ clients: cloud.clients, store, ...virtualTime() });
    await expect(refused).rejects.toBeInstanceOf(NotEmptyError);
    await expect(refused).rejects.toThrow(
      'packager.channel (curling-live-packager): the channel has 1 origin endpoint(s): their-hls',
    );
    expect(cloud.mutatingCalls()).toHaveLength(before);
    expect(cloud.inventory().mediapackagev2[0]?.channels[0]?.originEndpoints).toStrictEqual(['their-hls']);

    const calls = cloud.calls().length;
    const { events, onEvent } = collectEvents();
    await destroy({ clients: cloud.clients, store, force: true, onEvent, ...virtualTime() });
    expect(
      events.filter((event) => event.type === 'progress').map((event) => [event.address, event.detail]),
    ).toStrictEqual([['packager.channel', 'deleted 1 origin endpoint(s): their-hls']]);
    expect(
      cloud
        .calls()
        .slice(calls)
        .filter((call) => call.mutating)
        .map(({ command, input }) => ({ command, input })),
    ).toStrictEqual([
      {
        command: 'DeleteOriginEndpointCommand',
        input: {
          ChannelGroupName: 'curling-live',
          ChannelName: 'curling-live-packager',
          OriginEndpointName: 'their-hls',
        },
      },
      {
        command: 'DeleteChannelCommand',
        input: { ChannelGroupName: 'curling-live', ChannelName: 'curling-live-packager' },
      },
      { command: 'DeleteChannelGroupCommand', input: { ChannelGroupName: 'curling-live' } },
    ]);
    expect(cloud.inventory().mediapackagev2).toStrictEqual([]);
    expect((await store.read())?.resources).toStrictEqual([]);
  });

  it('reads each resource once: the group once, the channel and its origin endpoints in one round the delete uses', async () => {
    const { cloud, store } = await applied();
    const before = cloud.calls().length;
    await destroy({ clients: cloud.clients, store, ...virtualTime() });
    const calls = cloud
      .calls()
      .slice(before)
      .map(({ command, input }) => ({ command, input }));
    const names = { ChannelGroupName: 'curling-live', ChannelName: 'curling-live-packager' };
    const firstChange = calls.findIndex((call) => call.command.startsWith('Delete'));
    // The pre-check, its three reads in one round (in no particular order), then the deletes; the group's
    // delete lists its channels, the one read of its own.
    expect(calls.slice(0, firstChange).sort((a, b) => a.command.localeCompare(b.command))).toStrictEqual([
      { command: 'GetChannelCommand', input: names },
      { command: 'GetChannelGroupCommand', input: { ChannelGroupName: 'curling-live' } },
      { command: 'ListOriginEndpointsCommand', input: names },
    ]);
    expect(calls.slice(firstChange)).toStrictEqual([
      { command: 'DeleteChannelCommand', input: names },
      { command: 'ListChannelsCommand', input: { ChannelGroupName: 'curling-live' } },
      { command: 'DeleteChannelGroupCommand', input: { ChannelGroupName: 'curling-live' } },
    ]);
    expect(cloud.inventory().mediapackagev2).toStrictEqual([]);
  });

  it('refuses, naming the endpoint, when one was added between the pre-check and the delete', async () => {
    const { cloud, store } = await applied();
    const clients = {
      ...cloud.clients,
      mediaPackageV2: async (region: string) => {
        const client = await cloud.clients.mediaPackageV2(region);
        return new Proxy(client, {
          get: (target, key) =>
            key === 'send'
              ? (command: { constructor: { name: string } }) => {
                  if (command.constructor.name === 'DeleteChannelCommand') {
                    cloud.seed.mediaPackageV2OriginEndpoint(
                      'curling-live',
                      'curling-live-packager',
                      region,
                      'late',
                    );
                  }
                  return target.send(command as never);
                }
              : Reflect.get(target, key, target),
        });
      },
    };
    const refused = destroy({ clients, store, ...virtualTime() });
    await expect(refused).rejects.toThrow(
      'packager.channel (curling-live-packager): the channel has 1 origin endpoint(s): late',
    );
    expect(cloud.inventory().mediapackagev2[0]?.channels[0]?.originEndpoints).toStrictEqual(['late']);
  });

  it('leaves a group it created in place when it holds a channel that is not this workflow’s', async () => {
    const { cloud, store } = await applied();
    cloud.seed.mediaPackageV2Channel('curling-live', 'someone-elses', REGION);
    const { outcomes } = await destroy({ clients: cloud.clients, store, ...virtualTime() });
    expect(outcomes.map((o) => `${o.address} ${o.outcome}`)).toStrictEqual([
      'packager.channel deleted',
      'packager.channel-group forgotten',
    ]);
    expect(
      cloud.inventory().mediapackagev2.map((g) => [g.name, g.channels.map((c) => c.name)]),
    ).toStrictEqual([['curling-live', ['someone-elses']]]);
    expect(cloud.calls().some((c) => c.command === 'DeleteChannelGroupCommand')).toBe(false);
    expect((await store.read())?.resources).toStrictEqual([]);
  });
});
