import type { EngineEvent } from '@mlds/provisioner';
import type { Colors } from '../terminal.js';
import { createProgress, formatElapsed, type ProgressOptions } from './progress.js';

// The progress of a fleet. On a terminal (with colour allowed): one line per workflow still running, redrawn in
// place (`⠋ curling-live  3/6 done, 2 running  4.2s`), a workflow's result printed above them once it ends, and
// a failed resource printed as it fails. Anywhere else: the single-workflow plain lines, each resource named
// after its workflow (`[+] curling-live archive.bucket[0] created (1.2s)`), so a log stays greppable.

export interface FleetProgress {
  /** The engine's `onEvent` for one workflow. */
  onEvent(workflow: string, event: EngineEvent): void;
  /** The workflow's run is over: `line` (its result) is printed for good. */
  finished(workflow: string, line: string): void;
  /** Clears what is still drawn and stops redrawing; once the whole run is over. */
  stop(): void;
}

interface WorkflowLine {
  /** Resources the plan acts on. */
  total: number;
  finished: number;
  failed: number;
  running: Set<string>;
  startedAt: number | undefined;
  over: boolean;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;

export function createFleetProgress(
  options: ProgressOptions & { workflows: ReadonlyArray<{ workflow: string; resources: number }> },
): FleetProgress {
  if (!options.live) return plainFleetProgress(options);
  const { stream, colors, clock } = options;
  const lines = new Map<string, WorkflowLine>(
    options.workflows.map(({ workflow, resources }) => [
      workflow,
      { total: resources, finished: 0, failed: 0, running: new Set(), startedAt: undefined, over: false },
    ]),
  );
  const width = Math.max(0, ...options.workflows.map(({ workflow }) => workflow.length));
  let drawn = 0;
  let stopTimer: (() => void) | undefined;

  const liveLine = (workflow: string, line: WorkflowLine): string => {
    const elapsed = line.startedAt === undefined ? 0 : Math.max(0, clock() - line.startedAt);
    const frame = SPINNER[Math.floor(elapsed / FRAME_MS) % SPINNER.length] ?? '';
    const failed = line.failed === 0 ? '' : `, ${colors.red(`${line.failed} failed`)}`;
    const running = line.running.size === 0 ? '' : `, ${line.running.size} running`;
    return `${colors.cyan(frame)} ${workflow.padEnd(width)}  ${line.finished}/${line.total} done${running}${failed}  ${colors.dim(formatElapsed(elapsed))}`;
  };

  const draw = (permanent: string[]): void => {
    const erase = drawn > 0 ? `\x1b[${drawn}F\x1b[J` : '';
    const region = [...lines.entries()]
      .filter(([, line]) => !line.over && line.startedAt !== undefined)
      .map(([workflow, line]) => liveLine(workflow, line));
    drawn = region.length;
    const text = [...permanent, ...region].map((line) => `${line}\n`).join('');
    if (erase !== '' || text !== '') stream.write(erase + text);
  };

  return {
    onEvent(workflow, event) {
      const line = lines.get(workflow);
      if (line === undefined) return;
      switch (event.type) {
        case 'started':
          line.startedAt ??= event.at;
          line.running.add(event.address);
          stopTimer ??= options.every(FRAME_MS, () => draw([]));
          draw([]);
          return;
        case 'done':
        case 'skipped':
          line.running.delete(event.address);
          line.finished += 1;
          draw([]);
          return;
        case 'failed':
          line.running.delete(event.address);
          line.finished += 1;
          line.failed += 1;
          draw([`${colors.red('[!]')} ${workflow} ${event.address} ${colors.red('failed')}: ${event.error}`]);
          return;
        case 'lock-taken-over':
          draw([lockTakenOverLine(workflow, event.previous, colors)]);
          return;
        default:
          return;
      }
    },
    finished(workflow, text) {
      const line = lines.get(workflow);
      if (line !== undefined) line.over = true;
      draw([text]);
    },
    stop() {
      stopTimer?.();
      stopTimer = undefined;
      for (const line of lines.values()) line.over = true;
      draw([]);
    },
  };
}

function plainFleetProgress(options: ProgressOptions): FleetProgress {
  const resources = createProgress(options);
  return {
    onEvent(workflow, event) {
      if (event.type === 'lock-taken-over') {
        options.stream.write(`${lockTakenOverLine(workflow, event.previous, options.colors)}\n`);
        return;
      }
      resources.onEvent({ ...event, address: `${workflow} ${event.address}` });
    },
    finished(_workflow, line) {
      options.stream.write(`${line}\n`);
    },
    stop() {
      resources.stop();
    },
  };
}

/** `[✓] curling-live: 6 created (serial 1)`-style result line of a workflow, for `finished`. */
export function fleetResultLine(
  workflow: string,
  outcome: 'ok' | 'failed' | 'refused',
  text: string,
  colors: Colors,
): string {
  const mark = outcome === 'ok' ? colors.green('[✓]') : colors.red('[!]');
  return `${mark} ${colors.bold(workflow)}: ${text}`;
}

/** As the single-workflow progress says it, naming the workflow whose state it was. */
function lockTakenOverLine(
  workflow: string,
  previous: Extract<EngineEvent, { type: 'lock-taken-over' }>['previous'],
  colors: Colors,
): string {
  return colors.yellow(
    `${workflow}: took over a stale lock of ${previous.command} on ${previous.host} (pid ${previous.pid}, since ${previous.acquiredAt}).`,
  );
}
