import type { Observation, ObservedSettings, StateDocument, StateResource } from '@mlds/core';
import { Semaphore } from './concurrency.js';
import { errorText } from './engine-run.js';
import { ExistingResourceNotFoundError, type Failure, RefreshFailedError } from './errors.js';
import { loadHandler } from './handlers/index.js';
import { type Recorded, type Runtime, SecretVault, targetOf } from './runtime.js';
import { createRuntime, type RuntimeOptions } from './runtime-factory.js';

// Refresh reads the recorded resources core chose (`refreshTargets`), once each and in parallel, with read calls
// only (each kind's `observe`), and reports what it saw. It decides nothing: not what to read, and not what the
// answers mean (core's planner turns them into creates and updates, and the engine then executes that plan).

/** How refresh calls AWS is how apply does (RuntimeOptions: clients, limiter, timers, signals, events). */
export interface RefreshOptions extends RuntimeOptions {
  /** The state the resources are recorded in: what a read looks up besides its own resource. */
  state: StateDocument;
  /** What to read: core's `refreshTargets` of the workflow and this state, exactly these and nothing else. */
  resources: readonly StateResource[];
  /** Where `{ env: NAME }` secrets are read, to compare with their SSM parameters in memory. */
  env: Record<string, string | undefined>;
  /** Resources read at once (default 8). */
  concurrency?: number;
}

const DEFAULT_CONCURRENCY = 8;

/** What observe needs of a Runtime: retried reads and waits, no state, no mutation. */
function readOnlyRuntime(options: RefreshOptions, vault: SecretVault): Runtime {
  const resources = new Map(options.state.resources.map((resource) => [resource.address, resource]));
  return createRuntime(options, {
    workflow: options.state.workflow,
    env: options.env,
    vault,
    lookup: (address) => {
      const resource = resources.get(address);
      return resource ? targetOf(resource) : undefined;
    },
  }).rt;
}

/**
 * Reads each resource it is given and reports what it found, in their order. Never a mutating call; no secret in
 * what it returns, emits or throws. A kind without `observe` is left out (planned as before).
 */
export async function refresh(options: RefreshOptions): Promise<Observation[]> {
  const vault = new SecretVault();
  const rt = readOnlyRuntime(options, vault);
  const semaphore = new Semaphore(options.concurrency ?? DEFAULT_CONCURRENCY);
  const failures: Failure[] = [];
  const results = await Promise.all(
    options.resources.map((resource) =>
      semaphore.run(async (): Promise<Observation | undefined> => {
        if (options.signal?.aborted) return undefined;
        try {
          // The kind's module (and its SDK) loads only now; its modelled throttling errors are retried.
          const handler = await loadHandler(resource.kind);
          const retrying: Runtime = {
            ...rt,
            call: (address, fn, alsoRetry, modelled = []) =>
              rt.call(address, fn, alsoRetry, [...handler.retryable, ...modelled]),
          };
          const { address, kind, name, region } = resource;
          if (resource.existing === true) {
            // What mlds only reads: whether it is still there, read as apply reads it, and what MediaLive takes
            // from it (a channel's ingest endpoints); its tags and settings are not mlds's to compare.
            if (!handler.read) return undefined;
            let recorded: Recorded;
            try {
              recorded = await handler.read(retrying, targetOf(resource));
            } catch (error) {
              if (error instanceof ExistingResourceNotFoundError)
                return { address, kind, name, region, exists: false };
              throw error;
            }
            const ingestEndpoints = recorded.outputs?.ingestEndpoints as ObservedSettings['ingestEndpoints'];
            const settings: ObservedSettings = ingestEndpoints === undefined ? {} : { ingestEndpoints };
            return { address, kind, name, region, exists: true, tags: {}, settings };
          }
          if (!handler.observe) return undefined;
          const observed = await handler.observe(retrying, resource);
          return { address, kind, name, region, ...observed };
        } catch (error) {
          vault.scrub(error);
          failures.push({ address: resource.address, error: vault.redact(errorText(error)), cause: error });
          return undefined;
        }
      }),
    ),
  );
  if (failures.length > 0) throw new RefreshFailedError(failures);
  if (options.signal?.aborted) throw options.signal.reason;
  return results.filter((observation) => observation !== undefined);
}
