import type { StateDocument } from '@mlds/core';
import type { LockInfo } from './errors.js';

export interface Lock {
  readonly info: LockInfo;
  /** Set when a stale lock was found and taken over. */
  readonly takenOverFrom?: LockInfo;
  /** Removes the lock if it is still this run's; a second call does nothing. Never throws. */
  release(): Promise<void>;
}

/** What the engine needs of a state store: lock, read, fenced write. */
export interface StateStore {
  /** Takes the lock or throws StateLockedError naming its holder. */
  lock(command: string): Promise<Lock>;
  /** undefined when there is no state yet; StateCorruptError when it cannot be read as one. */
  read(): Promise<StateDocument | undefined>;
  /**
   * Fenced: writes only when the lock this store took is still its own and the state is what this store last
   * read or wrote (absent, when it read nothing); otherwise throws StateFencedError and overwrites nothing.
   */
  write(doc: StateDocument): Promise<void>;
}

/**
 * Where a workflow's state lives: the local file (FileStateStore) or an S3 object (S3StateStore). Everything
 * above it (the engine, the commands) is the same for both.
 */
export interface StateBackend extends StateStore {
  /** The state's place as shown to people: a path or `s3://bucket/key`. */
  readonly location: string;
  /** Where the lock is, as shown to people. */
  readonly lockLocation: string;
  /** Who holds the lock now; undefined when nobody does. */
  lockHolder(): Promise<LockInfo | undefined>;
  /**
   * Removes the lock with this id (`mlds state unlock`); LockNotFoundError when it is not there, and
   * LockHolderRunningError, unless `evenIfRunning`, when its run still runs on this host.
   */
  forceUnlock(lockId: string, options?: { evenIfRunning?: boolean }): Promise<LockInfo>;
}

export {
  FileStateStore,
  type FileStateStoreOptions,
  type StateFileSystem,
  type StateWriteFileSystem,
} from './file-state-store.js';
