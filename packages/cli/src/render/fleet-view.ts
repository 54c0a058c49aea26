import type { Plan } from '@mlds/core';
import type { EngineAction, Outcome } from '@mlds/provisioner';
import type { Colors } from '../terminal.js';
import { formatElapsed } from './progress.js';

// The live region of the fleet's display as lines of text: a line per workflow, each expandable into a line per
// resource, a hint line naming the keys, all of it fitted to the terminal. Pure: the display keeps the state,
// this only draws it.

/** One resource of a workflow as the display knows it. */
export interface ResourceRow {
  address: string;
  /** What is done to it: the plan's action, then the engine's once it started (`recover`, `keep`, …). */
  action: EngineAction | Plan['resources'][number]['action'];
  status: 'pending' | 'running' | 'done' | 'failed' | 'interrupted' | 'skipped';
  outcome: Outcome | undefined;
  startedAt: number | undefined;
  /** Once it ended. */
  elapsedMs: number | undefined;
  /** The latest `waiting` or `progress` detail while it runs. */
  note: string | undefined;
}

export interface WorkflowRow {
  workflow: string;
  /** Resources the plan acts on. */
  total: number;
  finished: number;
  failed: number;
  interrupted: number;
  running: number;
  startedAt: number | undefined;
  /** In plan order, then in the order they started. */
  resources: readonly ResourceRow[];
}

export interface ViewState {
  /** The workflow the keys act on; undefined when the display takes no keys. */
  selected: string | undefined;
  expanded: ReadonlySet<string>;
  /** The first body line shown when the body does not fit; kept between frames so that it does not jump. */
  scrollTop: number;
}

export interface FrameOptions {
  colors: Colors;
  now: number;
  /** The terminal's size; undefined when unknown (then nothing is cut). */
  rows: number | undefined;
  columns: number | undefined;
  /** Workflow names are padded to this width (the longest of the fleet's), so lines do not shift as some end. */
  nameWidth: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;

/** The keys, as the hint line names them. */
export const KEY_HINT =
  '↑/↓ or j/k select · enter/space/→ expand · ← collapse · a expand/collapse all · ctrl-c interrupt';

/** The region's lines, and the scroll position they were drawn at. */
export function fleetFrame(
  rows: readonly WorkflowRow[],
  view: ViewState,
  options: FrameOptions,
): { lines: string[]; scrollTop: number } {
  const { colors } = options;
  const interactive = view.selected !== undefined;
  const width = Math.max(options.nameWidth, ...rows.map((row) => row.workflow.length));
  const body: string[] = [];
  // The selected workflow's line, and the last line of its resources when it is expanded.
  let selectedLine = 0;
  let selectedEnd = 0;
  for (const row of rows) {
    const selected = row.workflow === view.selected;
    if (selected) selectedLine = body.length;
    const expanded = view.expanded.has(row.workflow);
    body.push(workflowLine(row, { selected, expanded, interactive, width }, options));
    if (expanded) body.push(...resourceLines(row, options));
    if (selected) selectedEnd = body.length - 1;
  }
  const hint = interactive ? [colors.dim(KEY_HINT)] : [];
  // One row is left free: the cursor rests below the region, and a region as tall as the terminal would scroll.
  const room = options.rows === undefined ? Number.POSITIVE_INFINITY : Math.max(1, options.rows - 1);
  if (body.length + hint.length <= room) {
    return { lines: [...body, ...hint].map((line) => fit(line, options.columns)), scrollTop: 0 };
  }
  // Too tall: a window of the body that keeps the selected workflow's line in view, and a line that says how
  // much is hidden. With room for fewer than three lines, the body alone.
  const bodyRoom = Math.max(1, room - hint.length - 1);
  const lastTop = body.length - bodyRoom;
  let top = Math.min(Math.max(0, view.scrollTop), lastTop);
  // Scrolled only as far as needed to show the selected workflow with as much of its resources as fits.
  if (selectedEnd >= top + bodyRoom) top = Math.min(selectedLine, selectedEnd - bodyRoom + 1);
  if (selectedLine < top) top = selectedLine;
  const above = top;
  const below = body.length - top - bodyRoom;
  const hidden = colors.dim(
    `… ${above + below} more lines hidden (${above} above, ${below} below)${interactive ? '; ← or a to collapse' : ''}`,
  );
  const shown = [...body.slice(top, top + bodyRoom), ...(room >= 3 ? [hidden, ...hint] : [])];
  return { lines: shown.slice(0, room).map((line) => fit(line, options.columns)), scrollTop: top };
}

function workflowLine(
  row: WorkflowRow,
  marks: { selected: boolean; expanded: boolean; interactive: boolean; width: number },
  options: FrameOptions,
): string {
  const { colors, now } = options;
  const elapsed = row.startedAt === undefined ? 0 : Math.max(0, now - row.startedAt);
  const frame = SPINNER[Math.floor(elapsed / FRAME_MS) % SPINNER.length] ?? '';
  const failed = row.failed === 0 ? '' : `, ${colors.red(`${row.failed} failed`)}`;
  const interrupted = row.interrupted === 0 ? '' : `, ${colors.yellow(`${row.interrupted} interrupted`)}`;
  const running = row.running === 0 ? '' : `, ${row.running} running`;
  const name = marks.selected
    ? colors.bold(row.workflow.padEnd(marks.width))
    : row.workflow.padEnd(marks.width);
  const prefix = marks.interactive
    ? `${marks.selected ? colors.cyan('›') : ' '} ${marks.expanded ? '▾' : '▸'} `
    : '';
  return `${prefix}${colors.cyan(frame)} ${name}  ${row.finished}/${row.total} done${running}${failed}${interrupted}  ${colors.dim(formatElapsed(elapsed))}`;
}

function resourceLines(row: WorkflowRow, options: FrameOptions): string[] {
  const { colors, now } = options;
  if (row.resources.length === 0) return [`      ${colors.dim('(no resources)')}`];
  const addressWidth = Math.max(...row.resources.map((resource) => resource.address.length));
  const actionWidth = Math.max(...row.resources.map((resource) => resource.action.length));
  return row.resources.map((resource) => {
    const { symbol, text } = statusOf(resource, colors);
    const elapsedMs =
      resource.elapsedMs ??
      (resource.startedAt === undefined ? undefined : Math.max(0, now - resource.startedAt));
    const time = elapsedMs === undefined ? '' : `  ${colors.dim(formatElapsed(elapsedMs))}`;
    const note = resource.note === undefined ? '' : `  ${colors.dim(resource.note)}`;
    return `      ${symbol} ${resource.address.padEnd(addressWidth)}  ${resource.action.padEnd(actionWidth)}  ${text}${time}${note}`;
  });
}

function statusOf(resource: ResourceRow, colors: Colors): { symbol: string; text: string } {
  switch (resource.status) {
    case 'pending':
      return { symbol: colors.dim('·'), text: colors.dim('pending') };
    case 'running':
      return { symbol: colors.cyan('…'), text: 'running' };
    case 'done':
      return { symbol: colors.green('✓'), text: resource.outcome ?? 'done' };
    case 'failed':
      return { symbol: colors.red('!'), text: colors.red('failed') };
    case 'interrupted':
      return { symbol: colors.yellow('~'), text: colors.yellow('interrupted midway') };
    case 'skipped':
      return { symbol: colors.dim('-'), text: colors.dim('not started') };
  }
}

/**
 * Cuts a line to the terminal's width, escape sequences (colour) kept and not counted: a wrapped line would
 * take two rows, and the redraw, which goes up one row per line, would then leave a copy behind.
 */
export function fit(line: string, columns: number | undefined): string {
  if (columns === undefined || columns <= 1) return line;
  // The last column is left free: a character there makes some terminals wrap at once.
  const room = columns - 1;
  let visible = 0;
  let out = '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what is skipped here
  const parts = line.split(/(\x1b\[[0-9;]*m)/);
  for (const part of parts) {
    if (part.startsWith('\x1b[')) {
      out += part;
      continue;
    }
    const characters = [...part];
    if (visible + characters.length <= room) {
      out += part;
      visible += characters.length;
      continue;
    }
    // Whatever colour was open at the cut is closed.
    const reset = line.includes('\x1b[') ? '\x1b[0m' : '';
    return `${out}${characters.slice(0, Math.max(0, room - visible - 1)).join('')}…${reset}`;
  }
  return out;
}
