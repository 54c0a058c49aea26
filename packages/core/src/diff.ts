import { type Refreshed, withDrift } from './drift.js';
import type { Action, ResourceChange, ResourceSpec, StateDocument, StateResource } from './types.js';

// What apply must do to turn the recorded state into the desired resources. Matching is by address; a
// resource whose physical identity (kind, name, Region) changed is replaced: the new one is created in place,
// the old one deleted with the other deletions at the end. A recorded resource the workflow now names as an
// existing one (`buckets`, `channelId`, `channelGroup`) is never deleted. A resource mlds only reads is `read`.
// A property AWS cannot change (a v2 channel's InputType or channel group) replaces it under the same name:
// the recorded one is deleted and a new one created, and apply deletes first (see the engine).

/** Properties that cannot change on an existing resource: a change is a delete and a create. */
const IMMUTABLE_PROPERTIES: Partial<Record<ResourceSpec['kind'], readonly string[]>> = {
  'mediapackagev2-channel': ['channelGroup', 'inputType'],
};

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
        resource.existing !== true &&
        !(options.referenced ?? []).some((identity) => sameIdentity(identity, resource)),
    )
    .reverse()
    .map(specOfRecorded);
  // Stable: within each rank the reverse of the recorded (creation) order is kept.
  deletions.sort((a, b) => deletionRank(a) - deletionRank(b));
  const all = [...changes, ...deletions.map((spec) => change('delete', spec))];
  return options.refreshed === undefined ? all : withDrift(all, recorded, options.refreshed);
}

/** What names a resource physically; the workflow may reference one it no longer asks mlds to manage. */
export type ResourceIdentity = Pick<ResourceSpec, 'kind' | 'name' | 'region'>;

function sameIdentity(spec: ResourceIdentity, resource: StateResource): boolean {
  return spec.kind === resource.kind && spec.name === resource.name && spec.region === resource.region;
}

/** What an update changes: `existing`, `tags`, then each differing property, by name. */
function differencesBetween(spec: ResourceSpec, resource: StateResource): string[] {
  const differences: string[] = [];
  if ((spec.existing === true) !== (resource.existing === true)) differences.push('existing');
  if (canonical(spec.tags ?? {}) !== canonical(resource.tags ?? {})) differences.push('tags');
  const recordedProperties = resource.properties ?? {};
  const keys = [...new Set([...Object.keys(spec.properties), ...Object.keys(recordedProperties)])].sort();
  for (const key of keys) {
    if (canonical(spec.properties[key]) !== canonical(recordedProperties[key])) differences.push(key);
  }
  return differences;
}

/** JSON with object keys sorted, so key order never counts as a difference. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, member: unknown) =>
    member !== null && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );
}

/** Parameters holding a channel's ingest password go before the channel, a v2 channel before its group. */
function deletionRank(spec: ResourceSpec): number {
  return spec.dependsOn.length > 0 || spec.kind === 'mediapackagev2-channel' ? 0 : 1;
}

function specOfRecorded(resource: StateResource): ResourceSpec {
  const properties = structuredClone(resource.properties ?? {});
  const source = properties.source;
  const dependsOn =
    source !== null && typeof source === 'object' && 'ingestEndpointOf' in source
      ? [String(source.ingestEndpointOf)]
      : [];
  return {
    address: resource.address,
    kind: resource.kind,
    name: resource.name,
    region: resource.region,
    pipeline: resource.pipeline,
    downstream: resource.downstream,
    ...(resource.tags === undefined ? {} : { tags: { ...resource.tags } }),
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
