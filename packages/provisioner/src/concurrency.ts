/** At most `limit` tasks at a time; the rest wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`concurrency must be a positive integer, not ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

/** Runs `task` for every item, `limit` at a time; rejects with the first error once every started task settled. */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const semaphore = new Semaphore(limit);
  const results = await Promise.allSettled([...items].map((item) => semaphore.run(() => task(item))));
  const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/**
 * At most `perSecond` acquisitions in any window of 1,000 ms of the injected clock. MediaStore's data plane
 * documents hard TPS limits (ListItems 5, DeleteObject 100) and answers above them with throttling errors, so
 * staying under them is cheaper than retrying.
 */
export class RateLimiter {
  private readonly stamps: number[] = [];
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly perSecond: number,
    private readonly clock: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.take());
    this.tail = turn.catch(() => {});
    return turn;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.clock();
      while (this.stamps.length > 0 && (this.stamps[0] ?? 0) <= now - 1000) this.stamps.shift();
      if (this.stamps.length < this.perSecond) {
        this.stamps.push(now);
        return;
      }
      await this.sleep((this.stamps[0] ?? now) + 1000 - now);
    }
  }
}

/**
 * Lets the AWS requests of a run be built one per turn of the event loop, the most urgent first. The SDK builds a
 * request (middleware, endpoint rules, signing) on the one thread the whole run shares, in promise jobs: requests
 * started together advance in lockstep, and none leaves before the last is built. So a destroy's 35 deletes left
 * together 50 ms after the first could have, the longest chain's among them; and answers that came back meanwhile
 * (a state write's flush, the step a chain waits for) were read only once every request queued before them was
 * built. One request per turn lets each leave once built, lets the answers between two be read, and lets the
 * longest chain's call go first. Shared by every workflow of a fleet, like the rates.
 *
 * `urgency`: CallUrgency's rank of the caller (round trips left on its chain, then done); equal ones go in
 * arrival order.
 */
export class SendTurns {
  private readonly waiting = new Map<number, (() => void)[]>();
  private scheduled = false;

  /** `nextTurn`: runs its callback in a later turn of the event loop (default: setImmediate). */
  constructor(
    private readonly nextTurn: (callback: () => void) => void = (callback) => setImmediate(callback),
  ) {}

  /** Resolves when a request of this urgency may be built and sent. */
  take(urgency: number): Promise<void> {
    return new Promise((resolve) => {
      const queue = this.waiting.get(urgency);
      if (queue) queue.push(resolve);
      else this.waiting.set(urgency, [resolve]);
      if (!this.scheduled) {
        this.scheduled = true;
        this.nextTurn(this.grant);
      }
    });
  }

  private readonly grant = (): void => {
    const most = Math.max(...this.waiting.keys());
    const queue = this.waiting.get(most) as (() => void)[];
    const resolve = queue.shift() as () => void;
    if (queue.length === 0) this.waiting.delete(most);
    if (this.waiting.size > 0) this.nextTurn(this.grant);
    else this.scheduled = false;
    resolve();
  };
}

/**
 * A workflow's turns: its first wave (the calls its first state write released together, before any of them
 * has an answer) takes one turn for all of them, as the first caller's; every later call takes its own. Built
 * together, the wave's requests leave together once the last is built; spread over turns, its first would
 * leave sooner and its last no sooner. Measured on the 20-downstream bench, spreading it too ended the run 25-40
 * ms sooner of 650 but moved the AWS span's start (the issue's measure: first request to last answer) forward
 * by the wave's building, about 50 ms for 30 requests. Against AWS's own latency and rates the difference
 * vanishes. Across a fleet, the workflows' waves take their turns one after another.
 */
export function workflowTurns(turns: SendTurns): (urgency: number) => Promise<void> {
  let firstWave: Promise<void> | undefined;
  let waveOpen = true;
  return (urgency) => {
    if (!waveOpen) return turns.take(urgency);
    firstWave ??= turns.take(urgency).then(() => {
      waveOpen = false;
    });
    return firstWave;
  };
}

/**
 * Per address, how urgent its next call is, for SendTurns: first the round trips left on its longest chain (its
 * own and its dependents'), then, between equal ones, the round trips already behind it on its longest chain
 * of dependencies and its own calls (the critical path's call, which started later, before a short chain's).
 * Each call counts one round trip off the first and onto the second, down to the last.
 */
export class CallUrgency {
  private readonly chains = new Map<string, { left: number; done: number }>();

  /** A phase's chains (a destroy's pre-check, then its deletes): each address starts from its chain's length. */
  set(address: string, roundTrips: number, before = 0): void {
    this.chains.set(address, { left: roundTrips, done: before });
  }

  /** The urgency of `address`'s next call: the round trips left, ties broken by those done (below 1,000). */
  next(address: string): number {
    const chain = this.chains.get(address);
    if (chain === undefined) return URGENCY_STEP;
    const urgency = chain.left * URGENCY_STEP + Math.min(chain.done, URGENCY_STEP - 1);
    // At its last round trip, its calls (a poll again, a page of deletes) stay equal: they go in arrival order.
    if (chain.left > 1) {
      chain.left -= 1;
      chain.done += 1;
    }
    return urgency;
  }
}

/** A round trip left outweighs any number done: done counts below it. */
const URGENCY_STEP = 1000;
