import { RATE_LIMITED_SERVICES, type RateLimitedService, type RateOverrides } from '@mlds/core';
import type { AwsClients } from './clients.js';
import { RateLimiter, SendTurns, type SendTurnsOptions } from './concurrency.js';

/** Requests per second, per account and Region: a service's own rate, and operations AWS documents apart. */
export interface ServiceRate {
  perSecond: number;
  operations?: Record<string, number>;
}

/**
 * The rates mlds keeps to by default, per account and Region. Where AWS documents a rate it is used as is (the
 * source beside it); where AWS documents none, the rate is a conservative 5 per second (the steady rate AWS
 * documents for its sibling media API, MediaConnect: https://docs.aws.amazon.com/mediaconnect/latest/ug/quotas.html):
 * one workflow's few calls rarely reach it, and a fleet waits for its turn instead of being throttled.
 * `--rate-limit` raises any of them for an account with raised quotas.
 */
export const DEFAULT_RATES: Record<RateLimitedService, ServiceRate> = {
  s3: {
    // Bucket-level (control-plane) APIs have no documented rate; AWS's S3 guidance documents only object
    // request rates per partitioned prefix. 50 per second stays far below them.
    perSecond: 50,
    operations: {
      // "at least 3,500 PUT/COPY/POST/DELETE or 5,500 GET/HEAD requests per second per partitioned prefix":
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html
      DeleteObjects: 3500,
      ListObjectVersions: 5500,
    },
  },
  ssm: {
    // Parameter Store's standard (default) throughput, per account and Region, "Max throughput (transactions
    // per second)": https://docs.aws.amazon.com/general/latest/gr/ssm.html — GetParameter 40 (shared with
    // GetParameters and GetParametersByPath), PutParameter 3; raised by enabling higher throughput:
    // https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html
    perSecond: 5, // ListTagsForResource, AddTagsToResource, DeleteParameter: none documented, conservative.
    operations: { PutParameter: 3, GetParameter: 40 },
  },
  // The quotas pages document channels, endpoints and ingest request rates, no API request rate:
  // https://docs.aws.amazon.com/mediapackage/latest/ug/live-quotas.html (v1),
  // https://docs.aws.amazon.com/mediapackage/latest/userguide/quotas.html (v2).
  mediapackage: { perSecond: 5 },
  mediapackagev2: { perSecond: 5 },
  mediastore: {
    // Control plane: no rate documented for the container APIs, conservative.
    perSecond: 5,
    // Data plane, hard limits: https://docs.aws.amazon.com/general/latest/gr/mediastore.html
    operations: { ListItems: 5, DeleteObject: 100 },
  },
  // No API request rate documented: https://docs.aws.amazon.com/general/latest/gr/medialive_region.html
  medialive: { perSecond: 5 },
  // No request rate documented: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
  sts: { perSecond: 5 },
};

/** The default rates with `--rate-limit` applied: `all` first, then each named service replaces all its rates. */
export function ratesWith(overrides: RateOverrides = {}): Record<RateLimitedService, ServiceRate> {
  const rates = structuredClone(DEFAULT_RATES);
  for (const service of RATE_LIMITED_SERVICES) {
    const perSecond = overrides[service] ?? overrides.all;
    if (perSecond !== undefined) rates[service] = { perSecond };
  }
  return rates;
}

export interface RequestLimiterOptions {
  overrides?: RateOverrides;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How requests take their turns to be built (see SendTurns): injectable for tests. */
  turns?: SendTurnsOptions;
}

/**
 * One limiter per AWS service, Region and (where AWS documents it apart) operation, shared by every workflow of a
 * run: at most `perSecond` requests START in any window of 1,000 ms (a sliding window, so no burst above the rate
 * either, unlike a token bucket whose bucket fills while idle). Requests wait in arrival order. A request that
 * waits holds nothing else: the engine has no slot count, so this is what bounds the calls in flight.
 *
 * Hand-written on the injected clock (concurrency.ts's RateLimiter): p-throttle (sindresorhus) gives the same
 * strict sliding window (`strict: true`) but runs on the real Date.now and setTimeout, which a test with virtual
 * time cannot drive, and keys a throttle per function, not per service and Region.
 */
export class RequestLimiter {
  readonly rates: Record<RateLimitedService, ServiceRate>;
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Shared by the run like the rates: which request is built next (see SendTurns). */
  readonly turns: SendTurns;

  constructor(options: RequestLimiterOptions = {}) {
    this.rates = ratesWith(options.overrides);
    this.turns = new SendTurns(options.turns);
    this.clock = options.clock ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The rate one request is held to, and the key of the window it counts in. */
  rateOf(service: string, region: string, operation: string): { key: string; perSecond: number } {
    const rate = (this.rates as Record<string, ServiceRate | undefined>)[service];
    const own = rate?.operations?.[operation];
    if (own !== undefined) return { key: `${service}/${region}/${operation}`, perSecond: own };
    // A service added later without a rate here gets the conservative default until one is written.
    return { key: `${service}/${region}`, perSecond: rate?.perSecond ?? 5 };
  }

  /** Resolves when this request may start. */
  acquire(service: string, region: string, operation: string): Promise<void> {
    const { key, perSecond } = this.rateOf(service, region, operation);
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiter(perSecond, this.clock, this.sleep);
      this.limiters.set(key, limiter);
    }
    return limiter.acquire();
  }
}

/** `S3` → s3, `MediaPackageV2` → mediapackagev2, `MediaStore Data` → mediastore (one service for the flag). */
export function serviceNameOf(serviceId: string): string {
  const name = serviceId.toLowerCase().replace(/[^a-z0-9]/g, '');
  return name === 'mediastoredata' ? 'mediastore' : name;
}

/** `promise`, or the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

interface SdkClientLike {
  send(command: unknown, ...rest: unknown[]): Promise<unknown>;
  config?: { serviceId?: string; region?: string | (() => Promise<string>) };
}

async function regionOf(client: SdkClientLike): Promise<string> {
  const region = client.config?.region;
  return typeof region === 'function' ? await region() : (region ?? 'unknown');
}

/**
 * The one place every SDK request of a run passes: each client the handlers get sends through the limiter first.
 * Wraps whatever AwsClients offers (a service added later is limited without a change here); the service comes
 * from the client's own `serviceId`, the Region from its config, the operation from the command's class.
 */
export function limitedClients(
  clients: AwsClients,
  limiter: RequestLimiter,
  signal?: AbortSignal,
): AwsClients {
  const wrapped = new WeakMap<object, unknown>();
  const wrap = (client: SdkClientLike) => {
    let proxy = wrapped.get(client);
    if (!proxy) {
      const service = serviceNameOf(client.config?.serviceId ?? 'unknown');
      const send = async (command: unknown, ...rest: unknown[]) => {
        const operation = ((command as object).constructor?.name ?? '').replace(/Command$/, '');
        // A run cancelled while this request waits for its turn stops waiting at once and starts no AWS call.
        await untilAborted(limiter.acquire(service, await regionOf(client), operation), signal);
        signal?.throwIfAborted();
        return client.send(command, ...rest);
      };
      proxy = new Proxy(client, {
        get: (target, property) => (property === 'send' ? send : Reflect.get(target, property, target)),
      });
      wrapped.set(client, proxy);
    }
    return proxy;
  };
  return new Proxy(clients, {
    get: (target, property) => {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const client = value.apply(target, args) as SdkClientLike | PromiseLike<SdkClientLike>;
        // A factory that loads its SDK module on first use may hand the client over as a promise.
        return 'then' in client ? Promise.resolve(client).then(wrap) : wrap(client);
      };
    },
  });
}
