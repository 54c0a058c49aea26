import { canonical } from './canonical.js';
import { type Refreshed, withDrift } from './drift.js';
import type {
  Action,
  Diagnostic,
  ResourceChange,
  ResourceSpec,
  StateDocument,
  StateResource,
  Workflow,
} from './types.js';

// What apply must do to turn the recorded state into the desired resources. Matching is by address; a
// resource whose physical identity (kind, name, Region) changed is replaced: the new one is created in place,
// the old one deleted with the other deletions at the end. A recorded resource the workflow now names as an
// existing one (`buckets`, `channelId`, `channelGroup`) is never deleted. A resource mlds only reads is `read`;
// one it read and the workflow no longer names (or names something else at its address) is a `delete` of an
// `existing` resource: apply drops it from the state and leaves it in AWS, as Terraform forgets a data source.
// A property AWS cannot change (a v2 channel's InputType or channel group) replaces it under the same name:
// the recorded one is deleted and a new one created, and apply deletes first (see the engine).

/** Properties that cannot change on an existing resource: a change is a delete and a create. */
const IMMUTABLE_PROPERTIES: Partial<Record<ResourceSpec['kind'], readonly string[]>> = {
  'mediapackagev2-channel': ['channelGroup', 'inputType'],
};

/** The workflow field each immutable property comes from, for the diagnostic's path. */
const FIELD_OF_PROPERTY: Readonly<Record<string, string>> = {
  inputType: 'format',
  channelGroup: 'channelGroup',
};

/**
 * A warning per resource the plan replaces because a property AWS cannot change did change (a v2 channel's
 * format): without it the plan shows a create and a delete of one address, and not why, nor that what
 * MediaLive sends to (the channel's ingest URLs) changes with it.
 */
export function replacementDiagnostics(workflow: Workflow, changes: readonly ResourceChange[]): Diagnostic[] {
  return changes.flatMap((created) => {
    if (created.action !== 'create') return [];
    const deleted = changes.find(
      (change) =>
        change.action === 'delete' && change.address === created.address && sameIdentity(created, change),
    );
    if (deleted === undefined) return [];
    const changed = (IMMUTABLE_PROPERTIES[created.kind] ?? []).filter(
      (key) => canonical(created.properties[key]) !== canonical(deleted.properties[key]),
    );
    if (changed.length === 0) return [];
    const what = changed
      .map((key) => `${key} ${String(deleted.properties[key])} → ${String(created.properties[key])}`)
      .join(', ');
    const index = workflow.downstream.findIndex((entry) => entry.name === created.downstream);
    const field = FIELD_OF_PROPERTY[changed[0] ?? ''];
    return [
      {
        severity: 'warning',
        code: 'resource.replaced',
        message: `${created.address} (${created.name}) is replaced: ${what} cannot change on an existing ${created.kind}, so apply deletes it and creates it again under the same name. Its ingest URLs change with it: a MediaLive channel that sends to it needs the new destination (a bound channel gets it from apply).`,
        path: index === -1 ? '' : `downstream[${index}]${field === undefined ? '' : `.${field}`}`,
      },
    ];
  });
}

/** True when the recorded resource cannot become `spec` in place. */
export function needsReplacement(spec: ResourceSpec, resource: StateResource): boolean {
  const recorded = resource.properties ?? {};
  return (IMMUTABLE_PROPERTIES[spec.kind] ?? []).some(
    (key) => canonical(spec.properties[key]) !== canonical(recorded[key]),
  );
}

/** Desired resources in their order, then the deletions in reverse dependency order. */
export function diffResources(
  desired: ResourceSpec[],
  state?: StateDocument,
  options: { referenced?: ResourceIdentity[]; refreshed?: Refreshed } = {},
): ResourceChange[] {
  const recorded = state?.resources ?? [];
  const matched = new Set<StateResource>();
  const changes: ResourceChange[] = [];

  for (const spec of desired) {
    const same = recorded.filter(
      (resource) =>
        resource.address === spec.address &&
        sameIdentity(spec, resource) &&
        // What mlds only read is never what it now creates, even under the same name: the read record is
        // forgotten, and the create finds the resource in AWS as any create does (its tag says whose it is).
        !(resource.existing === true && spec.existing !== true) &&
        !(resource.existing !== true && spec.existing !== true && needsReplacement(spec, resource)),
    );
    for (const resource of same) matched.add(resource);
    if (spec.existing === true) {
      // Only ever read, whatever the state says: never created, updated or deleted.
      changes.push(change('read', spec));
      continue;
    }
    const created = same.find((resource) => resource.status === 'created');
    if (created === undefined) {
      // A `creating` or `deleting` record is a run that stopped half-way: apply adopts the resource by name and tags.
      changes.push(change('create', spec));
      continue;
    }
    const differences = differencesBetween(spec, created);
    changes.push(differences.length === 0 ? change('noop', spec) : change('update', spec, differences));
  }

  const deletions = recorded
    .filter(
      (resource) =>
        !matched.has(resource) &&
        !(options.referenced ?? []).some((identity) => sameIdentity(identity, resource)),
    )
    .reverse()
    .map((resource) => specOfRecorded(resource, recorded));
  // Stable: within each rank the reverse of the recorded (creation) order is kept.
  deletions.sort((a, b) => deletionRank(a) - deletionRank(b));
  const all = [...changes, ...deletions.map((spec) => change('delete', spec))];
  return followNewChannels(
    options.refreshed === undefined ? all : withDrift(all, recorded, options.refreshed),
  );
}

/**
 * A parameter holding a MediaPackage channel's ingest password follows its channel: a channel apply creates
 * (new, created again after a deletion outside mlds, or finished after a crash) has new passwords, and a
 * parameter already written holds the old channel's, which MediaLive would send. Its value is rewritten.
 */
function followNewChannels(changes: ResourceChange[]): ResourceChange[] {
  const created = new Set(
    changes.filter((c) => c.action === 'create' && c.kind === 'mediapackage-channel').map((c) => c.address),
  );
  if (created.size === 0) return changes;
  return changes.map((change) => {
    if (change.action !== 'noop' && change.action !== 'update') return change;
    const channel = ingestChannelOf(change.properties);
    if (channel === undefined || !created.has(channel)) return change;
    const planned = change.action === 'update' ? change.changes : [];
    if (planned.includes('value') || planned.includes('source')) return change;
    const { changes: _planned, ...spec } = change as ResourceChange & { changes?: string[] };
    return { ...spec, action: 'update', changes: [...planned, 'value'] };
  });
}

/** The channel address behind an ingest-password parameter's `source`, if it is one. */
function ingestChannelOf(properties: Record<string, unknown>): string | undefined {
  const source = properties.source;
  return source !== null && typeof source === 'object' && 'ingestEndpointOf' in source
    ? String(source.ingestEndpointOf)
    : undefined;
}

/** What names a resource physically; the workflow may reference one it no longer asks mlds to manage. */
export type ResourceIdentity = Pick<ResourceSpec, 'kind' | 'name' | 'region'>;

function sameIdentity(spec: ResourceIdentity, resource: ResourceIdentity): boolean {
  return spec.kind === resource.kind && spec.name === resource.name && spec.region === resource.region;
}

/** What an update changes: `tags`, then each differing property, by name. */
function differencesBetween(spec: ResourceSpec, resource: StateResource): string[] {
  const differences: string[] = [];
  if (canonical(spec.tags ?? {}) !== canonical(resource.tags ?? {})) differences.push('tags');
  const recordedProperties = resource.properties ?? {};
  const keys = [...new Set([...Object.keys(spec.properties), ...Object.keys(recordedProperties)])].sort();
  for (const key of keys) {
    if (canonical(spec.properties[key]) !== canonical(recordedProperties[key])) differences.push(key);
  }
  return differences;
}

/** Parameters holding a channel's ingest password go before the channel, a v2 channel before its group. */
function deletionRank(spec: ResourceSpec): number {
  return spec.dependsOn.length > 0 || spec.kind === 'mediapackagev2-channel' ? 0 : 1;
}

/**
 * A recorded resource as a spec, with what it depends on as the planner would say it: an ingest-password
 * parameter its channel, a v2 channel the channel group the state records it in.
 */
function specOfRecorded(resource: StateResource, recorded: StateResource[]): ResourceSpec {
  const properties = structuredClone(resource.properties ?? {});
  const channel = ingestChannelOf(properties);
  const group =
    resource.kind === 'mediapackagev2-channel'
      ? recorded.find(
          (other) =>
            other.kind === 'mediapackagev2-channel-group' &&
            other.existing !== true &&
            other.region === resource.region &&
            other.name === properties.channelGroup,
        )
      : undefined;
  const dependsOn = [...(channel === undefined ? [] : [channel]), ...(group ? [group.address] : [])];
  return {
    address: resource.address,
    kind: resource.kind,
    name: resource.name,
    region: resource.region,
    pipeline: resource.pipeline,
    downstream: resource.downstream,
    ...(resource.tags === undefined ? {} : { tags: { ...resource.tags } }),
    ...(resource.existing === true ? { existing: true as const } : {}),
    properties,
    dependsOn,
  };
}

function change(action: Exclude<Action, 'update'>, spec: ResourceSpec): ResourceChange;
function change(action: 'update', spec: ResourceSpec, changes: string[]): ResourceChange;
function change(action: Action, spec: ResourceSpec, changes: string[] = []): ResourceChange {
  // Key order follows the contract's example, so a printed plan reads address, kind, action first.
  const { address, kind, ...rest } = copyOf(spec);
  return action === 'update'
    ? { address, kind, action, ...rest, changes }
    : { address, kind, action, ...rest };
}

function copyOf(spec: ResourceSpec): ResourceSpec {
  return {
    address: spec.address,
    kind: spec.kind,
    name: spec.name,
    region: spec.region,
    pipeline: spec.pipeline,
    downstream: spec.downstream,
    ...(spec.tags === undefined ? {} : { tags: { ...spec.tags } }),
    ...(spec.existing === true ? { existing: true as const } : {}),
    properties: structuredClone(spec.properties),
    dependsOn: [...spec.dependsOn],
  };
}
