import {
  ForbiddenException,
  InternalServerErrorException,
  ServiceUnavailableException,
  TooManyRequestsException,
  UnprocessableEntityException,
} from '@aws-sdk/client-mediapackage';
import {
  ContainerInUseException,
  LimitExceededException,
  InternalServerError as MediaStoreInternalServerError,
} from '@aws-sdk/client-mediastore';
import {
  InternalServerError as MediaStoreDataInternalServerError,
  MediaStoreDataServiceException,
} from '@aws-sdk/client-mediastore-data';
import { BucketAlreadyExists, NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';
import {
  ParameterAlreadyExists,
  InternalServerError as SsmInternalServerError,
  ThrottlingException,
  TooManyUpdates,
} from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { WaitTimeoutError } from '../src/errors.js';
import { mediaPackageChannelHandler } from '../src/handlers/mediapackage.js';
import { mediaStoreContainerHandler } from '../src/handlers/mediastore.js';
import { s3BucketHandler } from '../src/handlers/s3.js';
import { ssmParameterHandler } from '../src/handlers/ssm.js';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  retryReason,
  type WaitPolicy,
  waitUntil,
  withRetry,
} from '../src/retry.js';
import { meta, virtualTime } from './helpers.js';

const message = 'x';
// What the engine passes for each handler: the modelled exceptions of the services it calls.
const modelled = [
  mediaPackageChannelHandler,
  mediaStoreContainerHandler,
  s3BucketHandler,
  ssmParameterHandler,
].flatMap((handler) => handler.retryable);

describe('retryReason', () => {
  it.each([
    [
      'MediaPackage TooManyRequestsException',
      new TooManyRequestsException({ message, $metadata: meta(429) }),
    ],
    [
      'SSM ThrottlingException (400)',
      new ThrottlingException({ message, Message: message, $metadata: meta(400) }),
    ],
    [
      'MediaStore LimitExceededException (400)',
      new LimitExceededException({ message, $metadata: meta(400) }),
    ],
    [
      'S3 SlowDown',
      new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: meta(503), message }),
    ],
    [
      'MediaStore data ThrottlingException (unmodelled)',
      new MediaStoreDataServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: meta(400),
        message,
      }),
    ],
    ['any 429', Object.assign(new Error('rate'), { name: 'Whatever', $metadata: meta(429) })],
  ])('calls %s throttling', (_label, error) => {
    expect(retryReason(error, modelled)).toMatch(/^throttled \(/);
  });

  it.each([
    ['ServiceUnavailableException', new ServiceUnavailableException({ message, $metadata: meta(503) })],
    ['InternalServerErrorException', new InternalServerErrorException({ message, $metadata: meta(500) })],
    ['MediaStore InternalServerError', new MediaStoreInternalServerError({ message, $metadata: meta(500) })],
    [
      'MediaStore data InternalServerError',
      new MediaStoreDataInternalServerError({ message, $metadata: meta(500) }),
    ],
    ['SSM InternalServerError', new SsmInternalServerError({ message, $metadata: meta(500) })],
    ['SSM TooManyUpdates', new TooManyUpdates({ message, $metadata: meta(400) })],
    [
      'S3 InternalError',
      new S3ServiceException({ name: 'InternalError', $fault: 'server', $metadata: meta(500), message }),
    ],
    ['any 502', Object.assign(new Error('bad gateway'), { $metadata: meta(502) })],
  ])('calls %s transient', (_label, error) => {
    expect(retryReason(error, modelled)).toMatch(/^transient \(/);
  });

  it('calls a reset connection a network error', () => {
    expect(retryReason(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      'network (ECONNRESET)',
    );
  });

  it.each([
    [
      'NoSuchBucket (only retried where the caller says so)',
      new NoSuchBucket({ message, $metadata: meta(404) }),
    ],
    ['BucketAlreadyExists', new BucketAlreadyExists({ message, $metadata: meta(409) })],
    ['UnprocessableEntityException', new UnprocessableEntityException({ message, $metadata: meta(422) })],
    ['ForbiddenException', new ForbiddenException({ message, $metadata: meta(403) })],
    ['ParameterAlreadyExists', new ParameterAlreadyExists({ message, $metadata: meta(400) })],
    ['ContainerInUseException', new ContainerInUseException({ message, $metadata: meta(400) })],
    ['a plain Error', new Error('boom')],
    ['a string', 'boom'],
  ])('does not retry %s', (_label, error) => {
    expect(retryReason(error, modelled)).toBeUndefined();
  });

  it('knows a modelled exception by its class, which its name alone does not tell', () => {
    const limit = new LimitExceededException({ message, $metadata: meta(400) });
    const busy = new TooManyUpdates({ message, $metadata: meta(400) });
    expect(retryReason(limit)).toBeUndefined();
    expect(retryReason(busy)).toBeUndefined();
    expect(retryReason(limit, mediaStoreContainerHandler.retryable)).toBe(
      'throttled (LimitExceededException)',
    );
    expect(retryReason(busy, ssmParameterHandler.retryable)).toBe('transient (TooManyUpdates)');
  });
});

describe('backoffDelay', () => {
  const policy: RetryPolicy = {
    retries: 5,
    minDelayMs: 100,
    maxDelayMs: 1000,
    factor: 2,
    maxRetryTimeMs: 60_000,
  };

  it('grows exponentially with equal jitter between half the step and the step', () => {
    expect([1, 2, 3].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((n) => backoffDelay(n, policy, () => 0.999999))).toEqual([100, 200, 400]);
  });

  it('is capped at maxDelayMs', () => {
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
    expect(backoffDelay(10, policy, () => 0)).toBe(500);
  });
});

describe('withRetry', () => {
  const policy: RetryPolicy = {
    retries: 3,
    minDelayMs: 100,
    maxDelayMs: 10_000,
    factor: 2,
    maxRetryTimeMs: 60_000,
  };
  const throttle = () => new TooManyRequestsException({ message: 'slow down', $metadata: meta(429) });

  it('retries throttling with the injected sleep and jitter, then returns the result', async () => {
    const time = virtualTime();
    const waits: [string, number, number][] = [];
    let attempts = 0;
    const result = await withRetry(
      async () => {
        attempts++;
        if (attempts < 3) throw throttle();
        return 'ok';
      },
      {
        ...time,
        random: () => 0,
        policy,
        onWait: (reason, attempt, delay) => waits.push([reason, attempt, delay]),
      },
    );
    expect(result).toBe('ok');
    expect(attempts).toBe(3);
    expect(time.sleeps).toEqual([50, 100]);
    expect(waits).toEqual([
      ['throttled (TooManyRequestsException)', 1, 50],
      ['throttled (TooManyRequestsException)', 2, 100],
    ]);
  });

  it('gives up after `retries` and throws the SDK error itself', async () => {
    const time = virtualTime();
    const error = throttle();
    let attempts = 0;
    const run = withRetry(
      async () => {
        attempts++;
        throw error;
      },
      { ...time, policy, onWait: () => {} },
    );
    await expect(run).rejects.toBe(error);
    expect(attempts).toBe(policy.retries + 1);
  });

  it('does not retry what retrying cannot fix', async () => {
    const time = virtualTime();
    let attempts = 0;
    const run = withRetry(
      async () => {
        attempts++;
        throw new BucketAlreadyExists({ message: 'taken', $metadata: meta(409) });
      },
      { ...time, policy, onWait: () => {} },
    );
    await expect(run).rejects.toBeInstanceOf(BucketAlreadyExists);
    expect(attempts).toBe(1);
    expect(time.sleeps).toEqual([]);
  });

  it('stops once the next delay would pass maxRetryTimeMs of the injected clock', async () => {
    const time = virtualTime();
    let attempts = 0;
    const run = withRetry(
      async () => {
        attempts++;
        throw throttle();
      },
      {
        ...time,
        random: () => 1,
        policy: { retries: 100, minDelayMs: 1000, maxDelayMs: 1000, factor: 1, maxRetryTimeMs: 3500 },
        onWait: () => {},
      },
    );
    await expect(run).rejects.toBeInstanceOf(TooManyRequestsException);
    expect(time.sleeps).toEqual([1000, 1000, 1000]);
    expect(attempts).toBe(4);
  });

  it('retries the caller’s eventual-consistency cases only where asked', async () => {
    const time = virtualTime();
    let attempts = 0;
    const reasons: string[] = [];
    await withRetry(
      async () => {
        attempts++;
        if (attempts === 1) throw new NoSuchBucket({ message: 'not yet', $metadata: meta(404) });
      },
      {
        ...time,
        policy,
        alsoRetry: (error) => (error instanceof NoSuchBucket ? 'not yet consistent' : undefined),
        onWait: (reason) => reasons.push(reason),
      },
    );
    expect(attempts).toBe(2);
    expect(reasons).toEqual(['not yet consistent']);
  });

  it('stops when the signal is aborted', async () => {
    const time = virtualTime();
    const controller = new AbortController();
    let attempts = 0;
    const run = withRetry(
      async () => {
        attempts++;
        controller.abort(new Error('cancelled'));
        throw throttle();
      },
      { ...time, signal: controller.signal, policy, onWait: () => {} },
    );
    await expect(run).rejects.toThrow('cancelled');
    expect(attempts).toBe(1);
  });

  it('has a finite default budget', () => {
    expect(Number.isFinite(DEFAULT_RETRY_POLICY.retries)).toBe(true);
    expect(Number.isFinite(DEFAULT_RETRY_POLICY.maxRetryTimeMs)).toBe(true);
  });
});

describe('waitUntil', () => {
  const policy: WaitPolicy = { initialDelayMs: 1000, maxDelayMs: 4000, factor: 2, maxWaitMs: 20_000 };

  it('polls with growing, capped delays until done', async () => {
    const time = virtualTime();
    let polls = 0;
    const value = await waitUntil(
      async () => (++polls < 6 ? { done: false, status: 'CREATING' } : { done: true, value: 'ACTIVE' }),
      { ...time, policy, address: 'x', what: 'container ACTIVE', onWait: () => {} },
    );
    expect(value).toBe('ACTIVE');
    expect(time.sleeps).toEqual([1000, 2000, 4000, 4000, 4000]);
  });

  it('times out with an error naming the resource and what it waited for', async () => {
    const time = virtualTime();
    const run = waitUntil(async () => ({ done: false, status: 'CREATING' }), {
      ...time,
      policy,
      address: 'store.container[0]',
      what: 'container ACTIVE',
      onWait: () => {},
    });
    await expect(run).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(run).rejects.toThrow(/store\.container\[0\].*container ACTIVE/);
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(policy.maxWaitMs);
  });
});
