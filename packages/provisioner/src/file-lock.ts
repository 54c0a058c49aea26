import type * as nodeFs from 'node:fs/promises';
import { dirname } from 'node:path';
import { LockHolderRunningError, type LockInfo, LockNotFoundError, StateLockedError } from './errors.js';
import {
  holderRunsHere,
  infoOf,
  type LockRecord,
  lockRecordText,
  ownLockRecord,
  parseLockRecord,
} from './lock-record.js';
import type { ProcessTable } from './process-table.js';
import type { Lock } from './state-store.js';

/** The file operations the lock uses; injectable so a test can fail one midway or interleave two runs. */
export type StateFileSystem = Pick<
  typeof nodeFs,
  'open' | 'readFile' | 'rename' | 'unlink' | 'mkdir' | 'rmdir' | 'stat' | 'link'
> &
  /** Without it, the temporary files a stopped run left are not looked for. */
  Partial<Pick<typeof nodeFs, 'readdir'>>;

export interface FileLockOptions {
  hostname: string;
  pid: number;
  clock: () => number;
  /** A lock older than this is stale whoever holds it. */
  staleAfterMs: number;
  processes: ProcessTable;
  randomId: () => string;
  fs: StateFileSystem;
}

/** A lock file that cannot be parsed is damaged or half-written by hand; it is stale once older than this. */
const UNREADABLE_LOCK_GRACE_MS = 60_000;
/** What `link` fails with where the file system has no hard links. */
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);
/** Rounds of "find it stale, take it over" before giving up and naming whoever holds it then. */
const TAKEOVER_ROUNDS = 3;

export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function ignoreMissing(error: unknown): void {
  if (errnoCode(error) !== 'ENOENT') throw error;
}

/** The file's text; undefined when there is no such file. */
export async function readTextIfPresent(fs: StateFileSystem, path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (error) {
    ignoreMissing(error);
    return undefined;
  }
}

/**
 * A state file's lock, `<state>.lock`, race-free with two primitives the kernel makes atomic. A lock is created
 * complete under a unique name and hard-linked into place (`link` fails if the lock exists: one creator wins).
 * A stale lock is taken over by renaming it to a name of the run's own (`rename` moves a given file once: one
 * mover wins) and reading what was moved: only if it is the very lock judged stale is it removed, else it is
 * linked back.
 */
export class FileLock {
  private held: string | undefined;

  constructor(
    readonly path: string,
    private readonly statePath: string,
    private readonly options: FileLockOptions,
  ) {}

  /** The id of the lock this run holds, while it holds it: what a fenced write checks the lock file for. */
  get heldId(): string | undefined {
    return this.held;
  }

  private get fs(): StateFileSystem {
    return this.options.fs;
  }

  async acquire(command: string): Promise<Lock> {
    // The first directory this creates, if any: removed again at release while still empty (a run refused
    // before its first write, a missing secret, leaves no empty `.mlds/` behind).
    const created = await this.fs.mkdir(dirname(this.statePath), { recursive: true, mode: 0o700 });
    const { hostname, pid, processes } = this.options;
    const record = ownLockRecord(
      { id: this.options.randomId(), hostname, pid, processes, now: this.options.clock() },
      command,
    );
    const draft = await this.writeDraft(record);
    try {
      let takenOverFrom: LockInfo | undefined;
      for (let round = 0; round <= TAKEOVER_ROUNDS; round += 1) {
        if (await this.linkInto(draft)) return this.heldLock(record, takenOverFrom, created);
        const found = await this.examineLock();
        if (found === undefined) continue; // released in between: try again
        if (!found.stale || round === TAKEOVER_ROUNDS) throw new StateLockedError(this.path, found.info);
        if (await this.removeIfUnchanged(found.text, record.id)) takenOverFrom = found.info;
      }
      const holder = await this.examineLock();
      throw new StateLockedError(this.path, holder?.info ?? unknownHolder(''));
    } finally {
      await this.fs.unlink(draft).catch(() => {});
    }
  }

  async holder(): Promise<LockInfo | undefined> {
    return (await this.examineLock())?.info;
  }

  async forceUnlock(lockId: string, options: { evenIfRunning?: boolean } = {}): Promise<LockInfo> {
    const found = await this.examineLock();
    if (found === undefined || found.info.id !== lockId) {
      throw new LockNotFoundError(this.path, lockId, found?.info);
    }
    const record = parseLockRecord(found.text);
    if (
      !options.evenIfRunning &&
      record !== undefined &&
      holderRunsHere(record, this.options.hostname, this.options.processes)
    ) {
      throw new LockHolderRunningError(this.path, found.info);
    }
    if (!(await this.removeIfUnchanged(found.text, this.options.randomId()))) {
      throw new LockNotFoundError(this.path, lockId, (await this.examineLock())?.info);
    }
    return found.info;
  }

  /** The lock, complete, under a name of its own: linked into place it appears whole or not at all. */
  private async writeDraft(record: LockRecord): Promise<string> {
    const draft = `${this.path}.${record.id}.new`;
    let handle: Awaited<ReturnType<StateFileSystem['open']>>;
    try {
      handle = await this.fs.open(draft, 'wx', 0o600);
    } catch (error) {
      // Gone since the mkdir: a run that had just created it ended at once and removed it, empty. Again.
      if (errnoCode(error) !== 'ENOENT') throw error;
      await this.fs.mkdir(dirname(this.statePath), { recursive: true, mode: 0o700 });
      handle = await this.fs.open(draft, 'wx', 0o600);
    }
    try {
      await handle.writeFile(lockRecordText(record), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return draft;
  }

  private async linkInto(draft: string): Promise<boolean> {
    try {
      await this.fs.link(draft, this.path);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      if (!LINK_UNSUPPORTED.has(errnoCode(error) ?? '')) throw error;
    }
    // A file system without hard links (FAT, some network shares): an exclusive create, then the content. A
    // reader that finds it still empty takes it as held (an unreadable lock is stale only after a minute).
    let handle: nodeFs.FileHandle;
    try {
      handle = await this.fs.open(this.path, 'wx', 0o600);
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      throw error;
    }
    try {
      await handle.writeFile(await this.fs.readFile(draft, 'utf8'), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  }

  /**
   * Moves the lock aside under `aside` and removes it if it is the lock whose text was `judged`; a lock someone
   * put there since is linked back (or, when yet another lock is in place by then, left to be fenced out).
   */
  private async removeIfUnchanged(judged: string, aside: string): Promise<boolean> {
    const moved = `${this.path}.${aside}.old`;
    try {
      await this.fs.rename(this.path, moved);
    } catch (error) {
      ignoreMissing(error);
      return false;
    }
    try {
      const text = await readTextIfPresent(this.fs, moved);
      if (text === judged) return true;
      await this.linkInto(moved);
      return false;
    } finally {
      await this.fs.unlink(moved).catch(() => {});
    }
  }

  private async examineLock(): Promise<{ info: LockInfo; text: string; stale: boolean } | undefined> {
    const text = await readTextIfPresent(this.fs, this.path);
    if (text === undefined) return undefined;
    const record = parseLockRecord(text);
    if (record === undefined) {
      const modifiedAt = await this.fs.stat(this.path).then(
        (stat) => stat.mtimeMs,
        () => 0,
      );
      const stale = this.options.clock() - modifiedAt > UNREADABLE_LOCK_GRACE_MS;
      return { info: unknownHolder(new Date(modifiedAt).toISOString()), text, stale };
    }
    const age = this.options.clock() - Date.parse(record.since);
    return {
      info: infoOf(record),
      text,
      stale: this.holderIsGone(record) || !(age <= this.options.staleAfterMs),
    };
  }

  /** A holder on this host whose process is gone (or whose pid another process now has) has let go. */
  private holderIsGone(record: LockRecord): boolean {
    return (
      record.host === this.options.hostname &&
      !holderRunsHere(record, this.options.hostname, this.options.processes)
    );
  }

  /**
   * Removes the state's directory, and its parents up to `createdDirectory` (the first one lock() created),
   * while each is empty; stops at the first that is not (a state was written, or another run is locking there).
   */
  private async removeIfEmpty(createdDirectory: string): Promise<void> {
    for (let directory = dirname(this.statePath); ; directory = dirname(directory)) {
      try {
        await this.fs.rmdir(directory);
      } catch {
        return;
      }
      if (directory === createdDirectory || dirname(directory) === directory) return;
    }
  }

  private heldLock(record: LockRecord, takenOverFrom?: LockInfo, createdDirectory?: string): Lock {
    this.held = record.id;
    let released = false;
    return {
      info: infoOf(record),
      ...(takenOverFrom ? { takenOverFrom } : {}),
      release: async () => {
        if (released) return;
        released = true;
        if (this.held === record.id) this.held = undefined;
        // Runs in a `finally`: a lock someone else holds now must neither be removed nor hide the run's error.
        await this.removeIfUnchanged(lockRecordText(record), `${record.id}.release`).catch(() => false);
        if (createdDirectory !== undefined) await this.removeIfEmpty(createdDirectory);
      },
    };
  }
}

function unknownHolder(since: string): LockInfo {
  return { id: 'unknown', host: 'unknown', pid: 0, acquiredAt: since || 'unknown', command: 'unknown' };
}
