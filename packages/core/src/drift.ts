import { canonical } from './canonical.js';
import { TAG_WORKFLOW } from './names.js';
import type { OutputDestination, ResourceChange, ResourceKind, StateResource } from './types.js';

// Refresh: the provisioner reads each recorded resource (never changing it) and reports what it saw as an
// Observation; this module decides, purely, what that means for the plan. A resource deleted outside mlds is
// created again, a setting mlds made that someone changed is an update naming it, a resource that lost this
// workflow's tag is refused (apply's update finds it foreign and stops there, as it always has).

/** The settings mlds makes, as a read found them. Absent members were not read (not this kind's). */
export interface ObservedSettings {
  /** s3-bucket: all four public access block settings are on. */
  publicAccessBlocked?: boolean;
  /** s3-bucket: the default encryption's SSEAlgorithm (`AES256` as mlds sets it); null without a rule. */
  encryption?: string | null;
  /**
   * s3-bucket, mediastore-container, mediapackagev2-channel: the MediaLive role whose policy statements mlds
   * writes (bucket, container or channel policy) are there exactly as mlds writes them; null when they are
   * missing or were edited.
   */
  mediaLiveRoleArn?: string | null;
  /**
   * medialive-channel (the bound channel): those of the channel's destinations whose ids mlds wrote, as
   * DescribeChannel answers them, without empty lists, every stream key as `(sensitive)`: never a secret. A
   * written id the channel no longer has is simply not there.
   */
  destinations?: OutputDestination[];
  /**
   * ssm-parameter with `{ env }`: whether the decrypted value equals the environment variable's, compared in
   * memory by the provisioner; absent when the variable is unset (then nothing is compared). Never the value.
   */
  value?: 'same' | 'differs';
  /** ssm-parameter: the parameter's version. */
  version?: number;
  /**
   * mediapackage-channel: its HLS ingest endpoints as DescribeChannel answers them (id, URL, user name), in order;
   * never a password. A rotation outside mlds, or the channel made again, changes them.
   */
  ingestEndpoints?: { id: string; url: string; username: string }[];
  /**
   * s3-bucket: the bucket's ObjectOwnership (`BucketOwnerEnforced`, ACLs disabled, as apply creates and adopts
   * every bucket); null without ownership controls (ACLs enabled).
   */
  objectOwnership?: string | null;
}

/** What one read of a recorded resource found. Identity as in the state entry it was read for. */
export type Observation = {
  address: string;
  kind: ResourceKind;
  name: string;
  region: string;
} & (
  | { exists: false }
  | {
      exists: true;
      tags: Record<string, string>;
      settings: ObservedSettings;
      /** Why the read could not see it as this workflow's, when not from its tags (S3: HeadBucket denied). */
      notOurs?: string;
    }
);

/** ACLs disabled: the bucket owns every object, as for every bucket apply creates or adopts. */
export const BUCKET_OWNER_ENFORCED = 'BucketOwnerEnforced';

const INGEST_ENDPOINTS_DRIFT =
  'its ingest endpoints (URLs or user names) changed outside mlds, by a rotation or the channel made again: apply records the new ones, which MediaLive needs';

/**
 * Whether the change gives its resource new outputs, which the destinations that send to it take: a create
 * (new ingest URLs), or a refresh that found a channel's ingest endpoints changed (its update, or the drifted
 * read of one mlds only reads). Such values are shown as known after apply, and a bound channel is written again.
 */
export function renewsOutputs(change: ResourceChange): boolean {
  if (change.action === 'create') return true;
  if (change.action === 'update') return change.changes.includes('ingestEndpoints');
  return change.action === 'read' && change.drift !== undefined && change.refused === undefined;
}

/** Where mlds writes the MediaLive role's statement, by kind: how a drift names it. */
const POLICY_OF: Partial<Record<ResourceKind, string>> = {
  's3-bucket': 'bucket policy',
  'mediastore-container': 'container policy',
  'mediapackagev2-channel': 'channel policy',
};

/** How a refreshed resource differs from its state entry: the update's `changes` and the sentences for `drift`. */
export interface Drift {
  gone: boolean;
  changes: string[];
  drift: string[];
  /** Why apply will refuse the resource rather than change it (no longer this workflow's; a bound channel gone). */
  refused?: string;
  /** The workflow whose tag it now carries, when another's (see ChangeDrift). */
  ownedBy?: string;
}

export function sameResource(
  observation: Pick<Observation, 'address' | 'kind' | 'name' | 'region'>,
  resource: Pick<StateResource, 'address' | 'kind' | 'name' | 'region'>,
): boolean {
  return (
    observation.address === resource.address &&
    observation.kind === resource.kind &&
    observation.name === resource.name &&
    observation.region === resource.region
  );
}

/**
 * What the observation of a recorded resource means against its state entry: drift is what changed in AWS since
 * mlds recorded it, not what the workflow now asks for (the diff says that). Undefined when AWS matches.
 */
export function driftOf(
  wanted: Pick<StateResource, 'kind' | 'properties' | 'tags' | 'outputs'>,
  observation: Observation,
  workflow: string,
): Drift | undefined {
  if (!observation.exists) {
    return { gone: true, changes: [], drift: [`${observation.name} was deleted outside mlds`] };
  }
  const { tags, settings } = observation;
  if (observation.notOurs !== undefined || tags[TAG_WORKFLOW] !== workflow) {
    const found =
      tags[TAG_WORKFLOW] === undefined
        ? `its tag ${TAG_WORKFLOW}=${workflow} is gone`
        : `its ${TAG_WORKFLOW} tag is now ${tags[TAG_WORKFLOW]}, not ${workflow}`;
    const why = observation.notOurs ?? found;
    const owner = tags[TAG_WORKFLOW];
    return {
      gone: false,
      changes: ['tags'],
      drift: [`${why}: it is no longer this workflow's, and apply refuses to change it`],
      refused: `${why}: it is no longer this workflow's`,
      ...(owner === undefined || owner === workflow ? {} : { ownedBy: owner }),
    };
  }
  const changes: string[] = [];
  const drift: string[] = [];
  const changedTags = Object.entries(wanted.tags ?? {})
    .filter(([key, value]) => tags[key] !== value)
    .map(([key]) => key);
  if (changedTags.length > 0) {
    changes.push('tags');
    drift.push(`tags mlds set were removed or changed: ${changedTags.join(', ')}`);
  }
  if (settings.objectOwnership !== undefined && settings.objectOwnership !== BUCKET_OWNER_ENFORCED) {
    changes.push('objectOwnership');
    drift.push(
      `ACLs are enabled again (ObjectOwnership ${settings.objectOwnership ?? 'not configured'}), mlds sets ${BUCKET_OWNER_ENFORCED}`,
    );
  }
  if (settings.publicAccessBlocked === false) {
    changes.push('publicAccessBlock');
    drift.push('the public access block is no longer fully on');
  }
  if (settings.encryption !== undefined && settings.encryption !== 'AES256') {
    changes.push('encryption');
    drift.push(`default encryption is ${settings.encryption ?? 'not configured'}, mlds sets SSE-S3 (AES256)`);
  }
  if (settings.mediaLiveRoleArn !== undefined) {
    const roleArn = wanted.properties?.mediaLiveRoleArn;
    const expected = typeof roleArn === 'string' && roleArn.length > 0 ? roleArn : null;
    if (expected !== null && settings.mediaLiveRoleArn !== expected) {
      const policy = POLICY_OF[wanted.kind] ?? 'policy';
      changes.push('policy');
      drift.push(`the ${policy} statement for the MediaLive role ${expected} is missing or was edited`);
    }
  }
  const recordedEndpoints = wanted.outputs?.ingestEndpoints;
  if (
    settings.ingestEndpoints !== undefined &&
    recordedEndpoints !== undefined &&
    canonical(settings.ingestEndpoints) !== canonical(recordedEndpoints)
  ) {
    changes.push('ingestEndpoints');
    drift.push(INGEST_ENDPOINTS_DRIFT);
  }
  if (settings.value === 'differs') {
    changes.push('value');
    const source = wanted.properties?.source as { ingestEndpointOf?: string } | undefined;
    drift.push(
      source?.ingestEndpointOf === undefined
        ? 'the value in SSM differs from the environment variable (neither is shown)'
        : `the value in SSM is not the ingest password ${source.ingestEndpointOf} now has (rotated, or the channel made again outside mlds; neither is shown)`,
    );
  }
  return changes.length === 0 ? undefined : { gone: false, changes, drift };
}

/** What `diffResources` takes to plan against AWS as a refresh found it. */
export interface Refreshed {
  workflow: string;
  observations: Observation[];
}

/**
 * The diff's changes with what the refresh found: a noop or update whose resource is gone becomes a create, one
 * whose settings drifted an update naming them; a delete of something already gone says so. Each carries `drift`.
 */
export function withDrift(
  changes: ResourceChange[],
  recorded: StateResource[],
  refreshed: Refreshed,
): ResourceChange[] {
  return changes.map((change) => {
    if (change.action === 'read' && change.existing === true)
      return withExistingDrift(change, recorded, refreshed);
    if (change.action === 'create' || change.action === 'read' || change.existing === true) return change;
    const record = recorded.find(
      (resource) => resource.status === 'created' && sameResource(change, resource),
    );
    if (record === undefined) return change;
    const observation = refreshed.observations.find((seen) => sameResource(seen, record));
    if (observation === undefined) return change;
    const found = driftOf(record, observation, refreshed.workflow);
    if (found === undefined) return change;
    if (change.action === 'delete') {
      return found.gone
        ? { ...change, drift: [`${found.drift.join('; ')}: only removed from the state`] }
        : change;
    }
    const { changes: _changes, ...spec } = change as ResourceChange & { changes?: string[] };
    if (found.gone) return { ...spec, action: 'create', drift: found.drift };
    const planned = change.action === 'update' ? change.changes : [];
    return {
      ...spec,
      action: 'update',
      changes: [...new Set([...planned, ...found.changes])],
      drift: found.drift,
      ...(found.refused === undefined ? {} : { refused: found.refused }),
      ...(found.ownedBy === undefined ? {} : { ownedBy: found.ownedBy }),
    };
  });
}

/**
 * A resource mlds only reads, recorded as read, that the refresh found missing: still a `read` (mlds never creates
 * it), with `drift` saying so and `refused`, as a bound channel found deleted is: plan cannot make a plan to apply
 * (exit 1), and apply, which reads it again before any change, stops there.
 */
function withExistingDrift(
  change: ResourceChange,
  recorded: StateResource[],
  refreshed: Refreshed,
): ResourceChange {
  const record = recorded.find(
    (resource) =>
      resource.status === 'created' && resource.existing === true && sameResource(change, resource),
  );
  const observation =
    record === undefined ? undefined : refreshed.observations.find((seen) => sameResource(seen, record));
  if (observation === undefined) return change;
  if (observation.exists) {
    // Read again as it is (never refused): apply's read records the endpoints it has now.
    const renewed = observation.settings.ingestEndpoints;
    const recordedEndpoints = record?.outputs?.ingestEndpoints;
    if (renewed === undefined || recordedEndpoints === undefined) return change;
    if (canonical(renewed) === canonical(recordedEndpoints)) return change;
    return { ...change, drift: [INGEST_ENDPOINTS_DRIFT] };
  }
  const missing = `${observation.name} was not found: deleted outside mlds, or not where the workflow names it`;
  return {
    ...change,
    drift: [`${missing}; apply stops at its read, before any change`],
    refused: missing,
  };
}
