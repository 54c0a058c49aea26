import type { OutputDestination } from '@aws-sdk/client-medialive';
import { type Plan, refreshTargets, type StateDocument, type WorkflowInput } from '@mlds/core';
import {
  aChannelBinding,
  aMediaLiveChannel,
  CHANNEL_ROLE_ARN,
  type ChannelDestinationSpec,
  createFakeCloud,
  type FakeCloud,
  FakeCrash,
  type SeedMediaLiveChannelOptions,
} from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import {
  ApplyFailedError,
  apply,
  ChannelRefusedError,
  ChannelStartFailedError,
  destroy,
  MissingEnvironmentError,
  refresh,
} from '../src/index.js';
import {
  collectEvents,
  MemoryStateStore,
  meta,
  mockedClients,
  planOf,
  REGION,
  ROLE,
  virtualTime,
} from './helpers.js';

const CHANNEL = '1234567';
const STREAM_KEY = 'live_8f3a-very-secret-stream-key';
const ENV = { SOCIAL_STREAM_KEY: STREAM_KEY };

/** A packager (MediaPackage group), RTMP with a stream key, an S3 archive: bound to channel 1234567. */
function bound(overrides: Partial<WorkflowInput> = {}): Partial<WorkflowInput> {
  return {
    mediaLiveRoleArn: ROLE,
    channel: { id: CHANNEL },
    downstream: [
      { name: 'packager', system: 'mediapackage' },
      {
        name: 'social',
        system: 'rtmp',
        urls: ['rtmp://live-a.example-social.com/app', 'rtmp://live-b.example-social.com/app'],
        streamKey: { env: 'SOCIAL_STREAM_KEY' },
      },
      { name: 'archive', system: 's3', format: 'archive' },
    ],
    ...overrides,
  };
}

/** The channel as its engineer built it: their own HLS destination, and groups for the workflow's three. */
const USED: ChannelDestinationSpec[] = [
  { id: 'their-hls', group: 'HLS' },
  { id: 'packager', group: 'MEDIAPACKAGE' },
  { id: 'social', group: 'RTMP' },
  { id: 'archive', group: 'ARCHIVE' },
];

function setup(channel: Parameters<typeof aMediaLiveChannel>[0] = {}, region = REGION) {
  const cloud = createFakeCloud({ sleep: async () => {} });
  const seed: SeedMediaLiveChannelOptions = aMediaLiveChannel({ destinations: USED, ...channel });
  cloud.seed.mediaLiveChannel(CHANNEL, region, seed);
  const store = new MemoryStateStore();
  return { cloud, store, seed };
}

async function run(cloud: FakeCloud, store: MemoryStateStore, plan: Plan, env = ENV) {
  const collected = collectEvents();
  const result = await apply({
    plan,
    clients: cloud.clients,
    store,
    env,
    ...virtualTime(),
    onEvent: collected.onEvent,
  });
  return { ...result, events: collected.events };
}

const inputsOf = (cloud: FakeCloud, command: string) =>
  cloud
    .calls()
    .filter((call) => call.service === 'medialive' && call.command === command && call.outcome === 'ok')
    .map((call) => call.input);

/** What the workflow's destinations are once apply made its resources, stream key real. */
function wantedDestinations(): OutputDestination[] {
  return [
    { Id: 'packager', MediaPackageSettings: [{ ChannelId: 'curling-live-packager' }] },
    {
      Id: 'social',
      Settings: [
        { Url: 'rtmp://live-a.example-social.com/app', StreamName: STREAM_KEY },
        { Url: 'rtmp://live-b.example-social.com/app', StreamName: STREAM_KEY },
      ],
    },
    {
      Id: 'archive',
      Settings: [
        { Url: 's3ssl://curling-live-archive-p0/curling-live/archive/index' },
        { Url: 's3ssl://curling-live-archive-p1/curling-live/archive/index' },
      ],
    },
  ];
}

function theirHls(seed: SeedMediaLiveChannelOptions): OutputDestination {
  const [first] = seed.destinations ?? [];
  if (!first?.Settings) throw new Error('the seed changed');
  return { Id: 'their-hls', Settings: first.Settings };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('binding an IDLE channel', () => {
  it('sends the merged Destinations with the role, once the resources exist; the state names the ids, never the key', async () => {
    const { cloud, store, seed } = setup();
    const result = await run(cloud, store, planOf(bound()));

    expect(inputsOf(cloud, 'UpdateChannelCommand')).toStrictEqual([
      {
        ChannelId: CHANNEL,
        // Their destination as it was, without DescribeChannel's empty lists; ours replaced in place.
        Destinations: [theirHls(seed), ...wantedDestinations()],
        RoleArn: CHANNEL_ROLE_ARN,
      },
    ]);
    const mutating = cloud.mutatingCalls().map((call) => call.command);
    expect(mutating.indexOf('UpdateChannelCommand')).toBe(mutating.length - 1);
    expect(cloud.inventory().medialive).toMatchObject([
      { id: CHANNEL, state: 'IDLE', roleArn: CHANNEL_ROLE_ARN },
    ]);
    const record = result.state?.resources.find((resource) => resource.kind === 'medialive-channel');
    expect(record?.outputs).toStrictEqual({ destinationIds: ['packager', 'social', 'archive'] });
    expect(result.outcomes.find((o) => o.address === 'channel')?.outcome).toBe('updated');
    // The stream key went to MediaLive and nowhere else.
    const everywhere = JSON.stringify([store.writes, result.events, result.outcomes]);
    expect(everywhere).not.toContain(STREAM_KEY);
    expect(cloud.secretValues()).toContain(STREAM_KEY);
  });

  it('a re-apply with nothing changed reads the channel and makes no UpdateChannel call', async () => {
    const { cloud, store } = setup();
    const first = await run(cloud, store, planOf(bound()));
    const plan = planOf(bound(), first.state);
    expect(plan.resources.find((resource) => resource.kind === 'medialive-channel')?.action).toBe('read');
    const before = cloud.mutatingCalls().length;
    const again = await run(cloud, store, plan);
    expect(cloud.mutatingCalls().length).toBe(before);
    expect(inputsOf(cloud, 'DescribeChannelCommand').at(-1)).toStrictEqual({ ChannelId: CHANNEL });
    expect(again.outcomes.find((o) => o.address === 'channel')?.outcome).toBe('read');
  });

  it('a changed stream key under a plan that only reads the channel: refused before any change', async () => {
    const { cloud, store } = setup();
    const first = await run(cloud, store, planOf(bound()));
    const plan = planOf(bound(), first.state);
    expect(plan.resources.find((r) => r.kind === 'medialive-channel')?.action).toBe('read');
    const before = cloud.mutatingCalls().length;
    const refused = run(cloud, store, plan, { SOCIAL_STREAM_KEY: 'rotated-key' });
    await expect(refused).rejects.toBeInstanceOf(ChannelRefusedError);
    await expect(refused).rejects.toThrow(/the plan shown only reads it/);
    await expect(refused).rejects.not.toThrow(/rotated-key/);
    expect(cloud.mutatingCalls().slice(before)).toStrictEqual([]);
  });

  it('a refusal says whether it came before any change or when writing the channel, after the others', () => {
    const before = new ChannelRefusedError('apply', CHANNEL, ['it is STARTING'], 'Wait.');
    const atWrite = new ChannelRefusedError('apply', CHANNEL, ['it is STARTING'], 'Wait.', { atWrite: true });
    expect(before.message).toBe(
      `apply refused, nothing was changed: MediaLive channel ${CHANNEL}:\n  it is STARTING\nWait.`,
    );
    expect(atWrite.message).toBe(
      `apply stopped at MediaLive channel ${CHANNEL} (what this run changed before it is recorded):\n  it is STARTING\nWait.`,
    );
  });

  it('removes a destination mlds wrote and the workflow dropped, when no output group uses it', async () => {
    const { cloud, store, seed } = setup({ destinations: [...USED, { id: 'extra' }] });
    const withExtra = bound({
      downstream: [
        ...(bound().downstream ?? []),
        { name: 'extra', system: 'udp', urls: ['udp://10.0.0.1:5000', 'udp://10.0.0.2:5000'] },
      ],
    });
    const first = await run(cloud, store, planOf(withExtra));
    await run(cloud, store, planOf(bound(), first.state));
    const last = inputsOf(cloud, 'UpdateChannelCommand').at(-1) as { Destinations: OutputDestination[] };
    expect(last.Destinations.map((d) => d.Id)).toStrictEqual(['their-hls', 'packager', 'social', 'archive']);
    expect(last.Destinations[0]).toStrictEqual(theirHls(seed));
  });

  it('reads a stream key given as { ssmParameter } with decryption, and sends it only to MediaLive', async () => {
    const { cloud, store } = setup();
    cloud.seed.parameter('/live/social/key', REGION, STREAM_KEY);
    const input = bound();
    const downstream = (input.downstream ?? []).map((entry) =>
      entry.name === 'social' ? { ...entry, streamKey: { ssmParameter: '/live/social/key' } } : entry,
    );
    const result = await run(cloud, store, planOf({ ...input, downstream }), {} as typeof ENV);
    expect(
      cloud
        .calls()
        .filter((call) => call.command === 'GetParameterCommand')
        .map((call) => call.input),
    ).toStrictEqual([{ Name: '/live/social/key', WithDecryption: true }]);
    const update = inputsOf(cloud, 'UpdateChannelCommand')[0] as { Destinations: OutputDestination[] };
    expect(update.Destinations.find((d) => d.Id === 'social')?.Settings?.[0]?.StreamName).toBe(STREAM_KEY);
    expect(JSON.stringify([store.writes, result.events])).not.toContain(STREAM_KEY);
  });

  it('shows MediaLive’s 422 with its ValidationErrors, the key redacted', async () => {
    const broken: ChannelDestinationSpec = {
      id: 'their-hls',
      group: 'HLS',
      destination: { Id: 'their-hls', Settings: [{ Url: 's3ssl://only-one/x' }] },
    };
    const { cloud, store } = setup({ destinations: [broken, ...USED.slice(1)] });
    const error = await rejection(run(cloud, store, planOf(bound())));
    expect(error).toBeInstanceOf(ApplyFailedError);
    const failure = (error as ApplyFailedError).failures[0];
    expect(failure?.address).toBe('channel');
    expect(failure?.error).toContain(
      'MediaLive refused UpdateChannel for channel 1234567 (422 UnprocessableEntityException',
    );
    expect(failure?.error).toContain(
      'destinations[0].settings: Expected 2 destination settings for a STANDARD channel, found 1',
    );
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(STREAM_KEY);
  });
});

describe('refusals change nothing', () => {
  async function refused(cloud: FakeCloud, store: MemoryStateStore, plan: Plan, env = ENV) {
    const before = cloud.inventory();
    const error = await rejection(run(cloud, store, plan, env));
    expect(cloud.mutatingCalls()).toStrictEqual([]);
    expect(cloud.inventory()).toStrictEqual(before);
    return error as Error;
  }

  it('another channel class', async () => {
    const { cloud, store } = setup({ channelClass: 'SINGLE_PIPELINE' });
    const error = await refused(cloud, store, planOf(bound()));
    expect(error).toBeInstanceOf(ChannelRefusedError);
    expect(error.message).toContain("its class is SINGLE_PIPELINE, the workflow's channelClass is STANDARD");
  });

  it('another Region: the channel is not found where the workflow says', async () => {
    const { cloud, store } = setup({}, 'eu-west-1');
    const error = await refused(cloud, store, planOf(bound()));
    expect(error).toBeInstanceOf(ChannelRefusedError);
    expect(error.message).toContain('there is no channel 1234567 in us-west-2');
  });

  it('an output group that would refer to a destination the update removes', async () => {
    const { cloud, store } = setup({ destinations: [...USED, { id: 'old', group: 'UDP' }] });
    const state: StateDocument = {
      formatVersion: 1,
      workflow: 'curling-live',
      region: REGION,
      serial: 1,
      resources: [aChannelBinding(CHANNEL, REGION, ['old'])],
    };
    store.doc = state;
    const error = await refused(cloud, store, planOf(bound(), state));
    expect(error.message).toContain(
      'an output group refers to destination old, which this update would remove',
    );
  });

  it('a RUNNING channel with whenRunning: refuse', async () => {
    const { cloud, store } = setup({ state: 'RUNNING' });
    const error = await refused(cloud, store, planOf(bound()));
    expect(error.message).toContain('it is RUNNING and its destinations must change');
    expect(error.message).toContain('--restart-channel');
  });

  it('a { ssmParameter } stream key that does not exist', async () => {
    const { cloud, store } = setup();
    const input = bound();
    const downstream = (input.downstream ?? []).map((entry) =>
      entry.name === 'social' ? { ...entry, streamKey: { ssmParameter: '/live/missing' } } : entry,
    );
    const error = await refused(cloud, store, planOf({ ...input, downstream }), {} as typeof ENV);
    expect(error).toBeInstanceOf(ChannelRefusedError);
    expect(error.message).toContain(
      'the stream key of destination social is read from SSM parameter /live/missing, which does not exist in us-west-2',
    );
  });

  it('a missing { env } stream key, before any AWS call', async () => {
    const { cloud, store } = setup();
    const error = await rejection(run(cloud, store, planOf(bound()), {} as typeof ENV));
    expect(error).toBeInstanceOf(MissingEnvironmentError);
    expect(cloud.calls()).toStrictEqual([]);
  });
});

describe('restarting a RUNNING channel', () => {
  const restart = () => bound({ channel: { id: CHANNEL, whenRunning: 'restart' } });

  it('records the intent, stops, waits, updates, starts and waits for RUNNING', async () => {
    const { cloud, store } = setup({ state: 'RUNNING' });
    const result = await run(cloud, store, planOf(restart()));
    const channelCalls = cloud
      .calls()
      .filter((call) => call.service === 'medialive' && call.mutating)
      .map((call) => [call.command, call.input]);
    expect(channelCalls).toStrictEqual([
      ['StopChannelCommand', { ChannelId: CHANNEL }],
      [
        'UpdateChannelCommand',
        { ChannelId: CHANNEL, Destinations: expect.any(Array), RoleArn: CHANNEL_ROLE_ARN },
      ],
      ['StartChannelCommand', { ChannelId: CHANNEL }],
    ]);
    expect(cloud.inventory().medialive[0]?.state).toBe('RUNNING');
    const intents = store.writes.filter((doc) =>
      doc.resources.some((resource) => resource.outputs?.pendingStart === true),
    );
    expect(intents.length).toBe(1);
    const record = result.state?.resources.find((resource) => resource.kind === 'medialive-channel');
    expect(record?.outputs).toStrictEqual({ destinationIds: ['packager', 'social', 'archive'] });
  });

  it('fails fast when the start falls back to IDLE', async () => {
    const { cloud, store } = setup({ state: 'RUNNING', failedStarts: 1 });
    const time = virtualTime();
    const error = await rejection(
      apply({ plan: planOf(restart()), clients: cloud.clients, store, env: ENV, ...time }),
    );
    expect((error as ApplyFailedError).failures[0]?.cause).toBeInstanceOf(ChannelStartFailedError);
    // A couple of polls, far from the 15-minute bound.
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(60_000);
  });

  it('a crash after each mutating call, then apply again: RUNNING with the new destinations, nothing orphaned', async () => {
    const probe = setup({ state: 'RUNNING' });
    await run(probe.cloud, probe.store, planOf(restart()));
    const total = probe.cloud.mutatingCalls().length;
    const expected = probe.cloud.inventory();
    expect(total).toBeGreaterThan(3);

    for (let n = 1; n <= total; n++) {
      const { cloud, store } = setup({ state: 'RUNNING' });
      cloud.crashAfterMutatingCalls(n);
      const crashed = await rejection(run(cloud, store, planOf(restart())));
      expect(JSON.stringify(crashed, Object.getOwnPropertyNames(crashed))).toMatch(/FakeCrash|crashed/);
      cloud.crashAfterMutatingCalls(undefined);
      const plan = planOf(restart(), store.doc);
      const channelChange = plan.resources.find((resource) => resource.kind === 'medialive-channel');
      const stopped = cloud.mutatingCalls().some((call) => call.command === 'StopChannelCommand');
      const started = cloud.mutatingCalls().some((call) => call.command === 'StartChannelCommand');
      if (stopped && !(started && n === total)) {
        // Between the stop and the recorded end of the start, the plan says the channel is started again.
        expect(channelChange?.action === 'update' && channelChange.changes).toContain('start');
      }
      await run(cloud, store, plan);
      const inventory = cloud.inventory();
      expect(inventory.medialive[0]?.state, `crash after call ${n}`).toBe('RUNNING');
      expect(inventory).toStrictEqual(expected);
      const record = store.doc?.resources.find((resource) => resource.kind === 'medialive-channel');
      expect(record?.outputs, `crash after call ${n}`).toStrictEqual({
        destinationIds: ['packager', 'social', 'archive'],
      });
    }
    expect(FakeCrash).toBeDefined();
  });
});

describe('a restart a crash cut short, then a refresh', () => {
  it('after each mutating call: what mlds wrote is no drift, and the plan finishes the update and the start', async () => {
    const restart = () => bound({ channel: { id: CHANNEL, whenRunning: 'restart' } });
    const probe = setup({ state: 'RUNNING' });
    await run(probe.cloud, probe.store, planOf(restart()));
    const total = probe.cloud.mutatingCalls().length;
    for (let n = 1; n < total; n++) {
      const { cloud, store } = setup({ state: 'RUNNING' });
      cloud.crashAfterMutatingCalls(n);
      await rejection(run(cloud, store, planOf(restart())));
      cloud.crashAfterMutatingCalls(undefined);
      const state = store.doc;
      if (state === undefined) throw new Error(`no state after a crash after call ${n}`);
      const stopped = cloud.mutatingCalls().some((call) => call.command === 'StopChannelCommand');
      const observations = await refresh({
        clients: cloud.clients,
        state,
        resources: refreshTargets(
          { channel: { id: CHANNEL, whenRunning: 'restart' }, region: REGION },
          state,
        ),
        env: ENV,
        ...virtualTime(),
      });
      const channel = planOf(restart(), state, observations).resources.find(
        (resource) => resource.kind === 'medialive-channel',
      );
      expect(channel?.drift, `crash after call ${n}`).toBeUndefined();
      if (stopped)
        expect(channel?.action === 'update' && channel.changes, `crash after call ${n}`).toContain('start');
    }
  });
});

describe('destroy with a bound channel', () => {
  it('refuses while the channel RUNS and sends to what it would delete; --force deletes and names the dangling ids', async () => {
    const { cloud, store } = setup();
    await run(cloud, store, planOf(bound()));
    // The channel went live after apply.
    const medialive = cloud.clients.mediaLive(REGION);
    const { StartChannelCommand, DescribeChannelCommand } = await import('@aws-sdk/client-medialive');
    await medialive.send(new StartChannelCommand({ ChannelId: CHANNEL }));
    await medialive.send(new DescribeChannelCommand({ ChannelId: CHANNEL }));
    await medialive.send(new DescribeChannelCommand({ ChannelId: CHANNEL }));
    const before = cloud.inventory();
    const calls = cloud.calls().length;

    const error = await rejection(destroy({ clients: cloud.clients, store, ...virtualTime() }));
    expect(error).toBeInstanceOf(ChannelRefusedError);
    expect((error as Error).message).toContain(
      'it is RUNNING and sends to packager, archive, which this destroy deletes',
    );
    expect(
      cloud
        .calls()
        .slice(calls)
        .map((call) => call.command),
    ).toStrictEqual(['DescribeChannelCommand']);
    expect(cloud.inventory()).toStrictEqual(before);

    const forced = await destroy({ clients: cloud.clients, store, force: true, ...virtualTime() });
    expect(forced.channel).toStrictEqual({
      id: CHANNEL,
      region: REGION,
      danglingDestinationIds: ['packager', 'archive'],
    });
    expect(forced.state?.resources).toStrictEqual([]);
    // mlds never edits or deletes the channel on destroy.
    expect(cloud.inventory().medialive[0]?.state).toBe('RUNNING');
    expect(cloud.mutatingCalls().filter((call) => call.service === 'medialive').length).toBe(2);
  });

  it('a channel deleted since apply: destroy goes on and forgets the binding', async () => {
    const { cloud, store } = setup();
    await run(cloud, store, planOf(bound()));
    const doc = structuredClone(store.doc);
    const binding = doc?.resources.find((resource) => resource.kind === 'medialive-channel');
    if (!doc || !binding) throw new Error('no binding recorded');
    binding.name = '999';
    store.doc = doc;
    const result = await destroy({ clients: cloud.clients, store, ...virtualTime() });
    expect(result.channel).toStrictEqual({ id: '999', region: REGION, danglingDestinationIds: [] });
    expect(result.state?.resources).toStrictEqual([]);
  });

  it('an IDLE channel does not block destroy', async () => {
    const { cloud, store } = setup();
    await run(cloud, store, planOf(bound()));
    const result = await destroy({ clients: cloud.clients, store, ...virtualTime() });
    expect(result.channel?.danglingDestinationIds).toStrictEqual(['packager', 'archive']);
  });
});

describe('MediaLive answers, with mocked clients', () => {
  it('a 409 ConflictException is shown with its status, and the UpdateChannel input is exactly the merge', async () => {
    const { aws, mocks } = mockedClients();
    const { ConflictException, DescribeChannelCommand, UpdateChannelCommand } = await import(
      '@aws-sdk/client-medialive'
    );
    const channel = {
      Arn: `arn:aws:medialive:${REGION}:111122223333:channel:${CHANNEL}`,
      Id: CHANNEL,
      ChannelClass: 'STANDARD' as const,
      State: 'IDLE' as const,
      RoleArn: CHANNEL_ROLE_ARN,
      Destinations: [
        {
          Id: 'udp-out',
          Settings: [{ Url: 'udp://10.0.0.1:5000' }, { Url: 'udp://10.0.0.2:5000' }],
          MediaPackageSettings: [],
        },
        { Id: 'theirs', MediaPackageSettings: [{ ChannelId: 'their-channel' }], Settings: [] },
      ],
      EncoderSettings: {
        OutputGroups: [
          {
            OutputGroupSettings: { UdpGroupSettings: {} },
            Outputs: [
              { OutputSettings: { UdpOutputSettings: { Destination: { DestinationRefId: 'udp-out' } } } },
            ],
          },
        ],
      },
    };
    mocks.mediaLive.on(DescribeChannelCommand).resolves(channel as never);
    const message = 'Channel is being updated';
    mocks.mediaLive
      .on(UpdateChannelCommand)
      .rejects(new ConflictException({ message, Message: message, $metadata: meta(409) }));
    const plan = planOf({
      channel: { id: CHANNEL },
      downstream: [{ name: 'udp-out', system: 'udp', urls: ['udp://10.0.9.1:5000', 'udp://10.0.9.2:5000'] }],
    });
    const error = await rejection(
      apply({ plan, clients: aws, store: new MemoryStateStore(), env: {}, ...virtualTime() }),
    );
    expect((error as ApplyFailedError).failures[0]?.error).toBe(
      'MediaLiveRejectedError: MediaLive refused UpdateChannel for channel 1234567 (409 ConflictException: Channel is being updated)',
    );
    expect(
      mocks.mediaLive.commandCalls(UpdateChannelCommand).map((call) => call.args[0].input),
    ).toStrictEqual([
      {
        ChannelId: CHANNEL,
        Destinations: [
          { Id: 'udp-out', Settings: [{ Url: 'udp://10.0.9.1:5000' }, { Url: 'udp://10.0.9.2:5000' }] },
          { Id: 'theirs', MediaPackageSettings: [{ ChannelId: 'their-channel' }] },
        ],
        RoleArn: CHANNEL_ROLE_ARN,
      },
    ]);
    expect(
      mocks.mediaLive.commandCalls(DescribeChannelCommand).map((call) => call.args[0].input),
    ).toStrictEqual([{ ChannelId: CHANNEL }, { ChannelId: CHANNEL }]);
  });
});
