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
