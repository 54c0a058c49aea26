import { describe, expect, it } from 'vitest';
import { holderRunsHere, type LockRecord } from '../src/lock-record.js';
import type { ProcessTable } from '../src/process-table.js';

const record: LockRecord = {
  id: 'l-1',
  host: 'build-1',
  pid: 4242,
  processStartedAt: 'start-a',
  command: 'apply',
  since: '2026-12-07T10:00:00.000Z',
};

const running = (startedAt?: string): ProcessTable => ({
  status: () => (startedAt === undefined ? { running: true } : { running: true, startedAt }),
});

describe('holderRunsHere', () => {
  it('is true for a holder on this host whose process runs, with the start time it recorded', () => {
    expect(holderRunsHere(record, 'build-1', running('start-a'))).toBe(true);
    // A start time unknown on either side: the pid alone decides.
    expect(holderRunsHere(record, 'build-1', running())).toBe(true);
    expect(holderRunsHere({ ...record, processStartedAt: undefined }, 'build-1', running('start-b'))).toBe(
      true,
    );
  });

  it('is false on another host (nothing to look up), for a gone process, and for a pid another process reuses', () => {
    expect(holderRunsHere(record, 'build-2', running('start-a'))).toBe(false);
    expect(holderRunsHere(record, 'build-1', { status: () => ({ running: false }) })).toBe(false);
    expect(holderRunsHere(record, 'build-1', running('start-b'))).toBe(false);
  });
});
