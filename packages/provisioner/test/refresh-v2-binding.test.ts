import {
  DescribeChannelCommand,
  NotFoundException,
  type OutputDestination,
  UpdateChannelCommand,
} from '@aws-sdk/client-medialive';
import {
  DeleteChannelCommand,
  DeleteChannelGroupCommand,
  DeleteChannelPolicyCommand,
  GetChannelCommand,
  GetChannelGroupCommand,
  GetChannelPolicyCommand,
  ResourceNotFoundException,
  UntagResourceCommand,
} from '@aws-sdk/client-mediapackagev2';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import {
  normalizeWorkflow,
  type Observation,
  type Plan,
  planWorkflow,
  refreshTargets,
  type StateDocument,
  type StateResource,
  type WorkflowInput,
} from '@mlds/core';
import {
  aChannelBinding,
  aMediaLiveChannel,
  aWorkflow,
  CHANNEL_ROLE_ARN,
  type ChannelDestinationSpec,
  createFakeCloud,
  type FakeCloud,
} from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { channelPolicy } from '../src/handlers/mediapackagev2.js';
import {
  ApplyFailedError,
  type AwsClients,
  apply,
  ChannelRefusedError,
  ResourceNotOursError,
  refresh,
} from '../src/index.js';
import {
  everyEntry,
  MemoryStateStore,
  meta,
  mockedClients,
  REGION,
  ROLE,
  tagsOf,
  virtualTime,
} from './helpers.js';

// Refresh of the MediaPackage v2 kinds and of the bound MediaLive channel: one cheap read each (exact inputs),
// never a mutating call (the fake cloud's log), and what core plans from what they saw.

const GROUP_ARN = `arn:aws:mediapackagev2:${REGION}:111122223333:channelGroup/curling-live`;
const CHANNEL_ARN = `${GROUP_ARN}/channel/curling-live-packager`;
const CHANNEL = '1234567';
const STREAM_KEY = 'live_8f3a-very-secret-stream-key';
const ENV = { SOCIAL_STREAM_KEY: STREAM_KEY };

function stateOf(resources: StateResource[]): StateDocument {
  return { formatVersion: 1, workflow: 'curling-live', region: REGION, serial: 3, resources };
}

const groupEntry: StateResource = {
  address: 'packager.channel-group',
  kind: 'mediapackagev2-channel-group',
  name: 'curling-live',
  region: REGION,
  pipeline: null,
  downstream: 'packager',
  status: 'created',
  arn: GROUP_ARN,
  tags: tagsOf('packager'),
  properties: {},
};

const channelEntry: StateResource = {
  address: 'packager.channel',
  kind: 'mediapackagev2-channel',
  name: 'curling-live-packager',
  region: REGION,
  pipeline: null,
  downstream: 'packager',
  status: 'created',
  arn: CHANNEL_ARN,
  tags: tagsOf('packager'),
  properties: { channelGroup: 'curling-live', inputType: 'CMAF', mediaLiveRoleArn: ROLE },
};

const bindingEntry = aChannelBinding(CHANNEL, REGION, ['social', 'archive']);

const V2: Partial<WorkflowInput> = {
  mediaLiveRoleArn: ROLE,
  downstream: [{ name: 'packager', system: 'mediapackage-v2' }],
};

const planned = (input: Partial<WorkflowInput>, state?: StateDocument, observations?: Observation[]): Plan =>
  planWorkflow(normalizeWorkflow(aWorkflow(input)), {
    ...(state ? { state } : {}),
    ...(observations ? { observations } : {}),
  });

describe('refresh reads, exactly (aws-sdk-client-mock)', () => {
  it('a channel group: one GetChannelGroup; a missing one is gone', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackageV2
      .on(GetChannelGroupCommand as never)
      .resolvesOnce({ ChannelGroupName: 'curling-live', Arn: GROUP_ARN, Tags: tagsOf('packager') } as never)
      .rejects(new ResourceNotFoundException({ message: 'no such group', $metadata: meta(404) }));
    const seen = await refresh({
      ...everyEntry(stateOf([groupEntry])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(seen).toStrictEqual([
      {
        address: 'packager.channel-group',
        kind: 'mediapackagev2-channel-group',
        name: 'curling-live',
        region: REGION,
        exists: true,
        tags: tagsOf('packager'),
        settings: {},
      },
    ]);
    const gone = await refresh({
      ...everyEntry(stateOf([groupEntry])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(gone.map((observation) => observation.exists)).toStrictEqual([false]);
    expect(mocks.mediaPackageV2.calls().map((call) => call.args[0].input)).toStrictEqual([
      { ChannelGroupName: 'curling-live' },
      { ChannelGroupName: 'curling-live' },
    ]);
  });

  it('a channel: GetChannel and GetChannelPolicy; the statement for the role as mlds writes it gives the role', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackageV2
      .on(GetChannelCommand as never)
      .resolves({ Arn: CHANNEL_ARN, Tags: tagsOf('packager'), InputType: 'CMAF' } as never);
    // As AWS may give it back: Action as a list of one.
    const policy = JSON.parse(channelPolicy(ROLE, CHANNEL_ARN));
    policy.Statement[0].Action = ['mediapackagev2:PutObject'];
    mocks.mediaPackageV2
      .on(GetChannelPolicyCommand as never)
      .resolves({ Policy: JSON.stringify(policy) } as never);
    const seen = await refresh({
      ...everyEntry(stateOf([channelEntry])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(seen.map((o) => o.exists && o.settings)).toStrictEqual([{ mediaLiveRoleArn: ROLE }]);
    const names = { ChannelGroupName: 'curling-live', ChannelName: 'curling-live-packager' };
    expect(
      mocks.mediaPackageV2.calls().map((call) => [call.args[0].constructor.name, call.args[0].input]),
    ).toStrictEqual([
      ['GetChannelCommand', names],
      ['GetChannelPolicyCommand', names],
    ]);
  });

  it('a channel policy that lets another role in, or none at all, is no role; a channel that lost our tag is not read further', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackageV2
      .on(GetChannelCommand as never)
      .resolvesOnce({ Arn: CHANNEL_ARN, Tags: tagsOf('packager') } as never)
      .resolvesOnce({ Arn: CHANNEL_ARN, Tags: tagsOf('packager') } as never)
      .resolvesOnce({ Arn: CHANNEL_ARN, Tags: tagsOf('packager') } as never)
      .resolves({ Arn: CHANNEL_ARN, Tags: { 'mlds:downstream': 'packager' } } as never);
    const edited = JSON.parse(channelPolicy(ROLE, CHANNEL_ARN));
    edited.Statement[0].Action = 'mediapackagev2:*';
    mocks.mediaPackageV2
      .on(GetChannelPolicyCommand as never)
      .resolvesOnce({ Policy: JSON.stringify(edited) } as never)
      .rejects(new ResourceNotFoundException({ message: 'no policy', $metadata: meta(404) }));
    const read = async () =>
      (await refresh({ ...everyEntry(stateOf([channelEntry])), clients: aws, env: {}, ...virtualTime() }))[0];
    expect(await read()).toMatchObject({ exists: true, settings: { mediaLiveRoleArn: null } });
    // No policy: GetChannel again says the channel is still there.
    expect(await read()).toMatchObject({ exists: true, settings: { mediaLiveRoleArn: null } });
    expect(await read()).toStrictEqual({
      address: 'packager.channel',
      kind: 'mediapackagev2-channel',
      name: 'curling-live-packager',
      region: REGION,
      exists: true,
      tags: { 'mlds:downstream': 'packager' },
      settings: {},
    });
    expect(mocks.mediaPackageV2.calls().map((call) => call.args[0].constructor.name)).toStrictEqual([
      'GetChannelCommand',
      'GetChannelPolicyCommand',
      'GetChannelCommand',
      'GetChannelPolicyCommand',
      'GetChannelCommand',
      'GetChannelCommand',
    ]);
  });

  it('the bound channel: one DescribeChannel; the destinations mlds wrote, stream keys masked; a missing one is gone', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaLive
      .on(DescribeChannelCommand)
      .resolvesOnce({
        Id: CHANNEL,
        State: 'IDLE',
        Destinations: [
          { Id: 'theirs', Settings: [{ Url: 's3ssl://their-bucket/x' }], MediaPackageSettings: [] },
          {
            Id: 'social',
            Settings: [
              { Url: 'rtmp://a.example.com/app', StreamName: STREAM_KEY },
              { Url: 'rtmp://b.example.com/app', StreamName: '' },
            ],
            MediaPackageSettings: [],
          },
        ],
      })
      .rejects(new NotFoundException({ message: 'no such channel', $metadata: meta(404) }));
    const seen = await refresh({
      ...everyEntry(stateOf([bindingEntry])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(seen).toStrictEqual([
      {
        address: 'channel',
        kind: 'medialive-channel',
        name: CHANNEL,
        region: REGION,
        exists: true,
        tags: {},
        settings: {
          destinations: [
            {
              Id: 'social',
              Settings: [
                { Url: 'rtmp://a.example.com/app', StreamName: '(sensitive)' },
                { Url: 'rtmp://b.example.com/app' },
              ],
            },
          ],
        },
      },
    ]);
    expect(JSON.stringify(seen)).not.toContain(STREAM_KEY);
    const gone = await refresh({
      ...everyEntry(stateOf([bindingEntry])),
      clients: aws,
      env: {},
      ...virtualTime(),
    });
    expect(gone.map((observation) => observation.exists)).toStrictEqual([false]);
    expect(mocks.mediaLive.commandCalls(DescribeChannelCommand).map((c) => c.args[0].input)).toStrictEqual([
      { ChannelId: CHANNEL },
      { ChannelId: CHANNEL },
    ]);
  });
});

// --- Against the fake cloud -------------------------------------------------------------------------------

async function appliedV2() {
  const cloud = createFakeCloud({ sleep: async () => {} });
  const store = new MemoryStateStore();
  const first = await apply({ plan: planned(V2), clients: cloud.clients, store, env: {}, ...virtualTime() });
  return { cloud, store, state: first.state as StateDocument };
}

async function refreshed(
  input: Partial<WorkflowInput>,
  cloud: FakeCloud,
  state: StateDocument,
  clients: AwsClients = cloud.clients,
  env = {},
) {
  const before = cloud.mutatingCalls().length;
  const resources = refreshTargets(normalizeWorkflow(aWorkflow(input)), state);
  const observations = await refresh({ state, resources, clients, env, ...virtualTime() });
  // Refresh never changes anything.
  expect(cloud.mutatingCalls()).toHaveLength(before);
  return observations;
}

const v2Client = (cloud: FakeCloud) =>
  cloud.clients.mediaPackageV2(REGION) as { send(command: unknown): Promise<unknown> };

describe('MediaPackage v2 drift against the fake cloud', () => {
  it('a channel whose policy and a tag were removed: an update naming both; apply puts them back (exact calls); then noop', async () => {
    const { cloud, store, state } = await appliedV2();
    const names = { ChannelGroupName: 'curling-live', ChannelName: 'curling-live-packager' };
    await v2Client(cloud).send(new DeleteChannelPolicyCommand(names));
    await v2Client(cloud).send(
      new UntagResourceCommand({ ResourceArn: CHANNEL_ARN, TagKeys: ['mlds:downstream'] }),
    );

    const plan = planned(V2, state, await refreshed(V2, cloud, state));
    expect(
      plan.resources.map((r) => [r.address, r.action, r.action === 'update' ? r.changes : [], r.drift]),
    ).toStrictEqual([
      ['packager.channel-group', 'noop', [], undefined],
      [
        'packager.channel',
        'update',
        ['tags', 'policy'],
        [
          'tags mlds set were removed or changed: mlds:downstream',
          `the channel policy statement for the MediaLive role ${ROLE} is missing or was edited`,
        ],
      ],
    ]);

    const before = cloud.mutatingCalls().length;
    await apply({ plan, clients: cloud.clients, store, env: {}, ...virtualTime() });
    expect(
      cloud
        .mutatingCalls()
        .slice(before)
        .map((call) => [call.command, call.input]),
    ).toStrictEqual([
      ['TagResourceCommand', { ResourceArn: CHANNEL_ARN, Tags: tagsOf('packager') }],
      ['PutChannelPolicyCommand', { ...names, Policy: channelPolicy(ROLE, CHANNEL_ARN) }],
    ]);
    const again = planned(V2, store.doc, await refreshed(V2, cloud, store.doc as StateDocument));
    expect(again.resources.map((r) => r.action)).toStrictEqual(['noop', 'noop']);
  });

  it('a channel and its group deleted outside mlds: both created again with drift; the new ingest URLs recorded', async () => {
    const { cloud, store, state } = await appliedV2();
    await v2Client(cloud).send(
      new DeleteChannelCommand({ ChannelGroupName: 'curling-live', ChannelName: 'curling-live-packager' }),
    );
    await v2Client(cloud).send(new DeleteChannelGroupCommand({ ChannelGroupName: 'curling-live' }));

    const plan = planned(V2, state, await refreshed(V2, cloud, state));
    expect(plan.resources.map((r) => [r.address, r.action, r.drift])).toStrictEqual([
      ['packager.channel-group', 'create', ['curling-live was deleted outside mlds']],
      ['packager.channel', 'create', ['curling-live-packager was deleted outside mlds']],
    ]);
    // Later than the first apply: a new intent, so new ClientTokens (the old ones name the deleted resources).
    const later = virtualTime(1_800_000_000_000);
    const second = await apply({ plan, clients: cloud.clients, store, env: {}, ...later });
    expect(second.outcomes.map((o) => [o.address, o.outcome])).toStrictEqual([
      ['packager.channel-group', 'created'],
      ['packager.channel', 'created'],
    ]);
    const urls = cloud.inventory().mediapackagev2[0]?.channels[0]?.ingestEndpoints.map((e) => e.url);
    const recorded = second.state?.resources.find((r) => r.address === 'packager.channel')?.outputs;
    expect(((recorded?.ingestEndpoints ?? []) as { url: string }[]).map((e) => e.url)).toStrictEqual(urls);
  });

  it('a channel that lost its mlds:workflow tag: marked, and apply refuses it without a call on it', async () => {
    const { cloud, store, state } = await appliedV2();
    await v2Client(cloud).send(
      new UntagResourceCommand({ ResourceArn: CHANNEL_ARN, TagKeys: ['mlds:workflow'] }),
    );
    const plan = planned(V2, state, await refreshed(V2, cloud, state));
    const channel = plan.resources.find((r) => r.address === 'packager.channel');
    expect(channel?.drift).toStrictEqual([
      "its tag mlds:workflow=curling-live is gone: it is no longer this workflow's, and apply refuses to change it",
    ]);
    const before = cloud.mutatingCalls().length;
    const failed = await apply({ plan, clients: cloud.clients, store, env: {}, ...virtualTime() }).catch(
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(ApplyFailedError);
    expect(
      (failed as ApplyFailedError).failures.map((f) => [f.address, f.cause instanceof ResourceNotOursError]),
    ).toStrictEqual([['packager.channel', true]]);
    expect(cloud.mutatingCalls()).toHaveLength(before);
  });
});

// --- The bound MediaLive channel ----------------------------------------------------------------------------

/** RTMP with a stream key and an S3 archive, bound to channel 1234567. */
const BOUND: Partial<WorkflowInput> = {
  mediaLiveRoleArn: ROLE,
  channel: { id: CHANNEL },
  downstream: [
    {
      name: 'social',
      system: 'rtmp',
      urls: ['rtmp://live-a.example-social.com/app', 'rtmp://live-b.example-social.com/app'],
      streamKey: { env: 'SOCIAL_STREAM_KEY' },
    },
    { name: 'archive', system: 's3', format: 'archive' },
  ],
};

/** The channel as its engineer built it: their HLS, an RTMP group for social; archive without a group yet. */
const USED: ChannelDestinationSpec[] = [
  { id: 'their-hls', group: 'HLS' },
  { id: 'social', group: 'RTMP' },
  { id: 'archive' },
];

const ARCHIVE: OutputDestination = {
  Id: 'archive',
  Settings: [
    { Url: 's3ssl://curling-live-archive-p0/curling-live/archive/index' },
    { Url: 's3ssl://curling-live-archive-p1/curling-live/archive/index' },
  ],
};

async function appliedBinding() {
  const cloud = createFakeCloud({ sleep: async () => {} });
  cloud.seed.mediaLiveChannel(CHANNEL, REGION, aMediaLiveChannel({ destinations: USED }));
  const store = new MemoryStateStore();
  const first = await apply({
    plan: planned(BOUND),
    clients: cloud.clients,
    store,
    env: ENV,
    ...virtualTime(),
  });
  return { cloud, store, state: first.state as StateDocument };
}

const mediaLive = (cloud: FakeCloud) =>
  cloud.clients.mediaLive(REGION) as {
    send(command: unknown): Promise<{ Destinations?: OutputDestination[] }>;
  };

async function destinationsIn(cloud: FakeCloud): Promise<OutputDestination[]> {
  return (await mediaLive(cloud).send(new DescribeChannelCommand({ ChannelId: CHANNEL }))).Destinations ?? [];
}

describe('the bound MediaLive channel against the fake cloud', () => {
  it('destinations mlds wrote changed and removed outside mlds: an update naming them; apply writes them back', async () => {
    const { cloud, store, state } = await appliedBinding();
    const binding = () => planned(BOUND, store.doc).resources.find((r) => r.kind === 'medialive-channel');
    expect(binding()?.action).toBe('read');
    const now = await destinationsIn(cloud);
    // Someone points social elsewhere (their own key) and drops archive, in the console.
    const edited = now
      .filter((destination) => destination.Id !== 'archive')
      .map((destination) =>
        destination.Id === 'social'
          ? {
              Id: 'social',
              Settings: [
                { Url: 'rtmp://elsewhere.example.com/app', StreamName: 'their-own-key' },
                { Url: 'rtmp://elsewhere.example.com/app', StreamName: 'their-own-key' },
              ],
            }
          : { Id: destination.Id, ...(destination.Settings ? { Settings: destination.Settings } : {}) },
      );
    await mediaLive(cloud).send(
      new UpdateChannelCommand({ ChannelId: CHANNEL, Destinations: edited, RoleArn: CHANNEL_ROLE_ARN }),
    );

    const observations = await refreshed(BOUND, cloud, state, cloud.clients, ENV);
    expect(JSON.stringify(observations)).not.toContain('their-own-key');
    const plan = planned(BOUND, state, observations);
    const change = plan.resources.find((r) => r.kind === 'medialive-channel');
    expect([change?.action, change?.action === 'update' && change.changes, change?.drift]).toStrictEqual([
      'update',
      ['destinations'],
      [
        'destinations mlds wrote were removed from the channel outside mlds: archive',
        'destinations mlds wrote were changed in the channel outside mlds: social',
      ],
    ]);

    await apply({ plan, clients: cloud.clients, store, env: ENV, ...virtualTime() });
    const written = await destinationsIn(cloud);
    expect(written.find((d) => d.Id === 'social')?.Settings?.map((s) => [s.Url, s.StreamName])).toStrictEqual(
      [
        ['rtmp://live-a.example-social.com/app', STREAM_KEY],
        ['rtmp://live-b.example-social.com/app', STREAM_KEY],
      ],
    );
    expect(written.find((d) => d.Id === 'archive')).toMatchObject(ARCHIVE);
    // Refreshed again: the binding is only read.
    const again = planned(
      BOUND,
      store.doc,
      await refreshed(BOUND, cloud, store.doc as StateDocument, cloud.clients, ENV),
    );
    expect(again.resources.find((r) => r.kind === 'medialive-channel')?.action).toBe('read');
    expect(JSON.stringify(store.writes)).not.toContain(STREAM_KEY);
  });

  it('only the stream key changed outside mlds: compared in memory with the variable, an update, no key shown', async () => {
    const { cloud, store, state } = await appliedBinding();
    const now = await destinationsIn(cloud);
    const edited = now.map((destination) => {
      const kept = Object.fromEntries(
        Object.entries(destination).filter(([, v]) => !(Array.isArray(v) && v.length === 0)),
      ) as OutputDestination;
      return destination.Id === 'social'
        ? {
            ...kept,
            Settings: kept.Settings?.map((settings) => ({ ...settings, StreamName: 'their-own-key' })),
          }
        : kept;
    });
    await mediaLive(cloud).send(
      new UpdateChannelCommand({ ChannelId: CHANNEL, Destinations: edited, RoleArn: CHANNEL_ROLE_ARN }),
    );
    const observations = await refreshed(BOUND, cloud, state, cloud.clients, ENV);
    const seen = observations.find((o) => o.kind === 'medialive-channel');
    expect(
      seen?.exists &&
        seen.settings.destinations?.find((d) => d.Id === 'social')?.Settings?.map((x) => x.StreamName),
    ).toStrictEqual(["(sensitive, not the workflow's key)", "(sensitive, not the workflow's key)"]);
    const change = planned(BOUND, state, observations).resources.find((r) => r.kind === 'medialive-channel');
    // Only the key differs: said as such, since a key changed in the variable looks the same from here.
    expect(change?.drift).toStrictEqual([
      'the stream key in the channel is not the one the workflow gives now (changed in the channel outside mlds, or in its environment variable or parameter): social',
    ]);
    const leaked = JSON.stringify(observations);
    for (const key of [STREAM_KEY, 'their-own-key']) expect(leaked).not.toContain(key);
    // Without the variable there is nothing to compare the key with: no drift from it.
    const blind = await refreshed(BOUND, cloud, state, cloud.clients, {});
    const unread = planned(BOUND, state, blind).resources.find((r) => r.kind === 'medialive-channel');
    expect(unread?.action).toBe('read');
    expect(store.doc).toStrictEqual(state);
  });

  it('a { ssmParameter } stream key rotated in SSM: read decrypted, an update; apply writes the new key', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    cloud.seed.mediaLiveChannel(CHANNEL, REGION, aMediaLiveChannel({ destinations: USED }));
    cloud.seed.parameter('/live/social/key', REGION, STREAM_KEY);
    const fromSsm: Partial<WorkflowInput> = {
      ...BOUND,
      downstream: (BOUND.downstream ?? []).map((entry) =>
        entry.name === 'social' ? { ...entry, streamKey: { ssmParameter: '/live/social/key' } } : entry,
      ),
    };
    const store = new MemoryStateStore();
    const first = await apply({
      plan: planned(fromSsm),
      clients: cloud.clients,
      store,
      env: {},
      ...virtualTime(),
    });
    const state = first.state as StateDocument;
    const rotated = 'live_rotated-key-in-ssm';
    await (cloud.clients.ssm(REGION) as { send(command: unknown): Promise<unknown> }).send(
      new PutParameterCommand({
        Name: '/live/social/key',
        Value: rotated,
        Type: 'SecureString',
        Overwrite: true,
      }),
    );
    const before = cloud.calls().length;
    const observations = await refreshed(fromSsm, cloud, state, cloud.clients, {});
    expect(
      cloud
        .calls()
        .slice(before)
        .filter((call) => call.service === 'ssm')
        .map((call) => [call.command, call.input]),
    ).toStrictEqual([['GetParameterCommand', { Name: '/live/social/key', WithDecryption: true }]]);
    const plan = planned(fromSsm, state, observations);
    const change = plan.resources.find((r) => r.kind === 'medialive-channel');
    expect([change?.action, change?.drift]).toStrictEqual([
      'update',
      [
        'the stream key in the channel is not the one the workflow gives now (changed in the channel outside mlds, or in its environment variable or parameter): social',
      ],
    ]);
    for (const key of [STREAM_KEY, rotated]) expect(JSON.stringify([observations, plan])).not.toContain(key);
    await apply({ plan, clients: cloud.clients, store, env: {}, ...virtualTime() });
    const social = (await destinationsIn(cloud)).find((d) => d.Id === 'social');
    expect(social?.Settings?.map((x) => x.StreamName)).toStrictEqual([rotated, rotated]);
    expect(JSON.stringify(store.writes)).not.toContain(rotated);
  });

  it('their own destinations changed: not mlds’s, no drift', async () => {
    const { cloud, state } = await appliedBinding();
    const now = await destinationsIn(cloud);
    const edited = now.map((destination) =>
      destination.Id === 'their-hls'
        ? { Id: 'their-hls', Settings: [{ Url: 's3ssl://moved/a' }, { Url: 's3ssl://moved/b' }] }
        : Object.fromEntries(
            Object.entries(destination).filter(([, v]) => !(Array.isArray(v) && v.length === 0)),
          ),
    );
    await mediaLive(cloud).send(
      new UpdateChannelCommand({ ChannelId: CHANNEL, Destinations: edited, RoleArn: CHANNEL_ROLE_ARN }),
    );
    const plan = planned(BOUND, state, await refreshed(BOUND, cloud, state, cloud.clients, ENV));
    const change = plan.resources.find((r) => r.kind === 'medialive-channel');
    expect([change?.action, change?.drift]).toStrictEqual(['read', undefined]);
  });

  it('the channel deleted outside mlds: the plan says so (drift and a warning); apply stops before any change', async () => {
    const { cloud, store, state } = await appliedBinding();
    // MediaLive no longer knows the channel; everything else is as apply left it.
    const empty = createFakeCloud({ sleep: async () => {} });
    const clients: AwsClients = { ...cloud.clients, mediaLive: (region) => empty.clients.mediaLive(region) };
    const plan = planned(BOUND, state, await refreshed(BOUND, cloud, state, clients, ENV));
    const change = plan.resources.find((r) => r.kind === 'medialive-channel');
    expect([change?.action, change?.action === 'update' && change.changes, change?.drift]).toStrictEqual([
      'update',
      ['destinations'],
      [
        `MediaLive channel ${CHANNEL} was deleted outside mlds (DescribeChannel finds no such channel in ${REGION}); mlds never creates a channel, so apply stops before any change`,
      ],
    ]);
    expect(
      plan.diagnostics.filter((d) => d.code === 'channel.gone').map((d) => [d.severity, d.path]),
    ).toStrictEqual([['warning', 'channel.id']]);
    const before = cloud.mutatingCalls().length;
    const refused = await apply({ plan, clients, store, env: ENV, ...virtualTime() }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ChannelRefusedError);
    expect((refused as Error).message).toContain(`there is no channel ${CHANNEL} in ${REGION}`);
    expect(cloud.mutatingCalls()).toHaveLength(before);
    expect(empty.mutatingCalls()).toStrictEqual([]);
    expect(store.doc).toStrictEqual(state);
  });
});
