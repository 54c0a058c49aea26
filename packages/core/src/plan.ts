import { channelChange, channelDiagnostics, unboundDiagnostics } from './channel.js';
import { decideOutputGroups, groupTypesOf, mediaPackageRegion, pipelinesOf } from './decide.js';
import { planDestinations } from './destinations.js';
import { diffResources, type ResourceIdentity, replacementDiagnostics } from './diff.js';
import type { Observation } from './drift.js';
import { desiredResources } from './resources.js';
import {
  type Diagnostic,
  FORMAT_VERSION,
  type Plan,
  type ResourceChange,
  type StateDocument,
  type Workflow,
} from './types.js';

export interface PlanOptions {
  /** What the last apply recorded; without it every resource is to be created. */
  state?: StateDocument;
  /** Validation's diagnostics (warnings, infos), put first in the plan's; the planner adds those about the state. */
  diagnostics?: Diagnostic[];
  /** What a refresh read in AWS for the state's resources (`plan --refresh`, `apply`): drift becomes changes. */
  observations?: Observation[];
}

/**
 * The dry run: output groups with their reasons, resources with their actions, MediaLive's Destinations.
 * Pure and deterministic: equal inputs give plans equal byte for byte as JSON; the inputs are never changed.
 */
export function planWorkflow(workflow: Workflow, options: PlanOptions = {}): Plan {
  // Each entry's output group is decided here, once; its resources and destination follow that decision.
  const outputGroups = decideOutputGroups(workflow);
  const groupTypes = groupTypesOf(outputGroups);
  const destinations = planDestinations(workflow, groupTypes);
  const resources = diffResources(desiredResources(workflow, groupTypes), withoutBindings(options.state), {
    referenced: referencedResources(workflow),
    ...(options.observations === undefined
      ? {}
      : { refreshed: { workflow: workflow.workflow, observations: options.observations } }),
  });
  // The channel is written once what it sends to exists, and before what it stops sending to is deleted.
  const channel = channelChange(workflow, destinations, resources, options.state, options.observations);
  const firstDeletion = resources.findIndex((resource) => resource.action === 'delete');
  const at = firstDeletion === -1 ? resources.length : firstDeletion;
  return {
    formatVersion: FORMAT_VERSION,
    workflow: workflow.workflow,
    region: workflow.region,
    channelClass: workflow.channelClass,
    pipelines: pipelinesOf(workflow).length === 2 ? 2 : 1,
    outputGroups,
    resources: channel ? [...resources.slice(0, at), channel, ...resources.slice(at)] : resources,
    destinations,
    diagnostics: [
      ...structuredClone(options.diagnostics ?? []),
      ...stateDiagnostics(workflow, options.state),
      ...replacementDiagnostics(workflow, resources),
      ...channelDiagnostics(workflow, channel, options.state, options.observations),
      ...unboundDiagnostics(workflow, options.state),
    ],
  };
}

/** A channel binding is never created or deleted: it is left out of the resource diff. */
function withoutBindings(state: StateDocument | undefined): StateDocument | undefined {
  if (state === undefined) return undefined;
  return { ...state, resources: state.resources.filter((resource) => resource.kind !== 'medialive-channel') };
}

/**
 * What `destroy` deletes: every resource the state records that mlds created, as `delete` changes, dependents
 * first (a channel's ingest-password parameters before the channel). Resources mlds only read are left out, and
 * so is a bound MediaLive channel (destroy reads it first and never deletes it).
 */
export function planTeardown(state: StateDocument): ResourceChange[] {
  return diffResources([], withoutBindings(state)).filter((change) => change.existing !== true);
}

/** Resources the workflow uses but mlds does not manage: existing buckets, MediaPackage channels and v2 channel groups. */
function referencedResources(workflow: Workflow): ResourceIdentity[] {
  return workflow.downstream.flatMap((downstream): ResourceIdentity[] => {
    if (downstream.resolvedSystem === 's3') {
      return (downstream.buckets ?? []).map((name) => ({ kind: 's3-bucket', name, region: workflow.region }));
    }
    if (downstream.resolvedSystem === 'mediapackage-v2' && downstream.channelGroup !== undefined) {
      const region = mediaPackageRegion(workflow, downstream);
      return [{ kind: 'mediapackagev2-channel-group', name: downstream.channelGroup, region }];
    }
    if (downstream.resolvedSystem === 'mediapackage' && downstream.channelId !== undefined) {
      const region = mediaPackageRegion(workflow, downstream);
      return [{ kind: 'mediapackage-channel', name: downstream.channelId, region }];
    }
    return [];
  });
}

function stateDiagnostics(workflow: Workflow, state: StateDocument | undefined): Diagnostic[] {
  if (state === undefined || state.workflow === workflow.workflow) return [];
  return [
    {
      severity: 'warning',
      code: 'state.other-workflow',
      message: `The state records workflow ${state.workflow}, not ${workflow.workflow}: this plan deletes what ${state.workflow} created. Check --state, or rename the workflow back.`,
      path: 'workflow',
    },
  ];
}
