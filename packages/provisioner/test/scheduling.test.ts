import {
  CreateChannelCommand,
  DeleteChannelCommand,
  DescribeChannelCommand,
  ListOriginEndpointsCommand,
} from '@aws-sdk/client-mediapackage';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import {
  DeleteParameterCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SSMServiceException,
} from '@aws-sdk/client-ssm';
import type { StateDocument } from '@mlds/core';
import { createFakeCloud, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { ApplyFailedError } from '../src/errors.js';
import type { EngineEvent } from '../src/events.js';
import { apply, destroy } from '../src/index.js';
import { RequestLimiter } from '../src/rate-limit.js';
import {
  aChange,
  everyKindWorkflow,
  handPlan,
  MemoryStateStore,
  meta,
  mockedClients,
  planOf,
  recording,
  type Sent,
  virtualTime,
} from './helpers.js';
import { SimulatedTime } from './simulated-time.js';

const bucket = (i: number) =>
  aChange({ address: `b${i}.bucket`, kind: 's3-bucket', name: `curling-live-b${i}`, downstream: `b${i}` });
const container = (i: number) =>
  aChange({
    address: `c${i}.container`,
    kind: 'mediastore-container',
    name: `curling-live-c${i}`,
    downstream: `c${i}`,
  });

/** A store whose writes take a turn of the event loop, so that changes can arrive while one is in flight. */
class SlowStore extends MemoryStateStore {
  writing = 0;
  overlapping = 0;
  override async write(doc: StateDocument): Promise<void> {
    this.writing++;
    if (this.writing > 1) this.overlapping++;
    await new Promise((resolve) => setImmediate(resolve));
    await super.write(doc);
    this.writing--;
  }
}

describe('scheduling', () => {
  it('group commit: intents are on disk before their calls, completions that finish together share a write', async () => {
    const { aws, mocks } = mockedClients();
    const store = new SlowStore();
    mocks.s3.resolves({});
    mocks.s3.on(CreateBucketCommand).callsFake((input: { Bucket: string }) => {
      const entry = store.doc?.resources.find((resource) => resource.name === input.Bucket);
      expect(entry?.status).toBe('creating');
      return {};
    });
    const result = await apply({
      plan: handPlan(Array.from({ length: 9 }, (_, i) => bucket(i))),
      clients: aws,
      store,
      env: {},
      ...virtualTime(),
    });
    expect(result.state?.resources.map((resource) => resource.status)).toEqual(Array(9).fill('created'));
    expect(mocks.s3.commandCalls(CreateBucketCommand)).toHaveLength(9);
    // One write per change would be 18 (9 intents, 9 completions); never two writes at once.
    expect(store.writes.length).toBeLessThanOrEqual(6);
    expect(store.overlapping).toBe(0);
    // The serial counts runs that changed something, not writes: one run, serial 1 in every write.
    expect(store.writes.map((doc) => doc.serial)).toEqual(store.writes.map(() => 1));
    expect(store.doc).toEqual(result.state);
  });

  it('a dependent starts once its dependency is done, and calls AWS only after a write holding both', async () => {
    const { aws, mocks } = mockedClients();
    const store = new SlowStore();
    mocks.mediaPackage.on(CreateChannelCommand).resolves({
      Arn: 'arn:aws:mediapackage:us-west-2:111122223333:channels/x',
      HlsIngest: {
        IngestEndpoints: [0, 1].map((n) => ({
          Id: `e${n}`,
          Url: `https://u${n}`,
          Username: `u${n}`,
          Password: `p${n}`,
        })),
      },
    });
    const statusesAtPut: Record<string, string>[] = [];
    mocks.ssm.on(PutParameterCommand).callsFake(() => {
      statusesAtPut.push(Object.fromEntries((store.doc?.resources ?? []).map((r) => [r.address, r.status])));
      return {};
    });
    await apply({
      plan: planOf({ downstream: [{ name: 'packager', system: 'mediapackage', outputGroup: 'hls' }] }),
      clients: aws,
      store,
      env: {},
      ...virtualTime(),
    });
    expect(statusesAtPut).toHaveLength(2);
    for (const statuses of statusesAtPut) {
      expect(statuses['packager.channel']).toBe('created');
      expect([statuses['packager.password[0]'], statuses['packager.password[1]']]).not.toContain(undefined);
    }
    // The channel's completion and both passwords' intents went to disk in one write.
    expect(
      store.writes.filter((doc) => doc.resources.length === 3)[0]?.resources.map((r) => r.status),
    ).toEqual(['created', 'creating', 'creating']);
    expect(store.overlapping).toBe(0);
  });

  it('a resource that waits (a container polled until ACTIVE) holds no slot: the others start at once', async () => {
    const time = new SimulatedTime(0);
    const cloud = createFakeCloud({ latencyMs: 50, sleep: time.sleep, mediaStoreActivationPolls: 2 });
    const events: EngineEvent[] = [];
    await time.run(
      apply({
        plan: handPlan([container(0), container(1), container(2), container(3), bucket(0)]),
        clients: cloud.clients,
        store: new MemoryStateStore(),
        env: {},
        clock: time.clock,
        sleep: time.sleep,
        random: time.random,
        onEvent: (event) => events.push(event),
      }),
    );
    const at = (type: string, address: string) =>
      events.find((event) => event.type === type && 'address' in event && event.address === address)?.at;
    expect(at('started', 'b0.bucket')).toBe(0);
    const containersDone = [0, 1, 2, 3].map((i) => at('done', `c${i}.container`) ?? 0);
    // Each container polled twice with the wait policy's 2 s then 3 s; the bucket's calls took 50 ms each.
    expect(Math.min(...containersDone)).toBeGreaterThanOrEqual(5000);
    expect(at('done', 'b0.bucket')).toBeLessThan(1000);
  });

  it('destroy records every delete’s intent in one write first; a delete that never started gets its entry back', async () => {
    const { aws, mocks } = mockedClients();
    const plan = planOf({ downstream: [{ name: 'packager', system: 'mediapackage', outputGroup: 'hls' }] });
    const before = stateAfterApply(plan);
    const store = new MemoryStateStore(structuredClone(before));
    const channel = before.resources.find((resource) => resource.address === 'packager.channel');
    mocks.mediaPackage
      .on(DescribeChannelCommand)
      .resolves({ Arn: channel?.arn, Id: channel?.name, Tags: channel?.tags });
    mocks.mediaPackage.on(ListOriginEndpointsCommand).resolves({ OriginEndpoints: [] });
    mocks.ssm.on(ListTagsForResourceCommand).resolves({
      TagList: Object.entries(channel?.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    });
    mocks.ssm.on(DeleteParameterCommand).callsFake(() => {
      expect(store.writes[0]?.resources.map((resource) => resource.status)).toEqual([
        'deleting',
        'deleting',
        'deleting',
      ]);
      throw new SSMServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: meta(400),
        message: 'not allowed',
      });
    });
    const error = await destroy({ clients: aws, store, ...virtualTime() }).catch((e) => e);
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect((error as ApplyFailedError).skipped).toEqual(['packager.channel']);
    expect(mocks.mediaPackage.commandCalls(DeleteChannelCommand)).toHaveLength(0);
    // The channel was never touched: recorded as it was, not as `deleting`.
    expect(store.doc?.resources.find((resource) => resource.address === 'packager.channel')).toEqual(channel);
    expect(store.doc?.resources.filter((resource) => resource.status === 'deleting')).toHaveLength(2);
  });

  it('starts the longest chain of round trips first: containers, then channels and buckets, then passwords', async () => {
    // 50 ms a call: every call a step can send leaves before the first answer comes back.
    const time = new SimulatedTime(0);
    const cloud = createFakeCloud({ latencyMs: 50, sleep: time.sleep });
    const plan = planOf(everyKindWorkflow());
    const store = new MemoryStateStore();
    const timing = { clock: time.clock, sleep: time.sleep, random: time.random };
    const started = (events: EngineEvent[]) =>
      events.flatMap((event) => (event.type === 'started' ? [event.address] : []));
    const applied: EngineEvent[] = [];
    const env = { WEB_PASSWORD: 'web-secret' };
    const onApply = (event: EngineEvent) => applied.push(event);
    await time.run(apply({ plan, clients: cloud.clients, store, env, onEvent: onApply, ...timing }));
    // The plan lists the channel first and the containers last. A container takes three round trips (create,
    // describe until ACTIVE, its policy); a channel one, and then its passwords one more; a bucket two.
    expect(plan.resources.map((resource) => resource.address)).toStrictEqual([
      'packager.channel',
      'packager.password[0]',
      'packager.password[1]',
      'archive.bucket[0]',
      'archive.bucket[1]',
      'store.container[0]',
      'store.container[1]',
      'web.password',
    ]);
    expect(started(applied)).toStrictEqual([
      'store.container[0]',
      'store.container[1]',
      'packager.channel',
      'archive.bucket[0]',
      'archive.bucket[1]',
      'web.password',
      'packager.password[0]',
      'packager.password[1]',
    ]);

    const destroyed: EngineEvent[] = [];
    const before = cloud.calls().length;
    const onDestroy = (event: EngineEvent) => destroyed.push(event);
    await time.run(destroy({ clients: cloud.clients, store, onEvent: onDestroy, ...timing }));
    // The pre-check: a container's takes two round trips (describe, then its tags and items), the others one,
    // so a container's starts first. (The sends then interleave, each resource's calls awaiting in turn.)
    const precheck = cloud.calls().slice(before, before + 11);
    expect(precheck[0]?.command).toBe('DescribeContainerCommand');
    expect(precheck.filter((call) => call.command === 'DescribeContainerCommand')).toHaveLength(2);
    // Deleting: the channel's passwords (one round trip) lead its delete and check (two); buckets and
    // containers take two; the HTTP PUT password one.
    expect(started(destroyed)).toStrictEqual([
      'packager.password[1]',
      'packager.password[0]',
      'store.container[1]',
      'store.container[0]',
      'archive.bucket[1]',
      'archive.bucket[0]',
      'web.password',
      'packager.channel',
    ]);
  });

  it('after the first wave, requests are built one at a time, the longest chain’s first', async () => {
    // Answers come at once here, so a chain's next call competes with the calls still waiting to leave.
    const cloud = createFakeCloud();
    const plan = planOf(everyKindWorkflow());
    const store = new MemoryStateStore();
    await apply({
      plan,
      clients: cloud.clients,
      store,
      env: { WEB_PASSWORD: 'web-secret' },
      ...virtualTime(),
    });
    const time = virtualTime();
    const sent: Sent[] = [];
    // Each build ends in a turn of its own, counted: a request sent during build n is stamped n.
    let build = 0;
    const limiter = new RequestLimiter({
      clock: time.clock,
      sleep: time.sleep,
      turns: {
        afterBuild: (callback) =>
          setImmediate(() => {
            build += 1;
            callback();
          }),
      },
    });
    const clients = recording(cloud.clients, () => build, sent);
    await destroy({ clients, store, limiter, ...time });
    // The pre-check's first requests, a resource's reads at once, are the first wave: built as one.
    expect(sent.filter((request) => request.at === 0)).toHaveLength(13);
    expect(sent[0]?.operation).toBe('DescribeContainer');
    // Every later request is built alone, each after the one before.
    const later = sent.filter((request) => request.at > 0);
    expect(later.map((request) => request.at)).toStrictEqual(later.map((_, index) => index + 1));
    // The deletes, most round trips left first: the channel's passwords (themselves, then the channel's delete
    // and its check), then two-step deletes, the channel's first: with as many round trips left as the
    // containers' and buckets', it has its passwords' behind it (the critical path). All of them leave before
    // the HTTP PUT password's (one step), which was waiting before the channel's.
    expect(
      later
        .filter((request) => request.operation.startsWith('Delete'))
        .map((request) => `${request.service} ${request.operation}`),
    ).toStrictEqual([
      'ssm DeleteParameter',
      'ssm DeleteParameter',
      'mediapackage DeleteChannel',
      'mediastore DeleteContainer',
      'mediastore DeleteContainer',
      's3 DeleteBucket',
      's3 DeleteBucket',
      'ssm DeleteParameter',
    ]);
  });

  it('a bucket moved to another Region under its name: the old one goes first (S3 names are global)', async () => {
    const cloud = createFakeCloud();
    const archive = { downstream: [{ name: 'archive', system: 's3' as const, format: 'archive' as const }] };
    const store = new MemoryStateStore();
    await apply({ plan: planOf(archive), clients: cloud.clients, store, env: {}, ...virtualTime() });
    const moved = planOf({ ...archive, region: 'eu-west-1' }, store.doc);
    expect(moved.resources.map((change) => `${change.action} ${change.name} ${change.region}`)).toStrictEqual(
      [
        'create curling-live-archive-p0 eu-west-1',
        'create curling-live-archive-p1 eu-west-1',
        'delete curling-live-archive-p1 us-west-2',
        'delete curling-live-archive-p0 us-west-2',
      ],
    );
    const before = cloud.calls().length;
    await apply({ plan: moved, clients: cloud.clients, store, env: {}, ...virtualTime() });
    const order = cloud
      .calls()
      .slice(before)
      .filter((call) => call.command === 'DeleteBucketCommand' || call.command === 'CreateBucketCommand')
      .map((call) => `${call.command} ${(call.input as { Bucket: string }).Bucket} ${call.region}`);
    // Each bucket is made again only once its old self is deleted (before, CreateBucket came first and failed).
    expect(order.slice(0, 2).sort()).toStrictEqual([
      'DeleteBucketCommand curling-live-archive-p0 us-west-2',
      'DeleteBucketCommand curling-live-archive-p1 us-west-2',
    ]);
    expect(order.slice(2).sort()).toStrictEqual([
      'CreateBucketCommand curling-live-archive-p0 eu-west-1',
      'CreateBucketCommand curling-live-archive-p1 eu-west-1',
    ]);
    expect(cloud.inventory().s3.map((bucket) => `${bucket.name} ${bucket.region}`)).toStrictEqual([
      'curling-live-archive-p0 eu-west-1',
      'curling-live-archive-p1 eu-west-1',
    ]);
  });
});
