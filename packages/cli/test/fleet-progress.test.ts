import type { EngineEvent } from '@mlds/provisioner';
import { describe, expect, it } from 'vitest';
import { createFleetProgress, fleetResultLine } from '../src/render/fleet-progress.js';
import { createColors } from '../src/terminal.js';

const colors = createColors(false);
const previous = {
  id: 'l',
  host: 'h',
  pid: 7,
  acquiredAt: '2025-01-01T00:00:00.000Z',
  command: 'apply' as const,
};

function display(live: boolean) {
  let out = '';
  let now = 0;
  let tick: (() => void) | undefined;
  const progress = createFleetProgress({
    stream: { write: (chunk: string) => (out += chunk) },
    live,
    colors,
    clock: () => now,
    every: (_ms, fn) => {
      tick = fn;
      return () => {
        tick = undefined;
      };
    },
    workflows: [
      { workflow: 'court-1', resources: 2 },
      { workflow: 'long-name-2', resources: 1 },
    ],
  });
  return {
    progress,
    at: (ms: number) => {
      now = ms;
    },
    tick: () => tick?.(),
    ticking: () => tick !== undefined,
    take: () => {
      const taken = out;
      out = '';
      return taken;
    },
  };
}

const started = (address: string, at: number): EngineEvent => ({
  type: 'started',
  address,
  kind: 's3-bucket',
  action: 'create',
  at,
});
const done = (address: string, at: number): EngineEvent => ({
  type: 'done',
  address,
  kind: 's3-bucket',
  action: 'create',
  outcome: 'created',
  elapsedMs: 400,
  at,
});

describe('fleet progress without a terminal', () => {
  it("prints the single-workflow lines, each resource named after its workflow, and each workflow's result", () => {
    const d = display(false);
    d.progress.onEvent('court-1', started('archive.bucket[0]', 0));
    d.progress.onEvent('long-name-2', { type: 'lock-taken-over', previous, at: 0 });
    d.progress.onEvent('court-1', done('archive.bucket[0]', 400));
    d.progress.onEvent('court-1', {
      type: 'failed',
      address: 'archive.bucket[1]',
      kind: 's3-bucket',
      action: 'create',
      error: 'BucketAlreadyExists: taken',
      elapsedMs: 300,
      at: 300,
    });
    d.progress.finished(
      'court-1',
      fleetResultLine('court-1', 'failed', 'apply failed for 1 resource', colors),
    );
    d.progress.stop();
    expect(d.take()).toBe(
      [
        'long-name-2: took over a stale lock of apply on h (pid 7, since 2025-01-01T00:00:00.000Z).',
        '[+] court-1 archive.bucket[0] created (0.4s)',
        '[!] court-1 archive.bucket[1] failed after 0.3s: BucketAlreadyExists: taken',
        '[!] court-1: apply failed for 1 resource',
        '',
      ].join('\n'),
    );
    expect(d.ticking()).toBe(false);
  });
});

describe('fleet progress on a terminal', () => {
  it('keeps one line per running workflow, redrawn in place, and prints each result for good', () => {
    const d = display(true);
    d.progress.onEvent('court-1', started('archive.bucket[0]', 0));
    d.progress.onEvent('court-1', started('archive.bucket[1]', 0));
    expect(d.take()).toBe(
      '⠋ court-1      0/2 done, 1 running  0.0s\n\x1b[1F\x1b[J⠋ court-1      0/2 done, 2 running  0.0s\n',
    );
    d.progress.onEvent('long-name-2', started('packager.channel', 100));
    d.at(1200);
    d.progress.onEvent('court-1', done('archive.bucket[0]', 1200));
    expect(d.take()).toBe(
      [
        '\x1b[1F\x1b[J⠋ court-1      0/2 done, 2 running  0.0s',
        '⠋ long-name-2  0/1 done, 1 running  0.0s',
        '\x1b[2F\x1b[J⠹ court-1      1/2 done, 1 running  1.2s',
        '⠙ long-name-2  0/1 done, 1 running  1.1s',
        '',
      ].join('\n'),
    );
    d.at(1500);
    d.progress.finished('court-1', fleetResultLine('court-1', 'ok', 'Apply complete: 2 created.', colors));
    expect(d.take()).toBe(
      '\x1b[2F\x1b[J[✓] court-1: Apply complete: 2 created.\n⠼ long-name-2  0/1 done, 1 running  1.4s\n',
    );
    d.at(1600);
    d.tick();
    expect(d.take()).toBe('\x1b[1F\x1b[J⠴ long-name-2  0/1 done, 1 running  1.5s\n');
    d.progress.stop();
    expect(d.take()).toBe('\x1b[1F\x1b[J');
    expect(d.ticking()).toBe(false);
  });
});

describe('fleet progress suspended (Ctrl-Z)', () => {
  it('clears the region and draws none while suspended, results still printed for good; resumed, draws it again', () => {
    const d = display(true);
    d.progress.onEvent('court-1', started('archive.bucket[0]', 0));
    d.progress.onEvent('long-name-2', started('packager.channel', 0));
    d.take();
    d.progress.suspend();
    expect(d.take()).toBe('\x1b[2F\x1b[J');
    d.at(400);
    d.progress.onEvent('court-1', done('archive.bucket[0]', 400));
    d.tick();
    d.progress.above(() => {});
    expect(d.take()).toBe('');
    d.progress.finished('court-1', fleetResultLine('court-1', 'ok', 'Apply complete: 1 created.', colors));
    expect(d.take()).toBe('[✓] court-1: Apply complete: 1 created.\n');
    d.at(1000);
    d.progress.resume();
    expect(d.take()).toBe('⠋ long-name-2  0/1 done, 1 running  1.0s\n');
    d.progress.stop();
    expect(d.take()).toBe('\x1b[1F\x1b[J');
  });
});
