import { FORMAT_VERSION, type StateDocument, type StateResource } from '@mlds/core';
import type { StateStore } from './state-store.js';

/** The state of a workflow before its first write: no resources, serial 0 (that write makes it 1). */
export function emptyState(plan: { workflow: string; region: string }, lineage: string): StateDocument {
  return {
    formatVersion: FORMAT_VERSION,
    workflow: plan.workflow,
    region: plan.region,
    lineage,
    serial: 0,
    resources: [],
  };
}

/** A resource's identity in the state: a replaced resource has two entries with one address until apply ends. */
export function identity(resource: { address: string; kind: string; region: string; name: string }): string {
  return JSON.stringify([resource.address, resource.kind, resource.region, resource.name]);
}

export interface StateKeeperOptions {
  /**
   * How long a completion alone waits for company before it is written (default 1 s): an intent, another
   * completion, or the end of the run. Terraform likewise persists intermediate state on an interval.
   */
  lingerMs?: number;
  /** Runs `fn` after `ms` and returns what cancels it. Default: a timer that does not keep the process alive. */
  schedule?: (ms: number, fn: () => void) => () => void;
  /**
   * The plan's addresses, in its order: a new entry takes its place among them, whatever order the run
   * started the resources in, so that a state file lists its resources as the plan does.
   */
  order?: readonly string[];
}

const DEFAULT_LINGER_MS = 1000;

function unrefTimer(ms: number, fn: () => void): () => void {
  const timer = setTimeout(fn, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Keeps the state document and writes it with group commit: a change is applied in memory at once, and every
 * write holds the whole document. One write is in flight at a time.
 *
 * An intent (`put`, `remove`) is written before the call it announces: it resolves once a write that holds it
 * is done, and every change made meanwhile (other intents, completions) joins that write. A completion
 * (`putSoon`, `removeSoon`) lingers: it joins the next intent's write, or is written on its own after
 * `lingerMs`, and the run's end (`drain`) writes whatever is left. A completion lost to a crash costs nothing
 * but a lookup: its intent is on disk, and the next run finds the resource by name, as it would after a crash
 * right after the call. A busy apply so writes a few times instead of once per resource.
 *
 * The serial counts runs that changed something (Terraform's serial), so it goes up once, with the run's first
 * write; a state without a lineage (written before lineages existed) gets one then too.
 */
export class StateKeeper {
  private intents: Waiter[] = [];
  private completions: Waiter[] = [];
  private writing = false;
  /** Every completion is written with the next write, not only those an intent carries along. */
  private writeCompletions = false;
  /** After `drain`: a completion no longer lingers. */
  private draining = false;
  private cancelLinger: (() => void) | undefined;
  /** Completions written in the background (`putSoon`, `removeSoon`), and the first of their failures. */
  private readonly background = new Set<Promise<void>>();
  private backgroundFailure: { error: unknown } | undefined;
  private changed = false;
  /** Index of `doc.resources` by identity: a lookup per change would otherwise serialise every entry. */
  private readonly byIdentity = new Map<string, StateResource>();
  private readonly lingerMs: number;
  private readonly schedule: (ms: number, fn: () => void) => () => void;
  private readonly rank: Map<string, number>;

  constructor(
    private readonly store: StateStore,
    private readonly doc: StateDocument,
    private readonly newLineage: () => string,
    options: StateKeeperOptions = {},
  ) {
    for (const entry of doc.resources) this.byIdentity.set(identity(entry), entry);
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.schedule = options.schedule ?? unrefTimer;
    this.rank = new Map((options.order ?? []).map((address, index) => [address, index]));
  }

  get(resource: { address: string; kind: string; region: string; name: string }): StateResource | undefined {
    return this.byIdentity.get(identity(resource));
  }

  /** By address alone, a `created` entry first: how an ingest-password parameter finds its channel. */
  byAddress(address: string): StateResource | undefined {
    const entries = this.doc.resources.filter((entry) => entry.address === address);
    return entries.find((entry) => entry.status === 'created') ?? entries[0];
  }

  all(): StateResource[] {
    return [...this.doc.resources];
  }

  snapshot(): StateDocument {
    return structuredClone(this.doc);
  }

  /** An intent: resolves once it is on disk. */
  put(resource: StateResource): Promise<void> {
    return this.commit(() => this.replace(resource), 'intent');
  }

  remove(resource: { address: string; kind: string; region: string; name: string }): Promise<void> {
    return this.commit(() => this.drop(resource), 'intent');
  }

  /** A completion: applied now, written later (see the class), awaited only by `drain` at the end of the run. */
  putSoon(resource: StateResource): void {
    this.inBackground(this.commit(() => this.replace(resource), 'completion'));
  }

  removeSoon(resource: { address: string; kind: string; region: string; name: string }): void {
    this.inBackground(this.commit(() => this.drop(resource), 'completion'));
  }

  /** Writes every lingering completion now and waits until all are on disk; throws the first write that failed. */
  async drain(): Promise<void> {
    this.draining = true;
    this.writeCompletions = true;
    this.startWriting();
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    if (this.backgroundFailure) throw this.backgroundFailure.error;
  }

  private replace(resource: StateResource): void {
    const key = identity(resource);
    const known = this.byIdentity.get(key);
    if (known === undefined) this.insert(resource);
    else this.doc.resources[this.doc.resources.indexOf(known)] = resource;
    this.byIdentity.set(key, resource);
  }

  /** Before the first entry the plan lists after it; at the end when the plan does not list it. */
  private insert(resource: StateResource): void {
    const rank = this.rank.get(resource.address);
    const before =
      rank === undefined
        ? -1
        : this.doc.resources.findIndex((entry) => (this.rank.get(entry.address) ?? -1) > rank);
    if (before === -1) this.doc.resources.push(resource);
    else this.doc.resources.splice(before, 0, resource);
  }

  private drop(resource: { address: string; kind: string; region: string; name: string }): void {
    const key = identity(resource);
    const known = this.byIdentity.get(key);
    if (known === undefined) return;
    this.doc.resources.splice(this.doc.resources.indexOf(known), 1);
    this.byIdentity.delete(key);
  }

  private inBackground(write: Promise<void>): void {
    this.background.add(write);
    write.then(
      () => this.background.delete(write),
      (error: unknown) => {
        this.background.delete(write);
        this.backgroundFailure ??= { error };
      },
    );
  }

  private commit(change: () => void, kind: 'intent' | 'completion'): Promise<void> {
    change();
    return new Promise((resolve, reject) => {
      if (kind === 'intent' || this.draining) {
        this.intents.push({ resolve, reject });
        this.startWriting();
      } else {
        this.completions.push({ resolve, reject });
        if (!this.writing) this.lingerThenWrite();
      }
    });
  }

  private lingerThenWrite(): void {
    if (this.cancelLinger !== undefined || this.completions.length === 0) return;
    this.cancelLinger = this.schedule(this.lingerMs, () => {
      this.cancelLinger = undefined;
      this.writeCompletions = true;
      this.startWriting();
    });
  }

  private startWriting(): void {
    if (!this.writing) void this.flush();
  }

  /** Writes until no intent waits; each write settles exactly the changes made before it copied the document. */
  private async flush(): Promise<void> {
    this.writing = true;
    // Changes made in this same turn of the event loop (calls that finished together, the intents of what
    // they let start) join the first write too.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.intents.length > 0 || (this.writeCompletions && this.completions.length > 0)) {
      // The document holds every change so far: the write settles the lingering completions as well.
      const batch = [...this.intents, ...this.completions];
      this.intents = [];
      this.completions = [];
      this.writeCompletions = this.draining;
      this.cancelLinger?.();
      this.cancelLinger = undefined;
      if (!this.changed) {
        this.changed = true;
        this.doc.serial += 1;
        this.doc.lineage ??= this.newLineage();
      }
      try {
        await this.store.write(structuredClone(this.doc));
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    this.writing = false;
    this.lingerThenWrite();
  }
}
