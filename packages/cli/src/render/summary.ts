import type { OutputDestination, StateDocument, StateResource } from '@mlds/core';
import type { Colors } from '../terminal.js';
import { escapeLine } from './escape.js';
import { destinationLines } from './plan.js';
import { alignColumns } from './table.js';

// What apply, destroy and output print once the work is done.

/**
 * What happened to one resource in a run; `failed` and `skipped` only when the run failed, `interrupted` (stopped
 * midway by SIGINT/SIGTERM, what was done of it recorded in the state) only when it was interrupted.
 */
export type RunOutcome =
  | 'created'
  | 'adopted'
  | 'updated'
  | 'unchanged'
  | 'read'
  | 'deleted'
  | 'forgotten'
  | 'gone'
  | 'failed'
  | 'interrupted'
  | 'skipped';

export interface ResourceResult {
  address: string;
  kind: StateResource['kind'];
  outcome: RunOutcome;
}

export type Tally = Record<RunOutcome, number>;

export function tally(results: readonly ResourceResult[]): Tally {
  const counts: Tally = {
    created: 0,
    adopted: 0,
    updated: 0,
    unchanged: 0,
    read: 0,
    deleted: 0,
    forgotten: 0,
    gone: 0,
    failed: 0,
    interrupted: 0,
    skipped: 0,
  };
  for (const result of results) counts[result.outcome] += 1;
  return counts;
}

/**
 * `, 1 failed, 2 interrupted midway, 3 not started`: what a failed or interrupted run left undone, each kind
 * named for what it is (an interrupted resource is no failure, and may exist).
 */
export function unfinishedCounts(counts: Tally): string {
  const parts = [
    ...(counts.failed > 0 ? [`${counts.failed} failed`] : []),
    ...(counts.interrupted > 0 ? [`${counts.interrupted} interrupted midway`] : []),
    ...(counts.skipped > 0 ? [`${counts.skipped} not started`] : []),
  ];
  return parts.map((part) => `, ${part}`).join('');
}

/** `3 created, 0 updated, 0 deleted`, naming adopted and forgotten resources when there are: one run's or a fleet's. */
export function applyCounts(counts: Tally): string {
  const parts = [
    `${counts.created} created`,
    ...(counts.adopted > 0 ? [`${counts.adopted} adopted`] : []),
    `${counts.updated} updated`,
    `${counts.deleted} deleted`,
    ...(counts.forgotten > 0 ? [`${counts.forgotten} removed from the state`] : []),
    ...(counts.gone > 0 ? [`${counts.gone} already gone (deleted outside mlds)`] : []),
  ];
  return parts.join(', ');
}

/** `Apply complete: 3 created, 0 updated, 0 deleted.` */
export function renderApplySummary(counts: Tally, colors: Colors): string {
  return `${colors.green(colors.bold('Apply complete:'))} ${applyCounts(counts)}.\n`;
}

/**
 * Resources apply adopted that the state did not record before (not even as a crashed run's intent): they were
 * made by this workflow under another state (another directory, `--state`), which may still manage them. Empty
 * when there are none.
 */
export function renderAdoptedFromElsewhere(
  results: readonly ResourceResult[],
  before: StateDocument | undefined,
  workflow: string,
  colors: Colors,
): string {
  const recorded = new Set((before?.resources ?? []).map((resource) => resource.address));
  const adopted = results
    .filter((result) => result.outcome === 'adopted' && !recorded.has(result.address))
    .map((result) => result.address);
  if (adopted.length === 0) return '';
  const one = adopted.length === 1;
  const [what, them] = one ? ['resource', 'it'] : ['resources', 'them'];
  return `${colors.yellow('Note:')} ${adopted.length} ${what} existed with workflow ${workflow}'s tag but this state did not record ${them} (${adopted.join(', ')}): adopted. If another state file manages ${workflow} (another directory, or --state), keep only one: both now record ${them}, and a destroy with either deletes ${them} for both.\n`;
}

/** `3 deleted`, naming what was only removed from the state when there is some: one run's or a fleet's. */
export function destroyCounts(counts: Tally): string {
  const forgotten =
    counts.forgotten > 0
      ? `, ${counts.forgotten} removed from the state without deleting (not created by mlds)`
      : '';
  const gone =
    counts.gone > 0 ? `, ${counts.gone} already gone (deleted outside mlds; removed from the state)` : '';
  return `${counts.deleted} deleted${gone}${forgotten}`;
}

/** `Destroy complete: 3 deleted.` */
export function renderDestroySummary(counts: Tally, colors: Colors): string {
  return `${colors.green(colors.bold('Destroy complete:'))} ${destroyCounts(counts)}.\n`;
}

/** The Destinations section, as `plan` shows it but with the values apply recorded. */
export function renderDestinations(destinations: readonly OutputDestination[], colors: Colors): string {
  return [
    colors.bold(`Destinations (${destinations.length})`),
    ...destinationLines(destinations, colors),
    '',
  ].join('\n');
}

/** The resources the state records, with their ARN (or id) and status (`read only` for what mlds only reads). */
export function renderStateResources(resources: readonly StateResource[], colors: Colors): string {
  const heading = colors.bold(`Resources (${resources.length})`);
  if (resources.length === 0) return `${heading}\n  ${colors.dim('none')}\n`;
  const rows = resources.map((resource) => [
    escapeLine(resource.address),
    escapeLine(resource.kind),
    escapeLine(resource.name),
    escapeLine(resource.region),
    resource.pipeline === null ? '-' : String(resource.pipeline),
    // A resource mlds only reads (an existing bucket, channelId, channelGroup) was never created by it, nor was the bound
    // channel, whose destinations it writes: the state's `created` says neither.
    resource.status !== 'created'
      ? colors.yellow(resource.status)
      : resource.existing === true
        ? 'read only'
        : resource.kind === 'medialive-channel'
          ? 'bound'
          : resource.status,
    escapeLine(resource.arn ?? resource.id ?? '-'),
  ]);
  const titles = ['ADDRESS', 'KIND', 'NAME', 'REGION', 'PIPELINE', 'STATUS', 'ARN'];
  return [heading, ...alignColumns([titles.map((title) => colors.dim(title)), ...rows]), ''].join('\n');
}
