import type { StateDocument, StateResource } from '@mlds/core';
import type { StateStore } from './state-store.js';

/** A resource's identity in the state: a replaced resource has two entries with one address until apply ends. */
export function identity(resource: { address: string; kind: string; region: string; name: string }): string {
  return JSON.stringify([resource.address, resource.kind, resource.region, resource.name]);
}

/**
 * Keeps the state document and writes it with group commit: a change is applied in memory at once and resolves
 * once a write that contains it is done, so the engine still goes on only after its intent is on disk. One write
 * is in flight at a time; every change made meanwhile (the completions of calls that finish together, other
 * resources' intents) is written by the next one, together, instead of one write each. The serial counts runs
 * that changed something (Terraform's serial), so it goes up once, with the run's first write; a state without a
 * lineage (written before lineages existed) gets one then too.
 */
export class StateKeeper {
  private waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private writing = false;
  /** Completions written in the background (`putSoon`, `removeSoon`), and the first of their failures. */
  private readonly background = new Set<Promise<void>>();
  private backgroundFailure: { error: unknown } | undefined;
  private changed = false;

  constructor(
    private readonly store: StateStore,
    private readonly doc: StateDocument,
    private readonly newLineage: () => string,
  ) {}

  get(resource: { address: string; kind: string; region: string; name: string }): StateResource | undefined {
    const key = identity(resource);
    return this.doc.resources.find((entry) => identity(entry) === key);
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

  put(resource: StateResource): Promise<void> {
    return this.commit(() => {
      const key = identity(resource);
      const index = this.doc.resources.findIndex((entry) => identity(entry) === key);
      if (index === -1) this.doc.resources.push(resource);
      else this.doc.resources[index] = resource;
    });
  }

  remove(resource: { address: string; kind: string; region: string; name: string }): Promise<void> {
    const key = identity(resource);
    return this.commit(() => {
      this.doc.resources = this.doc.resources.filter((entry) => identity(entry) !== key);
    });
  }

  /**
   * A completion: applied now, written with the next group, and awaited only by `drain` at the end of the run.
   * What depends on the resource may start at once: its own intent is written before its first call, and every
   * write holds the whole document, so that write records this completion too. A crash before it loses only
   * the completion, which the next run finds by name, as it would after a crash right after the call.
   */
  putSoon(resource: StateResource): void {
    this.inBackground(this.put(resource));
  }

  removeSoon(resource: { address: string; kind: string; region: string; name: string }): void {
    this.inBackground(this.remove(resource));
  }

  /** Waits until every background write is done; throws the first that failed. */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    if (this.backgroundFailure) throw this.backgroundFailure.error;
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

  private commit(change: () => void): Promise<void> {
    change();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.writing) void this.flush();
    });
  }

  /** Writes until nothing waits; each write settles exactly the changes made before it copied the document. */
  private async flush(): Promise<void> {
    this.writing = true;
    // Changes made in this same turn of the event loop (calls that finished together, the intents of what
    // they let start) join the first write too.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
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
  }
}
