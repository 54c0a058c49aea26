import { boundedClients, DEFAULT_OPERATION_TIMEOUT_MS, withDeadline } from './bounded-calls.js';
import type { AwsClients } from './clients.js';
import { CallUrgency, RateLimiter, workflowTurns } from './concurrency.js';
import type { EngineEvent } from './events.js';
import { limitedClients, RequestLimiter } from './rate-limit.js';
import {
  DEFAULT_RETRY_POLICY,
  DEFAULT_WAIT_POLICY,
  type RetryPolicy,
  type Timing,
  type WaitPolicy,
  waitUntil,
  withRetry,
} from './retry.js';
import type { Runtime, SecretVault, Target } from './runtime.js';

/** What apply, destroy, refresh and import share about how they call AWS. */
export interface RuntimeOptions {
  clients: AwsClients;
  /** One limiter for every workflow of a run (a fleet), so that they keep AWS's rates together. */
  limiter?: RequestLimiter;
  onEvent?: (event: EngineEvent) => void;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  wait?: Partial<WaitPolicy>;
  /** Cancels waits and retries at once. */
  signal?: AbortSignal;
  /** SIGINT/SIGTERM: no new call starts; calls in flight finish. */
  stopSignal?: AbortSignal;
  /** One operation, all its attempts included, ends after this long at most. */
  operationTimeoutMs?: number;
}

export function defaultSleep(signal: AbortSignal | undefined) {
  return (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
}

/**
 * `sleep`, ended early by SIGINT/SIGTERM: a wait between two polls, or a backoff before a retry, is not a call
 * in flight, and up to 30 s of it held the interrupted run. It resolves at once, and the call after it is
 * refused as interrupted (boundedClients), so that the resource is reported stopped midway.
 */
function endedByStop(sleep: (ms: number) => Promise<void>, stop: AbortSignal) {
  return (ms: number): Promise<void> => {
    if (stop.aborted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onStop = () => resolve();
      stop.addEventListener('abort', onStop, { once: true });
      sleep(ms).then(
        () => {
          stop.removeEventListener('abort', onStop);
          resolve();
        },
        (error: unknown) => {
          stop.removeEventListener('abort', onStop);
          reject(error);
        },
      );
    });
  };
}

/**
 * The one way a run calls AWS: clients bounded (deadline, stop signal) and rate-limited, every operation
 * retried and under its deadline, waits bounded, and every text that leaves through an event redacted.
 */
export function createRuntime(
  options: RuntimeOptions,
  context: {
    workflow: string;
    env: Record<string, string | undefined>;
    vault: SecretVault;
    lookup: (address: string) => Target | undefined;
  },
): { rt: Runtime; clock: () => number; emit: (event: EngineEvent) => void; urgency: CallUrgency } {
  const { vault } = context;
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? defaultSleep(options.signal);
  const timing: Timing = {
    clock,
    sleep: options.stopSignal === undefined ? sleep : endedByStop(sleep, options.stopSignal),
    random: options.random ?? Math.random,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const retryPolicy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const waitPolicy: WaitPolicy = { ...DEFAULT_WAIT_POLICY, ...options.wait };
  const emit = (event: EngineEvent) => options.onEvent?.(event);
  const requestLimiter = options.limiter ?? new RequestLimiter({ clock, sleep: timing.sleep });
  const limiters = new Map<string, RateLimiter>();
  const urgency = new CallUrgency();
  const turn = workflowTurns(requestLimiter.turns);
  const waiting = (address: string) => (reason: string, attempt: number, delayMs: number) =>
    emit({ type: 'waiting', address, reason: vault.redact(reason), attempt, delayMs, at: clock() });
  const operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  const rt: Runtime = {
    clients: limitedClients(
      boundedClients(options.clients, options.stopSignal),
      requestLimiter,
      options.signal,
    ),
    workflow: context.workflow,
    env: context.env,
    timing,
    retryPolicy,
    waitPolicy,
    secrets: vault,
    emit,
    // Each attempt waits for its turn to be built (SendTurns): one request at a time, the one with the most round
    // trips left on its chain first, across every workflow of the run; the workflow's first wave takes one turn
    // (workflowTurns).
    call: (address, fn, alsoRetry, modelled) =>
      withDeadline(address, operationTimeoutMs, undefined, () =>
        withRetry(() => turn(urgency.next(address)).then(fn), {
          ...timing,
          policy: retryPolicy,
          ...(alsoRetry ? { alsoRetry } : {}),
          ...(modelled ? { modelled } : {}),
          onWait: waiting(address),
        }),
      ),
    waitUntil: (address, what, probe) =>
      waitUntil(probe, { ...timing, policy: waitPolicy, address, what, onWait: waiting(address) }),
    progress: (address, detail) =>
      emit({ type: 'progress', address, detail: vault.redact(detail), at: clock() }),
    limiter: (key, perSecond) => {
      let limiter = limiters.get(key);
      if (!limiter) {
        limiter = new RateLimiter(perSecond, clock, timing.sleep);
        limiters.set(key, limiter);
      }
      return limiter;
    },
    lookup: context.lookup,
  };
  return { rt, clock, emit, urgency };
}
