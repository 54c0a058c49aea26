import type { StateDocument, StateResource } from '@mlds/core';
import { describe, expect, it } from 'vitest';
import { StateKeeper } from '../src/state-keeper.js';
import { MemoryStateStore } from './helpers.js';

// Intents are written before their calls; completions linger until an intent, the linger timer or the run's
// end takes them to disk. The timer is injected: these tests fire it by hand.

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function bucket(name: string, status: StateResource['status']): StateResource {
  return {
    address: `${name}.bucket`,
    kind: 's3-bucket',
    name: `curling-live-${name}`,
    region: 'us-west-2',
    pipeline: null,
    downstream: name,
    status,
  };
}

function emptyState(): StateDocument {
  return {
    formatVersion: 1,
    workflow: 'curling-live',
    region: 'us-west-2',
    lineage: 'lineage-1',
    serial: 3,
    resources: [],
  };
}

/** A keeper over a store that logs its writes, with a linger timer fired by hand. */
function keeperWithTimer(store = new MemoryStateStore()) {
  const timers: { ms: number; fire: () => void; cancelled: boolean }[] = [];
  const keeper = new StateKeeper(store, emptyState(), () => 'new-lineage', {
    lingerMs: 250,
    schedule: (ms, fire) => {
      const timer = { ms, fire, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
  });
  const statuses = () => store.writes.map((doc) => doc.resources.map((r) => `${r.address} ${r.status}`));
  return { keeper, store, timers, statuses };
}

describe('StateKeeper: intents on disk before their calls, completions lingering', () => {
  it('writes an intent at once, and resolves only once it is on disk', async () => {
    const { keeper, store, statuses } = keeperWithTimer();
    const written = keeper.put(bucket('a', 'creating'));
    expect(store.writes).toHaveLength(0);
    await written;
    expect(statuses()).toStrictEqual([['a.bucket creating']]);
    // The run's first write raises the serial, once.
    expect(store.writes[0]?.serial).toBe(4);
  });

  it('keeps a completion alone off the disk until its linger timer fires, then writes it once', async () => {
    const { keeper, store, timers, statuses } = keeperWithTimer();
    keeper.putSoon(bucket('a', 'created'));
    keeper.putSoon(bucket('b', 'created'));
    await turn();
    await turn();
    expect(store.writes).toHaveLength(0);
    expect(timers.map((timer) => timer.ms)).toStrictEqual([250]);
    timers[0]?.fire();
    await keeper.drain();
    expect(statuses()).toStrictEqual([['a.bucket created', 'b.bucket created']]);
  });

  it('takes the lingering completions along with the next intent, and cancels their timer', async () => {
    const { keeper, timers, statuses } = keeperWithTimer();
    keeper.putSoon(bucket('a', 'created'));
    await turn();
    await keeper.put(bucket('b', 'creating'));
    expect(statuses()).toStrictEqual([['a.bucket created', 'b.bucket creating']]);
    expect(timers.map((timer) => timer.cancelled)).toStrictEqual([true]);
    await keeper.drain();
    expect(statuses()).toHaveLength(1);
  });

  it('writes whatever still lingers when the run drains, at once and without waiting for the timer', async () => {
    const { keeper, timers, statuses } = keeperWithTimer();
    await keeper.put(bucket('a', 'creating'));
    keeper.putSoon(bucket('a', 'created'));
    keeper.removeSoon(bucket('gone', 'created'));
    await keeper.drain();
    expect(statuses()).toStrictEqual([['a.bucket creating'], ['a.bucket created']]);
    expect(timers.every((timer) => timer.cancelled)).toBe(true);
    // After the drain nothing lingers: a late completion is written straight away.
    keeper.putSoon(bucket('b', 'created'));
    await keeper.drain();
    expect(statuses()).toHaveLength(3);
  });

  it('a completion made while a write is in flight lingers after it, instead of a second write at once', async () => {
    let finishWrite = () => {};
    class HeldStore extends MemoryStateStore {
      override async write(doc: StateDocument): Promise<void> {
        await new Promise<void>((resolve) => {
          finishWrite = resolve;
        });
        await super.write(doc);
      }
    }
    const { keeper, store, timers, statuses } = keeperWithTimer(new HeldStore());
    const intent = keeper.put(bucket('a', 'creating'));
    await turn();
    await turn();
    // The write of the intent is in flight: the completion comes after its document was copied.
    keeper.putSoon(bucket('b', 'created'));
    finishWrite();
    await intent;
    await turn();
    expect(statuses()).toStrictEqual([['a.bucket creating']]);
    expect(timers.map((timer) => [timer.ms, timer.cancelled])).toStrictEqual([[250, false]]);
    const drained = keeper.drain();
    await turn();
    finishWrite();
    await drained;
    expect(statuses()).toStrictEqual([['a.bucket creating'], ['a.bucket creating', 'b.bucket created']]);
    expect(store.writes).toHaveLength(2);
  });

  it('throws from drain the failure of a lingering completion’s write', async () => {
    class FailingStore extends MemoryStateStore {
      override async write(): Promise<void> {
        throw new Error('disk full');
      }
    }
    const { keeper } = keeperWithTimer(new FailingStore());
    keeper.putSoon(bucket('a', 'created'));
    await expect(keeper.drain()).rejects.toThrow('disk full');
  });

  it('finds, replaces and removes entries by identity', async () => {
    const { keeper } = keeperWithTimer();
    await keeper.put(bucket('a', 'creating'));
    keeper.putSoon(bucket('a', 'created'));
    expect(keeper.get(bucket('a', 'created'))?.status).toBe('created');
    expect(keeper.all()).toHaveLength(1);
    await keeper.remove(bucket('a', 'created'));
    expect(keeper.get(bucket('a', 'created'))).toBeUndefined();
    expect(keeper.all()).toStrictEqual([]);
    await keeper.drain();
  });

  it('lists new entries in the plan’s order, whatever order the run starts them in', async () => {
    const doc = { ...emptyState(), resources: [bucket('kept', 'created')] };
    const keeper = new StateKeeper(new MemoryStateStore(), doc, () => 'new-lineage', {
      order: ['a.bucket', 'kept.bucket', 'b.bucket', 'c.bucket'],
    });
    await Promise.all([
      keeper.put(bucket('c', 'creating')),
      keeper.put(bucket('unplanned', 'creating')),
      keeper.put(bucket('a', 'creating')),
      keeper.put(bucket('b', 'creating')),
    ]);
    expect(keeper.all().map((entry) => entry.address)).toStrictEqual([
      'a.bucket',
      'kept.bucket',
      'b.bucket',
      'c.bucket',
      'unplanned.bucket',
    ]);
    await keeper.drain();
  });
});
