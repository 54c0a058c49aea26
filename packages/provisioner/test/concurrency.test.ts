import { describe, expect, it } from 'vitest';
import {
  CallUrgency,
  forEachLimit,
  RateLimiter,
  Semaphore,
  SendTurns,
  workflowTurns,
} from '../src/concurrency.js';
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

/**
 * SendTurns with its builds, the event loop's turns and the clock in the test's hands: `built(ms)` ends the build
 * in progress after `ms` of building, `turn()` runs the event loop's next turn, `read(ms)` lets time pass outside
 * any build (answers being read).
 */
function manualTurns(budgetMs = Number.POSITIVE_INFINITY) {
  const builds: (() => void)[] = [];
  const turnsAsked: (() => void)[] = [];
  let now = 0;
  const turns = new SendTurns({
    afterBuild: (callback) => builds.push(callback),
    nextTurn: (callback) => turnsAsked.push(callback),
    clock: () => now,
    budgetMs,
  });
  const sent: string[] = [];
  const send = (name: string, urgency: number, take = (u: number) => turns.take(u)) =>
    take(urgency).then(() => sent.push(name));
  const jobs = () => new Promise((resolve) => setImmediate(resolve));
  const built = async (ms = 1) => {
    now += ms;
    builds.shift()?.();
    await jobs();
  };
  const turn = async () => {
    turnsAsked.shift()?.();
    await jobs();
  };
  const read = (ms: number) => {
    now += ms;
  };
  return { turns, send, built, turn, read, jobs, sent, builds, turnsAsked };
}

describe('SendTurns', () => {
  it('grants a request at once while none is being built; the others wait for the build, most urgent first', async () => {
    const { send, built, jobs, sent, builds } = manualTurns();
    void send('bucket', 2);
    void send('password', 1);
    void send('container', 3);
    void send('channel', 2);
    await jobs();
    expect(sent).toStrictEqual(['bucket']);
    for (let i = 0; i < 3; i++) await built();
    expect(sent).toStrictEqual(['bucket', 'container', 'channel', 'password']);
    await built();
    expect(builds).toHaveLength(0);
    // Nothing is being built: the next one is granted at once again.
    void send('policy', 1);
    await jobs();
    expect(sent.at(-1)).toBe('policy');
  });

  it('serves a more urgent request that came while others waited before them; equal ones in arrival order', async () => {
    const { send, built, jobs, sent } = manualTurns();
    for (const name of ['a', 'b', 'c']) void send(name, 1);
    await jobs();
    void send('longest chain', 3);
    void send('d', 1);
    for (let i = 0; i < 4; i++) await built();
    expect(sent).toStrictEqual(['a', 'longest chain', 'b', 'c', 'd']);
  });

  it('once the budget is spent building since the event loop last turned, the next request waits for the turn', async () => {
    const { send, built, turn, read, jobs, sent, turnsAsked } = manualTurns(5);
    void send('a', 1);
    await jobs();
    // The first grant marks the event loop's next turn.
    expect(turnsAsked).toHaveLength(1);
    await built(3);
    // Time spent reading answers between builds is the loop taking its input: it does not count.
    read(50);
    void send('b', 1);
    await jobs();
    expect(sent).toStrictEqual(['a', 'b']);
    void send('c', 1);
    void send('d', 1);
    await built(3);
    expect(sent).toStrictEqual(['a', 'b']);
    await turn();
    expect(sent).toStrictEqual(['a', 'b', 'c']);
    expect(turnsAsked).toHaveLength(1);
    await built(1);
    expect(sent).toStrictEqual(['a', 'b', 'c', 'd']);
  });

  it('by default, a request counts as built once the promise jobs its grant started have run', async () => {
    const turns = new SendTurns();
    const steps: string[] = [];
    const a = turns.take(1).then(async () => {
      steps.push('a starts');
      for (let job = 0; job < 20; job++) await null;
      steps.push('a handed over');
    });
    const b = turns.take(1).then(() => steps.push('b starts'));
    await Promise.all([a, b]);
    expect(steps).toStrictEqual(['a starts', 'a handed over', 'b starts']);
  });

  it('by default, the event loop turns once 5 ms have been spent building', async () => {
    let now = 0;
    const turns = new SendTurns({ clock: () => now });
    const sent: string[] = [];
    const send = (name: string) =>
      turns.take(1).then(() => {
        sent.push(name);
        now += 3;
      });
    const turned = new Promise((resolve) => setImmediate(() => resolve([...sent])));
    await Promise.all(['a', 'b', 'c'].map(send));
    expect(await turned).toStrictEqual(['a', 'b']);
    expect(sent).toStrictEqual(['a', 'b', 'c']);
  });
});

describe('workflowTurns', () => {
  it('a workflow’s first wave takes one turn for all its calls, every later call a turn of its own', async () => {
    const { turns, send, built, jobs, sent, builds } = manualTurns();
    const ofWorkflow = workflowTurns(turns);
    void send('container', 3, ofWorkflow);
    void send('bucket', 2, ofWorkflow);
    void send('password', 1, ofWorkflow);
    await jobs();
    expect(sent).toStrictEqual(['container', 'bucket', 'password']);
    expect(builds).toHaveLength(1);
    void send('describe', 2, ofWorkflow);
    void send('policy', 1, ofWorkflow);
    await built();
    expect(sent.slice(3)).toStrictEqual(['describe']);
    await built();
    expect(sent.slice(3)).toStrictEqual(['describe', 'policy']);
  });

  it('in a fleet, each workflow’s first wave is one turn among the others’ requests, by its first call’s urgency', async () => {
    const { turns, send, built, jobs, sent } = manualTurns();
    const court1 = workflowTurns(turns);
    const court2 = workflowTurns(turns);
    void send('court-1 channel', 2, court1);
    void send('court-1 bucket', 2, court1);
    await jobs();
    void send('court-1 policy', 1, court1);
    void send('court-2 container', 3, court2);
    void send('court-2 bucket', 2, court2);
    await jobs();
    await built();
    expect(sent).toStrictEqual(['court-1 channel', 'court-1 bucket', 'court-2 container', 'court-2 bucket']);
    await built();
    expect(sent.at(-1)).toBe('court-1 policy');
  });
});

describe('CallUrgency', () => {
  it('ranks by the round trips left, each call one fewer (down to 1); an address it was not told of is the least', () => {
    const urgency = new CallUrgency();
    urgency.set('c.container', 3);
    const [create, describe, policy, poll] = [1, 2, 3, 4].map(() => urgency.next('c.container')) as number[];
    expect(create).toBeGreaterThan(describe as number);
    expect(describe).toBeGreaterThan(policy as number);
    // Past its last round trip (a poll again, a page of deletes), its calls stay equal: arrival order.
    expect(poll).toBe(policy);
    expect(urgency.next('unknown')).toBeLessThan(policy as number);
    urgency.set('c.container', 2);
    urgency.set('b.bucket', 1);
    expect(urgency.next('c.container')).toBeGreaterThan(urgency.next('b.bucket'));
  });

  it('between equal round trips left, the call with more done before it goes first (the critical path)', () => {
    const urgency = new CallUrgency();
    // A channel's last check (its passwords, then its delete, done) and a container's (its delete done).
    urgency.set('packager.channel', 2, 1);
    urgency.set('store.container', 2, 0);
    urgency.next('packager.channel');
    urgency.next('store.container');
    const channelCheck = urgency.next('packager.channel');
    const containerCheck = urgency.next('store.container');
    expect(channelCheck).toBeGreaterThan(containerCheck);
    // One round trip left still outweighs any number done.
    urgency.set('web.password', 2, 0);
    expect(urgency.next('web.password')).toBeGreaterThan(channelCheck);
  });
});
