import type { ResourceKind } from '@mlds/core';
import { handlerLoaders, loadHandler } from '../src/handlers/index.js';

// The engine imports a kind's handler (and its SDK) the first time it works on one: real module loading, which
// is not a sleep and takes as many event-loop turns as the machine needs. Loaded here, once, before any test
// drives the clock, so that how long loading takes never reads as "the work waits on something else".
await Promise.all(Object.keys(handlerLoaders).map((kind) => loadHandler(kind as ResourceKind)));

/**
 * Discrete-event virtual time for runs with many things in flight at once: `sleep(ms)` wakes at now + ms of the
 * virtual clock, and `run` moves the clock to the earliest wake-up only once nothing else can happen (every
 * promise chain has settled). Unlike helpers.ts's `virtualTime`, where each sleep moves the clock for everyone,
 * concurrent sleeps overlap as they would on a real clock, so rates per second can be asserted.
 */
export class SimulatedTime {
  private now: number;
  private sequence = 0;
  private readonly timers: { at: number; sequence: number; wake: () => void }[] = [];

  constructor(start = 1_700_000_000_000) {
    this.now = start;
  }

  readonly clock = (): number => this.now;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.timers.push({ at: this.now + Math.max(0, ms), sequence: this.sequence++, wake });
    });

  readonly random = (): number => 0.5;

  /** Drives the clock until `work` settles; fails when it waits on something that is not a sleep. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    watched.catch(() => {});
    for (let idle = 0; ; ) {
      // A macrotask runs only once every pending promise reaction has: all that can happen now has happened,
      // except what itself waits a turn of the event loop (the state's group commit), hence a few turns.
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return watched;
      this.timers.sort((a, b) => a.at - b.at || a.sequence - b.sequence);
      const next = this.timers.shift();
      if (!next) {
        if (++idle > 100) throw new Error('simulated time: the work waits on something that is not a sleep');
        continue;
      }
      idle = 0;
      this.now = next.at;
      next.wake();
    }
  }
}
