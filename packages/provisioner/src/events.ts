import type { ResourceKind } from '@mlds/core';
import type { LockInfo } from './errors.js';

/**
 * What the engine does to a resource. `recover`: the state says a run stopped midway (`creating`/`deleting`);
 * `keep`: already as planned, no AWS call; `forget`: dropped from the state without deleting (gone, not ours, or
 * `existing: true`).
 */
export type EngineAction = 'create' | 'recover' | 'update' | 'read' | 'keep' | 'delete' | 'forget';

/** What it did. `adopted`: found by name with our tag (a crashed run's, or recreated state). */
export type Outcome =
  | 'created'
  | 'adopted'
  | 'updated'
  | 'unchanged'
  | 'read'
  | 'deleted'
  | 'forgotten'
  /** Recorded, but deleted outside mlds: only removed from the state. */
  | 'gone';

/**
 * The engine's only output: it never prints. `at` is the injected clock's value (ms), `elapsedMs` the time since
 * the resource's `started`. No event ever carries a secret; error texts are redacted.
 */
export type EngineEvent =
  | { type: 'lock-taken-over'; previous: LockInfo; at: number }
  | { type: 'started'; address: string; kind: ResourceKind; action: EngineAction; at: number }
  | {
      type: 'waiting';
      address: string;
      /** Why: a retried error (`throttled`, `transient`, `not yet consistent`) or a poll (`until ACTIVE`). */
      reason: string;
      attempt: number;
      delayMs: number;
      at: number;
    }
  | { type: 'progress'; address: string; detail: string; at: number }
  | {
      type: 'done';
      address: string;
      kind: ResourceKind;
      action: EngineAction;
      outcome: Outcome;
      elapsedMs: number;
      at: number;
    }
  | {
      type: 'failed';
      address: string;
      kind: ResourceKind;
      action: EngineAction;
      error: string;
      elapsedMs: number;
      at: number;
    }
  | { type: 'skipped'; address: string; kind: ResourceKind; reason: string; at: number };

export interface ResourceOutcome {
  address: string;
  kind: ResourceKind;
  outcome: Outcome;
}
