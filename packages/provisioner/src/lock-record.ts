import type { LockInfo } from './errors.js';

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
    const value = JSON.parse(text) as Partial<LockRecord> | null;
    if (
      value !== null &&
      typeof value.id === 'string' &&
      typeof value.host === 'string' &&
      typeof value.pid === 'number' &&
      typeof value.command === 'string' &&
      typeof value.since === 'string'
    ) {
      return {
        id: value.id,
        host: value.host,
        pid: value.pid,
        ...(typeof value.processStartedAt === 'string' ? { processStartedAt: value.processStartedAt } : {}),
        command: value.command,
        since: value.since,
      };
    }
  } catch {
    // Falls through: unreadable.
  }
  return undefined;
}
