import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateDocument } from '@mlds/core';
import { createFakeCloud } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import {
  apply,
  FileStateStore,
  LockHolderRunningError,
  LockNotFoundError,
  pushState,
  S3StateStore,
  type StateBackend,
  StateFencedError,
  StateLockedError,
  StatePushRefusedError,
} from '../src/index.js';
import type { ProcessTable } from '../src/process-table.js';
import { planOf, REGION, virtualTime } from './helpers.js';

// One suite, run against both stores: what the engine and the commands rely on is the same for the local file
// and for S3. A "run" is a store built with its own pid (and lock ids); `gone` makes a run's lock one whose run
// is gone: the file store takes such a lock over by itself, S3 (like Terraform) only after `state unlock`.

const HOST = 'build-1';

interface Harness {
  name: string;
  /** A store of the one state, as run number `pid` sees it. */
  run(pid: number): StateBackend;
  /** Makes the run `pid` a run that is gone (its process dead). */
  gone(pid: number): void;
  /** Whether a lock of a gone run is taken over by `lock()` itself (else: `forceUnlock` first). */
  takesOverByItself: boolean;
}

function ids(prefix: string) {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

function fileHarness(): Harness {
  const path = join(mkdtempSync(join(tmpdir(), 'mlds-contract-')), '.mlds', 'w.state.json');
  const dead = new Set<number>();
  const processes: ProcessTable = {
    status: (pid) => (dead.has(pid) ? { running: false } : { running: true, startedAt: `start-${pid}` }),
  };
  return {
    name: 'file',
    run: (pid) =>
      new FileStateStore(path, { hostname: HOST, pid, processes, randomId: ids(`p${pid}`), clock: () => 0 }),
    gone: (pid) => dead.add(pid),
    takesOverByItself: true,
  };
}

function s3Harness(): Harness {
  const cloud = createFakeCloud();
  cloud.seed.bucket('team-state', REGION);
  const dead = new Set<number>();
  return {
    name: 's3',
    run: (pid) =>
      new S3StateStore({
        client: cloud.clients.s3(REGION),
        bucket: 'team-state',
        key: 'mlds/w.json',
        hostname: HOST,
        pid,
        randomId: ids(`p${pid}`),
        clock: () => 0,
        processes: {
          status: (pid) =>
            dead.has(pid) ? { running: false } : { running: true, startedAt: `start-${pid}` },
        },
        sleep: async () => {},
      }),
    gone: (pid) => dead.add(pid),
    takesOverByItself: false,
  };
}

const state = (serial: number, lineage = 'lineage-1', addresses: string[] = []): StateDocument => ({
  formatVersion: 1,
  workflow: 'w',
  region: REGION,
  lineage,
  serial,
  resources: addresses.map((address) => ({
    address,
    kind: 'ssm-parameter',
    name: `/mlds/w/${address}`,
    region: REGION,
    pipeline: null,
    downstream: address,
    status: 'created',
  })),
});

describe.each([fileHarness, s3Harness])('state store contract: %o', (makeHarness) => {
  it('locks: a second run gets StateLockedError naming the holder (id, host, pid, command, since)', async () => {
    const h = makeHarness();
    const first = await h.run(100).lock('apply');
    const attempt = h.run(200).lock('destroy');
    await expect(attempt).rejects.toBeInstanceOf(StateLockedError);
    await expect(attempt).rejects.toMatchObject({
      holder: {
        id: 'p100-1',
        host: HOST,
        pid: 100,
        command: 'apply',
        acquiredAt: '1970-01-01T00:00:00.000Z',
      },
    });
    expect(await h.run(300).lockHolder()).toStrictEqual(first.info);
    await first.release();
    expect(await h.run(300).lockHolder()).toBeUndefined();
    const second = await h.run(200).lock('destroy');
    expect(second.takenOverFrom).toBeUndefined();
    await second.release();
  });

  it('releases once: a second release does nothing, and never removes a lock someone else holds now', async () => {
    const h = makeHarness();
    const first = await h.run(100).lock('apply');
    await first.release();
    const second = await h.run(200).lock('apply');
    await first.release();
    expect(await h.run(300).lockHolder()).toMatchObject({ pid: 200 });
    await second.release();
    await second.release();
    expect(await h.run(300).lockHolder()).toBeUndefined();
  });

  it('fences writes: a run whose state changed since it read it fails, and nothing is overwritten', async () => {
    const h = makeHarness();
    const seed = h.run(1);
    await seed.read();
    await seed.write(state(1));
    const a = h.run(100);
    const b = h.run(200);
    await a.read();
    await b.read();
    await b.write(state(2, 'lineage-1', ['b']));
    const attempt = a.write(state(2, 'lineage-1', ['a']));
    await expect(attempt).rejects.toBeInstanceOf(StateFencedError);
    await expect(attempt).rejects.toMatchObject({ reason: 'state-changed' });
    expect((await h.run(300).read())?.resources.map((r) => r.address)).toStrictEqual(['b']);
  });

  it('fences a first write too: a run that read no state does not overwrite one that appeared', async () => {
    const h = makeHarness();
    const a = h.run(100);
    expect(await a.read()).toBeUndefined();
    const b = h.run(200);
    await b.read();
    await b.write(state(1, 'lineage-b'));
    await expect(a.write(state(1, 'lineage-a'))).rejects.toBeInstanceOf(StateFencedError);
    expect((await h.run(300).read())?.lineage).toBe('lineage-b');
  });

  it('a lock whose run is gone is taken over (file: by itself; S3: after state unlock), and the old run is fenced out', async () => {
    const h = makeHarness();
    const seed = h.run(1);
    await seed.read();
    await seed.write(state(1));
    const old = h.run(100);
    const oldLock = await old.lock('apply');
    await old.read();
    h.gone(100);
    const next = h.run(200);
    if (!h.takesOverByItself) {
      await expect(next.lock('apply')).rejects.toBeInstanceOf(StateLockedError);
      await next.forceUnlock(oldLock.info.id);
    }
    const lock = await next.lock('apply');
    if (h.takesOverByItself) expect(lock.takenOverFrom).toMatchObject({ id: oldLock.info.id, pid: 100 });
    await next.read();
    await next.write(state(2, 'lineage-1', ['next']));
    await expect(old.write(state(2, 'lineage-1', ['old']))).rejects.toBeInstanceOf(StateFencedError);
    await oldLock.release();
    expect(await h.run(300).lockHolder()).toMatchObject({ pid: 200 });
    expect((await h.run(300).read())?.resources.map((r) => r.address)).toStrictEqual(['next']);
    await lock.release();
  });

  it('a run whose lock was removed or taken over cannot write, even before the new holder does', async () => {
    const h = makeHarness();
    const seed = h.run(1);
    await seed.read();
    await seed.write(state(1));
    const old = h.run(100);
    const oldLock = await old.lock('apply');
    await old.read();
    h.gone(100);
    const next = h.run(200);
    if (!h.takesOverByItself) await next.forceUnlock(oldLock.info.id);
    const lock = await next.lock('apply');
    const attempt = old.write(state(2, 'lineage-1', ['old']));
    await expect(attempt).rejects.toMatchObject({ name: 'StateFencedError', reason: 'lock-lost' });
    await expect(attempt).rejects.toThrow(/now held by apply on build-1, pid 200/);
    expect(await h.run(300).read()).toStrictEqual(state(1));
    await lock.release();
  });

  it('unlock removes only the lock with the id given', async () => {
    const h = makeHarness();
    const held = await h.run(100).lock('apply');
    const admin = h.run(300);
    const wrong = admin.forceUnlock('not-the-id');
    await expect(wrong).rejects.toBeInstanceOf(LockNotFoundError);
    await expect(wrong).rejects.toMatchObject({ holder: { id: held.info.id } });
    // Its run still runs on this host: the lock stays unless told otherwise (terraform force-unlock asks).
    const live = admin.forceUnlock(held.info.id);
    await expect(live).rejects.toBeInstanceOf(LockHolderRunningError);
    await expect(live).rejects.toMatchObject({ holder: held.info });
    expect(await admin.lockHolder()).toStrictEqual(held.info);
    expect(await admin.forceUnlock(held.info.id, { evenIfRunning: true })).toStrictEqual(held.info);
    expect(await admin.lockHolder()).toBeUndefined();
    await expect(admin.forceUnlock(held.info.id)).rejects.toMatchObject({ holder: undefined });
  });

  it('push copies a state in, refusing another lineage, a newer serial, or the same serial with other contents', async () => {
    const h = makeHarness();
    const source = new FileStateStore(join(mkdtempSync(join(tmpdir(), 'mlds-push-')), 'w.state.json'));
    await source.read();
    await source.write(state(3, 'lineage-1', ['a']));
    expect(await pushState(source, h.run(100))).toStrictEqual({ serial: 3, written: true });
    expect(await h.run(300).read()).toStrictEqual(state(3, 'lineage-1', ['a']));
    expect(await pushState(source, h.run(100))).toStrictEqual({ serial: 3, written: false });
    expect(await h.run(300).lockHolder()).toBeUndefined();

    const other = new FileStateStore(join(mkdtempSync(join(tmpdir(), 'mlds-push-')), 'w.state.json'));
    await other.read();
    await other.write(state(9, 'lineage-2'));
    await expect(pushState(other, h.run(100))).rejects.toThrow(/lineage lineage-1, not lineage-2/);
    const older = new FileStateStore(join(mkdtempSync(join(tmpdir(), 'mlds-push-')), 'w.state.json'));
    await older.read();
    await older.write(state(2, 'lineage-1'));
    await expect(pushState(older, h.run(100))).rejects.toBeInstanceOf(StatePushRefusedError);
    expect(await h.run(300).read()).toStrictEqual(state(3, 'lineage-1', ['a']));
    // The same serial with other contents: each moved on from serial 2 with a run of its own.
    const sibling = new FileStateStore(join(mkdtempSync(join(tmpdir(), 'mlds-push-')), 'w.state.json'));
    await sibling.read();
    await sibling.write(state(3, 'lineage-1', ['b']));
    const refused = pushState(sibling, h.run(100));
    await expect(refused).rejects.toBeInstanceOf(StatePushRefusedError);
    await expect(refused).rejects.toThrow(/both at serial 3, with different contents/);
    expect(await h.run(300).read()).toStrictEqual(state(3, 'lineage-1', ['a']));
  });

  it('push refuses a source another run holds (an apply under way): StateLockedError, nothing written', async () => {
    const h = makeHarness();
    const path = join(mkdtempSync(join(tmpdir(), 'mlds-push-')), 'w.state.json');
    const running = new FileStateStore(path, { pid: 4242, isProcessAlive: () => true });
    const held = await running.lock('apply');
    await running.read();
    await running.write(state(1, 'lineage-1', ['a']));
    const source = new FileStateStore(path, { isProcessAlive: () => true });
    await expect(pushState(source, h.run(100))).rejects.toBeInstanceOf(StateLockedError);
    expect(await h.run(300).read()).toBeUndefined();
    expect(await h.run(300).lockHolder()).toBeUndefined();
    await held.release();
    expect(await pushState(source, h.run(100))).toStrictEqual({ serial: 1, written: true });
    // Both locks released.
    expect(await source.lockHolder()).toBeUndefined();
    expect(await h.run(300).lockHolder()).toBeUndefined();
  });

  it('through the engine: serial +1 per run that changed something, lineage given once and kept', async () => {
    const h = makeHarness();
    const cloud = createFakeCloud();
    let writes = 0;
    const run = (pid: number, recorded?: StateDocument) => {
      const store = h.run(pid);
      return apply({
        plan: planOf({}, recorded),
        clients: cloud.clients,
        store: {
          lock: (command) => store.lock(command),
          read: () => store.read(),
          write: (doc) => {
            writes += 1;
            return store.write(doc);
          },
        },
        env: {},
        newLineage: () => `lineage-of-${pid}`,
        ...virtualTime(),
      });
    };
    const first = await run(100);
    expect(first.state?.resources.length).toBeGreaterThanOrEqual(1);
    // Intent before the call, the result after: several writes, one run, one serial.
    expect(writes).toBeGreaterThanOrEqual(2);
    expect(first.state).toMatchObject({ serial: 1, lineage: 'lineage-of-100' });
    const second = await run(200, first.state);
    expect(second.state).toMatchObject({ serial: 1, lineage: 'lineage-of-100' });
    expect(await h.run(300).read()).toMatchObject({ serial: 1, lineage: 'lineage-of-100' });
  });
});
