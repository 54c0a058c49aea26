import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type StateDocument, stateDocumentProblem } from '@mlds/core';
import { type LockInfo, StateCorruptError, StateLockedError } from './errors.js';

export interface Lock {
  readonly info: LockInfo;
  /** Set when a stale lock was found and taken over. */
  readonly takenOverFrom?: LockInfo;
  release(): Promise<void>;
}

export interface StateStore {
  /** Takes the lock or throws StateLockedError naming its holder. */
  lock(command: string): Promise<Lock>;
  /** undefined when there is no state yet; StateCorruptError when it cannot be read as one. */
  read(): Promise<StateDocument | undefined>;
  write(doc: StateDocument): Promise<void>;
}

/** The file operations the store uses; injectable so a test can fail one midway. */
export type StateFileSystem = Pick<
  typeof nodeFs,
  'open' | 'readFile' | 'rename' | 'unlink' | 'mkdir' | 'stat'
>;

export interface FileStateStoreOptions {
  hostname?: string;
  pid?: number;
  clock?: () => number;
  /** A lock older than this is stale whoever holds it (default 12 h: a forced MediaStore empty can be long). */
  staleAfterMs?: number;
  isProcessAlive?: (pid: number) => boolean;
  fs?: StateFileSystem;
}

const DEFAULT_STALE_AFTER_MS = 12 * 60 * 60_000;
/** A lock file that cannot be parsed is being written by its holder, unless it is older than this. */
const UNREADABLE_LOCK_GRACE_MS = 60_000;

function defaultIsProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

interface LockFileContent extends LockInfo {
  /** Identifies this acquisition, so release never removes a lock someone else took over. */
  token: string;
}

/**
 * The embedded default state store: the contract's JSON file, written atomically (temp file in the same
 * directory, fsync, rename, fsync of the directory), mode 0600, guarded by `<path>.lock` created with O_EXCL.
 */
export class FileStateStore implements StateStore {
  readonly lockPath: string;
  private readonly hostname: string;
  private readonly pid: number;
  private readonly clock: () => number;
  private readonly staleAfterMs: number;
  private readonly isProcessAlive: (pid: number) => boolean;
  private readonly fs: StateFileSystem;

  constructor(
    readonly path: string,
    options: FileStateStoreOptions = {},
  ) {
    this.lockPath = `${path}.lock`;
    this.hostname = options.hostname ?? osHostname();
    this.pid = options.pid ?? process.pid;
    this.clock = options.clock ?? Date.now;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.isProcessAlive = options.isProcessAlive ?? defaultIsProcessAlive;
    this.fs = options.fs ?? nodeFs;
  }

  async lock(command: string): Promise<Lock> {
    await this.fs.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const content: LockFileContent = {
      host: this.hostname,
      pid: this.pid,
      acquiredAt: new Date(this.clock()).toISOString(),
      command,
      token: randomBytes(12).toString('hex'),
    };
    if (await this.tryCreateLock(content)) return this.heldLock(content);

    const holder = await this.readLock();
    if (!holder.stale) throw new StateLockedError(this.lockPath, holder.info);
    // Only one of two runs that both found it stale can win the O_EXCL create after the unlink.
    await this.fs.unlink(this.lockPath).catch((error: unknown) => {
      if (errnoCode(error) !== 'ENOENT') throw error;
    });
    if (await this.tryCreateLock(content)) return this.heldLock(content, holder.info);
    throw new StateLockedError(this.lockPath, (await this.readLock()).info);
  }

  async read(): Promise<StateDocument | undefined> {
    let text: string;
    try {
      text = await this.fs.readFile(this.path, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new StateCorruptError(this.path, `not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    const problem = stateDocumentProblem(parsed);
    if (problem) throw new StateCorruptError(this.path, problem);
    return parsed as StateDocument;
  }

  async write(doc: StateDocument): Promise<void> {
    const directory = dirname(this.path);
    await this.fs.mkdir(directory, { recursive: true, mode: 0o700 });
    const temp = join(directory, `.${basename(this.path)}.${this.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await this.fs.open(temp, 'wx', 0o600);
    try {
      try {
        await handle.writeFile(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
        // The umask can only remove bits; chmod makes 0600 exact whatever it is.
        await handle.chmod(0o600);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.fs.rename(temp, this.path);
    } catch (error) {
      await this.fs.unlink(temp).catch(() => {});
      throw error;
    }
    await this.syncDirectory(directory);
  }

  private async syncDirectory(directory: string): Promise<void> {
    // Makes the rename itself durable. Some platforms cannot open a directory for sync; the rename stands anyway.
    try {
      const handle = await this.fs.open(directory, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (!['EISDIR', 'EPERM', 'EINVAL', 'EACCES'].includes(errnoCode(error) ?? '')) throw error;
    }
  }

  private async tryCreateLock(content: LockFileContent): Promise<boolean> {
    let handle: nodeFs.FileHandle;
    try {
      handle = await this.fs.open(this.lockPath, 'wx', 0o600);
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      throw error;
    }
    try {
      await handle.writeFile(`${JSON.stringify(content)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  }

  private async readLock(): Promise<{ info: LockInfo; stale: boolean }> {
    let text: string;
    try {
      text = await this.fs.readFile(this.lockPath, 'utf8');
    } catch (error) {
      // Released between our create attempt and this read: whoever retries next gets it.
      if (errnoCode(error) === 'ENOENT') {
        return { info: { host: 'unknown', pid: 0, acquiredAt: 'unknown', command: 'unknown' }, stale: true };
      }
      throw error;
    }
    const info = parseLockInfo(text);
    if (!info) {
      const modifiedAt = (await this.fs.stat(this.lockPath)).mtimeMs;
      const unknown: LockInfo = {
        host: 'unknown',
        pid: 0,
        acquiredAt: new Date(modifiedAt).toISOString(),
        command: 'unknown',
      };
      return { info: unknown, stale: this.clock() - modifiedAt > UNREADABLE_LOCK_GRACE_MS };
    }
    const age = this.clock() - Date.parse(info.acquiredAt);
    const deadOnThisHost = info.host === this.hostname && !this.isProcessAlive(info.pid);
    return { info, stale: deadOnThisHost || !(age <= this.staleAfterMs) };
  }

  private heldLock(content: LockFileContent, takenOverFrom?: LockInfo): Lock {
    const { token, ...info } = content;
    let released = false;
    return {
      info,
      ...(takenOverFrom ? { takenOverFrom } : {}),
      release: async () => {
        if (released) return;
        released = true;
        const text = await this.fs.readFile(this.lockPath, 'utf8').catch(() => undefined);
        // Runs in a `finally`: a lock file someone else rewrote must neither be removed nor hide the run's error.
        if (text === undefined || tokenOf(text) !== token) return;
        await this.fs.unlink(this.lockPath).catch(() => {});
      },
    };
  }
}

function tokenOf(text: string): string | undefined {
  try {
    const token = (JSON.parse(text) as Partial<LockFileContent> | null)?.token;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}

function parseLockInfo(text: string): LockInfo | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockInfo>;
    if (
      typeof value.host === 'string' &&
      typeof value.pid === 'number' &&
      typeof value.acquiredAt === 'string' &&
      typeof value.command === 'string'
    ) {
      return { host: value.host, pid: value.pid, acquiredAt: value.acquiredAt, command: value.command };
    }
  } catch {
    // Falls through: unreadable.
  }
  return undefined;
}
