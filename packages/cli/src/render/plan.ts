import { stripVTControlCharacters } from 'node:util';
import {
  type Action,
  KNOWN_AFTER_APPLY,
  type OutputDestination,
  type Plan,
  type ResourceChange,
  SENSITIVE,
} from '@mlds/core';
import { count } from '../errors.js';
import type { Colors } from '../terminal.js';
import { DIAGNOSTIC_WIDTH, wrap } from './diagnostics.js';
import { escapeLine } from './escape.js';
import { alignColumns } from './table.js';

/** Which state the plan was computed against, for the header. */
export interface StateSummary {
  /** As shown to the user: relative to the current directory when under it. */
  path: string;
  /** Undefined when there is no state file yet. */
  serial: number | undefined;
}

/** The plan as text, without its diagnostics (they go to stderr) and without the summary line. */
export function renderPlan(plan: Plan, where: PlanWhere, colors: Colors): string {
  return [
    ...header(plan, where, colors),
    '',
    colors.bold(`Output groups (${plan.outputGroups.length})`),
    ...outputGroupLines(plan, colors),
    '',
    colors.bold(`Resources (${plan.resources.length})`),
    ...resourceLines(plan.resources, colors),
    '',
    ...driftLines(plan.resources, colors),
    colors.bold(`Destinations (${plan.destinations.length})`),
    ...destinationLines(plan.destinations, colors),
    '',
  ].join('\n');
}

/**
 * `Plan: 3 to create, 0 to update, 0 to delete, 1 unchanged.`, with `1 to read` and `1 to forget` when there
 * are such.
 */
export function renderPlanSummary(plan: Plan, colors: Colors): string {
  const tally: Record<ShownAction, number> = { create: 0, read: 0, update: 0, delete: 0, forget: 0, noop: 0 };
  for (const resource of plan.resources) tally[shownAction(resource)] += 1;
  const read = tally.read === 0 ? '' : `${tally.read} to read, `;
  const forget = tally.forget === 0 ? '' : `${tally.forget} to forget, `;
  return `${colors.bold('Plan:')} ${tally.create} to create, ${read}${tally.update} to update, ${tally.delete} to delete, ${forget}${tally.noop} unchanged.\n`;
}

/**
 * What a person reads for a resource's action: `read` (an existing bucket, `channelId`, `channelGroup`) is its own, and
 * so is the `delete` of an existing resource, which only drops it from the state (`forget`, as destroy says).
 */
type ShownAction = Action | 'forget';

function shownAction(resource: ResourceChange): ShownAction {
  return resource.action === 'delete' && resource.existing === true ? 'forget' : resource.action;
}

/** Where the plan comes from and goes to; `account` once the credentials pre-flight has named it (apply). */
export interface PlanWhere {
  file: string;
  state: StateSummary;
  account?: { account: string; arn: string } | undefined;
}

function header(plan: Plan, where: PlanWhere, colors: Colors): string[] {
  const state =
    where.state.serial === undefined
      ? `${escapeLine(where.state.path)} ${colors.dim('(none yet: every resource is new)')}`
      : `${escapeLine(where.state.path)} ${colors.dim(`(serial ${where.state.serial})`)}`;
  return alignColumns(
    [
      ['Workflow', `${colors.bold(plan.workflow)} ${colors.dim(`(${escapeLine(where.file)})`)}`],
      ['Region', plan.region],
      ['Channel', `${plan.channelClass}, ${count(plan.pipelines, 'pipeline')}`],
      ['State', state],
      ...(where.account === undefined ? [] : [['Account', accountText(where.account, colors)]]),
    ],
    '',
  );
}

/** `111122223333 (arn:aws:iam::111122223333:user/ci)`: the account the run will change, and as whom. */
export function accountText(identity: { account: string; arn: string }, colors: Colors): string {
  return `${colors.bold(escapeLine(identity.account))} ${colors.dim(`(${escapeLine(identity.arn)})`)}`;
}

function outputGroupLines(plan: Plan, colors: Colors): string[] {
  const rows = plan.outputGroups.map((group) => {
    const [first, ...more] = group.reasons;
    const why = first === undefined ? '' : first.text;
    const others =
      more.length === 0 ? '' : ` ${colors.dim(`(+${count(more.length, 'more reason')} in --json)`)}`;
    return [group.name, colors.cyan(group.type), group.destinationId, `${why}${others}`];
  });
  const [titles = '', ...lines] = alignColumns([
    ['NAME', 'TYPE', 'DESTINATION', 'WHY'].map((title) => colors.dim(title)),
    ...rows,
  ]);
  // A reason runs long: it wraps at the width messages wrap at, under its column.
  const whyAt = ' '.repeat(stripVTControlCharacters(titles).indexOf('WHY'));
  return [titles, ...lines.map((line) => wrap(line, DIAGNOSTIC_WIDTH, whyAt))];
}

const ACTION_SYMBOLS: Record<ShownAction, string> = {
  create: '+ create',
  read: '<= read',
  update: '~ update',
  delete: '- delete',
  forget: '- forget',
  noop: '  noop',
};

function actionLabel(action: ShownAction, colors: Colors): string {
  const symbol = ACTION_SYMBOLS[action];
  switch (action) {
    case 'create':
      return colors.green(symbol);
    case 'read':
      return colors.cyan(symbol);
    case 'update':
      return colors.yellow(symbol);
    case 'delete':
      return colors.red(symbol);
    case 'forget':
      return colors.dim(symbol);
    case 'noop':
      return colors.dim(symbol);
  }
}

export function resourceLines(resources: readonly ResourceChange[], colors: Colors): string[] {
  if (resources.length === 0) return [`  ${colors.dim('none: mlds creates nothing for this workflow')}`];
  const notes = resources.map((resource) => {
    const parts: string[] = [];
    if (resource.existing === true) {
      parts.push(
        resource.action === 'delete'
          ? 'existing, read only: dropped from the state, left in AWS'
          : 'existing, read only',
      );
    }
    if (resource.kind === 'medialive-channel') {
      parts.push(
        resource.action === 'read'
          ? 'bound channel: read at apply, updated only if it differs'
          : `bound channel: read at apply, destinations written${resource.properties.whenRunning === 'restart' ? ', restarted if RUNNING (an outage)' : ', refused if RUNNING'}`,
      );
    }
    if (resource.action === 'update') parts.push(`changes: ${resource.changes.join(', ')}`);
    return parts.join('; ');
  });
  const withNotes = notes.some((note) => note !== '');
  const titles = ['ACTION', 'ADDRESS', 'KIND', 'NAME', 'REGION', 'PIPELINE', ...(withNotes ? ['NOTE'] : [])];
  const rows = resources.map((resource, index) => [
    actionLabel(shownAction(resource), colors),
    // A deletion's values come from the state, which anyone could have edited.
    escapeLine(resource.address),
    escapeLine(resource.kind),
    escapeLine(resource.name),
    escapeLine(resource.region),
    resource.pipeline === null ? '-' : String(resource.pipeline),
    ...(withNotes ? [notes[index] ?? ''] : []),
  ]);
  return alignColumns([titles.map((title) => colors.dim(title)), ...rows]);
}

/**
 * What a refresh found that differs from what mlds expects, per resource; nothing when the plan was not
 * refreshed. Not "changed outside mlds": an `{ env }` password's value differs from its variable's when the
 * variable was changed here (a rotated secret), as much as when the parameter was changed in AWS.
 */
export function driftLines(resources: readonly ResourceChange[], colors: Colors): string[] {
  const drifted = resources.filter((resource) => (resource.drift ?? []).length > 0);
  if (drifted.length === 0) return [];
  return [
    colors.bold(`Drift: what the refresh read differs from what mlds expects (${drifted.length})`),
    ...drifted.flatMap((resource) =>
      (resource.drift ?? []).map((text) => `  ${colors.yellow(resource.address)}: ${text}`),
    ),
    '',
  ];
}

export function destinationLines(destinations: readonly OutputDestination[], colors: Colors): string[] {
  const show = (text: string) =>
    text === KNOWN_AFTER_APPLY || text === SENSITIVE ? colors.dim(text) : escapeLine(text);
  const rows: string[][] = [];
  for (const destination of destinations) {
    const entries: string[][] = [
      ...(destination.MediaPackageSettings ?? []).map((settings) =>
        'ChannelId' in settings
          ? ['MediaPackage channel', show(settings.ChannelId), '']
          : [
              'MediaPackage v2 channel',
              `${settings.ChannelGroup}/${settings.ChannelName}`,
              settings.MediaPackageRegionName === undefined ? '' : `in ${settings.MediaPackageRegionName}`,
            ],
      ),
      ...(destination.Settings ?? []).map((settings, pipeline) => [
        `pipeline ${pipeline}`,
        show(settings.Url),
        [
          settings.Username === undefined ? '' : `user ${show(settings.Username)}`,
          settings.PasswordParam === undefined ? '' : `password in SSM ${show(settings.PasswordParam)}`,
          settings.StreamName === undefined ? '' : `stream name ${show(settings.StreamName)}`,
        ]
          .filter((part) => part !== '')
          .join(', '),
      ]),
      ...(destination.SrtSettings ?? []).map((settings, pipeline) => [
        `pipeline ${pipeline}`,
        show(settings.Url),
        [
          settings.StreamId === undefined ? '' : `stream id ${show(settings.StreamId)}`,
          settings.EncryptionPassphraseSecretArn === undefined
            ? ''
            : `passphrase in ${show(settings.EncryptionPassphraseSecretArn)}`,
        ]
          .filter((part) => part !== '')
          .join(', '),
      ]),
    ];
    entries.forEach((entry, index) => {
      rows.push([index === 0 ? colors.bold(destination.Id) : '', ...entry]);
    });
    if (entries.length === 0) rows.push([colors.bold(destination.Id), colors.dim('no settings'), '', '']);
  }
  return alignColumns(rows);
}
