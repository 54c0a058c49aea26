import type { LockInfo } from './errors.js';
import type { ProcessTable } from './process-table.js';

/** The lock as stored (a file or an object): the contract's holder fields. */
export interface LockRecord {
  id: string;
  host: string;
  pid: number;
  /** The holder process's start time (Linux: ticks since boot), so a reused pid is not taken for the holder. */
  processStartedAt?: string;
  command: string;
  since: string;
}

/** The lock this process takes: its host, its pid and (where the system tells) the pid's start time. */
export function ownLockRecord(
  holder: { id: string; hostname: string; pid: number; processes: ProcessTable; now: number },
  command: string,
): LockRecord {
  const own = holder.processes.status(holder.pid);
  return {
    id: holder.id,
    host: holder.hostname,
    pid: holder.pid,
    ...(own.running && own.startedAt !== undefined ? { processStartedAt: own.startedAt } : {}),
    command,
    since: new Date(holder.now).toISOString(),
  };
}

export function lockRecordText(record: LockRecord): string {
  return `${JSON.stringify(record)}\n`;
}

export function infoOf(record: LockRecord): LockInfo {
  return {
    id: record.id,
    host: record.host,
    pid: record.pid,
    acquiredAt: record.since,
    command: record.command,
  };
}

/** The lock as stored, or undefined when it cannot be read as one (being written, or damaged). */
export function parseLockRecord(text: string): LockRecord | undefined {
  try {
    const value = JSON.parse(text) as
      | (Partial<LockRecord> & { acquiredAt?: unknown; token?: unknown })
      | null;
    if (value === null || typeof value !== 'object') return undefined;
    // Locks written before lock ids existed carry `token` and `acquiredAt` instead of `id` and `since`.
    const id = typeof value.id === 'string' ? value.id : value.token;
    const since = typeof value.since === 'string' ? value.since : value.acquiredAt;
    if (
      typeof id === 'string' &&
      typeof value.host === 'string' &&
      typeof value.pid === 'number' &&
      typeof value.command === 'string' &&
      typeof since === 'string'
    ) {
      return {
        id,
        host: value.host,
        pid: value.pid,
        ...(typeof value.processStartedAt === 'string' ? { processStartedAt: value.processStartedAt } : {}),
        command: value.command,
        since,
      };
    }
  } catch {
    // Falls through: unreadable.
  }
  return undefined;
}

/**
 * Whether the lock's run still runs, as far as this host can tell: only a holder on this host can be looked up,
 * and a pid now running another process (another start time) is not the holder.
 */
export function holderRunsHere(record: LockRecord, hostname: string, processes: ProcessTable): boolean {
  if (record.host !== hostname) return false;
  const status = processes.status(record.pid);
  if (!status.running) return false;
  return !(
    record.processStartedAt !== undefined &&
    status.startedAt !== undefined &&
    status.startedAt !== record.processStartedAt
  );
}
