import { DescribeChannelCommand } from '@aws-sdk/client-mediapackage';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { createFakeCloud, type FakeCloud } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../src/events.js';
import { apply, destroy, type StateStore } from '../src/index.js';
import { RequestLimiter } from '../src/rate-limit.js';
import {
  EVERY_KIND_RESOURCES,
  emptyAccount,
  everyKindWorkflow,
  MemoryStateStore,
  planOf,
  recording,
  type Sent,
  virtualTime,
} from './helpers.js';
import { SimulatedTime } from './simulated-time.js';

// Many workflows in one process, as a fleet run executes them: every plan at once, one fake account answering
// in 50 ms (virtual), one request limiter shared by all. Time is simulated, so rates per second are exact.

const FLEET = 25;
const LATENCY_MS = 50;
const ENV = { WEB_PASSWORD: 'web-Pa55word-from-env' };

/** AWS's documented rates (or mlds's conservative default), written out here independently of rate-limit.ts. */
function expectedRate(service: string, operation: string): { window: string; perSecond: number } {
  const own: Record<string, number> = {
    'ssm PutParameter': 3,
    'ssm GetParameter': 40,
    'mediastore ListItems': 5,
    'mediastore DeleteObject': 100,
    's3 DeleteObjects': 3500,
    's3 ListObjectVersions': 5500,
  };
  const perOperation = own[`${service} ${operation}`];
  if (perOperation !== undefined) return { window: `${service} ${operation}`, perSecond: perOperation };
  return { window: service, perSecond: service === 's3' ? 50 : 5 };
}

/** The most requests that started in any 1,000 ms, per window (service and Region, or one operation). */
function busiestSecond(sent: Sent[]): Map<string, { count: number; perSecond: number }> {
  const byWindow = new Map<string, { stamps: number[]; perSecond: number }>();
  for (const request of sent) {
    const { window, perSecond } = expectedRate(request.service, request.operation);
    const key = `${window} ${request.region}`;
    const entry = byWindow.get(key) ?? { stamps: [], perSecond };
    entry.stamps.push(request.at);
    byWindow.set(key, entry);
  }
  const busiest = new Map<string, { count: number; perSecond: number }>();
  for (const [key, { stamps, perSecond }] of byWindow) {
    const count = Math.max(
      ...stamps.map((start) => stamps.filter((t) => t >= start && t < start + 1000).length),
    );
    busiest.set(key, { count, perSecond });
  }
  return busiest;
}

function fleetOf(cloud: FakeCloud, time: SimulatedTime, sent: Sent[]) {
  const limiter = new RequestLimiter({ clock: time.clock, sleep: time.sleep });
  const clients = recording(cloud.clients, time.clock, sent);
  const names = Array.from({ length: FLEET }, (_, index) => `fleet-${String(index).padStart(2, '0')}`);
  const stores = names.map(() => new MemoryStateStore());
  const events: EngineEvent[] = [];
  const common = {
    clients,
    limiter,
    clock: time.clock,
    sleep: time.sleep,
    random: time.random,
    onEvent: (event: EngineEvent) => events.push(event),
  };
  return {
    names,
    stores,
    events,
    applyAll: () =>
      time.run(
        Promise.all(
          names.map((name, index) =>
            apply({
              plan: planOf(everyKindWorkflow({ workflow: name })),
              store: stores[index] as MemoryStateStore,
              env: ENV,
              ...common,
            }),
          ),
        ),
      ),
    destroyAll: () =>
      time.run(Promise.all(stores.map((store) => destroy({ store, force: true, ...common })))),
  };
}

describe('a fleet of workflows in one process, one shared request limiter', () => {
  it(`${FLEET} workflows applied and destroyed at once never exceed AWS's rates per service and Region`, async () => {
    const time = new SimulatedTime();
    const cloud = createFakeCloud({ latencyMs: LATENCY_MS, sleep: time.sleep });
    const sent: Sent[] = [];
    const fleet = fleetOf(cloud, time, sent);

    const applied = await fleet.applyAll();
    expect(applied.flatMap((result) => result.outcomes)).toHaveLength(FLEET * EVERY_KIND_RESOURCES);
    expect(cloud.inventory().ssm).toHaveLength(FLEET * 3);
    const applySent = sent.length;
    await fleet.destroyAll();
    expect(cloud.inventory()).toEqual(emptyAccount());
    expect(sent.length).toBeGreaterThan(applySent);

    const busiest = busiestSecond(sent);
    for (const [window, { count, perSecond }] of busiest) {
      expect({ window, count: Math.min(count, perSecond) }).toEqual({ window, count });
    }
    // The limits bind (the run would go faster without them): 75 PutParameter calls, 3 a second at most.
    expect(busiest.get('ssm PutParameter us-west-2')).toEqual({ count: 3, perSecond: 3 });
    expect(busiest.get('mediapackage us-west-2')).toEqual({ count: 5, perSecond: 5 });
    const puts = sent.filter((request) => request.operation === 'PutParameter').map((request) => request.at);
    expect(Math.max(...puts) - Math.min(...puts)).toBeGreaterThanOrEqual(((FLEET * 3) / 3 - 1) * 1000);
  }, 120_000);

  it(`${FLEET} workflows with 30% throttling converge with 0 failures surfaced`, async () => {
    const time = new SimulatedTime();
    const cloud = createFakeCloud({ latencyMs: LATENCY_MS, sleep: time.sleep, throttleRate: 0.3, seed: 7 });
    const sent: Sent[] = [];
    const fleet = fleetOf(cloud, time, sent);

    const applied = await fleet.applyAll();
    expect(fleet.events.filter((event) => event.type === 'failed')).toEqual([]);
    expect(applied.flatMap((result) => result.outcomes.map((o) => o.outcome))).toEqual(
      Array(FLEET * EVERY_KIND_RESOURCES).fill('created'),
    );
    for (const result of applied) {
      expect(result.state?.resources.map((resource) => resource.status)).toEqual(
        Array(EVERY_KIND_RESOURCES).fill('created'),
      );
    }
    const inventory = cloud.inventory();
    expect(
      [inventory.s3, inventory.mediapackage, inventory.mediastore, inventory.ssm].map((l) => l.length),
    ).toEqual([FLEET * 2, FLEET, FLEET * 2, FLEET * 3]);
    const throttled = cloud.calls().filter((call) => call.outcome === 'error');
    expect(throttled.length).toBeGreaterThan(sent.length / 5);
    expect(
      fleet.events.some((event) => event.type === 'waiting' && event.reason.startsWith('throttled')),
    ).toBe(true);

    await fleet.destroyAll();
    expect(fleet.events.filter((event) => event.type === 'failed')).toEqual([]);
    expect(cloud.inventory()).toEqual(emptyAccount());
  }, 120_000);

  it('a crash after any mutating call of a fleet leaves every workflow recoverable: running again converges', async () => {
    const names = ['crash-a', 'crash-b', 'crash-c'];
    const plans = names.map((name) => planOf(everyKindWorkflow({ workflow: name })));
    const inventoryShape = (cloud: FakeCloud) => {
      const inventory = cloud.inventory();
      return {
        s3: inventory.s3.map((bucket) => bucket.name).sort(),
        mediapackage: inventory.mediapackage.map((channel) => channel.id).sort(),
        mediastore: inventory.mediastore.map((container) => container.name).sort(),
        ssm: inventory.ssm.map((parameter) => parameter.name).sort(),
      };
    };
    const applyFleet = (cloud: FakeCloud, stores: StateStore[]) => {
      const time = virtualTime();
      const limiter = new RequestLimiter({ clock: time.clock, sleep: time.sleep });
      return Promise.allSettled(
        plans.map((plan, index) =>
          apply({
            plan,
            clients: cloud.clients,
            store: stores[index] as StateStore,
            env: ENV,
            limiter,
            ...time,
          }),
        ),
      );
    };
    const reference = createFakeCloud();
    await applyFleet(
      reference,
      names.map(() => new MemoryStateStore()),
    );
    const total = reference.mutatingCalls().filter((call) => call.outcome === 'ok').length;
    expect(total).toBeGreaterThanOrEqual(3 * 12);

    for (let n = 1; n <= total; n += 1) {
      const cloud = createFakeCloud();
      const files = names.map(() => new MemoryStateStore());
      // One process for the whole fleet: it dies right after its n-th mutating call, whichever workflow made it.
      const okMutations = () => cloud.mutatingCalls().filter((call) => call.outcome === 'ok').length;
      const dying = files.map(
        (file): StateStore => ({
          lock: (command) => file.lock(command),
          read: () => file.read(),
          write: async (doc) => {
            if (okMutations() >= n) throw new Error('the process is dead');
            await file.write(doc);
          },
        }),
      );
      cloud.crashAfterMutatingCalls(n);
      const crashed = await applyFleet(cloud, dying);
      expect(crashed.some((result) => result.status === 'rejected')).toBe(true);
      cloud.crashAfterMutatingCalls(undefined);

      const rerun = await applyFleet(cloud, files);
      expect({ n, rerun: rerun.map((result) => result.status) }).toEqual({
        n,
        rerun: ['fulfilled', 'fulfilled', 'fulfilled'],
      });
      expect({ n, inventory: inventoryShape(cloud) }).toEqual({ n, inventory: inventoryShape(reference) });
      for (const file of files) {
        expect(file.doc?.resources.map((resource) => resource.status)).toEqual(
          Array(EVERY_KIND_RESOURCES).fill('created'),
        );
      }
      // Each pipeline's parameter holds its channel's current ingest password, whatever the crash interrupted.
      for (const name of names) {
        const channel = await cloud.clients
          .mediaPackage('us-west-2')
          .send(new DescribeChannelCommand({ Id: `${name}-packager` }));
        for (const pipeline of [0, 1]) {
          const parameter = await cloud.clients.ssm('us-west-2').send(
            new GetParameterCommand({
              Name: `/mlds/${name}/packager/password-p${pipeline}`,
              WithDecryption: true,
            }),
          );
          expect({ n, name, pipeline, value: parameter.Parameter?.Value }).toEqual({
            n,
            name,
            pipeline,
            value: channel.HlsIngest?.IngestEndpoints?.[pipeline]?.Password,
          });
        }
      }
    }
  }, 300_000);
});
