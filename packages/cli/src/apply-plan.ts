import {
  FORMAT_VERSION,
  type OutputDestination,
  type Plan,
  resolveDestinations,
  type StateDocument,
} from '@mlds/core';
import { type ResourceFailure, UsageError } from './errors.js';
import type { ResourceResult } from './render/summary.js';
import type { LoadedWorkflow } from './workflow-file.js';

// What apply reads off a plan, for one workflow (apply-workflow.ts) and a fleet (fleet-apply.ts) alike: the
// resources it changes, `--restart-channel` applied to the workflow, the destinations once it has run, and its
// --json document.

/** What `apply --json` prints: the only thing on stdout, once the run is over. */
export interface ApplyDocument {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string;
  /** `interrupted`: SIGINT/SIGTERM stopped the run (exit 130); what was done is in `resources` and the state. */
  result: 'ok' | 'failed' | 'interrupted';
  resources: ResourceResult[];
  /** As `output --json` prints them; after a failure, what is still unknown reads `(known after apply)`. */
  destinations: OutputDestination[];
  failures?: ResourceFailure[];
  /** A failure that is no resource's (a bound channel refused, the state changed under the run): its message. */
  error?: string;
}

/** How many resources the plan changes: a resource mlds only reads and has already recorded as such is not one. */
export function countChanges(plan: Plan, state: StateDocument | undefined): number {
  return changingResources(plan, state).length;
}

/**
 * Why apply has nothing to do, as one workflow's apply and a fleet's plan both say it: `refreshed` when the
 * refresh read what the state records.
 */
export function noChangesReason(plan: Plan, shownState: string, file: string, refreshed: boolean): string {
  if (plan.resources.length === 0) return 'This workflow needs no AWS resources; nothing was called';
  return refreshed
    ? `The resources recorded in ${shownState} match ${file} and what AWS holds; only reads were made`
    : `The resources recorded in ${shownState} match ${file}; nothing was called`;
}

/** The resources the plan changes, in plan order (see countChanges). */
export function changingResources(plan: Plan, state: StateDocument | undefined): Plan['resources'] {
  // `read` is no change once the state records it: an existing resource mlds only reads, or the bound channel
  // whose destinations are the ones the last apply wrote (contract §8). One a refresh found missing (`drift`) is:
  // apply's read of it stops the run before any change.
  const alreadyRead = (resource: Plan['resources'][number]) =>
    resource.action === 'read' &&
    resource.drift === undefined &&
    (state?.resources ?? []).some(
      (recorded) =>
        recorded.address === resource.address &&
        recorded.kind === resource.kind &&
        recorded.name === resource.name &&
        recorded.region === resource.region &&
        recorded.status === 'created' &&
        (recorded.existing === true || recorded.kind === 'medialive-channel'),
    );
  return plan.resources.filter((resource) => resource.action !== 'noop' && !alreadyRead(resource));
}

/** `--restart-channel` is `channel.whenRunning: restart` for this run; without a `channel:` it is a usage error. */
export function withRestart(loaded: LoadedWorkflow, restart: boolean): LoadedWorkflow {
  if (!restart) return loaded;
  const channel = loaded.workflow.channel;
  if (channel === undefined) {
    throw new UsageError(
      `--restart-channel: ${loaded.file} binds no MediaLive channel; add channel: { id: "<channel id>" } or drop the flag`,
    );
  }
  return {
    ...loaded,
    workflow: { ...loaded.workflow, channel: { ...channel, whenRunning: 'restart' } },
    ...(channel.whenRunning === 'restart' ? {} : { restartFromFlag: true as const }),
  };
}

export function applyDocument(
  plan: Plan,
  result: ApplyDocument['result'],
  resources: ResourceResult[],
  destinations: OutputDestination[],
  failures?: ResourceFailure[],
): ApplyDocument {
  return {
    formatVersion: FORMAT_VERSION,
    workflow: plan.workflow,
    result,
    resources,
    destinations,
    ...(failures === undefined ? {} : { failures }),
  };
}

/** The plan's destinations with what the state recorded filled in. */
export function destinationsAfter(plan: Plan, state: StateDocument | undefined): OutputDestination[] {
  return resolveDestinations(plan, stateOrEmpty(plan, state)).destinations;
}

/** The state as read, or, where there is none yet, one that records nothing for the plan's workflow. */
export function stateOrEmpty(plan: Plan, state: StateDocument | undefined): StateDocument {
  return (
    state ?? {
      formatVersion: FORMAT_VERSION,
      workflow: plan.workflow,
      region: plan.region,
      serial: 0,
      resources: [],
    }
  );
}
