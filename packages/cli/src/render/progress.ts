import type { EngineAction, LockInfo, Outcome } from '@mlds/provisioner';
import type { RunEvent } from '../run-results.js';
import type { Colors, TextWriter } from '../terminal.js';

// Shows what apply and destroy are doing, from the engine's events. On a terminal (with colour allowed) the
// resources being worked on stay at the bottom, each with a spinner and its elapsed time, redrawn in place;
// finished resources are printed above them once, as plain lines. Anywhere else only the plain lines are
// printed, so a log holds one line per resource: `[+] archive.bucket[0] created (1.2s)`.

export interface ProgressOptions {
  stream: TextWriter;
  /** Redraw lines in place with ANSI codes; otherwise plain lines only. */
  live: boolean;
  colors: Colors;
  /** The same clock the engine was given: elapsed times are the clock's now minus the event's `at`. */
  clock: () => number;
  /** Calls `tick` every `ms` until the returned function is called. Used only when live. */
  every: (ms: number, tick: () => void) => () => void;
}

export interface Progress {
  onEvent(event: RunEvent): void;
  /** Clears what is still drawn and stops redrawing; call it once the run is over, whatever the result. */
  stop(): void;
}

interface Running {
  address: string;
  action: EngineAction;
  startedAt: number;
  /** The latest `waiting` or `progress` detail. */
  note: string | undefined;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;

const VERBS: Record<EngineAction, string> = {
  create: 'creating',
  recover: 'finishing an interrupted create',
  update: 'updating',
  read: 'reading',
  keep: 'keeping',
  delete: 'deleting',
  forget: 'forgetting',
};

export function createProgress(options: ProgressOptions): Progress {
  const { stream, live, colors, clock } = options;
  const running = new Map<string, Running>();
  /** Lines of the live region currently on screen, below the finished lines. */
  let drawn = 0;
  let stopTimer: (() => void) | undefined;

  const liveLine = (entry: Running): string => {
    const elapsed = clock() - entry.startedAt;
    const frame = SPINNER[Math.floor(elapsed / FRAME_MS) % SPINNER.length] ?? SPINNER[0];
    const note = entry.note === undefined ? '' : colors.dim(` (${entry.note})`);
    return `${colors.cyan(frame ?? '')} ${entry.address} ${VERBS[entry.action]}… ${colors.dim(formatElapsed(elapsed))}${note}`;
  };

  /** Writes `lines` for good, then the live region again below them. */
  const draw = (lines: string[]): void => {
    if (!live) {
      if (lines.length > 0) stream.write(lines.map((line) => `${line}\n`).join(''));
      return;
    }
    // Up to the first line of the region, then erase to the end of the screen.
    const erase = drawn > 0 ? `\x1b[${drawn}F\x1b[J` : '';
    const region = [...running.values()].map(liveLine);
    drawn = region.length;
    const text = [...lines, ...region].map((line) => `${line}\n`).join('');
    if (erase !== '' || text !== '') stream.write(erase + text);
  };

  return {
    onEvent(event) {
      switch (event.type) {
        case 'started':
          running.set(event.address, {
            address: event.address,
            action: event.action,
            startedAt: event.at,
            note: undefined,
          });
          if (live && stopTimer === undefined) stopTimer = options.every(FRAME_MS, () => draw([]));
          draw([]);
          return;
        case 'waiting': {
          const entry = running.get(event.address);
          if (entry !== undefined) entry.note = `waiting: ${event.reason}, attempt ${event.attempt}`;
          return;
        }
        case 'progress': {
          const entry = running.get(event.address);
          if (entry !== undefined) entry.note = event.detail;
          draw(live ? [] : [`    ${event.address}: ${event.detail}`]);
          return;
        }
        case 'done':
          running.delete(event.address);
          draw(
            event.outcome === 'unchanged' ? [] : [doneLine(event.address, event.outcome, event.elapsedMs)],
          );
          return;
        case 'failed':
          running.delete(event.address);
          draw([
            `${colors.red('[!]')} ${event.address} ${colors.red('failed')} after ${formatElapsed(event.elapsedMs)}: ${event.error}`,
          ]);
          return;
        case 'interrupted':
          running.delete(event.address);
          draw([interruptedLine(event.address, event.elapsedMs, colors)]);
          return;
        case 'skipped':
          running.delete(event.address);
          draw([`${colors.dim('[ ]')} ${event.address} skipped: ${event.reason}`]);
          return;
        case 'lock-taken-over': {
          draw([staleLockLine(event.previous, colors)]);
          return;
        }
      }
    },
    stop() {
      stopTimer?.();
      stopTimer = undefined;
      running.clear();
      draw([]);
    },
  };

  function doneLine(address: string, outcome: Outcome, elapsedMs: number): string {
    const { symbol, text } = OUTCOMES[outcome];
    const color = symbol === '-' ? colors.red : symbol === '~' ? colors.yellow : colors.green;
    const time = elapsedMs > 0 ? ` ${colors.dim(`(${formatElapsed(elapsedMs)})`)}` : '';
    return `${color(`[${symbol}]`)} ${address} ${text}${time}`;
  }
}

const OUTCOMES: Record<Outcome, { symbol: string; text: string }> = {
  created: { symbol: '+', text: 'created' },
  adopted: { symbol: '+', text: "adopted (it existed, with this workflow's tag)" },
  updated: { symbol: '~', text: 'updated' },
  read: { symbol: '=', text: 'read, nothing to change' },
  unchanged: { symbol: ' ', text: 'unchanged' },
  deleted: { symbol: '-', text: 'deleted' },
  forgotten: { symbol: '-', text: 'removed from the state, not deleted' },
  gone: { symbol: '-', text: 'already gone (deleted outside mlds), removed from the state' },
};

/** A resource the interrupt stopped midway: not a failure, and not "not started" either (it may exist). */
export function interruptedLine(address: string, elapsedMs: number, colors: Colors): string {
  return `${colors.yellow('[~]')} ${address} ${colors.yellow('interrupted')} after ${formatElapsed(elapsedMs)}: stopped before it was finished; what was done of it is recorded, and the next run finishes it`;
}

/** `0.4s`, `12.0s`, `2m05s`. */
/** A lock of a run that is gone, taken over by this one: said, as Terraform does not and users ask. */
export function staleLockLine(previous: LockInfo, colors: Colors): string {
  return colors.yellow(
    `Took over a stale lock of ${previous.command} on ${previous.host} (pid ${previous.pid}, since ${previous.acquiredAt}).`,
  );
}

export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
