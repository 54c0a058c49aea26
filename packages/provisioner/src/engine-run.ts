import type { ResourceKind, StateResource } from '@mlds/core';
import type { CallUrgency } from './concurrency.js';
import type { ApplyOptions } from './engine.js';
import type { EngineAction, EngineEvent, Outcome, ResourceOutcome } from './events.js';
import { loadHandler } from './handlers/index.js';
import type { KindHandler, Recorded, Runtime, SecretVault, Target } from './runtime.js';
import { createRuntime } from './runtime-factory.js';
import { stateEntryOf } from './state-entry.js';
import type { StateKeeper } from './state-keeper.js';

// One run of apply or destroy: its runtime, its state keeper, and how it reports each resource's work.

export interface Run {
  rt: Runtime;
  keeper: StateKeeper;
  vault: SecretVault;
  clock: () => number;
  emit: (event: EngineEvent) => void;
  outcomes: ResourceOutcome[];
  signal: AbortSignal | undefined;
  stopSignal: AbortSignal | undefined;
  /** How urgent each address's next AWS call is (see SendTurns): set by runGraph and the pre-check. */
  urgency: CallUrgency;
}

/**
 * The handler of `kind` (its module, and with it its AWS SDK, loaded now: right before its first call) with the
 * runtime it calls AWS through, whose retries know the modelled exceptions of the handler's services.
 */
export async function handlerFor(
  run: Run,
  kind: ResourceKind,
): Promise<{ handler: KindHandler; rt: Runtime }> {
  const handler = await loadHandler(kind);
  const { rt } = run;
  return {
    handler,
    rt: {
      ...rt,
      call: (address, fn, alsoRetry, modelled = []) =>
        rt.call(address, fn, alsoRetry, [...handler.retryable, ...modelled]),
    },
  };
}

export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message ? `${error.name}: ${error.message}` : error.name;
}

export function createRun(
  options: Omit<ApplyOptions, 'plan' | 'env'>,
  workflow: string,
  env: Record<string, string | undefined>,
  keeper: StateKeeper,
  lookup: (address: string) => Target | undefined,
  vault: SecretVault,
): Run {
  const { rt, clock, emit, urgency } = createRuntime(options, { workflow, env, vault, lookup });
  return {
    rt,
    keeper,
    vault,
    clock,
    emit,
    outcomes: [],
    signal: options.signal,
    stopSignal: options.stopSignal,
    urgency,
  };
}

export function stateEntry(
  run: Run,
  target: Target,
  status: StateResource['status'],
  previous: StateResource | undefined,
  recorded?: Recorded,
): StateResource {
  return stateEntryOf(target, status, previous, run.clock(), recorded);
}

/** Reports start/done/failed with timings around one resource's work. */
export async function tracked(
  run: Run,
  target: { address: string; kind: ResourceKind },
  action: EngineAction,
  work: () => Promise<Outcome>,
): Promise<void> {
  const startedAt = run.clock();
  run.emit({ type: 'started', address: target.address, kind: target.kind, action, at: startedAt });
  try {
    const outcome = await work();
    run.outcomes.push({ address: target.address, kind: target.kind, outcome });
    const at = run.clock();
    run.emit({
      type: 'done',
      address: target.address,
      kind: target.kind,
      action,
      outcome,
      elapsedMs: at - startedAt,
      at,
    });
  } catch (error) {
    run.vault.scrub(error);
    const at = run.clock();
    run.emit({
      type: 'failed',
      address: target.address,
      kind: target.kind,
      action,
      error: run.vault.redact(errorText(error)),
      elapsedMs: at - startedAt,
      at,
    });
    throw error;
  }
}

export function keep(
  run: Run,
  target: { address: string; kind: ResourceKind },
  outcome: Outcome,
  action: EngineAction,
) {
  run.outcomes.push({ address: target.address, kind: target.kind, outcome });
  const at = run.clock();
  run.emit({ type: 'done', address: target.address, kind: target.kind, action, outcome, elapsedMs: 0, at });
}
