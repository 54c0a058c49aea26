import * as syncFs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StateDocument } from '@mlds/core';
import { describe, expect, it } from 'vitest';
import { StateCorruptError, StateLockedError } from '../src/errors.js';
import { apply } from '../src/index.js';
import { FileStateStore, type StateWriteFileSystem } from '../src/state-store.js';
import { mockedClients, planOf } from './helpers.js';

function statePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'mlds-state-')), '.mlds', 'curling-live.state.json');
}

const doc = (serial: number): StateDocument => ({
  formatVersion: 1,
  workflow: 'curling-live',
  region: 'us-west-2',
  serial,
  resources: [
    {
      address: 'archive.bucket[0]',
      kind: 's3-bucket',
      name: 'curling-live-archive-p0',
      region: 'us-west-2',
      pipeline: 0,
      downstream: 'archive',
      status: 'created',
    },
  ],
});

const HOUR = 3_600_000;

describe('FileStateStore: the state file', () => {
  it('reads nothing before the first write', async () => {
    expect(await new FileStateStore(statePath()).read()).toBeUndefined();
  });

  it('writes JSON that reads back equal, readable only by its owner (0600)', async () => {
    const path = statePath();
    const store = new FileStateStore(path);
    await store.write(doc(1));
    expect(await store.read()).toEqual(doc(1));
    expect(JSON.parse(await fs.readFile(path, 'utf8'))).toEqual(doc(1));
    expect((await fs.stat(path)).mode & 0o777).toBe(0o600);
  });

  it('keeps 0600 even when the old file had wider permissions', async () => {
    const path = statePath();
    const store = new FileStateStore(path);
    await store.write(doc(1));
    await fs.chmod(path, 0o644);
    await store.write(doc(2));
    expect((await fs.stat(path)).mode & 0o777).toBe(0o600);
  });

  it('writes a temp file in the same directory, syncs it, renames it over, then syncs the directory', async () => {
    const path = statePath();
    const steps: string[] = [];
    const labelOf = (file: string) =>
      file === dirname(path) ? 'directory' : dirname(file) === dirname(path) ? 'temp' : file;
    const opened = new Map<number, string>();
    const traced: StateWriteFileSystem = {
      ...syncFs,
      openSync: ((file: string, flags: syncFs.OpenMode, mode?: number) => {
        const handle = syncFs.openSync(file, flags, mode);
        opened.set(handle, labelOf(file));
        steps.push(`open ${labelOf(file)}`);
        return handle;
      }) as StateWriteFileSystem['openSync'],
      fsync: (handle, callback) => {
        steps.push(`sync ${opened.get(handle)}`);
        syncFs.fsync(handle, callback);
      },
      renameSync: (from, to) => {
        steps.push(`rename ${labelOf(String(from))} -> ${to === path ? 'state' : to}`);
        syncFs.renameSync(from, to);
      },
    };
    await new FileStateStore(path, { writeFs: traced }).write(doc(1));
    expect(steps).toEqual([
      'open temp',
      'sync temp',
      'rename temp -> state',
      'open directory',
      'sync directory',
    ]);
  });

  it('holds the thread for no flush: the run goes on while the disk flushes, and the rename waits for it', async () => {
    const path = statePath();
    await new FileStateStore(path).write(doc(1));
    const before = await fs.readFile(path, 'utf8');
    // A disk that flushes only when the test says so.
    const flushing: (() => void)[] = [];
    const slowDisk: StateWriteFileSystem = {
      ...syncFs,
      fsync: (handle, callback) => {
        flushing.push(() => syncFs.fsync(handle, callback));
      },
    };
    const store = new FileStateStore(path, { writeFs: slowDisk });
    await store.read();
    let written = false;
    const write = store.write(doc(2)).then(() => {
      written = true;
    });
    // These awaits are other work of the run: each could only run because the write let go of the thread.
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushing).toHaveLength(1);
    expect(await fs.readFile(path, 'utf8')).toBe(before);
    expect((await fs.readdir(dirname(path))).filter((name) => name.endsWith('.tmp'))).toHaveLength(1);

    flushing.shift()?.();
    // The disk's answer comes back through the thread pool: a turn or a few of the event loop.
    while (flushing.length === 0) await new Promise((resolve) => setImmediate(resolve));
    // The temp file is on disk and renamed into place; the directory's flush (the rename's) is pending.
    expect(JSON.parse(await fs.readFile(path, 'utf8'))).toEqual(doc(2));
    expect(flushing).toHaveLength(1);
    expect(written).toBe(false);

    flushing.shift()?.();
    await write;
    expect(written).toBe(true);
    expect(await fs.readdir(dirname(path))).toEqual(['curling-live.state.json']);
  });

  it('leaves the old file whole when a write dies before the rename, and no temp file behind', async () => {
    const path = statePath();
    await new FileStateStore(path).write(doc(1));
    const before = await fs.readFile(path, 'utf8');
    const dying: StateWriteFileSystem = {
      ...syncFs,
      renameSync: () => {
        throw Object.assign(new Error('killed mid-write'), { code: 'EIO' });
      },
    };
    const store = new FileStateStore(path, { writeFs: dying });
    await store.read();
    await expect(store.write(doc(2))).rejects.toThrow('killed mid-write');
    expect(await fs.readFile(path, 'utf8')).toBe(before);
    expect(await fs.readdir(dirname(path))).toEqual(['curling-live.state.json']);
  });

  it('after its own write, reads the file back only when it is no longer the file it wrote', async () => {
    const path = statePath();
    const reads: string[] = [];
    const counting: StateWriteFileSystem = {
      ...syncFs,
      readFileSync: ((file: string, options: BufferEncoding) => {
        if (file === path) reads.push(file);
        return syncFs.readFileSync(file, options);
      }) as StateWriteFileSystem['readFileSync'],
    };
    const store = new FileStateStore(path, { writeFs: counting });
    await store.write(doc(1));
    await store.write(doc(2));
    await store.write(doc(3));
    // The first write checks that no file appeared; the next two find the very file the store wrote.
    expect(reads).toHaveLength(1);
    expect(JSON.parse(await fs.readFile(path, 'utf8'))).toEqual(doc(3));
  });

  it('writes on when the file cannot be looked at after a write, and checks the next write by reading it back', async () => {
    const path = statePath();
    const reads: string[] = [];
    const blind: StateWriteFileSystem = {
      ...syncFs,
      statSync: (() => {
        throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
      }) as unknown as StateWriteFileSystem['statSync'],
      readFileSync: ((file: string, options: BufferEncoding) => {
        if (file === path) reads.push(file);
        return syncFs.readFileSync(file, options);
      }) as StateWriteFileSystem['readFileSync'],
    };
    const store = new FileStateStore(path, { writeFs: blind });
    await store.write(doc(1));
    await store.write(doc(2));
    expect(reads).toHaveLength(2);
    expect(JSON.parse(await fs.readFile(path, 'utf8'))).toEqual(doc(2));
  });

  it('fences a write after its own: the file of another run in its place, or an edit in place, is never overwritten', async () => {
    const path = statePath();
    const mine = new FileStateStore(path);
    await mine.write(doc(1));
    const other = new FileStateStore(path);
    await other.read();
    await other.write(doc(2));
    await expect(mine.write(doc(3))).rejects.toMatchObject({
      name: 'StateFencedError',
      reason: 'state-changed',
    });
    expect(JSON.parse(await fs.readFile(path, 'utf8'))).toEqual(doc(2));

    const again = new FileStateStore(path);
    await again.read();
    await again.write(doc(4));
    // An edit in place: the same inode and the same size; its content and ctime change.
    const text = await fs.readFile(path, 'utf8');
    await fs.writeFile(path, text.replace('"serial": 4', '"serial": 5'));
    await expect(again.write(doc(6))).rejects.toMatchObject({
      name: 'StateFencedError',
      reason: 'state-changed',
    });
    expect(JSON.parse(await fs.readFile(path, 'utf8')).serial).toBe(5);
  });

  it('refuses a file that is not JSON, naming the path and what to do, and never overwrites it', async () => {
    const path = statePath();
    await fs.mkdir(dirname(path), { recursive: true });
    await fs.writeFile(path, '{"formatVersion": 1, "workflow": ');
    const store = new FileStateStore(path);
    const read = store.read();
    await expect(read).rejects.toBeInstanceOf(StateCorruptError);
    await expect(read).rejects.toThrow(path);
    await expect(read).rejects.toThrow(/not valid JSON.*will not overwrite it.*backup/);

    const { aws, mocks } = mockedClients();
    await expect(apply({ plan: planOf(), clients: aws, store, env: {} })).rejects.toBeInstanceOf(
      StateCorruptError,
    );
    expect(await fs.readFile(path, 'utf8')).toBe('{"formatVersion": 1, "workflow": ');
    expect(mocks.mediaPackage.calls()).toHaveLength(0);
  });

  it.each([
    ['another formatVersion', { ...doc(1), formatVersion: 2 }, /formatVersion is 2, this mlds reads 1/],
    ['no resources list', { ...doc(1), resources: {} }, /resources is not a list/],
    [
      'an unknown resource kind',
      { ...doc(1), resources: [{ ...doc(1).resources[0], kind: 'queue' }] },
      /kind is unknown/,
    ],
    [
      'an unknown status',
      { ...doc(1), resources: [{ ...doc(1).resources[0], status: 'gone' }] },
      /status is unknown/,
    ],
    ['an array', [], /not a JSON object/],
  ])('refuses a state with %s', async (_label, content, problem) => {
    const path = statePath();
    await fs.mkdir(dirname(path), { recursive: true });
    await fs.writeFile(path, JSON.stringify(content));
    await expect(new FileStateStore(path).read()).rejects.toThrow(problem);
  });
});

describe('FileStateStore: the lock', () => {
  it('creates <state>.lock holding id, host, pid and its start time, command and since; removes it on release', async () => {
    const path = statePath();
    const store = new FileStateStore(path, {
      hostname: 'build-1',
      pid: 4242,
      clock: () => Date.UTC(2025, 0, 2),
      randomId: () => 'lock-1',
      processes: {
        status: (pid) => (pid === 4242 ? { running: true, startedAt: '777' } : { running: false }),
      },
    });
    const lock = await store.lock('apply');
    expect(lock.info).toStrictEqual({
      id: 'lock-1',
      host: 'build-1',
      pid: 4242,
      acquiredAt: '2025-01-02T00:00:00.000Z',
      command: 'apply',
    });
    const content = JSON.parse(await fs.readFile(`${path}.lock`, 'utf8'));
    expect(content).toStrictEqual({
      id: 'lock-1',
      host: 'build-1',
      pid: 4242,
      processStartedAt: '777',
      command: 'apply',
      since: '2025-01-02T00:00:00.000Z',
    });
    expect(await store.lockHolder()).toStrictEqual(lock.info);
    expect((await fs.stat(`${path}.lock`)).mode & 0o777).toBe(0o600);
    await lock.release();
    await expect(fs.stat(`${path}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('makes a second run fail with StateLockedError naming the holder', async () => {
    const path = statePath();
    const first = await new FileStateStore(path, { hostname: 'build-1', pid: 4242 }).lock('apply');
    const second = new FileStateStore(path, { hostname: 'build-1', pid: 5151, isProcessAlive: () => true });
    const attempt = second.lock('destroy');
    await expect(attempt).rejects.toBeInstanceOf(StateLockedError);
    await expect(attempt).rejects.toMatchObject({ holder: { host: 'build-1', pid: 4242, command: 'apply' } });
    await expect(attempt).rejects.toThrow(/apply on build-1 \(pid 4242\)/);
    await first.release();
    const third = await second.lock('destroy');
    expect(third.takenOverFrom).toBeUndefined();
    await third.release();
  });

  it('takes over a lock whose process is dead on this host, and says so', async () => {
    const path = statePath();
    await new FileStateStore(path, { hostname: 'build-1', pid: 4242 }).lock('apply'); // never released: crashed
    const store = new FileStateStore(path, {
      hostname: 'build-1',
      pid: 5151,
      isProcessAlive: (pid) => pid !== 4242,
    });
    const lock = await store.lock('apply');
    expect(lock.takenOverFrom).toMatchObject({ host: 'build-1', pid: 4242 });
    expect(JSON.parse(await fs.readFile(`${path}.lock`, 'utf8'))).toMatchObject({ pid: 5151 });
  });

  it('does not judge a pid from another host, until the lock is older than staleAfterMs', async () => {
    const path = statePath();
    let now = Date.UTC(2025, 0, 2);
    await new FileStateStore(path, { hostname: 'build-1', pid: 4242, clock: () => now }).lock('apply');
    const other = new FileStateStore(path, {
      hostname: 'laptop',
      pid: 5151,
      clock: () => now,
      staleAfterMs: HOUR,
      isProcessAlive: () => false,
    });
    await expect(other.lock('apply')).rejects.toBeInstanceOf(StateLockedError);
    now += HOUR + 1;
    const lock = await other.lock('apply');
    expect(lock.takenOverFrom).toMatchObject({ host: 'build-1', pid: 4242 });
  });

  it('never removes a lock that was taken over from it', async () => {
    const path = statePath();
    const stale = await new FileStateStore(path, { hostname: 'build-1', pid: 4242 }).lock('apply');
    const fresh = await new FileStateStore(path, {
      hostname: 'build-1',
      pid: 5151,
      isProcessAlive: (pid) => pid !== 4242,
    }).lock('apply');
    await stale.release();
    expect(JSON.parse(await fs.readFile(`${path}.lock`, 'utf8'))).toMatchObject({ pid: 5151 });
    await fresh.release();
  });

  it('releases without error, and without removing it, a lock file someone rewrote as garbage', async () => {
    const path = statePath();
    const lock = await new FileStateStore(path, { hostname: 'build-1', pid: 4242 }).lock('apply');
    await fs.writeFile(`${path}.lock`, '{"host": "bu');
    await expect(lock.release()).resolves.toBeUndefined();
    expect(await fs.readFile(`${path}.lock`, 'utf8')).toBe('{"host": "bu');
  });

  it('treats an unreadable lock as held while it is fresh, and as stale once old', async () => {
    const path = statePath();
    await fs.mkdir(dirname(path), { recursive: true });
    await fs.writeFile(`${path}.lock`, '{"host": "bu');
    const written = (await fs.stat(`${path}.lock`)).mtimeMs;
    const at = (now: number) =>
      new FileStateStore(path, { hostname: 'build-1', pid: 5151, clock: () => now });
    await expect(at(written + 1000).lock('apply')).rejects.toBeInstanceOf(StateLockedError);
    const lock = await at(written + 61_000).lock('apply');
    expect(lock.takenOverFrom).toMatchObject({ host: 'unknown' });
  });

  it('makes apply exit on a held lock before any AWS call or write', async () => {
    const path = statePath();
    const held = await new FileStateStore(path, { hostname: 'build-1', pid: 4242 }).lock('apply');
    const store = new FileStateStore(path, { hostname: 'build-1', pid: 5151, isProcessAlive: () => true });
    const { aws, mocks } = mockedClients();
    await expect(apply({ plan: planOf(), clients: aws, store, env: {} })).rejects.toBeInstanceOf(
      StateLockedError,
    );
    expect(mocks.mediaPackage.calls()).toHaveLength(0);
    await expect(fs.stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    await held.release();
  });
});
