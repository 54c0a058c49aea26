import { AsyncLocalStorage } from 'node:async_hooks';
import type { AwsClients } from './clients.js';
import { InterruptedCallError, OperationTimeoutError } from './errors.js';

// Every AWS call is bounded three times: the HTTP handler's connection and request timeouts (per attempt, set
// where the clients are built), and an overall deadline per operation (all attempts and retries of one call),
// whose AbortSignal reaches every `send` without each handler passing it: the operation's signal is kept in
// async-local storage and added by a thin wrapper around each client's `send`.

/** One operation (all its attempts and retries) ends after this long at most. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 5 * 60_000;

const operationSignal = new AsyncLocalStorage<AbortSignal>();

type Send = (command: unknown, options?: unknown, callback?: unknown) => Promise<unknown>;

/**
 * Runs `operation` under a deadline: its sends get an AbortSignal that fires after `timeoutMs` (or when
 * `hardStop` fires); a call aborted by the deadline ends in OperationTimeoutError.
 */
export async function withDeadline<T>(
  address: string,
  timeoutMs: number,
  hardStop: AbortSignal | undefined,
  operation: () => Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = hardStop === undefined ? deadline : AbortSignal.any([deadline, hardStop]);
  try {
    return await operationSignal.run(signal, operation);
  } catch (error) {
    if (deadline.aborted) throw new OperationTimeoutError(address, timeoutMs, { cause: error });
    throw error;
  }
}

/**
 * The same clients, whose `send` carries the current operation's AbortSignal unless the caller gave one. Once
 * `stop` fires (an interrupted run), no new call starts: `send` throws InterruptedCallError, while calls already
 * sent go on to their end, so that their results are recorded.
 */
export function boundedClients(clients: AwsClients, stop?: AbortSignal): AwsClients {
  const wrapped = new WeakMap<object, object>();
  const wrap = <C extends object>(client: C): C => {
    const known = wrapped.get(client);
    if (known !== undefined) return known as C;
    const proxy = new Proxy(client, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key !== 'send' || typeof value !== 'function') return value;
        const send = value as Send;
        return (command: unknown, options?: unknown, callback?: unknown) => {
          if (stop?.aborted) return Promise.reject(new InterruptedCallError());
          const signal = operationSignal.getStore();
          if (signal === undefined || typeof options === 'function' || hasAbortSignal(options)) {
            return send.call(target, command, options, callback);
          }
          return send.call(target, command, { ...(options as object | undefined), abortSignal: signal });
        };
      },
    });
    wrapped.set(client, proxy);
    return proxy;
  };
  // Every service the clients offer, now and later, whether a client comes at once or as a promise.
  return new Proxy(clients, {
    get: (target, property) => {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const client = value.apply(target, args) as object | PromiseLike<object>;
        return 'then' in client ? Promise.resolve(client).then(wrap) : wrap(client);
      };
    },
  });
}

function hasAbortSignal(options: unknown): boolean {
  return typeof options === 'object' && options !== null && 'abortSignal' in options;
}
