import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStateStore, type StateFileSystem, StateLockedError } from '../src/index.js';
import { parseProcStat, systemProcessTable } from '../src/process-table.js';

const stat = (comm: string, state: string, starttime: string) =>
  `4242 (${comm}) ${state} 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 ${starttime} 1000 10 18446744073709551615\n`;

describe('parseProcStat', () => {
  it('reads the state letter and the start time (field 22), whatever the command name holds', () => {
    expect(parseProcStat(stat('node', 'S', '98765'))).toStrictEqual({ running: true, startedAt: '98765' });
    expect(parseProcStat(stat('a (b) c)', 'R', '5'))).toStrictEqual({ running: true, startedAt: '5' });
  });

  it('takes a zombie (Z) or a dead task (X) for a process that is gone', () => {
    expect(parseProcStat(stat('node', 'Z', '98765'))).toStrictEqual({ running: false });
    expect(parseProcStat(stat('node', 'X', '98765'))).toStrictEqual({ running: false });
  });
});

describe('systemProcessTable (the real one)', () => {
  it('finds this process running, with a start time where there is a /proc', () => {
    const status = systemProcessTable.status(process.pid);
    expect(status.running).toBe(true);
    if (process.platform === 'linux')
      expect(status).toMatchObject({ startedAt: expect.stringMatching(/^\d+$/) });
  });

  it('finds a process that has exited, and pids that cannot exist, gone', () => {
    const child = spawnSync(process.execPath, ['-e', '0']);
    expect(child.pid).toBeGreaterThan(0);
    expect(systemProcessTable.status(child.pid as number)).toStrictEqual({ running: false });
    expect(systemProcessTable.status(0)).toStrictEqual({ running: false });
    expect(systemProcessTable.status(-1)).toStrictEqual({ running: false });
  });
});

describe('FileStateStore: who holds the lock', () => {
  const path = () => join(mkdtempSync(join(tmpdir(), 'mlds-holder-')), 'w.state.json');

  it('takes over from a zombie holder', async () => {
    const p = path();
    await new FileStateStore(p, {
      hostname: 'h',
      pid: 10,
      processes: { status: () => ({ running: true, startedAt: '100' }) },
    }).lock('apply');
    const zombie = {
      status: (pid: number) => (pid === 10 ? ({ running: false } as const) : { running: true as const }),
    };
    const lock = await new FileStateStore(p, { hostname: 'h', pid: 11, processes: zombie }).lock('apply');
    expect(lock.takenOverFrom).toMatchObject({ pid: 10 });
  });

  it("does not mistake a new process given the holder's pid for the holder", async () => {
    const p = path();
    const started = { value: '100' };
    const processes = { status: () => ({ running: true as const, startedAt: started.value }) };
    await new FileStateStore(p, { hostname: 'h', pid: 10, processes }).lock('apply');
    await expect(new FileStateStore(p, { hostname: 'h', pid: 11, processes }).lock('apply')).rejects.toThrow(
      /locked/,
    );
    started.value = '200'; // pid 10 now names another process: the holder is gone
    const lock = await new FileStateStore(p, { hostname: 'h', pid: 11, processes }).lock('apply');
    expect(lock.takenOverFrom).toMatchObject({ pid: 10 });
  });

  it('fences the writes of a run whose lock was taken over', async () => {
    const p = path();
    const alive = new Set([10, 11]);
    const processes = { status: (pid: number) => ({ running: alive.has(pid) }) };
    const old = new FileStateStore(p, { hostname: 'h', pid: 10, processes });
    await old.lock('apply');
    await old.read();
    alive.delete(10);
    await new FileStateStore(p, { hostname: 'h', pid: 11, processes }).lock('apply');
    const attempt = old.write({ formatVersion: 1, workflow: 'w', region: 'r', serial: 1, resources: [] });
    await expect(attempt).rejects.toMatchObject({ name: 'StateFencedError', reason: 'lock-lost' });
    await expect(attempt).rejects.toThrow(/now held by apply on h, pid 11/);
  });
});

describe('FileStateStore: a takeover that loses the race', () => {
  it('moves aside a lock another run has just taken, sees it is not the stale one, and puts it back', async () => {
    const p = join(mkdtempSync(join(tmpdir(), 'mlds-lose-')), 'w.state.json');
    const processes = { status: (pid: number) => ({ running: pid !== 1 }) };
    await new FileStateStore(p, { hostname: 'h', pid: 1, randomId: () => 'crashed' }).lock('apply');
    const winner = new FileStateStore(p, { hostname: 'h', pid: 2, processes, randomId: () => 'winner' });
    let won: Awaited<ReturnType<FileStateStore['lock']>> | undefined;
    const slow: StateFileSystem = {
      ...fs,
      rename: async (from, to) => {
        // Between judging the lock stale and moving it aside, the other run takes it over and holds it.
        if (won === undefined && String(from) === `${p}.lock`) won = await winner.lock('apply');
        return fs.rename(from, to);
      },
    };
    const loser = new FileStateStore(p, {
      hostname: 'h',
      pid: 3,
      processes,
      randomId: () => 'loser',
      fs: slow,
    });
    const attempt = loser.lock('apply');
    await expect(attempt).rejects.toBeInstanceOf(StateLockedError);
    await expect(attempt).rejects.toMatchObject({ holder: { id: 'winner', pid: 2 } });
    expect(won?.takenOverFrom).toMatchObject({ id: 'crashed' });
    expect(JSON.parse(await fs.readFile(`${p}.lock`, 'utf8'))).toMatchObject({ id: 'winner' });
    expect((await fs.readdir(dirname(p))).sort()).toStrictEqual(['w.state.json.lock']);
  });
});

describe('FileStateStore: a file system without hard links', () => {
  it('falls back to an exclusive create: one lock at a time, released and taken again', async () => {
    const p = join(mkdtempSync(join(tmpdir(), 'mlds-nolink-')), 'w.state.json');
    const noLinks: StateFileSystem = {
      ...fs,
      link: async () => {
        throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
      },
    };
    const processes = { status: () => ({ running: true }) };
    const first = await new FileStateStore(p, { hostname: 'h', pid: 2, processes, fs: noLinks }).lock(
      'apply',
    );
    const second = new FileStateStore(p, { hostname: 'h', pid: 3, processes, fs: noLinks });
    await expect(second.lock('apply')).rejects.toMatchObject({ holder: { id: first.info.id, pid: 2 } });
    await first.release();
    await expect(fs.readdir(dirname(p))).resolves.toStrictEqual([]);
    const again = await second.lock('destroy');
    expect(JSON.parse(await fs.readFile(`${p}.lock`, 'utf8'))).toMatchObject({ id: again.info.id, pid: 3 });
  });
});

describe('FileStateStore: the directories the lock creates', () => {
  const processes = { status: () => ({ running: true }) };

  it('are removed at release while empty: a run refused before its first write leaves nothing behind', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mlds-dirs-'));
    const p = join(root, 'teams', 'sports', '.mlds', 'w.state.json');
    const lock = await new FileStateStore(p, { hostname: 'h', pid: 2, processes }).lock('apply');
    expect((await fs.readdir(dirname(p))).sort()).toStrictEqual(['w.state.json.lock']);
    await lock.release();
    // Every level the lock made, and only those: the temp root it found stays.
    expect(await fs.readdir(root)).toStrictEqual([]);
  });

  it('are kept once the state was written, and a directory that was there before is never removed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mlds-dirs-'));
    const p = join(root, '.mlds', 'w.state.json');
    const store = new FileStateStore(p, { hostname: 'h', pid: 2, processes });
    const lock = await store.lock('apply');
    await store.write({
      formatVersion: 1,
      workflow: 'w',
      region: 'us-west-2',
      serial: 1,
      lineage: 'l',
      resources: [],
    });
    await lock.release();
    expect(await fs.readdir(dirname(p))).toStrictEqual(['w.state.json']);

    const existing = mkdtempSync(join(tmpdir(), 'mlds-dirs-'));
    const q = join(existing, 'w.state.json');
    await (await new FileStateStore(q, { hostname: 'h', pid: 2, processes }).lock('apply')).release();
    expect(await fs.readdir(existing)).toStrictEqual([]);
    await expect(fs.stat(existing)).resolves.toBeDefined();
  });

  it('a run whose directory another run removed between its mkdir and its lock makes it again', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mlds-dirs-'));
    const p = join(root, '.mlds', 'w.state.json');
    let removed = false;
    const racing: StateFileSystem = {
      ...fs,
      open: async (path, flags, mode) => {
        // The other run, refused at once, releases and removes the empty directory right here.
        if (!removed) {
          removed = true;
          await fs.rmdir(dirname(p));
        }
        return fs.open(path, flags, mode);
      },
    };
    const lock = await new FileStateStore(p, { hostname: 'h', pid: 3, processes, fs: racing }).lock('apply');
    expect(removed).toBe(true);
    expect(await fs.readdir(dirname(p))).toStrictEqual(['w.state.json.lock']);
    await lock.release();
  });
});

describe('temporary files a stopped run left', () => {
  it('are removed once the lock is held; other files beside the state are not', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'mlds-strays-'));
    const path = join(directory, 'w.state.json');
    const stray = ['.w.state.json.4242.0a1b2c.tmp', '.w.state.json.77.ffee.tmp'];
    const kept = ['w.state.json.bak', '.other.state.json.4242.0a1b2c.tmp', 'w.state.json.lock.abc.new'];
    for (const name of [...stray, ...kept]) await fs.writeFile(join(directory, name), '{}');
    const store = new FileStateStore(path);
    const lock = await store.lock('apply');
    expect((await fs.readdir(directory)).sort()).toStrictEqual([...kept, 'w.state.json.lock'].sort());
    await lock.release();
  });

  it('are not looked for by a store whose file system cannot list a directory', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'mlds-strays-'));
    await fs.writeFile(join(directory, '.w.state.json.4242.0a1b2c.tmp'), '{}');
    const { readdir: _readdir, ...withoutListing } = fs;
    const store = new FileStateStore(join(directory, 'w.state.json'), {
      fs: withoutListing as StateFileSystem,
    });
    const lock = await store.lock('apply');
    expect(await fs.readdir(directory)).toContain('.w.state.json.4242.0a1b2c.tmp');
    await lock.release();
  });
});
