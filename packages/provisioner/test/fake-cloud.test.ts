import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteChannelCommand, DescribeChannelCommand } from '@aws-sdk/client-mediapackage';
import { PutObjectCommand as PutMediaStoreObjectCommand } from '@aws-sdk/client-mediastore-data';
import { PutBucketPolicyCommand, PutBucketTaggingCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { StateDocument } from '@mlds/core';
import { createFakeCloud, type FakeCloud, type Inventory } from '@mlds/fixtures';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AwsClients } from '../src/clients.js';
import { ApplyFailedError, NotEmptyError, ResourceNotOursError } from '../src/errors.js';
import type { EngineEvent } from '../src/events.js';
import { apply, destroy, FileStateStore, type StateStore } from '../src/index.js';
import {
  collectEvents,
  EVERY_KIND_RESOURCES,
  emptyAccount,
  everyKindWorkflow,
  planOf,
  REGION,
  virtualTime,
} from './helpers.js';

// The whole provisioner against the stateful fake cloud: real SDK clients, real exception classes, a real
// state file on disk.

const ENV = { WEB_PASSWORD: 'web-Pa55word-from-env', SOCIAL_STREAM_KEY: 'live_9876_stream-key-secret' };

const fullPlan = (state?: StateDocument) => planOf(everyKindWorkflow(), state);

function statePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'mlds-fake-')), '.mlds', 'curling-live.state.json');
}

/** The inventory without what the fake generates at random (ids, hosts), which differs with call order. */
function shape(inventory: Inventory) {
  return {
    s3: inventory.s3,
    mediapackage: inventory.mediapackage.map((channel) => ({
      ...channel,
      ingestEndpoints: channel.ingestEndpoints.length,
    })),
    mediastore: inventory.mediastore.map(({ endpoint, ...container }) => ({
      ...container,
      endpoint: Boolean(endpoint),
    })),
    ssm: inventory.ssm,
  };
}

/** Every resource recorded exists as recorded, and everything in the account is recorded: no orphan. */
function expectStateMatchesCloud(state: StateDocument | undefined, inventory: Inventory) {
  const resources = state?.resources ?? [];
  expect(resources.filter((resource) => resource.status !== 'created')).toEqual([]);
  const recorded = resources.map((r) => `${r.kind} ${r.region} ${r.name}`).sort();
  const existing = [
    ...inventory.s3.map((b) => `s3-bucket ${b.region} ${b.name}`),
    ...inventory.mediapackage.map((c) => `mediapackage-channel ${c.region} ${c.id}`),
    ...inventory.mediastore.map((c) => `mediastore-container ${c.region} ${c.name}`),
    ...inventory.ssm.map((p) => `ssm-parameter ${p.region} ${p.name}`),
  ].sort();
  expect(recorded).toEqual(existing);
  for (const channel of inventory.mediapackage) {
    const entry = resources.find((r) => r.kind === 'mediapackage-channel' && r.name === channel.id);
    expect(entry?.outputs).toEqual({ ingestEndpoints: channel.ingestEndpoints });
  }
  for (const container of inventory.mediastore) {
    const entry = resources.find((r) => r.kind === 'mediastore-container' && r.name === container.name);
    expect(entry?.outputs).toMatchObject({ endpoint: container.endpoint });
  }
}

/** Each pipeline's parameter holds exactly the password of the channel's ingest endpoint for that pipeline. */
async function expectPasswordsMatch(clients: AwsClients) {
  const channel = await (await clients.mediaPackage(REGION)).send(
    new DescribeChannelCommand({ Id: 'curling-live-packager' }),
  );
  for (const pipeline of [0, 1]) {
    const parameter = await (await clients.ssm(REGION)).send(
      new GetParameterCommand({
        Name: `/mlds/curling-live/packager/password-p${pipeline}`,
        WithDecryption: true,
      }),
    );
    expect(parameter.Parameter?.Type).toBe('SecureString');
    expect(parameter.Parameter?.Value).toBe(channel.HlsIngest?.IngestEndpoints?.[pipeline]?.Password);
  }
}

const instant = { sleep: async () => {} };
const okMutations = (cloud: FakeCloud) =>
  cloud.mutatingCalls().filter((call) => call.outcome === 'ok').length;

describe('against the fake cloud', () => {
  let output: string[];
  beforeEach(() => {
    output = [];
    const capture = (chunk: unknown) => {
      output.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(args.join(' ')));
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('applies the whole workflow as designed, re-applies without a single call, and destroys everything', async () => {
    const cloud = createFakeCloud(instant);
    const store = new FileStateStore(statePath());
    const result = await apply({
      plan: fullPlan(),
      clients: cloud.clients,
      store,
      env: ENV,
      ...virtualTime(),
    });
    const inventory = cloud.inventory();

    expect(inventory.s3.map((bucket) => bucket.name)).toEqual([
      'curling-live-archive-p0',
      'curling-live-archive-p1',
    ]);
    for (const bucket of inventory.s3) {
      expect(bucket).toMatchObject({
        region: REGION,
        tags: { 'mlds:downstream': 'archive', 'mlds:workflow': 'curling-live', team: 'sports' },
        ownership: 'BucketOwnerEnforced',
        publicAccessBlock: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
        encryption: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        policy: { Statement: [{ Sid: 'MldsMediaLiveWrite' }, { Sid: 'MldsMediaLiveList' }] },
      });
    }
    expect(inventory.mediapackage).toMatchObject([
      {
        id: 'curling-live-packager',
        tags: { 'mlds:downstream': 'packager', 'mlds:workflow': 'curling-live', team: 'sports' },
      },
    ]);
    expect(inventory.mediastore.map((c) => [c.name, c.status, Boolean(c.policy)])).toEqual([
      ['curling-live-store-p0', 'ACTIVE', true],
      ['curling-live-store-p1', 'ACTIVE', true],
    ]);
    expect(inventory.ssm.map((p) => [p.name, p.type])).toEqual([
      ['/mlds/curling-live/packager/password-p0', 'SecureString'],
      ['/mlds/curling-live/packager/password-p1', 'SecureString'],
      ['/mlds/curling-live/web/password', 'SecureString'],
    ]);
    expectStateMatchesCloud(result.state, inventory);
    await expectPasswordsMatch(cloud.clients);

    const calls = cloud.calls().length;
    const again = await apply({
      plan: fullPlan(result.state),
      clients: cloud.clients,
      store,
      env: {},
      ...virtualTime(),
    });
    expect(cloud.calls()).toHaveLength(calls);
    expect(again.outcomes.map((o) => o.outcome)).toEqual(Array(EVERY_KIND_RESOURCES).fill('unchanged'));

    const destroyed = await destroy({ clients: cloud.clients, store, ...virtualTime() });
    expect(cloud.inventory()).toEqual(emptyAccount());
    expect(destroyed.state?.resources).toEqual([]);
    expect(output).toEqual([]);
  });

  it('a destroy interrupted (Ctrl-C) during its pre-check deletes nothing and leaves the state file as it was, serial too', async () => {
    // A MediaPackage channel, as the user guide's packager: its pre-check reads the channel and its origin
    // endpoints. How many reads that is comes from an uninterrupted destroy of the same workflow.
    const packagerPlan = () =>
      planOf({
        downstream: [
          { name: 'packager', system: 'mediapackage', format: 'hls', outputGroup: 'mediapackage' },
        ],
      });
    const measured = createFakeCloud(instant);
    const measuredStore = new FileStateStore(statePath());
    await apply({
      plan: packagerPlan(),
      clients: measured.clients,
      store: measuredStore,
      env: {},
      ...virtualTime(),
    });
    const applyCalls = measured.calls().length;
    await destroy({ clients: measured.clients, store: measuredStore, ...virtualTime() });
    const destroyCalls = measured.calls().slice(applyCalls);
    const prechecks = destroyCalls.findIndex((call) => call.mutating);
    expect(prechecks).toBeGreaterThan(0);

    const cloud = createFakeCloud(instant);
    const store = new FileStateStore(statePath());
    await apply({ plan: packagerPlan(), clients: cloud.clients, store, env: {}, ...virtualTime() });
    const before = readFileSync(store.path, 'utf8');
    const controller = new AbortController();
    // The signal comes with the pre-check's last answer: every read is done, and no delete has started.
    let answered = 0;
    const interrupting = new Proxy(cloud.clients, {
      get: (clients, service) => {
        const factory = Reflect.get(clients, service) as (...args: unknown[]) => unknown;
        return async (...args: unknown[]) => {
          const client = (await factory.apply(clients, args)) as { send(...a: unknown[]): unknown };
          return new Proxy(client, {
            get: (target, key) =>
              key === 'send'
                ? async (...command: unknown[]) => {
                    const answer = await target.send(...command);
                    answered += 1;
                    if (answered === prechecks) controller.abort(new Error('SIGINT'));
                    return answer;
                  }
                : Reflect.get(target, key),
          });
        };
      },
    }) as AwsClients;
    const mutating = cloud.mutatingCalls().length;
    const events: EngineEvent[] = [];
    const result = await destroy({
      clients: interrupting,
      store,
      // Ctrl-C's signal: no new call starts, the calls in flight finish.
      stopSignal: controller.signal,
      onEvent: (event) => events.push(event),
      ...virtualTime(),
    });
    expect(answered).toBe(prechecks);
    expect(result.outcomes).toStrictEqual([]);
    expect(events.filter((event) => event.type === 'skipped').map((event) => event.address)).toStrictEqual([
      'packager.channel',
    ]);
    expect(cloud.mutatingCalls()).toHaveLength(mutating);
    expect(readFileSync(store.path, 'utf8')).toBe(before);
  });

  it('records the intent on disk before every mutating call, in apply and in a forced destroy', async () => {
    const cloud = createFakeCloud(instant);
    const path = statePath();
    const store = new FileStateStore(path);
    let expected: 'creating' | 'deleting' = 'creating';
    const checked: string[] = [];
    const onDisk = () => JSON.parse(readFileSync(path, 'utf8')) as StateDocument;
    const check = (command: object, endpoint?: string) => {
      const name = command.constructor.name;
      if (!/^(Create|Put|Delete|Rotate|Tag|Untag|Add|Remove|Update)/.test(name)) return;
      const input = (command as { input: Record<string, unknown> }).input;
      const resources = onDisk().resources;
      const entry =
        endpoint !== undefined
          ? resources.find((r) => (r.outputs as { endpoint?: string } | undefined)?.endpoint === endpoint)
          : name === 'DeleteOriginEndpointCommand'
            ? resources.find((r) => r.kind === 'mediapackage-channel' && r.status === 'deleting')
            : resources.find((r) =>
                [input.Bucket, input.Id, input.ContainerName, input.Name].includes(r.name),
              );
      if (!entry) throw new Error(`${name} ran with no entry for its resource in the state`);
      expect(`${name} ${entry.name} ${entry.status}`).toBe(`${name} ${entry.name} ${expected}`);
      checked.push(name);
    };
    const watched = <T extends { send: (command: never) => unknown }>(client: T, endpoint?: string): T =>
      new Proxy(client, {
        get: (target, property, receiver) =>
          property === 'send'
            ? (command: object) => {
                check(command, endpoint);
                return target.send(command as never);
              }
            : Reflect.get(target, property, receiver),
      });
    const clients: AwsClients = {
      mediaPackage: (region) => watched(cloud.clients.mediaPackage(region)),
      mediaPackageV2: (region) => watched(cloud.clients.mediaPackageV2(region)),
      s3: (region) => watched(cloud.clients.s3(region)),
      mediaStore: (region) => watched(cloud.clients.mediaStore(region)),
      mediaStoreData: (endpoint, region) => watched(cloud.clients.mediaStoreData(endpoint, region), endpoint),
      ssm: (region) => watched(cloud.clients.ssm(region)),
      mediaLive: (region) => watched(cloud.clients.mediaLive(region)),
    };
    const { state } = await apply({ plan: fullPlan(), clients, store, env: ENV, ...virtualTime() });
    await cloud.clients
      .s3(REGION)
      .send(new PutObjectCommand({ Bucket: 'curling-live-archive-p0', Key: 'a/1.ts', Body: 'x' }));
    const endpoint = String(
      state?.resources.find((r) => r.name === 'curling-live-store-p0')?.outputs?.endpoint,
    );
    await cloud.clients
      .mediaStoreData(endpoint, REGION)
      .send(new PutMediaStoreObjectCommand({ Path: 'live/1.ts', Body: 'x' }));
    expected = 'deleting';
    await destroy({ clients, store, force: true, ...virtualTime() });
    expect(cloud.inventory()).toEqual(emptyAccount());
    expect(new Set(checked)).toEqual(
      new Set([
        'CreateChannelCommand',
        'CreateBucketCommand',
        'PutBucketPolicyCommand',
        'CreateContainerCommand',
        'PutContainerPolicyCommand',
        'PutParameterCommand',
        'DeleteParameterCommand',
        'DeleteObjectsCommand',
        'DeleteBucketCommand',
        'DeleteObjectCommand',
        'DeleteContainerCommand',
        'DeleteChannelCommand',
      ]),
    );
  });

  it('converges after a crash right after each mutating call in turn: no duplicate, no orphan, and destroy leaves nothing', async () => {
    const clean = createFakeCloud(instant);
    await apply({
      plan: fullPlan(),
      clients: clean.clients,
      store: new FileStateStore(statePath()),
      env: ENV,
      ...virtualTime(),
    });
    const total = okMutations(clean);
    const expected = shape(clean.inventory());
    expect(total).toBeGreaterThanOrEqual(12);

    const DEAD = 90001;
    for (let n = 1; n <= total; n++) {
      const cloud = createFakeCloud(instant);
      const path = statePath();
      const file = new FileStateStore(path, { hostname: 'ci-runner', pid: DEAD });
      // The process dies right after its n-th mutating call: no later state write, its lock left behind.
      const dying: StateStore = {
        lock: async (command) => ({ ...(await file.lock(command)), release: async () => {} }),
        read: () => file.read(),
        write: async (doc) => {
          if (okMutations(cloud) >= n) throw new Error('the process is dead');
          await file.write(doc);
        },
      };
      cloud.crashAfterMutatingCalls(n);
      await expect(
        apply({ plan: fullPlan(), clients: cloud.clients, store: dying, env: ENV, ...virtualTime() }),
      ).rejects.toThrow();
      expect(okMutations(cloud)).toBe(n);
      cloud.crashAfterMutatingCalls(undefined);

      const restarted = new FileStateStore(path, {
        hostname: 'ci-runner',
        pid: 90002,
        isProcessAlive: (pid) => pid !== DEAD,
      });
      const { events, onEvent } = collectEvents();
      const recorded = await restarted.read();
      const result = await apply({
        plan: fullPlan(recorded),
        clients: cloud.clients,
        store: restarted,
        env: ENV,
        onEvent,
        ...virtualTime(),
      });
      expect(events[0]).toMatchObject({
        type: 'lock-taken-over',
        previous: { pid: DEAD, host: 'ci-runner' },
      });
      expect({ n, inventory: shape(cloud.inventory()) }).toEqual({ n, inventory: expected });
      expectStateMatchesCloud(result.state, cloud.inventory());
      await expectPasswordsMatch(cloud.clients);

      const calls = cloud.calls().length;
      await apply({
        plan: fullPlan(result.state),
        clients: cloud.clients,
        store: restarted,
        env: ENV,
        ...virtualTime(),
      });
      expect(cloud.calls()).toHaveLength(calls);

      await destroy({ clients: cloud.clients, store: restarted, ...virtualTime() });
      expect({ n, inventory: cloud.inventory() }).toEqual({
        n,
        inventory: emptyAccount(),
      });
    }
  }, 120_000);

  it('destroy converges too after a crash in the middle of it', async () => {
    const clean = createFakeCloud(instant);
    const cleanStore = new FileStateStore(statePath());
    await apply({ plan: fullPlan(), clients: clean.clients, store: cleanStore, env: ENV, ...virtualTime() });
    const before = okMutations(clean);
    await destroy({ clients: clean.clients, store: cleanStore, ...virtualTime() });
    const total = okMutations(clean) - before;

    for (let n = 1; n <= total; n++) {
      const cloud = createFakeCloud(instant);
      const path = statePath();
      const file = new FileStateStore(path);
      await apply({ plan: fullPlan(), clients: cloud.clients, store: file, env: ENV, ...virtualTime() });
      const start = okMutations(cloud);
      const dying: StateStore = {
        lock: (command) => file.lock(command),
        read: () => file.read(),
        write: async (doc) => {
          if (okMutations(cloud) - start >= n) throw new Error('the process is dead');
          await file.write(doc);
        },
      };
      cloud.crashAfterMutatingCalls(n);
      await expect(destroy({ clients: cloud.clients, store: dying, ...virtualTime() })).rejects.toThrow();
      cloud.crashAfterMutatingCalls(undefined);
      const left = (await file.read())?.resources.length;
      const rerun = await destroy({ clients: cloud.clients, store: file, ...virtualTime() });
      expect({ n, inventory: cloud.inventory() }).toEqual({
        n,
        inventory: emptyAccount(),
      });
      expect((await file.read())?.resources).toEqual([]);
      // What the crashed run deleted is reported as deleted: neither "gone" (outside mlds) nor "forgotten".
      expect({ n, outcomes: new Set(rerun.outcomes.map((o) => o.outcome)) }).toStrictEqual({
        n,
        outcomes: new Set(['deleted']),
      });
      expect(rerun.outcomes).toHaveLength(left ?? -1);
    }
  }, 120_000);

  it.each([1, 2, 3])(
    'apply and destroy converge with 30 percent throttling and 10 percent transient failures (seed %i)',
    async (seed) => {
      const reference = createFakeCloud(instant);
      await apply({
        plan: fullPlan(),
        clients: reference.clients,
        store: new FileStateStore(statePath()),
        env: ENV,
        ...virtualTime(),
      });

      const cloud = createFakeCloud({ ...instant, seed, throttleRate: 0.3, transientRate: 0.1 });
      const store = new FileStateStore(statePath());
      const { events, onEvent } = collectEvents();
      const result = await apply({
        plan: fullPlan(),
        clients: cloud.clients,
        store,
        env: ENV,
        onEvent,
        ...virtualTime(),
      });
      expect(shape(cloud.inventory())).toEqual(shape(reference.inventory()));
      expectStateMatchesCloud(result.state, cloud.inventory());
      expect(cloud.calls().filter((call) => call.outcome === 'error').length).toBeGreaterThan(5);
      expect(events.some((e) => e.type === 'waiting' && e.reason.startsWith('throttled'))).toBe(true);
      expect(events.some((e) => e.type === 'waiting' && e.reason.startsWith('transient'))).toBe(true);

      const putUntilDone = async (send: () => Promise<unknown>) => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await send();
          } catch (error) {
            if (attempt > 30) throw error;
          }
        }
      };
      await putUntilDone(() =>
        cloud.clients
          .s3(REGION)
          .send(new PutObjectCommand({ Bucket: 'curling-live-archive-p1', Key: 'x.ts', Body: 'x' })),
      );
      await destroy({ clients: cloud.clients, store, force: true, ...virtualTime() });
      expect(cloud.inventory()).toEqual(emptyAccount());
    },
  );

  it('refuses to destroy a non-empty bucket or a channel with origin endpoints, deleting nothing; --force stops writes, empties and deletes', async () => {
    const cloud = createFakeCloud(instant);
    // A channel a crashed run of this workflow left behind, which someone gave origin endpoints since.
    cloud.seed.mediaPackageChannel('curling-live-packager', REGION, {
      tags: { 'mlds:workflow': 'curling-live', 'mlds:downstream': 'packager', team: 'sports' },
      originEndpoints: ['hls-out', 'dash-out'],
    });
    const store = new FileStateStore(statePath());
    const applied = await apply({
      plan: fullPlan(),
      clients: cloud.clients,
      store,
      env: ENV,
      ...virtualTime(),
    });
    expect(applied.outcomes.find((o) => o.address === 'packager.channel')?.outcome).toBe('adopted');
    await cloud.clients
      .s3(REGION)
      .send(new PutObjectCommand({ Bucket: 'curling-live-archive-p0', Key: 'a/b/1.ts', Body: 'x' }));
    const before = cloud.inventory();
    const mutations = cloud.mutatingCalls().length;

    const error = await destroy({ clients: cloud.clients, store, ...virtualTime() }).catch((e) => e);
    expect(error).toBeInstanceOf(NotEmptyError);
    expect((error as NotEmptyError).blockers.map((b) => b.address)).toEqual([
      'archive.bucket[0]',
      'packager.channel',
    ]);
    expect(cloud.mutatingCalls()).toHaveLength(mutations);
    expect(cloud.inventory()).toEqual(before);

    await destroy({ clients: cloud.clients, store, force: true, ...virtualTime() });
    expect(cloud.inventory()).toEqual(emptyAccount());
    const bucketCalls = cloud
      .calls()
      .filter((call) => (call.input as { Bucket?: string }).Bucket === 'curling-live-archive-p0')
      .map((call) => call.command);
    expect(bucketCalls.lastIndexOf('PutBucketPolicyCommand')).toBeLessThan(
      bucketCalls.indexOf('DeleteObjectsCommand'),
    );
    const denied = cloud
      .calls()
      .filter(
        (call) => call.command === 'PutBucketPolicyCommand' && JSON.stringify(call.input).includes('Deny'),
      );
    expect(denied.map((call) => (call.input as { Bucket: string }).Bucket).sort()).toEqual([
      'curling-live-archive-p0',
      'curling-live-archive-p1',
    ]);
  });

  it('destroy never deletes a recorded resource that lost our tag, and deletes everything else', async () => {
    const cloud = createFakeCloud(instant);
    const store = new FileStateStore(statePath());
    await apply({ plan: fullPlan(), clients: cloud.clients, store, env: ENV, ...virtualTime() });
    const s3 = cloud.clients.s3(REGION);
    await s3.send(new PutObjectCommand({ Bucket: 'curling-live-archive-p1', Key: 'theirs.ts', Body: 'x' }));
    // Someone made the bucket theirs since apply: it is no longer tagged as this workflow's.
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: 'curling-live-archive-p1',
        Tagging: { TagSet: [{ Key: 'team', Value: 'archive-team' }] },
      }),
    );
    const before = cloud.calls().length;
    const error = await destroy({ clients: cloud.clients, store, force: true, ...virtualTime() }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect((error as ApplyFailedError).failures.map((f) => [f.address, f.cause])).toEqual([
      ['archive.bucket[1]', expect.any(ResourceNotOursError)],
    ]);
    // Only looked up: no deny, no emptying, no delete.
    expect(
      cloud
        .calls()
        .slice(before)
        .filter((call) => (call.input as { Bucket?: string }).Bucket === 'curling-live-archive-p1')
        .map((call) => call.command),
    ).toStrictEqual(['HeadBucketCommand', 'GetBucketTaggingCommand']);
    const inventory = cloud.inventory();
    expect([inventory.mediapackage, inventory.mediastore, inventory.ssm]).toEqual([[], [], []]);
    expect(inventory.s3.map((b) => [b.name, b.objectVersions])).toEqual([['curling-live-archive-p1', 1]]);
    expect((await store.read())?.resources.map((r) => [r.address, r.status])).toEqual([
      ['archive.bucket[1]', 'created'],
    ]);
  });

  it('apply after a forced destroy that died once writes were denied lets the bucket take writes again', async () => {
    const cloud = createFakeCloud(instant);
    const store = new FileStateStore(statePath());
    const noRole = (state?: StateDocument) =>
      planOf({ ...everyKindWorkflow(), mediaLiveRoleArn: undefined }, state);
    await apply({ plan: noRole(), clients: cloud.clients, store, env: ENV, ...virtualTime() });
    // The process dies right after the first deny is in place.
    const dying: AwsClients = {
      ...cloud.clients,
      s3: (region) =>
        new Proxy(cloud.clients.s3(region), {
          get: (target, property, receiver) =>
            property === 'send'
              ? async (command: PutBucketPolicyCommand) => {
                  const output = await target.send(command);
                  if (command instanceof PutBucketPolicyCommand && command.input.Policy?.includes('Deny'))
                    cloud.crashAfterMutatingCalls(0);
                  return output;
                }
              : Reflect.get(target, property, receiver),
        }),
    };
    await expect(destroy({ clients: dying, store, force: true, ...virtualTime() })).rejects.toThrow();
    cloud.crashAfterMutatingCalls(undefined);
    const denied = cloud.inventory().s3.filter((b) => JSON.stringify(b.policy ?? {}).includes('Deny'));
    expect(denied).toHaveLength(1);

    const result = await apply({
      plan: noRole(await store.read()),
      clients: cloud.clients,
      store,
      env: ENV,
      ...virtualTime(),
    });
    expectStateMatchesCloud(result.state, cloud.inventory());
    for (const bucket of cloud.inventory().s3) {
      await cloud.clients
        .s3(REGION)
        .send(new PutObjectCommand({ Bucket: bucket.name, Key: 'live/1.ts', Body: 'x' }));
    }
    expect(cloud.inventory().s3.map((b) => [b.name, b.objectVersions, b.policy])).toEqual([
      ['curling-live-archive-p0', 1, undefined],
      ['curling-live-archive-p1', 1, undefined],
    ]);
  });

  it('reads an existing channel and writes its passwords, and destroy leaves that channel alone', async () => {
    const cloud = createFakeCloud(instant);
    cloud.seed.mediaPackageChannel('team-channel', REGION, { originEndpoints: ['hls-out'] });
    const plan = (state?: StateDocument) =>
      planOf(
        {
          downstream: [
            { name: 'packager', system: 'mediapackage', outputGroup: 'hls', channelId: 'team-channel' },
          ],
        },
        state,
      );
    const store = new FileStateStore(statePath());
    const result = await apply({ plan: plan(), clients: cloud.clients, store, env: {}, ...virtualTime() });
    expect(cloud.mutatingCalls().map((c) => c.command)).toEqual([
      'PutParameterCommand',
      'PutParameterCommand',
    ]);
    expect(result.state?.resources.find((r) => r.address === 'packager.channel')).toMatchObject({
      existing: true,
    });
    await destroy({ clients: cloud.clients, store, force: true, ...virtualTime() });
    expect(cloud.inventory().mediapackage).toMatchObject([
      { id: 'team-channel', originEndpoints: ['hls-out'] },
    ]);
    expect(cloud.inventory().ssm).toEqual([]);
  });

  it('refuses a planned delete of a non-empty bucket before any mutating call', async () => {
    const cloud = createFakeCloud(instant);
    const store = new FileStateStore(statePath());
    const both = (state?: StateDocument) =>
      planOf(
        {
          channelClass: 'SINGLE_PIPELINE',
          downstream: [
            { name: 'archive', system: 's3', format: 'archive' },
            { name: 'store', system: 'mediastore' },
          ],
        },
        state,
      );
    const { state } = await apply({ plan: both(), clients: cloud.clients, store, env: {}, ...virtualTime() });
    await cloud.clients
      .s3(REGION)
      .send(new PutObjectCommand({ Bucket: 'curling-live-archive-p0', Key: '1.ts', Body: 'x' }));
    const mutations = cloud.mutatingCalls().length;
    const onlyStore = planOf(
      {
        channelClass: 'SINGLE_PIPELINE',
        downstream: [
          { name: 'store', system: 'mediastore' },
          { name: 'web', system: 's3' },
        ],
      },
      state,
    );
    expect(onlyStore.resources.map((r) => `${r.action} ${r.address}`)).toContain('delete archive.bucket[0]');
    await expect(
      apply({ plan: onlyStore, clients: cloud.clients, store, env: {}, ...virtualTime() }),
    ).rejects.toBeInstanceOf(NotEmptyError);
    expect(cloud.mutatingCalls()).toHaveLength(mutations);
  });

  it('replaces a resource whose Region changed: the new one first, then the old one', async () => {
    const cloud = createFakeCloud(instant);
    const store = new FileStateStore(statePath());
    const storeIn = (region: string, state?: StateDocument) =>
      planOf(
        { region, channelClass: 'SINGLE_PIPELINE', downstream: [{ name: 'store', system: 'mediastore' }] },
        state,
      );
    const first = await apply({
      plan: storeIn('us-west-2'),
      clients: cloud.clients,
      store,
      env: {},
      ...virtualTime(),
    });
    const moved = storeIn('eu-west-1', first.state);
    expect(moved.resources.map((r) => `${r.action} ${r.region}`)).toEqual([
      'create eu-west-1',
      'delete us-west-2',
    ]);
    const result = await apply({ plan: moved, clients: cloud.clients, store, env: {}, ...virtualTime() });
    expect(cloud.inventory().mediastore.map((c) => c.region)).toEqual(['eu-west-1']);
    expect(result.state?.resources.map((r) => `${r.address} ${r.region} ${r.status}`)).toEqual([
      'store.container[0] eu-west-1 created',
    ]);
    const order = cloud.mutatingCalls().map((c) => `${c.command} ${c.region}`);
    expect(order.indexOf('CreateContainerCommand eu-west-1')).toBeLessThan(
      order.indexOf('DeleteContainerCommand us-west-2'),
    );
  });

  it('moving the channel to another Region rewrites its password parameters with the new channel’s passwords', async () => {
    const cloud = createFakeCloud(instant);
    const store = new FileStateStore(statePath());
    const packagerIn = (region: string | undefined, state?: StateDocument) =>
      planOf(
        {
          downstream: [
            { name: 'packager', system: 'mediapackage', outputGroup: 'hls', ...(region ? { region } : {}) },
          ],
        },
        state,
      );
    const first = await apply({
      plan: packagerIn(undefined),
      clients: cloud.clients,
      store,
      env: {},
      ...virtualTime(),
    });
    const moved = packagerIn('eu-west-1', first.state);
    expect(moved.resources.map((r) => `${r.action} ${r.address} ${r.region}`)).toEqual([
      'create packager.channel eu-west-1',
      'update packager.password[0] us-west-2',
      'update packager.password[1] us-west-2',
      'delete packager.channel us-west-2',
    ]);
    const before = cloud.mutatingCalls().length;
    const result = await apply({ plan: moved, clients: cloud.clients, store, env: {}, ...virtualTime() });

    const channel = await cloud.clients
      .mediaPackage('eu-west-1')
      .send(new DescribeChannelCommand({ Id: 'curling-live-packager' }));
    const passwords = channel.HlsIngest?.IngestEndpoints?.map((endpoint) => endpoint.Password) ?? [];
    expect(passwords).toHaveLength(2);
    const calls = cloud.mutatingCalls().slice(before);
    expect(calls.map((call) => `${call.command} ${call.region}`).sort()).toEqual([
      'CreateChannelCommand eu-west-1',
      'DeleteChannelCommand us-west-2',
      'PutParameterCommand us-west-2',
      'PutParameterCommand us-west-2',
    ]);
    expect(
      calls
        .filter((call) => call.command === 'PutParameterCommand')
        .map((call) => call.input)
        .sort((a, b) => String((a as { Name: string }).Name).localeCompare((b as { Name: string }).Name)),
    ).toStrictEqual(
      [0, 1].map((pipeline) => ({
        Name: `/mlds/curling-live/packager/password-p${pipeline}`,
        Value: passwords[pipeline],
        Type: 'SecureString',
        Tier: 'Standard',
        Overwrite: true,
      })),
    );
    for (const pipeline of [0, 1]) {
      const parameter = await cloud.clients.ssm(REGION).send(
        new GetParameterCommand({
          Name: `/mlds/curling-live/packager/password-p${pipeline}`,
          WithDecryption: true,
        }),
      );
      expect(parameter.Parameter?.Value).toBe(passwords[pipeline]);
    }
    expect(cloud.inventory().mediapackage.map((c) => c.region)).toEqual(['eu-west-1']);
    expectStateMatchesCloud(result.state, cloud.inventory());
    expect(result.outcomes.map((o) => `${o.address} ${o.outcome}`).sort()).toEqual([
      'packager.channel created',
      'packager.channel deleted',
      'packager.password[0] updated',
      'packager.password[1] updated',
    ]);

    const calm = cloud.calls().length;
    await apply({
      plan: packagerIn('eu-west-1', result.state),
      clients: cloud.clients,
      store,
      env: {},
      ...virtualTime(),
    });
    expect(cloud.calls()).toHaveLength(calm);
  });

  it('a lost state and a channel deleted by hand: the new channel’s passwords overwrite the parameters it adopts', async () => {
    const cloud = createFakeCloud(instant);
    await apply({
      plan: fullPlan(),
      clients: cloud.clients,
      store: new FileStateStore(statePath()),
      env: ENV,
      ...virtualTime(),
    });
    await cloud.clients.mediaPackage(REGION).send(new DeleteChannelCommand({ Id: 'curling-live-packager' }));
    const result = await apply({
      plan: fullPlan(),
      clients: cloud.clients,
      store: new FileStateStore(statePath()),
      env: ENV,
      ...virtualTime(),
    });
    expect(
      result.outcomes
        .filter((o) => o.address.startsWith('packager.'))
        .map((o) => `${o.address} ${o.outcome}`)
        .sort(),
    ).toEqual(['packager.channel created', 'packager.password[0] adopted', 'packager.password[1] adopted']);
    expectStateMatchesCloud(result.state, cloud.inventory());
    await expectPasswordsMatch(cloud.clients);
  });

  it('updates what changed in place: tags on every kind, the MediaLive role policies, nothing else', async () => {
    const cloud = createFakeCloud(instant);
    const store = new FileStateStore(statePath());
    const first = await apply({
      plan: fullPlan(),
      clients: cloud.clients,
      store,
      env: ENV,
      ...virtualTime(),
    });
    const changed = planOf(
      { ...everyKindWorkflow(), tags: { team: 'media', cost: 'live' }, mediaLiveRoleArn: undefined },
      first.state,
    );
    expect(new Set(changed.resources.map((r) => r.action))).toEqual(new Set(['update']));
    const before = cloud.mutatingCalls().length;
    const result = await apply({ plan: changed, clients: cloud.clients, store, env: {}, ...virtualTime() });
    const commands = cloud
      .mutatingCalls()
      .slice(before)
      .map((call) => call.command);
    expect(commands).not.toContain('PutParameterCommand');
    expect(commands.filter((c) => c.startsWith('Create'))).toEqual([]);
    const inventory = cloud.inventory();
    const wanted = (downstream: string) => ({
      cost: 'live',
      'mlds:downstream': downstream,
      'mlds:workflow': 'curling-live',
      team: 'media',
    });
    for (const bucket of inventory.s3)
      expect([bucket.tags, bucket.policy]).toEqual([wanted('archive'), undefined]);
    for (const container of inventory.mediastore)
      expect([container.tags, container.policy]).toEqual([wanted('store'), undefined]);
    expect(inventory.mediapackage[0]?.tags).toEqual(wanted('packager'));
    for (const parameter of inventory.ssm) expect(parameter.tags.team).toBe('media');
    expect(result.outcomes.map((o) => o.outcome)).toEqual(Array(EVERY_KIND_RESOURCES).fill('updated'));
    expectStateMatchesCloud(result.state, inventory);
    await expectPasswordsMatch(cloud.clients);
  });

  it('never lets a password or stream key reach the state file, an event, an error or the terminal', async () => {
    const cloud = createFakeCloud(instant);
    const path = statePath();
    const events: EngineEvent[] = [];
    const errors: string[] = [];
    const onEvent = (event: EngineEvent) => events.push(event);
    const file = new FileStateStore(path);
    const crashing: StateStore = {
      lock: (command) => file.lock(command),
      read: () => file.read(),
      write: (doc) => file.write(doc),
    };
    cloud.crashAfterMutatingCalls(4);
    await apply({
      plan: fullPlan(),
      clients: cloud.clients,
      store: crashing,
      env: ENV,
      onEvent,
      ...virtualTime(),
    }).catch((error: ApplyFailedError) => {
      errors.push(error.message, ...error.failures.map((f) => f.error));
    });
    cloud.crashAfterMutatingCalls(undefined);
    await apply({
      plan: fullPlan(),
      clients: cloud.clients,
      store: file,
      env: ENV,
      onEvent,
      ...virtualTime(),
    });
    const stateText = readFileSync(path, 'utf8');
    await destroy({ clients: cloud.clients, store: file, force: true, onEvent, ...virtualTime() });

    const secrets = [...cloud.secretValues(), ...Object.values(ENV)];
    expect(cloud.secretValues().length).toBeGreaterThanOrEqual(3);
    expect(errors.length).toBeGreaterThan(0);
    const haystacks = {
      state: stateText,
      events: JSON.stringify(events),
      errors: errors.join('\n'),
      terminal: output.join(''),
    };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of secrets) expect(text.includes(secret), `${where} holds a secret`).toBe(false);
    }
    expect(output).toEqual([]);
  });
});
