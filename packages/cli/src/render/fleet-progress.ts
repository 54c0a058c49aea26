import type { EngineEvent } from '@mlds/provisioner';
import type { KeyName } from '../keyboard.js';
import type { RunEvent } from '../run-results.js';
import type { Colors } from '../terminal.js';
import { fleetFrame, type ResourceRow, type WorkflowRow } from './fleet-view.js';
import { createProgress, interruptedLine, type ProgressOptions } from './progress.js';

// The progress of a fleet. On a terminal (with colour allowed): one line per workflow still running, redrawn in
// place (`⠋ curling-live  3/6 done, 2 running  4.2s`), a workflow's result printed above them once it ends, and
// a failed resource printed as it fails. When the keys can be read too (stdin a terminal), a workflow's line can
// be selected and expanded into a line per resource (its action, status and elapsed time), with a hint line
// naming the keys; what does not fit the terminal's rows is cut, and the cut said. Anywhere else: the
// single-workflow plain lines, each resource named after its workflow
// (`[+] curling-live archive.bucket[0] created (1.2s)`), so a log stays greppable.

export interface FleetProgress {
  /** The engine's `onEvent` for one workflow. */
  onEvent(workflow: string, event: RunEvent): void;
  /** The workflow's run is over: `line` (its result) is printed for good. */
  finished(workflow: string, line: string): void;
  /** A key pressed while the display runs (interactive displays only; others ignore it). */
  key(key: Exclude<KeyName, 'interrupt' | 'suspend'>): void;
  /**
   * Runs `write`, which prints to the terminal outside the display (a message on stderr), with the live region
   * cleared first and drawn again below what it printed, so that neither is left garbled.
   */
  above(write: () => void): void;
  /**
   * Clears the live region and draws none until `resume`: the terminal is the shell's while the process is
   * suspended (Ctrl-Z). What is printed for good meanwhile (a workflow's result) is still printed.
   */
  suspend(): void;
  /** Draws the live region again, after `suspend`. */
  resume(): void;
  /** Clears what is still drawn and stops redrawing; once the whole run is over. May be called again. */
  stop(): void;
}

/** What the plan does to one resource of a workflow: the line it has in the expanded view before it starts. */
export interface PlannedResource {
  address: string;
  action: ResourceRow['action'];
}

export interface FleetProgressOptions extends ProgressOptions {
  workflows: ReadonlyArray<{ workflow: string; resources: number; planned?: readonly PlannedResource[] }>;
  /** Keys are read: a workflow can be selected and expanded, and a hint line names the keys. */
  interactive?: boolean;
}

interface WorkflowState extends WorkflowRow {
  resources: ResourceRow[];
  over: boolean;
}

const FRAME_MS = 100;

export function createFleetProgress(options: FleetProgressOptions): FleetProgress {
  if (!options.live) return plainFleetProgress(options);
  const { stream, colors, clock } = options;
  const workflows = options.workflows.map(
    ({ workflow, resources, planned }): WorkflowState => ({
      workflow,
      total: resources,
      finished: 0,
      failed: 0,
      interrupted: 0,
      running: 0,
      startedAt: undefined,
      over: false,
      resources: (planned ?? []).map((resource) => ({
        address: resource.address,
        action: resource.action,
        status: 'pending',
        outcome: undefined,
        startedAt: undefined,
        elapsedMs: undefined,
        note: undefined,
      })),
    }),
  );
  const byName = new Map(workflows.map((state) => [state.workflow, state]));
  const nameWidth = Math.max(0, ...workflows.map((state) => state.workflow.length));
  const expanded = new Set<string>();
  let selected: string | undefined;
  let scrollTop = 0;
  let drawn = 0;
  let stopTimer: (() => void) | undefined;
  let stopped = false;
  let suspended = false;

  /** The workflows on screen: started and not over, in the order given. */
  const shown = () => workflows.filter((state) => !state.over && state.startedAt !== undefined);

  /** Keeps the selection on a workflow on screen: the one after a workflow that ended, else the last. */
  const settleSelection = (onScreen: readonly WorkflowState[]) => {
    if (!options.interactive) return;
    if (onScreen.some((state) => state.workflow === selected)) return;
    const was = workflows.findIndex((state) => state.workflow === selected);
    const next = onScreen.find((state) => workflows.indexOf(state) > was) ?? onScreen.at(-1);
    selected = next?.workflow;
  };

  const draw = (permanent: string[]): void => {
    if (stopped && permanent.length === 0 && drawn === 0) return;
    const erase = drawn > 0 ? `\x1b[${drawn}F\x1b[J` : '';
    const onScreen = stopped || suspended ? [] : shown();
    settleSelection(onScreen);
    const frame =
      onScreen.length === 0
        ? { lines: [], scrollTop: 0 }
        : fleetFrame(
            onScreen,
            { selected: options.interactive ? selected : undefined, expanded, scrollTop },
            { colors, now: clock(), rows: stream.rows, columns: stream.columns, nameWidth },
          );
    scrollTop = frame.scrollTop;
    drawn = frame.lines.length;
    const text = [...permanent, ...frame.lines].map((line) => `${line}\n`).join('');
    // One write per frame: erasing and drawing in two would flicker.
    if (erase !== '' || text !== '') stream.write(erase + text);
  };

  /** Erases the live region, leaving the cursor where it began. */
  const clear = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };

  const rowOf = (state: WorkflowState, event: { address: string }): ResourceRow => {
    let row = state.resources.find(
      (resource) => resource.address === event.address && resource.status !== 'done',
    );
    if (row === undefined) {
      row = {
        address: event.address,
        action: 'create',
        status: 'pending',
        outcome: undefined,
        startedAt: undefined,
        elapsedMs: undefined,
        note: undefined,
      };
      state.resources.push(row);
    }
    return row;
  };

  const ended = (
    state: WorkflowState,
    row: ResourceRow,
    status: ResourceRow['status'],
    elapsedMs?: number,
  ) => {
    if (row.status === 'running') state.running -= 1;
    row.status = status;
    row.note = undefined;
    if (elapsedMs !== undefined) row.elapsedMs = elapsedMs;
    state.finished += 1;
  };

  return {
    onEvent(workflow, event) {
      const state = byName.get(workflow);
      if (state === undefined || stopped) return;
      switch (event.type) {
        case 'started': {
          state.startedAt ??= event.at;
          const row = rowOf(state, event);
          if (row.status !== 'running') state.running += 1;
          Object.assign(row, {
            action: event.action,
            status: 'running',
            startedAt: event.at,
            note: undefined,
          });
          stopTimer ??= options.every(FRAME_MS, () => draw([]));
          draw([]);
          return;
        }
        case 'waiting':
          rowOf(state, event).note = `waiting: ${event.reason}, attempt ${event.attempt}`;
          return;
        case 'progress':
          rowOf(state, event).note = event.detail;
          return;
        case 'done': {
          // What the plan leaves as it is, the engine keeps without a call: not one of the workflow's changes.
          const planned = state.resources.some(
            (resource) => resource.address === event.address && resource.status !== 'done',
          );
          if (event.action === 'keep' && !planned) return;
          const row = rowOf(state, event);
          ended(state, row, 'done', event.elapsedMs);
          row.outcome = event.outcome;
          row.action = event.action;
          draw([]);
          return;
        }
        case 'skipped':
          ended(state, rowOf(state, event), 'skipped');
          draw([]);
          return;
        case 'interrupted':
          ended(state, rowOf(state, event), 'interrupted', event.elapsedMs);
          state.interrupted += 1;
          draw([interruptedLine(`${workflow} ${event.address}`, event.elapsedMs, colors)]);
          return;
        case 'failed':
          ended(state, rowOf(state, event), 'failed', event.elapsedMs);
          state.failed += 1;
          draw([`${colors.red('[!]')} ${workflow} ${event.address} ${colors.red('failed')}: ${event.error}`]);
          return;
        case 'lock-taken-over':
          draw([lockTakenOverLine(workflow, event.previous, colors)]);
          return;
      }
    },
    finished(workflow, text) {
      const state = byName.get(workflow);
      if (state !== undefined) state.over = true;
      draw([text]);
    },
    above(write) {
      clear();
      write();
      draw([]);
    },
    suspend() {
      clear();
      suspended = true;
    },
    resume() {
      suspended = false;
      draw([]);
    },
    key(key) {
      if (!options.interactive || stopped) return;
      const onScreen = shown();
      settleSelection(onScreen);
      const at = onScreen.findIndex((state) => state.workflow === selected);
      switch (key) {
        case 'up':
          selected = onScreen[Math.max(0, at - 1)]?.workflow ?? selected;
          break;
        case 'down':
          selected = onScreen[Math.min(onScreen.length - 1, at + 1)]?.workflow ?? selected;
          break;
        case 'enter':
        case 'space':
          if (selected !== undefined && !expanded.delete(selected)) expanded.add(selected);
          break;
        case 'right':
          if (selected !== undefined) expanded.add(selected);
          break;
        case 'left':
          if (selected !== undefined) expanded.delete(selected);
          break;
        case 'all':
          if (workflows.every((state) => expanded.has(state.workflow))) expanded.clear();
          else for (const state of workflows) expanded.add(state.workflow);
          break;
      }
      draw([]);
    },
    stop() {
      if (stopped) return;
      stopTimer?.();
      stopTimer = undefined;
      stopped = true;
      draw([]);
    },
  };
}

function plainFleetProgress(options: ProgressOptions): FleetProgress {
  const resources = createProgress(options);
  let stopped = false;
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
    key() {},
    above(write) {
      write();
    },
    suspend() {},
    resume() {},
    stop() {
      if (stopped) return;
      stopped = true;
      resources.stop();
    },
  };
}

/** `[✓] curling-live: 6 created (serial 1)`-style result line of a workflow, for `finished`. */
export function fleetResultLine(
  workflow: string,
  outcome: 'ok' | 'failed' | 'refused' | 'interrupted',
  text: string,
  colors: Colors,
): string {
  const mark =
    outcome === 'ok'
      ? colors.green('[✓]')
      : outcome === 'interrupted'
        ? colors.yellow('[~]')
        : colors.red('[!]');
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
