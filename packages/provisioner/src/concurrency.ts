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

/** How SendTurns learns that a request has been built, and when the event loop turns. Injectable for tests. */
export interface SendTurnsOptions {
  /**
   * Runs its callback once the request just granted has been built. Default: once the promise jobs its grant
   * started have run (a microtask, then a tick): the SDK builds a request in promise jobs, up to handing it to
   * Node's HTTP client, which writes it in a tick queued after this one's.
   */
  afterBuild?: (callback: () => void) => void;
  /** Runs its callback in the event loop's next turn (default: setImmediate). */
  nextTurn?: (callback: () => void) => void;
  /** Milliseconds, for the budget (default: performance.now). */
  clock?: () => number;
  /** How long requests may be built one after another before the event loop gets a turn. */
  budgetMs?: number;
}

/**
 * 5 ms: a few requests (1-2 ms each once warm), and an answer, or a new connection, waits no more than a tenth of
 * a round trip to AWS for the event loop to take it in.
 */
const DEFAULT_BUILD_BUDGET_MS = 5;

/**
 * Lets the AWS requests of a run be built one at a time, the most urgent first. The SDK builds a request
 * (middleware, endpoint rules, signing) on the one thread the whole run shares, in promise jobs: requests started
 * together advance in lockstep, and none leaves before the last is built. So a destroy's 35 deletes left together
 * 50 ms after the first could have, the longest chain's among them. Built one at a time, each leaves once built.
 *
 * A request asked for while none is being built is granted at once, in the same job: the next step of a chain
 * leaves as soon as its answer is read, not after every other answer that came with it (a pre-check's 60 answers
 * take 20-30 ms to read, and were all read before the first follow-up left). Requests asked for while one is
 * being built wait, and go most urgent first as each build ends. Once `budgetMs` has been spent building since the
 * event loop last turned, the next request waits for its turn: the answers and connections that came meanwhile
 * are taken in, and may bring a more urgent request (time spent reading answers does not count: the loop is
 * taking its input then). Shared by every workflow of a fleet, like the rates.
 *
 * `urgency`: CallUrgency's rank of the caller (round trips left on its chain, then done); equal ones go in
 * arrival order.
 */
export class SendTurns {
  private readonly waiting = new Map<number, (() => void)[]>();
  /** A request is being built, or the budget is spent: the next one waits. */
  private busy = false;
  /** The event loop's next turn is marked: building time counts until it comes. */
  private turnMarked = false;
  /** Time spent building since the event loop's last turn. */
  private spentMs = 0;
  private grantedAt = 0;
  /** The budget is spent: the next grant waits for the event loop's turn. */
  private yielding = false;
  private readonly afterBuild: (callback: () => void) => void;
  private readonly nextTurn: (callback: () => void) => void;
  private readonly clock: () => number;
  private readonly budgetMs: number;

  constructor(options: SendTurnsOptions = {}) {
    this.afterBuild = options.afterBuild ?? afterPromiseJobs;
    this.nextTurn = options.nextTurn ?? ((callback) => setImmediate(callback));
    this.clock = options.clock ?? (() => performance.now());
    this.budgetMs = options.budgetMs ?? DEFAULT_BUILD_BUDGET_MS;
  }

  /** Resolves when a request of this urgency may be built and sent. */
  take(urgency: number): Promise<void> {
    return new Promise((resolve) => {
      const queue = this.waiting.get(urgency);
      if (queue) queue.push(resolve);
      else this.waiting.set(urgency, [resolve]);
      if (!this.busy) this.grant();
    });
  }

  private readonly grant = (): void => {
    if (this.waiting.size === 0) {
      this.busy = false;
      return;
    }
    this.busy = true;
    if (!this.turnMarked) {
      this.turnMarked = true;
      this.nextTurn(this.turnCame);
    } else if (this.spentMs >= this.budgetMs) {
      this.yielding = true;
      return;
    }
    const most = Math.max(...this.waiting.keys());
    const queue = this.waiting.get(most) as (() => void)[];
    const resolve = queue.shift() as () => void;
    if (queue.length === 0) this.waiting.delete(most);
    this.grantedAt = this.clock();
    resolve();
    this.afterBuild(this.built);
  };

  private readonly built = (): void => {
    this.spentMs += this.clock() - this.grantedAt;
    this.grant();
  };

  private readonly turnCame = (): void => {
    this.turnMarked = false;
    this.spentMs = 0;
    if (this.yielding) {
      this.yielding = false;
      this.grant();
    }
  };
}

/**
 * A workflow's turns: its first wave (the calls its first state write released together, before any of them
 * has an answer) takes one turn for all of them, as the first caller's; every later call takes its own. Built
 * together, the wave's requests leave together once the last is built; built one at a time, its first would
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
    // The wave is every call that comes before the promise jobs of the first have run; then it takes its turn.
    firstWave ??= new Promise<void>((resolve) => afterPromiseJobs(resolve)).then(() => {
      waveOpen = false;
      return turns.take(urgency);
    });
    return firstWave;
  };
}

/** Runs `callback` once the promise jobs queued so far, and those they queue, have run: a microtask, then a tick. */
function afterPromiseJobs(callback: () => void): void {
  queueMicrotask(() => process.nextTick(callback));
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
