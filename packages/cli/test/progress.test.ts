import type { EngineEvent } from '@mlds/provisioner';
import { describe, expect, it } from 'vitest';
import { createProgress, formatElapsed } from '../src/render/progress.js';
import {
  type ResourceResult,
  renderApplySummary,
  renderDestroySummary,
  tally,
} from '../src/render/summary.js';
import { createColors } from '../src/terminal.js';
import { hasColor } from './helpers.js';

const plain = createColors(false);

function display(live: boolean, colors = plain) {
  let out = '';
  let now = 0;
  let tick: (() => void) | undefined;
  let stopped = 0;
  const progress = createProgress({
    stream: { write: (chunk: string) => (out += chunk) },
    live,
    colors,
    clock: () => now,
    every: (ms, fn) => {
      expect(ms).toBe(100);
      tick = fn;
      return () => {
        stopped += 1;
      };
    },
  });
  return {
    progress,
    at: (ms: number) => {
      now = ms;
    },
    tick: () => tick?.(),
    ticking: () => tick !== undefined,
    stopped: () => stopped,
    /** What was written since the last call. */
    take: () => {
      const written = out;
      out = '';
      return written;
    },
  };
}

const started = (address: string, at: number, action: 'create' | 'delete' = 'create'): EngineEvent => ({
  type: 'started',
  address,
  kind: 's3-bucket',
  action,
  at,
});

describe('progress without a terminal: one plain line per finished resource', () => {
  it('prints what finished, failed or was skipped, and details; nothing for starts, waits and unchanged', () => {
    const d = display(false);
    d.progress.onEvent(started('packager.channel', 0));
    d.progress.onEvent({
      type: 'waiting',
      address: 'packager.channel',
      reason: 'throttled',
      attempt: 1,
      delayMs: 250,
      at: 5,
    });
    expect(d.take()).toBe('');
    expect(d.ticking()).toBe(false);
    const events: EngineEvent[] = [
      {
        type: 'done',
        address: 'packager.channel',
        kind: 'mediapackage-channel',
        action: 'create',
        outcome: 'created',
        elapsedMs: 1234,
        at: 1234,
      },
      {
        type: 'done',
        address: 'cdn.password',
        kind: 'ssm-parameter',
        action: 'keep',
        outcome: 'unchanged',
        elapsedMs: 0,
        at: 1234,
      },
      {
        type: 'done',
        address: 'old.bucket[0]',
        kind: 's3-bucket',
        action: 'create',
        outcome: 'adopted',
        elapsedMs: 400,
        at: 1,
      },
      {
        type: 'done',
        address: 'web.password',
        kind: 'ssm-parameter',
        action: 'update',
        outcome: 'updated',
        elapsedMs: 61_000,
        at: 1,
      },
      {
        type: 'done',
        address: 'in.channel',
        kind: 'mediapackage-channel',
        action: 'read',
        outcome: 'read',
        elapsedMs: 100,
        at: 1,
      },
      { type: 'progress', address: 'archive.bucket[1]', detail: 'deleted 3 object version(s)', at: 1 },
      {
        type: 'done',
        address: 'archive.bucket[1]',
        kind: 's3-bucket',
        action: 'delete',
        outcome: 'deleted',
        elapsedMs: 400,
        at: 1,
      },
      {
        type: 'done',
        address: 'x.channel',
        kind: 'mediapackage-channel',
        action: 'forget',
        outcome: 'forgotten',
        elapsedMs: 0,
        at: 1,
      },
      {
        type: 'failed',
        address: 'archive.bucket[0]',
        kind: 's3-bucket',
        action: 'create',
        error: 'BucketNameTakenError: taken',
        elapsedMs: 300,
        at: 1,
      },
      {
        type: 'skipped',
        address: 'packager.password[0]',
        kind: 'ssm-parameter',
        reason: 'packager.channel did not succeed',
        at: 1,
      },
      {
        type: 'lock-taken-over',
        previous: { id: 'l1', host: 'h', pid: 7, acquiredAt: '2025-01-01T00:00:00.000Z', command: 'apply' },
        at: 1,
      },
    ];
    for (const event of events) d.progress.onEvent(event);
    d.progress.stop();
    expect(d.take()).toBe(
      [
        '[+] packager.channel created (1.2s)',
        "[+] old.bucket[0] adopted (it existed, with this workflow's tag) (0.4s)",
        '[~] web.password updated (1m01s)',
        '[=] in.channel read, nothing to change (0.1s)',
        '    archive.bucket[1]: deleted 3 object version(s)',
        '[-] archive.bucket[1] deleted (0.4s)',
        '[-] x.channel removed from the state, not deleted',
        '[!] archive.bucket[0] failed after 0.3s: BucketNameTakenError: taken',
        '[ ] packager.password[0] skipped: packager.channel did not succeed',
        'Took over a stale lock of apply on h (pid 7, since 2025-01-01T00:00:00.000Z).',
        '',
      ].join('\n'),
    );
    expect(d.stopped()).toBe(0);
  });
});

describe('progress on a terminal: the resources in progress are redrawn in place', () => {
  it('keeps the running resources at the bottom, with a spinner and the elapsed time', () => {
    const d = display(true);
    d.progress.onEvent(started('a.bucket[0]', 0));
    expect(d.take()).toBe('⠋ a.bucket[0] creating… 0.0s\n');
    expect(d.ticking()).toBe(true);

    d.at(300);
    d.tick();
    // Up one line, erase to the end of the screen, redraw.
    expect(d.take()).toBe('\x1b[1F\x1b[J⠸ a.bucket[0] creating… 0.3s\n');

    d.progress.onEvent(started('b.channel', 300, 'delete'));
    expect(d.take()).toBe('\x1b[1F\x1b[J⠸ a.bucket[0] creating… 0.3s\n⠋ b.channel deleting… 0.0s\n');

    d.at(1500);
    d.progress.onEvent({
      type: 'waiting',
      address: 'b.channel',
      reason: 'until gone',
      attempt: 2,
      delayMs: 2000,
      at: 1500,
    });
    d.tick();
    expect(d.take()).toBe(
      '\x1b[2F\x1b[J⠴ a.bucket[0] creating… 1.5s\n⠹ b.channel deleting… 1.2s (waiting: until gone, attempt 2)\n',
    );

    d.at(1600);
    d.progress.onEvent({
      type: 'done',
      address: 'a.bucket[0]',
      kind: 's3-bucket',
      action: 'create',
      outcome: 'created',
      elapsedMs: 1600,
      at: 1600,
    });
    // The finished line is written for good above what is still running.
    expect(d.take()).toBe(
      '\x1b[2F\x1b[J[+] a.bucket[0] created (1.6s)\n⠸ b.channel deleting… 1.3s (waiting: until gone, attempt 2)\n',
    );

    d.progress.stop();
    expect(d.take()).toBe('\x1b[1F\x1b[J');
    expect(d.stopped()).toBe(1);
    d.tick();
    expect(d.take()).toBe('');
  });

  it('colours the lines when colour is on', () => {
    const d = display(true, createColors(true));
    d.progress.onEvent(started('a.bucket[0]', 0));
    d.progress.onEvent({
      type: 'done',
      address: 'a.bucket[0]',
      kind: 's3-bucket',
      action: 'create',
      outcome: 'created',
      elapsedMs: 5,
      at: 5,
    });
    expect(hasColor(d.take())).toBe(true);
  });
});

describe('formatElapsed', () => {
  it.each([
    [0, '0.0s'],
    [1234, '1.2s'],
    [59_900, '59.9s'],
    [60_000, '1m00s'],
    [125_400, '2m05s'],
    [3_600_000, '60m00s'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});

describe('summaries', () => {
  const results = (outcomes: ResourceResult['outcome'][]): ResourceResult[] =>
    outcomes.map((outcome, index) => ({ address: `r${index}`, kind: 's3-bucket', outcome }));

  it('apply: created, updated, deleted always; adopted and removed-from-state only when there are some', () => {
    expect(renderApplySummary(tally(results(['created', 'created', 'unchanged', 'deleted'])), plain)).toBe(
      'Apply complete: 2 created, 0 updated, 1 deleted.\n',
    );
    expect(renderApplySummary(tally(results(['adopted', 'updated', 'forgotten', 'read'])), plain)).toBe(
      'Apply complete: 0 created, 1 adopted, 1 updated, 0 deleted, 1 removed from the state.\n',
    );
  });

  it('destroy: deleted, and what was only removed from the state', () => {
    expect(renderDestroySummary(tally(results(['deleted', 'deleted'])), plain)).toBe(
      'Destroy complete: 2 deleted.\n',
    );
    expect(renderDestroySummary(tally(results(['deleted', 'forgotten'])), plain)).toBe(
      'Destroy complete: 1 deleted, 1 removed from the state without deleting (not created by mlds).\n',
    );
  });
});
