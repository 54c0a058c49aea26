import pRetry from 'p-retry';
import { WaitTimeoutError } from './errors.js';

/**
 * How one AWS operation is retried.
 *
 * This is an outer, operation-level layer on top of the SDK's own retries, on purpose. The SDK (standard mode)
 * retries each HTTP request up to AWS_MAX_ATTEMPTS (default 3) within a few seconds, which the user can tune
 * without us and which we leave alone. It gives up quickly on a long throttling burst, and it knows nothing of
 * AWS's eventual consistency (`NoSuchBucket` just after `CreateBucket`). This layer retries only once the SDK
 * has given up, with a longer jittered exponential backoff, and it is bounded twice: by `retries` and by
 * `maxRetryTimeMs`, both counted per operation, so the worst case is known whatever AWS_MAX_ATTEMPTS says
 * (at most (retries + 1) × AWS_MAX_ATTEMPTS requests). Under aws-sdk-client-mock and the fake cloud the SDK's
 * middleware never runs, so the tests exercise this layer alone.
 *
 * p-retry keeps the count, the TypeError rule and the AbortSignal; its own timer is switched off
 * (`minTimeout: 0`) because it cannot take an injected sleep or clock, and the delay is slept here instead.
 */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** No retry starts once this much time (injected clock) has passed since the first attempt. */
  maxRetryTimeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 8,
  minDelayMs: 250,
  maxDelayMs: 20_000,
  factor: 2,
  maxRetryTimeMs: 180_000,
};

/** How long a resource may take to reach a state (container ACTIVE, channel or bucket gone). */
export interface WaitPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  maxWaitMs: number;
}

export const DEFAULT_WAIT_POLICY: WaitPolicy = {
  initialDelayMs: 2_000,
  maxDelayMs: 30_000,
  factor: 1.5,
  maxWaitMs: 15 * 60_000,
};

export interface Timing {
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  signal?: AbortSignal;
}

/** Exponential backoff with "equal jitter": half the step is fixed, half is random, so no delay is ever 0. */
export function backoffDelay(retryNumber: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor ** (retryNumber - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}

const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);

const TRANSIENT_NAMES = new Set([
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
]);

// Not ENOTFOUND: a host name that does not resolve (a LocalStack bucket host, a typo in an endpoint) is not a
// blip; retrying it only delays the message for minutes.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function statusOf(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return metadata?.httpStatusCode;
}

/**
 * The modelled exceptions of one AWS service that are worth retrying, recognised by `instanceof`. Each handler
 * module declares those of the services it calls (next to its SDK imports), so that this module loads no SDK.
 */
export interface ModelledRetryable {
  throttled: readonly (abstract new (...args: never[]) => Error)[];
  transient: readonly (abstract new (...args: never[]) => Error)[];
}

/**
 * Why an error is worth retrying, or undefined when it is not: the services' modelled exceptions given in
 * `modelled` (by `instanceof`), then what any AWS error says by its name, HTTP status or network code.
 */
export function retryReason(error: unknown, modelled: readonly ModelledRetryable[] = []): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const isOneOf = (classes: ModelledRetryable['throttled']) => classes.some((type) => error instanceof type);
  if (
    modelled.some((service) => isOneOf(service.throttled)) ||
    THROTTLING_NAMES.has(error.name) ||
    statusOf(error) === 429
  ) {
    return `throttled (${error.name})`;
  }
  if (
    modelled.some((service) => isOneOf(service.transient)) ||
    TRANSIENT_NAMES.has(error.name) ||
    (statusOf(error) ?? 0) >= 500
  ) {
    return `transient (${error.name})`;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return `network (${code})`;
  return undefined;
}

export interface RetryOptions extends Timing {
  policy: RetryPolicy;
  /** The modelled exceptions of the services this operation calls. */
  modelled?: readonly ModelledRetryable[];
  /** Extra cases retried in this context only: AWS's eventual consistency, e.g. `NoSuchBucket` after create. */
  alsoRetry?: (error: unknown) => string | undefined;
  onWait: (reason: string, attempt: number, delayMs: number) => void;
}

export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, clock, sleep, random } = options;
  const startedAt = clock();
  return pRetry(() => operation(), {
    retries: policy.retries,
    minTimeout: 0,
    ...(options.signal ? { signal: options.signal } : {}),
    shouldRetry: async ({ error, attemptNumber }) => {
      const reason = retryReason(error, options.modelled) ?? options.alsoRetry?.(error);
      if (reason === undefined) return false;
      const delayMs = backoffDelay(attemptNumber, policy, random);
      if (clock() - startedAt + delayMs > policy.maxRetryTimeMs) return false;
      options.onWait(reason, attemptNumber, delayMs);
      await sleep(delayMs);
      return true;
    },
  });
}

export interface WaitOptions extends Timing {
  policy: WaitPolicy;
  address: string;
  /** What is awaited, for the event and the timeout error: `container ACTIVE`. */
  what: string;
  onWait: (reason: string, attempt: number, delayMs: number) => void;
}

/** Polls `probe` until it returns a value; bounded by `policy.maxWaitMs`, then WaitTimeoutError. */
export async function waitUntil<T>(
  probe: () => Promise<{ done: true; value: T } | { done: false; status: string }>,
  options: WaitOptions,
): Promise<T> {
  const { policy, clock, sleep } = options;
  const startedAt = clock();
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const result = await probe();
    if (result.done) return result.value;
    const delayMs = Math.round(
      Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1)),
    );
    const waited = clock() - startedAt;
    if (waited + delayMs > policy.maxWaitMs)
      throw new WaitTimeoutError(options.address, options.what, waited);
    options.onWait(`${options.what} (now ${result.status})`, attempt, delayMs);
    await sleep(delayMs);
  }
}
