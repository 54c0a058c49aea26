import { describe, expect, it } from 'vitest';
import { createFleetProgress } from '../src/render/fleet-progress.js';
import { fit, KEY_HINT } from '../src/render/fleet-view.js';
import type { RunEvent } from '../src/run-results.js';
import { createColors } from '../src/terminal.js';

// The fleet's live display on a terminal whose keys it reads: a line per workflow, a selection moved with the
// arrows (or j/k), a workflow expanded into its resources, everything fitted to the terminal's rows and columns.

const colors = createColors(false);

function terminal(size: { rows?: number; columns?: number } = {}) {
  let out = '';
  let now = 0;
  const stream = {
    write: (chunk: string) => {
      out += chunk;
      return true;
    },
    rows: size.rows,
    columns: size.columns,
  };
  const progress = createFleetProgress({
    stream,
    live: true,
    interactive: true,
    colors,
    clock: () => now,
    every: () => () => {},
    workflows: [
      {
        workflow: 'court-1',
        resources: 3,
        planned: [
          { address: 'packager.channel', action: 'create' },
          { address: 'archive.bucket[0]', action: 'create' },
          { address: 'old.bucket', action: 'delete' },
        ],
      },
      { workflow: 'court-2', resources: 1, planned: [{ address: 'cdn.password', action: 'update' }] },
    ],
  });
  return {
    progress,
    stream,
    at: (ms: number) => {
      now = ms;
    },
    /** What was written since the last call. */
    take: () => {
      const taken = out;
      out = '';
      return taken;
    },
  };
}

const ESC = '\x1b';

/** The last frame drawn: what follows the last erase, as lines. */
function lastFrame(written: string): string[] {
  const frames = written.split(new RegExp(`${ESC}\\[\\d+F${ESC}\\[J`));
  return (frames.at(-1) ?? '').split('\n').slice(0, -1);
}

const started = (
  address: string,
  at: number,
  action: 'create' | 'update' | 'delete' = 'create',
): RunEvent => ({
  type: 'started',
  address,
  kind: 's3-bucket',
  action,
  at,
});

describe('the fleet display on a terminal that takes keys', () => {
  it('selects the first workflow, names the keys, and expands, collapses and moves as they are pressed', () => {
    const t = terminal();
    t.progress.onEvent('court-1', started('packager.channel', 0));
    t.progress.onEvent('court-2', started('cdn.password', 0, 'update'));
    t.at(1500);
    t.progress.onEvent('court-1', {
      type: 'waiting',
      address: 'packager.channel',
      reason: 'throttled',
      attempt: 2,
      delayMs: 100,
      at: 1500,
    });
    t.progress.onEvent('court-1', started('archive.bucket[0]', 1000));
    expect(lastFrame(t.take())).toStrictEqual([
      '› ▸ ⠴ court-1  0/3 done, 2 running  1.5s',
      '  ▸ ⠴ court-2  0/1 done, 1 running  1.5s',
      KEY_HINT,
    ]);

    t.progress.key('enter');
    expect(lastFrame(t.take())).toStrictEqual([
      '› ▾ ⠴ court-1  0/3 done, 2 running  1.5s',
      '      … packager.channel   create  running  1.5s  waiting: throttled, attempt 2',
      '      … archive.bucket[0]  create  running  0.5s',
      '      · old.bucket         delete  pending',
      '  ▸ ⠴ court-2  0/1 done, 1 running  1.5s',
      KEY_HINT,
    ]);

    t.at(2000);
    t.progress.onEvent('court-1', {
      type: 'done',
      address: 'packager.channel',
      kind: 'mediapackage-channel',
      action: 'create',
      outcome: 'created',
      elapsedMs: 2000,
      at: 2000,
    });
    t.progress.onEvent('court-1', {
      type: 'interrupted',
      address: 'archive.bucket[0]',
      kind: 's3-bucket',
      action: 'create',
      elapsedMs: 1000,
      at: 2000,
    });
    t.progress.onEvent('court-1', {
      type: 'skipped',
      address: 'old.bucket',
      kind: 's3-bucket',
      reason: 'the run was interrupted',
      at: 2000,
    });
    const written = t.take();
    // The interrupted resource is printed for good above the region, as a failure would be.
    expect(written).toContain(
      '[~] court-1 archive.bucket[0] interrupted after 1.0s: stopped before it was finished; what was done of it is recorded, and the next run finishes it\n',
    );
    // court-1 expanded with its resources as the interrupt left them, selected (›) or not; court-2 as the keys leave it.
    const court1 = (mark: '›' | ' ') => [
      `${mark} ▾ ⠋ court-1  3/3 done, 1 interrupted  2.0s`,
      '      ✓ packager.channel   create  created  2.0s',
      '      ~ archive.bucket[0]  create  interrupted midway  1.0s',
      '      - old.bucket         delete  not started',
    ];
    const court2Collapsed = ['  ▸ ⠋ court-2  0/1 done, 1 running  2.0s'];
    const court2Expanded = (mark: '›' | ' ') => [
      `${mark} ▾ ⠋ court-2  0/1 done, 1 running  2.0s`,
      '      … cdn.password  update  running  2.0s',
    ];
    expect(lastFrame(written)).toStrictEqual([...court1('›'), ...court2Collapsed, KEY_HINT]);

    t.progress.key('down');
    t.progress.key('right');
    expect(lastFrame(t.take())).toStrictEqual([...court1(' '), ...court2Expanded('›'), KEY_HINT]);

    // `a` collapses all when all are expanded; j/k move like the arrows, and stop at the ends.
    t.progress.key('all');
    t.progress.key('up');
    t.progress.key('up');
    t.progress.key('space');
    expect(lastFrame(t.take())).toStrictEqual([...court1('›'), ...court2Collapsed, KEY_HINT]);
    t.progress.key('left');
    t.progress.key('all');
    expect(lastFrame(t.take())).toStrictEqual([...court1('›'), ...court2Expanded(' '), KEY_HINT]);

    // A workflow that ends leaves the region; the selection moves to the next one.
    t.progress.finished('court-1', '[~] court-1: apply interrupted');
    expect(t.take()).toBe(
      [
        '\x1b[7F\x1b[J[~] court-1: apply interrupted',
        '› ▾ ⠋ court-2  0/1 done, 1 running  2.0s',
        '      … cdn.password  update  running  2.0s',
        KEY_HINT,
        '',
      ].join('\n'),
    );
    t.progress.stop();
    expect(t.take()).toBe('\x1b[3F\x1b[J');
    // Keys after the display stopped draw nothing.
    t.progress.key('down');
    t.progress.stop();
    expect(t.take()).toBe('');
  });

  it('redraws in place: each frame goes up exactly the lines the previous one drew, and erases below', () => {
    const t = terminal();
    t.progress.onEvent('court-1', started('packager.channel', 0));
    t.take();
    t.progress.key('enter');
    const expanded = t.take();
    // 2 lines were drawn (workflow + hint); now 5.
    expect(expanded.startsWith('\x1b[2F\x1b[J')).toBe(true);
    expect(lastFrame(expanded)).toHaveLength(5);
    t.progress.key('enter');
    expect(t.take().startsWith('\x1b[5F\x1b[J')).toBe(true);
  });
});

describe('messages written outside the display while it runs', () => {
  it('go above the live region: it is cleared first, then drawn again below them', () => {
    const t = terminal();
    t.progress.onEvent('court-1', started('packager.channel', 0));
    t.take();
    t.progress.above(() => t.stream.write('Interrupted: no new AWS call starts\n'));
    expect(t.take()).toBe(
      `\x1b[2F\x1b[JInterrupted: no new AWS call starts\n› ▸ ⠋ court-1  0/3 done, 1 running  0.0s\n${KEY_HINT}\n`,
    );
    t.progress.stop();
    t.take();
    t.progress.above(() => t.stream.write('after\n'));
    expect(t.take()).toBe('after\n');
  });
});

describe('the fleet display fitted to the terminal', () => {
  it('when expanded content exceeds the rows: shows what fits around the selection and says how many lines are hidden', () => {
    const t = terminal({ rows: 6 });
    t.progress.onEvent('court-1', started('packager.channel', 0));
    t.progress.onEvent('court-2', started('cdn.password', 0, 'update'));
    t.progress.key('all');
    // Body: court-1 + 3 resources + court-2 + 1 resource = 6 lines; room: 6 rows - 1 = 5, of which the hint
    // and the notice take 2.
    expect(lastFrame(t.take())).toStrictEqual([
      '› ▾ ⠋ court-1  0/3 done, 1 running  0.0s',
      '      … packager.channel   create  running  0.0s',
      '      · archive.bucket[0]  create  pending',
      '… 3 more lines hidden (0 above, 3 below); ← or a to collapse',
      KEY_HINT,
    ]);
    t.progress.key('down');
    expect(lastFrame(t.take())).toStrictEqual([
      '      · old.bucket         delete  pending',
      '› ▾ ⠋ court-2  0/1 done, 1 running  0.0s',
      '      … cdn.password  update  running  0.0s',
      '… 3 more lines hidden (3 above, 0 below); ← or a to collapse',
      KEY_HINT,
    ]);
    // Never more lines than the rows less one: the region never scrolls the terminal.
    t.progress.key('up');
    expect(lastFrame(t.take()).length).toBeLessThanOrEqual(5);
  });

  it('a terminal of 2 rows gets the selected line alone', () => {
    const t = terminal({ rows: 2 });
    t.progress.onEvent('court-1', started('packager.channel', 0));
    t.progress.key('enter');
    expect(lastFrame(t.take())).toStrictEqual(['› ▾ ⠋ court-1  0/3 done, 1 running  0.0s']);
  });

  it('cuts lines to the columns, escape sequences kept and not counted', () => {
    const t = terminal({ columns: 20 });
    t.progress.onEvent('court-1', started('packager.channel', 0));
    const frame = lastFrame(t.take());
    expect(frame[0]).toBe('› ▸ ⠋ court-1  0/3…');
    for (const line of frame) expect([...line].length).toBeLessThanOrEqual(19);
    const red = createColors(true).red;
    expect(fit(`ab${red('cdefgh')}ij`, 6)).toBe(`ab\x1b[31mcd…\x1b[0m`);
    expect(fit('abc', 6)).toBe('abc');
    expect(fit('abcdefgh', undefined)).toBe('abcdefgh');
  });
});

describe('the fleet display on a terminal that does not take keys', () => {
  it('has no selection marks and no hint line, as before', () => {
    let out = '';
    const progress = createFleetProgress({
      stream: { write: (chunk: string) => (out += chunk) },
      live: true,
      colors,
      clock: () => 0,
      every: () => () => {},
      workflows: [{ workflow: 'court-1', resources: 1 }],
    });
    progress.onEvent('court-1', started('packager.channel', 0));
    progress.key('enter');
    expect(out).toBe('⠋ court-1  0/1 done, 1 running  0.0s\n');
  });
});
