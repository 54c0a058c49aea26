import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { readStateDocument, type StateDocument } from '@mlds/core';
import {
  type LockInfo,
  LockNotFoundError,
  StateCorruptError,
  StateFencedError,
  StateLockedError,
} from './errors.js';
import { infoOf, type LockRecord, lockRecordText, parseLockRecord } from './lock-record.js';
import { type ProcessTable, systemProcessTable } from './process-table.js';
import type { Lock, StateBackend } from './state-store.js';

/** The file operations the lock uses; injectable so a test can fail one midway or interleave two runs. */
export type StateFileSystem = Pick<
  typeof nodeFs,
  'open' | 'readFile' | 'rename' | 'unlink' | 'mkdir' | 'rmdir' | 'stat' | 'link'
>;

/**
 * The file operations a state write uses: synchronous but for the two flushes to disk (`fsync`, Node's callback
 * form, run in libuv's thread pool). A write is a dozen steps (fence check, temp file, fsync, rename, fsync of
 * the directory). Done asynchronously, each step waited its turn behind every AWS response the run was handling:
 * one write took 100 ms in a busy apply while the disk needed 1 ms, and the resources waiting on it (an intent
 * before its call) waited as long. Done all synchronously, each flush held the one thread for as long as the
 * disk took: on a disk that takes 3 ms to flush, a 25-workflow apply took 1.3× as long (`pnpm bench`). So the
 * steps are taken at once, and only the flushes wait, two turns in all. Injectable like the lock's.
 */
export type StateWriteFileSystem = Pick<
  typeof import('node:fs'),
  | 'openSync'
  | 'writeFileSync'
  | 'fchmodSync'
  | 'closeSync'
  | 'readFileSync'
  | 'renameSync'
  | 'unlinkSync'
  | 'mkdirSync'
  | 'statSync'
> & { fsync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void };

// Named, not `import * as`: a bundle copying the whole module would read its lazy getters, and with them load
// Node's stream modules, which `mlds plan` otherwise never loads.
const nodeWriteFs: StateWriteFileSystem = {
  openSync,
  writeFileSync,
  fchmodSync,
  fsync,
  closeSync,
  readFileSync,
  renameSync,
  unlinkSync,
  mkdirSync,
  statSync,
};

export interface FileStateStoreOptions {
  hostname?: string;
  pid?: number;
  clock?: () => number;
  /** A lock older than this is stale whoever holds it (default 12 h: a forced MediaStore empty can be long). */
  staleAfterMs?: number;
  /** How processes on this host are looked up (default: /proc, or signal 0 where there is none). */
  processes?: ProcessTable;
  /** Shorthand for `processes` without start times. */
  isProcessAlive?: (pid: number) => boolean;
  /** Lock ids and temp-file names. */
  randomId?: () => string;
  fs?: StateFileSystem;
  writeFs?: StateWriteFileSystem;
}

const DEFAULT_STALE_AFTER_MS = 12 * 60 * 60_000;
/** A lock file that cannot be parsed is damaged or half-written by hand; it is stale once older than this. */
const UNREADABLE_LOCK_GRACE_MS = 60_000;
/** What `link` fails with where the file system has no hard links. */
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);
/** Rounds of "find it stale, take it over" before giving up and naming whoever holds it then. */
const TAKEOVER_ROUNDS = 3;

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function ignoreMissing(error: unknown): void {
  if (errnoCode(error) !== 'ENOENT') throw error;
}

/**
 * What this store last saw of the state file: how a write knows nobody else wrote in between. `file` is the
 * file's identity after this store's own write (every write renames a new file into place, so another writer's
 * file is another inode, and an edit in place changes its size, mtime or ctime): while it still matches, the
 * file need not be read back and hashed before the next write.
 */
type Seen = { exists: false } | { exists: true; digest: string; file?: string };

function fileIdentity(stats: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }) {
  return [stats.dev, stats.ino, stats.size, stats.mtimeNs, stats.ctimeNs].join(':');
}

/** `fsync` in the thread pool: the thread goes on with the run while the disk flushes. */
function flush(fs: Pick<StateWriteFileSystem, 'fsync'>, handle: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.fsync(handle, (error) => (error ? reject(error) : resolve()));
  });
}

const digestOf = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The local state store: the contract's JSON file, written atomically (temp file in the same directory, fsync,
 * rename, fsync of the directory), mode 0600, guarded by `<path>.lock`.
 *
 * The lock is race-free with two primitives the kernel makes atomic. A lock is created complete under a
 * unique name and hard-linked into place (`link` fails if the lock exists: one creator wins). A stale lock is
 * taken over by renaming it to a name of the run's own (`rename` moves a given file once: one mover wins) and
 * reading what was moved: only if it is the very lock judged stale is it removed, else it is linked back.
 * Writes are fenced: the lock must still carry this run's id, and the file must still hold what this store
 * last read or wrote (its SHA-256), or nothing is written.
 */
export class FileStateStore implements StateBackend {
  readonly lockPath: string;
  private readonly hostname: string;
  private readonly pid: number;
  private readonly clock: () => number;
  private readonly staleAfterMs: number;
  private readonly processes: ProcessTable;
  private readonly randomId: () => string;
  private readonly fs: StateFileSystem;
  private readonly writeFs: StateWriteFileSystem;
  private seen: Seen | undefined;
  /** The id of the lock this store holds, while it holds it. */
  private heldId: string | undefined;

  constructor(
    readonly path: string,
    options: FileStateStoreOptions = {},
  ) {
    this.lockPath = `${path}.lock`;
    this.hostname = options.hostname ?? osHostname();
    this.pid = options.pid ?? process.pid;
    this.clock = options.clock ?? Date.now;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    const isAlive = options.isProcessAlive;
    this.processes =
      options.processes ?? (isAlive ? { status: (pid) => ({ running: isAlive(pid) }) } : systemProcessTable);
    this.randomId = options.randomId ?? (() => randomBytes(12).toString('hex'));
    this.fs = options.fs ?? nodeFs;
    this.writeFs = options.writeFs ?? nodeWriteFs;
  }

  get location(): string {
    return this.path;
  }

  get lockLocation(): string {
    return this.lockPath;
  }

  async lock(command: string): Promise<Lock> {
    // The first directory this creates, if any: removed again at release while still empty (a run refused
    // before its first write, a missing secret, leaves no empty `.mlds/` behind).
    const created = await this.fs.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const own = this.processes.status(this.pid);
    const record: LockRecord = {
      id: this.randomId(),
      host: this.hostname,
      pid: this.pid,
      ...(own.running && own.startedAt !== undefined ? { processStartedAt: own.startedAt } : {}),
      command,
      since: new Date(this.clock()).toISOString(),
    };
    const draft = await this.writeDraft(record);
    try {
      let takenOverFrom: LockInfo | undefined;
      for (let round = 0; round <= TAKEOVER_ROUNDS; round += 1) {
        if (await this.linkInto(draft)) return this.heldLock(record, takenOverFrom, created);
        const found = await this.examineLock();
        if (found === undefined) continue; // released in between: try again
        if (!found.stale || round === TAKEOVER_ROUNDS) throw new StateLockedError(this.lockPath, found.info);
        if (await this.removeIfUnchanged(found.text, record.id)) takenOverFrom = found.info;
      }
      const holder = await this.examineLock();
      throw new StateLockedError(this.lockPath, holder?.info ?? unknownHolder(''));
    } finally {
      await this.fs.unlink(draft).catch(() => {});
    }
  }

  async read(): Promise<StateDocument | undefined> {
    const text = await this.readText(this.path);
    if (text === undefined) {
      this.seen = { exists: false };
      return undefined;
    }
    const read = readStateDocument(text);
    if (read.problem !== undefined)
      throw new StateCorruptError(this.path, read.problem, { cause: read.cause });
    this.seen = { exists: true, digest: digestOf(text) };
    return read.document;
  }

  /**
   * The temp file made and filled in one go, flushed, then the fence checked and the file renamed into place in
   * one go (nothing else in this process runs between them), then the directory flushed.
   */
  async write(doc: StateDocument): Promise<void> {
    const fs = this.writeFs;
    const directory = dirname(this.path);
    fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    const temp = join(directory, `.${basename(this.path)}.${this.pid}.${this.randomId()}.tmp`);
    const file = fs.openSync(temp, 'wx', 0o600);
    try {
      try {
        fs.writeFileSync(file, text, 'utf8');
        // The umask can only remove bits; chmod makes 0600 exact whatever it is.
        fs.fchmodSync(file, 0o600);
        await flush(fs, file);
      } finally {
        fs.closeSync(file);
      }
      this.checkFence();
      fs.renameSync(temp, this.path);
    } catch (error) {
      try {
        fs.unlinkSync(temp);
      } catch {
        // Gone already, or the directory cannot be written: the error that matters is the write's.
      }
      throw error;
    }
    this.seen = { exists: true, digest: digestOf(text), file: this.fileIdentityNow() };
    await this.syncDirectory(directory);
  }

  async lockHolder(): Promise<LockInfo | undefined> {
    return (await this.examineLock())?.info;
  }

  async forceUnlock(lockId: string): Promise<LockInfo> {
    const found = await this.examineLock();
    if (found === undefined || found.info.id !== lockId) {
      throw new LockNotFoundError(this.lockPath, lockId, found?.info);
    }
    if (!(await this.removeIfUnchanged(found.text, this.randomId()))) {
      throw new LockNotFoundError(this.lockPath, lockId, (await this.examineLock())?.info);
    }
    return found.info;
  }

  /** The lock, complete, under a name of its own: linked into place it appears whole or not at all. */
  private async writeDraft(record: LockRecord): Promise<string> {
    const draft = `${this.lockPath}.${record.id}.new`;
    let handle: Awaited<ReturnType<StateFileSystem['open']>>;
    try {
      handle = await this.fs.open(draft, 'wx', 0o600);
    } catch (error) {
      // Gone since the mkdir: a run that had just created it ended at once and removed it, empty. Again.
      if (errnoCode(error) !== 'ENOENT') throw error;
      await this.fs.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
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
      await this.fs.link(draft, this.lockPath);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      if (!LINK_UNSUPPORTED.has(errnoCode(error) ?? '')) throw error;
    }
    // A file system without hard links (FAT, some network shares): an exclusive create, then the content. A
    // reader that finds it still empty takes it as held (an unreadable lock is stale only after a minute).
    let handle: nodeFs.FileHandle;
    try {
      handle = await this.fs.open(this.lockPath, 'wx', 0o600);
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
    const moved = `${this.lockPath}.${aside}.old`;
    try {
      await this.fs.rename(this.lockPath, moved);
    } catch (error) {
      ignoreMissing(error);
      return false;
    }
    try {
      const text = await this.readText(moved);
      if (text === judged) return true;
      await this.linkInto(moved);
      return false;
    } finally {
      await this.fs.unlink(moved).catch(() => {});
    }
  }

  private async examineLock(): Promise<{ info: LockInfo; text: string; stale: boolean } | undefined> {
    const text = await this.readText(this.lockPath);
    if (text === undefined) return undefined;
    const record = parseLockRecord(text);
    if (record === undefined) {
      const modifiedAt = await this.fs.stat(this.lockPath).then(
        (stat) => stat.mtimeMs,
        () => 0,
      );
      const stale = this.clock() - modifiedAt > UNREADABLE_LOCK_GRACE_MS;
      return { info: unknownHolder(new Date(modifiedAt).toISOString()), text, stale };
    }
    const age = this.clock() - Date.parse(record.since);
    return { info: infoOf(record), text, stale: this.holderIsGone(record) || !(age <= this.staleAfterMs) };
  }

  /** Only a holder on this host can be looked up; a pid now running another process is not the holder. */
  private holderIsGone(record: LockRecord): boolean {
    if (record.host !== this.hostname) return false;
    const status = this.processes.status(record.pid);
    if (!status.running) return true;
    return (
      record.processStartedAt !== undefined &&
      status.startedAt !== undefined &&
      status.startedAt !== record.processStartedAt
    );
  }

  private checkFence(): void {
    if (this.heldId !== undefined) {
      const text = this.readTextNow(this.lockPath);
      const holder = text === undefined ? undefined : parseLockRecord(text);
      if (holder?.id !== this.heldId) {
        const by = holder ? `now held by ${holder.command} on ${holder.host}, pid ${holder.pid}` : 'removed';
        throw new StateFencedError(this.path, 'lock-lost', `the lock ${this.heldId} was ${by}`);
      }
    }
    const seen = this.seen ?? { exists: false };
    if (seen.exists && seen.file !== undefined && seen.file === this.fileIdentityNow()) return;
    const text = this.readTextNow(this.path);
    const unchanged = seen.exists ? text !== undefined && digestOf(text) === seen.digest : text === undefined;
    if (!unchanged) {
      const what = seen.exists
        ? text === undefined
          ? 'the state file was deleted'
          : 'another run wrote the state file'
        : 'a state file appeared that this run never read';
      throw new StateFencedError(this.path, 'state-changed', what);
    }
  }

  private async readText(path: string): Promise<string | undefined> {
    try {
      return await this.fs.readFile(path, 'utf8');
    } catch (error) {
      ignoreMissing(error);
      return undefined;
    }
  }

  /**
   * `undefined` when the file is missing or cannot be looked at: the shortcut is then not taken, and the next
   * write reads the file back and compares its digest, as a write did before.
   */
  private fileIdentityNow(): string | undefined {
    try {
      const stats = this.writeFs.statSync(this.path, { bigint: true, throwIfNoEntry: false });
      return stats === undefined ? undefined : fileIdentity(stats);
    } catch {
      return undefined;
    }
  }

  private readTextNow(path: string): string | undefined {
    try {
      return this.writeFs.readFileSync(path, 'utf8');
    } catch (error) {
      ignoreMissing(error);
      return undefined;
    }
  }

  private async syncDirectory(directory: string): Promise<void> {
    // Makes the rename itself durable. Some platforms cannot open a directory for sync; the rename stands anyway.
    let handle: number | undefined;
    try {
      handle = this.writeFs.openSync(directory, 'r');
      await flush(this.writeFs, handle);
    } catch (error) {
      if (!['EISDIR', 'EPERM', 'EINVAL', 'EACCES'].includes(errnoCode(error) ?? '')) throw error;
    } finally {
      if (handle !== undefined) this.writeFs.closeSync(handle);
    }
  }

  /**
   * Removes the state's directory, and its parents up to `createdDirectory` (the first one lock() created),
   * while each is empty; stops at the first that is not (a state was written, or another run is locking there).
   */
  private async removeIfEmpty(createdDirectory: string): Promise<void> {
    for (let directory = dirname(this.path); ; directory = dirname(directory)) {
      try {
        await this.fs.rmdir(directory);
      } catch {
        return;
      }
      if (directory === createdDirectory || dirname(directory) === directory) return;
    }
  }

  private heldLock(record: LockRecord, takenOverFrom?: LockInfo, createdDirectory?: string): Lock {
    this.heldId = record.id;
    let released = false;
    return {
      info: infoOf(record),
      ...(takenOverFrom ? { takenOverFrom } : {}),
      release: async () => {
        if (released) return;
        released = true;
        if (this.heldId === record.id) this.heldId = undefined;
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
