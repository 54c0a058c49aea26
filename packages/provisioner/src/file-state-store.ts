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
import { type LockInfo, StateCorruptError, StateFencedError } from './errors.js';
import { errnoCode, FileLock, ignoreMissing, readTextIfPresent, type StateFileSystem } from './file-lock.js';
import { parseLockRecord } from './lock-record.js';
import { type ProcessTable, systemProcessTable } from './process-table.js';
import type { Lock, StateBackend } from './state-store.js';

export type { StateFileSystem } from './file-lock.js';

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

/** Default: a forced MediaStore empty can take long, and a lock is stale only after the longest run. */
const DEFAULT_STALE_AFTER_MS = 12 * 60 * 60_000;

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

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const digestOf = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The local state store: the contract's JSON file, written atomically (temp file in the same directory, fsync,
 * rename, fsync of the directory), mode 0600, guarded by `<path>.lock` (FileLock). Writes are fenced: the lock
 * must still carry this run's id, and the file must still hold what this store last read or wrote (its
 * SHA-256), or nothing is written.
 */
export class FileStateStore implements StateBackend {
  readonly lockPath: string;
  private readonly pid: number;
  private readonly randomId: () => string;
  private readonly fs: StateFileSystem;
  private readonly writeFs: StateWriteFileSystem;
  private readonly fileLock: FileLock;
  private seen: Seen | undefined;

  constructor(
    readonly path: string,
    options: FileStateStoreOptions = {},
  ) {
    this.lockPath = `${path}.lock`;
    this.pid = options.pid ?? process.pid;
    this.randomId = options.randomId ?? (() => randomBytes(12).toString('hex'));
    this.fs = options.fs ?? nodeFs;
    this.writeFs = options.writeFs ?? nodeWriteFs;
    const isAlive = options.isProcessAlive;
    this.fileLock = new FileLock(this.lockPath, path, {
      hostname: options.hostname ?? osHostname(),
      pid: this.pid,
      clock: options.clock ?? Date.now,
      staleAfterMs: options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
      processes:
        options.processes ??
        (isAlive ? { status: (pid) => ({ running: isAlive(pid) }) } : systemProcessTable),
      randomId: this.randomId,
      fs: this.fs,
    });
  }

  get location(): string {
    return this.path;
  }

  get lockLocation(): string {
    return this.lockPath;
  }

  async lock(command: string): Promise<Lock> {
    const lock = await this.fileLock.acquire(command);
    await this.removeStrayTemporaryFiles();
    return lock;
  }

  /**
   * The temporary files of this state that a run left between making one and renaming it into place (stopped
   * at once by a second Ctrl-C, or killed): with the lock held, nobody is writing one. Best effort.
   */
  private async removeStrayTemporaryFiles(): Promise<void> {
    const { readdir } = this.fs;
    if (readdir === undefined) return;
    const directory = dirname(this.path);
    const ours = new RegExp(`^\\.${escapeRegExp(basename(this.path))}\\.\\d+\\.[^.]+\\.tmp$`);
    let names: string[];
    try {
      names = await readdir(directory);
    } catch {
      return;
    }
    await Promise.all(
      names
        .filter((name) => ours.test(name))
        .map((name) => this.fs.unlink(join(directory, name)).catch(() => {})),
    );
  }

  async read(): Promise<StateDocument | undefined> {
    const text = await readTextIfPresent(this.fs, this.path);
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

  lockHolder(): Promise<LockInfo | undefined> {
    return this.fileLock.holder();
  }

  forceUnlock(lockId: string, options: { evenIfRunning?: boolean } = {}): Promise<LockInfo> {
    return this.fileLock.forceUnlock(lockId, options);
  }

  private checkFence(): void {
    const { heldId } = this.fileLock;
    if (heldId !== undefined) {
      const text = this.readTextNow(this.lockPath);
      const holder = text === undefined ? undefined : parseLockRecord(text);
      if (holder?.id !== heldId) {
        const by = holder ? `now held by ${holder.command} on ${holder.host}, pid ${holder.pid}` : 'removed';
        throw new StateFencedError(this.path, 'lock-lost', `the lock ${heldId} was ${by}`);
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
}
