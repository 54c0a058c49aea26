import { ListItemsCommand } from '@aws-sdk/client-mediastore-data';
import { HeadBucketCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RATES,
  limitedClients,
  RequestLimiter,
  ratesWith,
  serviceNameOf,
} from '../src/rate-limit.js';
import { mockedClients, REGION } from './helpers.js';
import { SimulatedTime } from './simulated-time.js';

describe('--rate-limit overrides', () => {
  it('an override replaces every rate of its service; `all` every service, then a named service wins', () => {
    const rates = ratesWith({ all: 1000, ssm: 20 });
    expect(rates.s3).toStrictEqual({ perSecond: 1000 });
    expect(rates.mediastore).toStrictEqual({ perSecond: 1000 });
    expect(rates.ssm).toStrictEqual({ perSecond: 20 });
    expect(ratesWith({}).ssm).toStrictEqual(DEFAULT_RATES.ssm);
    expect(ratesWith({ s3: 9 }).mediapackage).toStrictEqual(DEFAULT_RATES.mediapackage);
  });
});

describe('RequestLimiter', () => {
  it('keys a window by service and Region, and by operation where AWS documents the operation apart', () => {
    const limiter = new RequestLimiter();
    expect(limiter.rateOf('ssm', 'eu-west-1', 'PutParameter')).toStrictEqual({
      key: 'ssm/eu-west-1/PutParameter',
      perSecond: 3,
    });
    expect(limiter.rateOf('ssm', 'eu-west-1', 'DeleteParameter')).toStrictEqual({
      key: 'ssm/eu-west-1',
      perSecond: 5,
    });
    expect(limiter.rateOf('mediastore', 'us-west-2', 'DeleteObject').perSecond).toBe(100);
    expect(limiter.rateOf('s3', 'us-west-2', 'PutBucketPolicy')).toStrictEqual({
      key: 's3/us-west-2',
      perSecond: 50,
    });
    // A service that has no rate written yet gets the conservative default.
    expect(limiter.rateOf('ec2', 'us-west-2', 'RunInstances')).toStrictEqual({
      key: 'ec2/us-west-2',
      perSecond: 5,
    });
  });

  it('holds each Region to its own rate: 10 requests in two Regions take one second, not two', async () => {
    const time = new SimulatedTime(0);
    const limiter = new RequestLimiter({ clock: time.clock, sleep: time.sleep, overrides: { s3: 5 } });
    const started: Record<string, number[]> = { 'us-west-2': [], 'eu-west-1': [] };
    await time.run(
      Promise.all(
        Array.from({ length: 20 }, async (_, index) => {
          const region = index % 2 === 0 ? 'us-west-2' : 'eu-west-1';
          await limiter.acquire('s3', region, 'HeadBucket');
          started[region]?.push(time.clock());
        }),
      ),
    );
    expect(started['us-west-2']).toStrictEqual([0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000]);
    expect(started['eu-west-1']).toStrictEqual([0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000]);
  });

  it('names services from the SDK clients’ serviceId', () => {
    expect(
      [
        'S3',
        'SSM',
        'MediaPackage',
        'MediaPackageV2',
        'MediaStore',
        'MediaStore Data',
        'MediaLive',
        'STS',
      ].map(serviceNameOf),
    ).toStrictEqual([
      's3',
      'ssm',
      'mediapackage',
      'mediapackagev2',
      'mediastore',
      'mediastore',
      'medialive',
      'sts',
    ]);
  });
});

describe('limitedClients: every request of every client goes through the limiter', () => {
  it('asks the limiter with the client’s service and Region and the command’s operation, then sends as is', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    mocks.ssm.resolves({});
    mocks.mediaStoreData.resolves({});
    const asked: string[] = [];
    const limiter = new RequestLimiter();
    limiter.acquire = async (service, region, operation) => {
      asked.push(`${service} ${region} ${operation}`);
    };
    const clients = limitedClients(aws, limiter);
    await (await clients.s3(REGION)).send(new HeadBucketCommand({ Bucket: 'b' }));
    await (await clients.s3(REGION)).send(new PutBucketPolicyCommand({ Bucket: 'b', Policy: '{}' }));
    await (await clients.ssm(REGION)).send(new PutParameterCommand({ Name: 'n', Value: 'v' }));
    await (await clients.mediaStoreData('https://abc.data.mediastore.example', REGION)).send(
      new ListItemsCommand({}),
    );
    expect(asked).toStrictEqual([
      's3 us-west-2 HeadBucket',
      's3 us-west-2 PutBucketPolicy',
      'ssm us-west-2 PutParameter',
      'mediastore us-west-2 ListItems',
    ]);
    expect(mocks.s3.commandCalls(PutBucketPolicyCommand).map((call) => call.args[0].input)).toStrictEqual([
      { Bucket: 'b', Policy: '{}' },
    ]);
    // The same wrapped client each time, and everything but `send` is the client's own.
    expect(await clients.s3(REGION)).toBe(await clients.s3(REGION));
    expect((await clients.s3(REGION)).config).toBe((await aws.s3(REGION)).config);
  });

  it('also wraps a client handed over as a promise (a factory that loads its SDK module on first use)', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    const asked: string[] = [];
    const limiter = new RequestLimiter();
    limiter.acquire = async (service, region, operation) => {
      asked.push(`${service} ${region} ${operation}`);
    };
    const lazy = { s3: async (region: string) => aws.s3(region) };
    const clients = limitedClients(lazy as unknown as typeof aws, limiter) as unknown as typeof lazy;
    await (await clients.s3(REGION)).send(new HeadBucketCommand({ Bucket: 'b' }));
    expect(asked).toStrictEqual(['s3 us-west-2 HeadBucket']);
    expect(mocks.s3.commandCalls(HeadBucketCommand)).toHaveLength(1);
  });

  it('stops waiting for its turn as soon as the run is cancelled (a long queue does not hold up Ctrl-C)', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    const controller = new AbortController();
    const limiter = new RequestLimiter();
    limiter.acquire = () => new Promise<void>(() => {});
    const clients = limitedClients(aws, limiter, controller.signal);
    const s3 = await clients.s3(REGION);
    const sent = s3.send(new HeadBucketCommand({ Bucket: 'b' }));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('SIGINT'));
    await expect(sent).rejects.toThrow('SIGINT');
    expect(mocks.s3.commandCalls(HeadBucketCommand)).toHaveLength(0);
  });

  it('starts no request once the run is cancelled while it waited for its turn', async () => {
    const { aws, mocks } = mockedClients();
    mocks.s3.resolves({});
    const controller = new AbortController();
    const limiter = new RequestLimiter();
    limiter.acquire = async () => {
      controller.abort(new Error('SIGINT'));
    };
    const clients = limitedClients(aws, limiter, controller.signal);
    const s3 = await clients.s3(REGION);
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'b' }))).rejects.toThrow('SIGINT');
    expect(mocks.s3.commandCalls(HeadBucketCommand)).toHaveLength(0);
  });
});
