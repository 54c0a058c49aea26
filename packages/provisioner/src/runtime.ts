import {
  type ObservedSettings,
  type Pipeline,
  type ResourceChange,
  type ResourceKind,
  SENSITIVE,
  type StateResource,
  TAG_WORKFLOW,
} from '@mlds/core';
import type { AwsClients } from './clients.js';
import type { RateLimiter } from './concurrency.js';
import type { EngineEvent } from './events.js';
import type { ModelledRetryable, RetryPolicy, Timing, WaitPolicy } from './retry.js';

/** A resource as the handlers see it, whether it comes from the plan or from the state. */
export interface Target {
  address: string;
  kind: ResourceKind;
  name: string;
  region: string;
  pipeline: Pipeline | null;
  downstream: string;
  tags: Record<string, string>;
  existing?: true;
  properties: Record<string, unknown>;
  /**
   * When the engine recorded the intent to create it (the `creating` entry's `createdAt`): the same for every
   * retry of that intent, so a create can derive an idempotency token from it (MediaPackage v2's ClientToken).
   */
  intentAt?: string;
}

export function targetOf(resource: ResourceChange | StateResource): Target {
  return {
    address: resource.address,
    kind: resource.kind,
    name: resource.name,
    region: resource.region,
    pipeline: resource.pipeline,
    downstream: resource.downstream,
    tags: { ...(resource.tags ?? {}) },
    ...(resource.existing ? { existing: true as const } : {}),
    properties: { ...(resource.properties ?? {}) },
  };
}

/** What the state records about a resource besides its identity. Never a secret. */
export interface Recorded {
  arn?: string;
  id?: string;
  outputs?: Record<string, unknown>;
}

export type Found =
  | { status: 'absent' }
  /**
   * Exists without this workflow's `mlds:workflow` tag: never adopted, never deleted. `tags` and `arn` when the
   * lookup read them: what `mlds import` shows and tags (a `reason` means it cannot be imported either).
   */
  | { status: 'foreign'; reason?: string; tags?: Record<string, string>; arn?: string }
  | { status: 'ours'; tags: Record<string, string>; recorded: Recorded };

export type OursFound = Extract<Found, { status: 'ours' }>;
export type ForeignFound = Extract<Found, { status: 'foreign' }>;

/**
 * What destroy's pre-check read about a resource beyond `find`, handed to its delete so nothing is read twice.
 * One variant per kind that has something to hand on.
 */
export type Learned =
  | { kind: 'mediapackage-channel'; originEndpointIds: string[] }
  | { kind: 'mediastore-container'; endpoint: string | undefined }
  | { kind: 'mediapackagev2-channel'; originEndpointNames: string[] };

export type Inspection = { gone: true } | { gone: false; blocker?: string; learned?: Learned };

/** What destroy's pre-check of one resource read: `find`'s answer, and `inspect`'s when it found it ours. */
export type Precheck = { found: Exclude<Found, OursFound> } | { found: OursFound; inspection: Inspection };

/** What destroy already knows when it deletes: the resource as `find` saw it, and what `inspect` learned. */
export interface Seen {
  found: OursFound;
  learned?: Learned;
}

/** What a refresh read of a recorded resource found; core decides what it means. Never a secret. */
export type Observed =
  | { exists: false }
  | { exists: true; tags: Record<string, string>; settings: ObservedSettings; notOurs?: string };

/** One resource kind's AWS calls. Every step is idempotent, so a crashed run's work can be finished. */
export interface KindHandler {
  /** The modelled exceptions worth retrying of every service this handler calls (see retryReason). */
  retryable: readonly ModelledRetryable[];
  /** Looks the resource up by its deterministic name. Read-only. */
  find(rt: Runtime, target: Target): Promise<Found>;
  /** Creates it; `{ exists: true }` when the name is already taken in a way that may be ours (then `find`). */
  create(rt: Runtime, target: Target): Promise<Recorded | { exists: true }>;
  /** Finishes whatever a crashed run left undone on a resource that carries our tag. */
  adopt(rt: Runtime, target: Target, found: Extract<Found, { status: 'ours' }>): Promise<Recorded>;
  /** `changes`: what the plan says differs (`tags`, a property name); each handler also compares itself. */
  update(rt: Runtime, target: Target, current: StateResource, changes: string[]): Promise<Recorded>;
  /**
   * `mlds import`: adds the target's tags (this workflow's) to a resource `find` saw without them, keeping its
   * other tags. The only mutating call of an import; absent for a kind mlds cannot import.
   */
  tagForImport?(rt: Runtime, target: Target, found: ForeignFound): Promise<void>;
  /**
   * `mlds import`: reads the settings apply makes on the resource (as `observe` does, whatever its tags), so
   * that core can say what the import changes besides the tags. Read calls only; absent for a kind that has no
   * setting besides its tags.
   */
  importSettings?(rt: Runtime, target: Target, found: ForeignFound): Promise<ObservedSettings>;
  /**
   * `mlds import`: makes the settings core named (`publicAccessBlock`, `encryption`, `policy`, `value`) what
   * apply makes them, keeping the policy's other statements. What it returns is added to what the state records.
   */
  settleForImport?(rt: Runtime, target: Target, found: ForeignFound, settings: string[]): Promise<Recorded>;
  /** Reads a resource mlds uses but does not own (`existing: true`). */
  read?(rt: Runtime, target: Target): Promise<Recorded>;
  /**
   * Refresh: reads the resource and the settings mlds made on it, with read calls only. Optional, so a kind
   * without it is simply not refreshed.
   */
  observe?(rt: Runtime, resource: StateResource): Promise<Observed>;
  /** What would stop a delete without --force. Read-only. `found`: what `find` just saw (not read again). */
  inspect(rt: Runtime, resource: StateResource, found?: OursFound): Promise<Inspection>;
  /**
   * `find` and then `inspect`, with the reads that do not depend on each other sent at once: a round trip or
   * two fewer before destroy deletes anything. Optional: without it, destroy calls one after the other.
   */
  precheck?(rt: Runtime, resource: StateResource): Promise<Precheck>;
  /**
   * Deletes it and waits until it is gone; an already missing resource is fine. `seen`: what destroy's
   * pre-check read, so the delete does not read it again. `'left'`: not deleted on purpose, and no longer this
   * workflow's to track (a channel group that holds channels mlds does not manage).
   */
  delete(
    rt: Runtime,
    resource: StateResource,
    options: { force: boolean; seen?: Seen },
    // biome-ignore lint/suspicious/noConfusingVoidType: every other handler's delete resolves to nothing.
  ): Promise<void | 'left'>;
}

/**
 * Secrets seen during one run, in memory only: ingest passwords from MediaPackage responses (handed straight to
 * PutParameter) and `{ env }` values. Every error text leaving the engine goes through `redact`.
 */
export class SecretVault {
  private readonly values = new Set<string>();
  private readonly ingestPasswords = new Map<string, (string | undefined)[]>();

  remember(value: string | undefined): void {
    if (value) this.values.add(value);
  }

  setIngestPasswords(channelAddress: string, passwords: (string | undefined)[]): void {
    for (const password of passwords) this.remember(password);
    this.ingestPasswords.set(channelAddress, passwords);
  }

  private readonly pending = new Map<string, Promise<unknown>>();

  /**
   * Runs `load` once per key for the run, and gives every caller its answer: a channel and both its parameters
   * share one DescribeChannel. A failed load is tried again by the next caller.
   */
  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let promise = this.pending.get(key) as Promise<T> | undefined;
    if (!promise) {
      promise = load();
      this.pending.set(key, promise);
      promise.catch(() => this.pending.delete(key));
    }
    return promise;
  }

  ingestPassword(channelAddress: string, index: number): string | undefined {
    return this.ingestPasswords.get(channelAddress)?.[index];
  }

  /**
   * Rewrites in place every text of an error and its causes that holds a secret. The engine keeps the SDK's
   * error as `cause` (for `instanceof`), and whatever prints it (util.inspect, an uncaught stack) shows its
   * message, stack and fields such as `Message`, which can echo an input (PutParameter's Value).
   */
  scrub(error: unknown): void {
    const seen = new Set<unknown>();
    for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
      seen.add(current);
      for (const key of Object.getOwnPropertyNames(current)) {
        const descriptor = Object.getOwnPropertyDescriptor(current, key);
        // V8 makes `stack` an accessor; any other getter is left alone.
        const value =
          descriptor && 'value' in descriptor
            ? descriptor.value
            : key === 'stack'
              ? current.stack
              : undefined;
        if (typeof value !== 'string') continue;
        const redacted = this.redact(value);
        if (redacted === value) continue;
        Object.defineProperty(current, key, {
          value: redacted,
          writable: true,
          configurable: true,
          enumerable: descriptor?.enumerable ?? false,
        });
      }
    }
  }

  redact(text: string): string {
    let result = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      result = result.split(value).join(SENSITIVE);
    }
    return result;
  }
}

/** What handlers get from the engine. */
export interface Runtime {
  clients: AwsClients;
  workflow: string;
  env: Record<string, string | undefined>;
  timing: Timing;
  retryPolicy: RetryPolicy;
  waitPolicy: WaitPolicy;
  secrets: SecretVault;
  emit(event: EngineEvent): void;
  /**
   * One AWS operation with the retry policy; `alsoRetry` adds this call's eventual-consistency cases. The
   * engine hands each handler a runtime that passes the handler's `retryable` as `modelled`.
   */
  call<T>(
    address: string,
    fn: () => Promise<T>,
    alsoRetry?: (error: unknown) => string | undefined,
    modelled?: readonly ModelledRetryable[],
  ): Promise<T>;
  /** Polls until `probe` says done, bounded by the wait policy. */
  waitUntil<T>(
    address: string,
    what: string,
    probe: () => Promise<{ done: true; value: T } | { done: false; status: string }>,
  ): Promise<T>;
  progress(address: string, detail: string): void;
  /**
   * One rate limiter per key for this workflow's run. Every AWS request already keeps to its service's rate
   * through the RequestLimiter shared by the whole run (rate-limit.ts): this is for a limit AWS sets on
   * something else than requests.
   */
  limiter(key: string, perSecond: number): RateLimiter;
  /** A resource of this run by address (plan first, then state): how an ingest-password parameter finds its channel. */
  lookup(address: string): Target | undefined;
}

export function isOurs(tags: Record<string, string> | undefined, workflow: string): boolean {
  return tags?.[TAG_WORKFLOW] === workflow;
}

/**
 * Why a resource found without this workflow's tag cannot be taken: the lookup's own reason, or the other
 * workflow whose tag it carries (then `mlds import` would refuse it too, so no hint may suggest it). Undefined
 * when it carries no mlds:workflow tag at all: importing it is then the way to adopt it.
 */
export function foreignReason(found: ForeignFound, workflow: string): string | undefined {
  if (found.reason !== undefined) return found.reason;
  const owner = found.tags?.[TAG_WORKFLOW];
  return owner === undefined || owner === workflow
    ? undefined
    : `it belongs to the workflow '${owner}' (its mlds:workflow tag): mlds never takes a resource from another workflow`;
}

export function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function tagRecord(list: { Key?: string | undefined; Value?: string | undefined }[] | undefined) {
  const record: Record<string, string> = {};
  for (const tag of list ?? []) if (tag.Key !== undefined) record[tag.Key] = tag.Value ?? '';
  return record;
}

/** True when every tag of `wanted` is already on the resource with the same value. */
export function hasTags(actual: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => actual[key] === value);
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function mediaLiveRoleArnOf(properties: Record<string, unknown>): string | undefined {
  const value = properties.mediaLiveRoleArn;
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
