import { mkdtempSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateDocument } from '@mlds/core';
import { createFakeCloud } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import {
  apply,
  FileStateStore,
  type Lock,
  S3StateStore,
  type StateFileSystem,
  StateLockedError,
} from '../src/index.js';
import { planOf, REGION, virtualTime } from './helpers.js';

// Races, run many times with interleavings chosen by a seeded generator: deterministic, and no wall clock.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The real file system, each call held back a few event-loop turns as `draw` decides. */
function jitteredFs(draw: () => number, onRename: (from: string) => void): StateFileSystem {
  const hold = async () => {
    for (let n = Math.floor(draw() * 4); n > 0; n -= 1) await turn();
  };
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await hold();
      return call(...args);
    };
  return {
    open: wrap(fs.open),
    readFile: wrap(fs.readFile) as StateFileSystem['readFile'],
    rename: wrap(async (from: Parameters<typeof fs.rename>[0], to: Parameters<typeof fs.rename>[1]) => {
      onRename(String(from));
      return fs.rename(from, to);
    }),
    unlink: wrap(fs.unlink),
    mkdir: wrap(fs.mkdir) as StateFileSystem['mkdir'],
    rmdir: wrap(fs.rmdir),
    stat: wrap(fs.stat) as StateFileSystem['stat'],
    link: wrap(fs.link),
  };
}

describe('the local lock under races', () => {
  it('200 trials of two runs finding the same stale lock: never both proceed, exactly one does', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mlds-race-'));
    let bothTookOver = 0;
    for (let trial = 0; trial < 200; trial += 1) {
      const path = join(root, `t${trial}`, 'w.state.json');
      // A run that crashed (pid 1) left its lock behind.
      await new FileStateStore(path, { hostname: 'h', pid: 1, randomId: () => 'crashed' }).lock('apply');
      const draw = mulberry32(trial + 1);
      const takeovers = new Set<number>();
      const run = (pid: number) =>
        new FileStateStore(path, {
          hostname: 'h',
          pid,
          randomId: (() => {
            let n = 0;
            return () => `run${pid}-${++n}`;
          })(),
          processes: { status: (p) => (p === 1 ? { running: false } : { running: true }) },
          fs: jitteredFs(draw, (from) => {
            if (from === `${path}.lock`) takeovers.add(pid);
          }),
        }).lock('apply');
      const results = await Promise.allSettled([run(2), run(3)]);
      if (takeovers.size === 2) bothTookOver += 1;
      const won = results.filter((r): r is PromiseFulfilledResult<Lock> => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect({ trial, proceeded: won.length }).toStrictEqual({ trial, proceeded: 1 });
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(StateLockedError);
      const onDisk = JSON.parse(await fs.readFile(`${path}.lock`, 'utf8')) as { id: string };
      expect(onDisk.id).toBe(won[0]?.value.info.id);
    }
    // The interleavings reach the race itself: both runs moved the lock aside in some trials.
    expect(bothTookOver).toBeGreaterThan(0);
    // 200 trials of real file operations on a shared machine: a generous bound, not a speed target.
  }, 120_000);
});

describe('an S3 state shared by 20 concurrent runs (fake cloud)', () => {
  const store = (cloud: ReturnType<typeof createFakeCloud>, pid: number) =>
    new S3StateStore({
      client: cloud.clients.s3(REGION),
      bucket: 'team-state',
      key: 'mlds/curling-live.json',
      hostname: `laptop-${pid}`,
      pid,
      randomId: () => `lock-${pid}`,
      processes: { status: () => ({ running: true }) },
      sleep: async () => {},
    });

  it('20 concurrent applies: exactly one proceeds, the 19 others are refused as locked before any AWS call', async () => {
    const cloud = createFakeCloud();
    cloud.seed.bucket('team-state', REGION);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        apply({
          plan: planOf(),
          clients: cloud.clients,
          store: store(cloud, 100 + i),
          env: {},
          ...virtualTime(),
        }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const locked = results.filter(
      (r) => r.status === 'rejected' && (r.reason as Error) instanceof StateLockedError,
    );
    expect([won.length, locked.length]).toStrictEqual([1, 19]);
    // Only the state bucket was touched by anyone but the winner: one set of resources exists.
    const created = cloud.calls().filter((call) => call.mutating && !('Key' in (call.input as object)));
    expect(created.length).toBeGreaterThan(0);
    const lockWrites = cloud
      .calls()
      .filter(
        (call) =>
          call.command === 'PutObjectCommand' && (call.input as { Key?: string }).Key?.endsWith('.lock'),
      );
    expect(lockWrites.filter((call) => call.outcome === 'ok')).toHaveLength(1);
    expect(lockWrites.filter((call) => call.error === 'PreconditionFailed')).toHaveLength(19);
    expect(cloud.s3Objects.text('team-state', 'mlds/curling-live.json.lock')).toBeUndefined();
  }, 60_000);

  it('20 runs that retry when locked: one at a time, every update kept, 409 conflicts retried', async () => {
    const cloud = createFakeCloud();
    cloud.seed.bucket('team-state', REGION);
    cloud.s3Objects.conflictNextConditionalWrites(7);
    let inside = 0;
    let mostInside = 0;
    let refusals = 0;
    const worker = async (pid: number) => {
      for (;;) {
        const s = store(cloud, pid);
        let lock: Lock;
        try {
          lock = await s.lock('apply');
        } catch (error) {
          if (!(error instanceof StateLockedError)) throw error;
          refusals += 1;
          await turn();
          continue;
        }
        inside += 1;
        mostInside = Math.max(mostInside, inside);
        try {
          const doc: StateDocument = (await s.read()) ?? {
            formatVersion: 1,
            workflow: 'curling-live',
            region: REGION,
            lineage: 'shared',
            serial: 0,
            resources: [],
          };
          await turn();
          doc.serial += 1;
          doc.resources.push({
            address: `run${pid}.parameter`,
            kind: 'ssm-parameter',
            name: `/mlds/run${pid}`,
            region: REGION,
            pipeline: null,
            downstream: `run${pid}`,
            status: 'created',
          });
          await s.write(doc);
        } finally {
          inside -= 1;
          await lock.release();
        }
        return;
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => worker(100 + i)));
    const final = JSON.parse(cloud.s3Objects.text('team-state', 'mlds/curling-live.json') ?? '{}');
    expect(mostInside).toBe(1);
    expect(refusals).toBeGreaterThanOrEqual(19);
    expect(final.serial).toBe(20);
    expect(final.resources.map((r: { address: string }) => r.address).sort()).toStrictEqual(
      Array.from({ length: 20 }, (_, i) => `run${100 + i}.parameter`).sort(),
    );
    expect(cloud.calls().filter((call) => call.error === 'ConditionalRequestConflict')).toHaveLength(7);
  }, 60_000);
});
