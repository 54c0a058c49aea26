import {
  CreateChannelCommand,
  ForbiddenException,
  TooManyRequestsException,
} from '@aws-sdk/client-mediapackage';
import { AccessDenied, CreateBucketCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { createFakeCloud } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import {
  ApplyFailedError,
  InvalidPlanError,
  RunAbortedError,
  StateWorkflowMismatchError,
} from '../src/errors.js';
import type { EngineEvent } from '../src/events.js';
import { apply } from '../src/index.js';
import {
  aChange,
  collectEvents,
  handPlan,
  MemoryStateStore,
  meta,
  mockedClients,
  planOf,
  REGION,
  virtualTime,
} from './helpers.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

const bucketPlan = (count: number) =>
  handPlan(
    Array.from({ length: count }, (_, i) =>
      aChange({
        address: `b${i}.bucket`,
        kind: 's3-bucket',
        name: `curling-live-b${i}`,
        downstream: `b${i}`,
      }),
    ),
  );

const hlsPackager = () =>
  planOf({
    downstream: [
      { name: 'packager', system: 'mediapackage', outputGroup: 'hls' },
      { name: 'archive', system: 's3', format: 'archive' },
    ],
  });

const channelResponse = {
  Arn: 'arn:aws:mediapackage:us-west-2:111122223333:channels/x',
  Id: 'curling-live-packager',
  HlsIngest: {
    IngestEndpoints: [0, 1].map((n) => ({
      Id: `e${n}`,
      Url: `https://u${n}/channel`,
      Username: `u${n}`,
      Password: `p${n}`,
    })),
  },
};

function indexOf(events: EngineEvent[], type: EngineEvent['type'], address: string): number {
  return events.findIndex((event) => event.type === type && 'address' in event && event.address === address);
}

describe('engine', () => {
  it('a workflow moved to another Region (apply --region): the state records the Region it is now in', async () => {
    const cloud = createFakeCloud();
    const archive = { downstream: [{ name: 'archive', system: 's3' as const, format: 'archive' as const }] };
    const store = new MemoryStateStore();
    await apply({ plan: planOf(archive), clients: cloud.clients, store, env: {}, ...virtualTime() });
    expect(store.doc?.region).toBe(REGION);
    const moved = planOf({ ...archive, region: 'eu-west-1' }, store.doc);
    await apply({ plan: moved, clients: cloud.clients, store, env: {}, ...virtualTime() });
    // Else `output` of the file, in the old Region, took the moved resources for never applied.
    expect(store.doc?.region).toBe('eu-west-1');
    expect(store.doc?.resources.map((resource) => resource.region)).toStrictEqual(['eu-west-1', 'eu-west-1']);
  });

  it('starts a resource only after what it depends on is done', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage.on(CreateChannelCommand).resolves(channelResponse);
    mocks.s3.resolves({});
    mocks.ssm.resolves({});
    const { events, onEvent } = collectEvents();
    await apply({
      plan: hlsPackager(),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      onEvent,
      ...virtualTime(),
    });
    const channelDone = indexOf(events, 'done', 'packager.channel');
    expect(channelDone).toBeGreaterThanOrEqual(0);
    expect(indexOf(events, 'started', 'packager.password[0]')).toBeGreaterThan(channelDone);
    expect(indexOf(events, 'started', 'packager.password[1]')).toBeGreaterThan(channelDone);
    // Independent branches do not wait for the channel.
    expect(indexOf(events, 'started', 'archive.bucket[0]')).toBeLessThan(channelDone);
  });

  it.each([
    [3, 3],
    [undefined, 9],
  ])(
    'works on at most `concurrency` resources at once when capped, on every ready one otherwise (%s → %s)',
    async (concurrency, peak) => {
      const { aws, mocks } = mockedClients();
      let active = 0;
      let highest = 0;
      mocks.s3.resolves({});
      mocks.s3.on(CreateBucketCommand).callsFake(async () => {
        active++;
        highest = Math.max(highest, active);
        await tick();
        active--;
        return {};
      });
      const result = await apply({
        plan: bucketPlan(9),
        clients: aws,
        store: new MemoryStateStore(),
        env: {},
        ...(concurrency ? { concurrency } : {}),
        ...virtualTime(),
      });
      expect(highest).toBe(peak);
      expect(result.outcomes).toHaveLength(9);
    },
  );

  it('lets every other branch finish when one fails, and reports every failure together', async () => {
    const { aws, mocks } = mockedClients();
    mocks.mediaPackage
      .on(CreateChannelCommand)
      .rejects(
        new ForbiddenException({ message: 'not authorised to create channels', $metadata: meta(403) }),
      );
    mocks.s3.resolves({});
    mocks.s3
      .on(CreateBucketCommand, { Bucket: 'curling-live-archive-p1' })
      .rejects(new AccessDenied({ message: 'Access Denied', $metadata: meta(403) }));
    const store = new MemoryStateStore();
    const { events, onEvent } = collectEvents();
    const error = await apply({
      plan: hlsPackager(),
      clients: aws,
      store,
      env: {},
      onEvent,
      ...virtualTime(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(ApplyFailedError);
    const failed = error as ApplyFailedError;
    expect(failed.failures.map((f) => f.address).sort()).toEqual(['archive.bucket[1]', 'packager.channel']);
    expect(failed.failures.find((f) => f.address === 'packager.channel')?.cause).toBeInstanceOf(
      ForbiddenException,
    );
    expect(failed.skipped.sort()).toEqual(['packager.password[0]', 'packager.password[1]']);
    expect(failed.message).toMatch(/packager\.channel: ForbiddenException: not authorised/);
    expect(failed.message).toMatch(/archive\.bucket\[1\]: AccessDenied: Access Denied/);
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(store.doc?.resources.find((r) => r.address === 'archive.bucket[0]')?.status).toBe('created');
    // The failed bucket stays `creating`: the next apply looks it up by name.
    expect(store.doc?.resources.find((r) => r.address === 'archive.bucket[1]')?.status).toBe('creating');
    expect(events.filter((e) => e.type === 'skipped')).toEqual([
      expect.objectContaining({
        address: 'packager.password[0]',
        reason: 'packager.channel did not succeed',
      }),
      expect.objectContaining({
        address: 'packager.password[1]',
        reason: 'packager.channel did not succeed',
      }),
    ]);
    expect(
      events
        .filter((e) => e.type === 'failed')
        .map((e) => 'address' in e && e.address)
        .sort(),
    ).toEqual(['archive.bucket[1]', 'packager.channel']);
  });

  it('times every resource with the injected clock', async () => {
    const { aws, mocks } = mockedClients();
    const throttled = new TooManyRequestsException({ message: 'slow down', $metadata: meta(429) });
    mocks.mediaPackage.on(CreateChannelCommand).rejectsOnce(throttled).resolves(channelResponse);
    const time = virtualTime(1_000_000);
    const { events, onEvent } = collectEvents();
    const plan = planOf({ downstream: [{ name: 'packager', system: 'mediapackage' }] });
    await apply({
      plan,
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      onEvent,
      ...time,
      random: () => 0,
    });
    expect(events).toEqual([
      {
        type: 'started',
        address: 'packager.channel',
        kind: 'mediapackage-channel',
        action: 'create',
        at: 1_000_000,
      },
      {
        type: 'waiting',
        address: 'packager.channel',
        reason: 'throttled (TooManyRequestsException)',
        attempt: 1,
        delayMs: 125,
        at: 1_000_000,
      },
      {
        type: 'done',
        address: 'packager.channel',
        kind: 'mediapackage-channel',
        action: 'create',
        outcome: 'created',
        elapsedMs: 125,
        at: 1_000_125,
      },
    ]);
  });

  it('refuses a plan whose dependencies form a cycle before any call', async () => {
    const { aws, mocks } = mockedClients();
    const plan = handPlan([
      aChange({ address: 'a.bucket', kind: 's3-bucket', name: 'curling-live-a', dependsOn: ['b.bucket'] }),
      aChange({ address: 'b.bucket', kind: 's3-bucket', name: 'curling-live-b', dependsOn: ['a.bucket'] }),
    ]);
    await expect(
      apply({ plan, clients: aws, store: new MemoryStateStore(), env: {} }),
    ).rejects.toBeInstanceOf(InvalidPlanError);
    expect(mocks.s3.calls()).toHaveLength(0);
  });

  it('refuses a password parameter whose channel is nowhere, before any call', async () => {
    const { aws, mocks } = mockedClients();
    const plan = handPlan([
      aChange({
        address: 'packager.password[0]',
        kind: 'ssm-parameter',
        name: '/mlds/curling-live/packager/password-p0',
        properties: { source: { ingestEndpointOf: 'packager.channel', endpointIndex: 0 } },
      }),
    ]);
    await expect(apply({ plan, clients: aws, store: new MemoryStateStore(), env: {} })).rejects.toThrow(
      /no channel packager\.channel/,
    );
    expect(mocks.ssm.calls()).toHaveLength(0);
  });

  it('refuses a state written for another workflow', async () => {
    const { aws } = mockedClients();
    const store = new MemoryStateStore({
      formatVersion: 1,
      workflow: 'other',
      region: REGION,
      serial: 1,
      resources: [],
    });
    await expect(apply({ plan: bucketPlan(1), clients: aws, store, env: {} })).rejects.toBeInstanceOf(
      StateWorkflowMismatchError,
    );
    expect(store.writes).toEqual([]);
  });

  it('takes the lock for the whole run and releases it, also on failure', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.rejects(new AccessDenied({ message: 'Access Denied', $metadata: meta(403) }));
    const store = new MemoryStateStore();
    await expect(
      apply({ plan: bucketPlan(1), clients: aws, store, env: {}, ...virtualTime() }),
    ).rejects.toThrow();
    expect(store.locks).toEqual(['apply']);
    expect(store.released).toBe(1);
  });

  it('stops starting resources once cancelled, and says which never started', async () => {
    const { aws, mocks } = mockedClients();
    const controller = new AbortController();
    mocks.s3.resolves({});
    mocks.s3.on(CreateBucketCommand).callsFake(() => {
      controller.abort(new Error('user pressed ctrl-c'));
      return {};
    });
    const error = await apply({
      plan: bucketPlan(3),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      concurrency: 1,
      signal: controller.signal,
      ...virtualTime(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect(mocks.s3.commandCalls(CreateBucketCommand)).toHaveLength(1);
    expect((error as ApplyFailedError).skipped).toEqual(['b1.bucket', 'b2.bucket']);
  });

  it('reports a cancellation between resources as RunAbortedError', async () => {
    const { aws, mocks } = mockedClients();
    const controller = new AbortController();
    mocks.s3.resolves({});
    const error = await apply({
      plan: bucketPlan(3),
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      concurrency: 1,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'done') controller.abort(new Error('stop'));
      },
      ...virtualTime(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(RunAbortedError);
    expect((error as Error).message).toMatch(/not started: b1\.bucket, b2\.bucket/);
  });
});
