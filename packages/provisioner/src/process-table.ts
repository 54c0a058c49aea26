import { readFileSync } from 'node:fs';

/** What the lock needs to know about a process on this host. */
export type ProcessStatus =
  /** `startedAt` tells this process from a later one given the same pid; absent where the platform cannot say. */
  | { running: true; startedAt?: string }
  /** No such process, or a zombie: killed, not yet reaped (for good in a container whose PID 1 never reaps). */
  | { running: false };

export interface ProcessTable {
  status(pid: number): ProcessStatus;
}

/**
 * Reads `/proc/<pid>/stat` where there is a /proc (Linux): the state letter (Z, X: dead) and the start time in
 * clock ticks since boot (field 22), which, with the pid, names one process for the life of the machine.
 * Elsewhere, a signal 0 says whether the pid exists.
 */
export const systemProcessTable: ProcessTable = {
  status(pid) {
    if (!Number.isInteger(pid) || pid <= 0) return { running: false };
    let text: string | undefined;
    try {
      text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) return parseProcStat(text);
    if (hasProcfs()) return { running: false };
    return signalZero(pid);
  },
};

let procfs: boolean | undefined;
function hasProcfs(): boolean {
  if (procfs === undefined) {
    try {
      readFileSync('/proc/self/stat', 'utf8');
      procfs = true;
    } catch {
      procfs = false;
    }
  }
  return procfs;
}

function signalZero(pid: number): ProcessStatus {
  try {
    process.kill(pid, 0);
    return { running: true };
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? { running: true } : { running: false };
  }
}

/** `pid (comm) S ppid …`: comm may hold spaces and parentheses, so the fields start after the last `)`. */
export function parseProcStat(text: string): ProcessStatus {
  const fields = text
    .slice(text.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  const state = fields[0];
  if (state === undefined || state === 'Z' || state === 'X' || state === 'x') return { running: false };
  // Field 22 of the whole line is the 20th after the command name (fields 1 and 2 are the pid and comm).
  const startedAt = fields[19];
  return startedAt !== undefined && /^\d+$/.test(startedAt)
    ? { running: true, startedAt }
    : { running: true };
}
