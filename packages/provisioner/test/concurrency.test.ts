import { describe, expect, it } from 'vitest';
import { forEachLimit, RateLimiter, Semaphore } from '../src/concurrency.js';
import { virtualTime } from './helpers.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('never runs more than its limit at once, and runs everything', async () => {
    const semaphore = new Semaphore(3);
    let active = 0;
    let peak = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        semaphore.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await tick();
          active--;
          done.push(index);
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('rejects a limit below 1', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

describe('forEachLimit', () => {
  it('lets every task finish, then rejects with the first error', async () => {
    const finished: number[] = [];
    const run = forEachLimit([1, 2, 3, 4], 2, async (n) => {
      await tick();
      if (n === 2) throw new Error('two failed');
      finished.push(n);
    });
    await expect(run).rejects.toThrow('two failed');
    expect(finished.sort()).toEqual([1, 3, 4]);
  });
});

describe('RateLimiter', () => {
  it('allows at most `perSecond` acquisitions in any 1,000 ms of the injected clock', async () => {
    const time = virtualTime(0);
    const limiter = new RateLimiter(5, time.clock, time.sleep);
    const stamps: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        await limiter.acquire();
        stamps.push(time.clock());
      }),
    );
    expect(stamps).toHaveLength(12);
    for (const start of stamps) {
      expect(stamps.filter((stamp) => stamp >= start && stamp < start + 1000).length).toBeLessThanOrEqual(5);
    }
    expect(Math.max(...stamps)).toBeGreaterThanOrEqual(2000);
  });

  it('does not wait while under the limit', async () => {
    const time = virtualTime(0);
    const limiter = new RateLimiter(100, time.clock, time.sleep);
    for (let i = 0; i < 100; i++) await limiter.acquire();
    expect(time.sleeps).toEqual([]);
  });
});
