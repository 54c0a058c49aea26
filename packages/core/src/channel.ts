import { canonical } from './canonical.js';
import { type Drift, type Observation, renewsOutputs, sameResource } from './drift.js';
import { resolveDestinations } from './outputs.js';
import {
  type Diagnostic,
  KNOWN_AFTER_APPLY,
  OTHER_STREAM_KEY,
  type OutputDestination,
  type ResourceChange,
  type ResourceSpec,
  SENSITIVE,
  type SecretRef,
  type StateDocument,
  type StateResource,
  type Workflow,
} from './types.js';

// The binding to an existing MediaLive channel (`channel:`). The plan makes no AWS call, so it cannot know the
// channel's state: it says what apply writes (the Destinations as planned, placeholders included, never a
// secret) and compares that with what the last apply wrote. Apply reads the channel before any change and
// decides from its answer (see the provisioner's MediaLive handler).

/** The binding's address in the plan and the state: not a downstream's, so it has no dot. */
export const CHANNEL_ADDRESS = 'channel';

/** The properties the plan compares with the state: what mlds writes into the channel. */
const COMPARED = ['destinations', 'streamKeys'] as const;

/**
 * The `medialive-channel` change: `update` when what mlds writes changed (or a restart is unfinished), or when
 * a refresh (`observations`) found the destinations mlds wrote changed or removed outside mlds, or the channel
 * gone (then with `drift`); else `read`.
 */
export function channelChange(
  workflow: Workflow,
  destinations: OutputDestination[],
  resources: readonly ResourceChange[],
  state: StateDocument | undefined,
  observations?: Observation[],
): ResourceChange | undefined {
  const binding = workflow.channel;
  if (binding === undefined) return undefined;
  const spec: ResourceSpec = {
    address: CHANNEL_ADDRESS,
    kind: 'medialive-channel',
    name: binding.id,
    region: workflow.region,
    pipeline: null,
    downstream: '',
    properties: {
      whenRunning: binding.whenRunning,
      channelClass: workflow.channelClass,
      destinations: structuredClone(destinations),
      streamKeys: streamKeysOf(workflow),
    },
    // After everything it may write to exists; deletions come after it (the engine orders them).
    dependsOn: [],
  };
  const recorded = recordedBinding(state, binding.id, workflow.region);
  const changes = recorded === undefined ? ['destinations'] : differences(spec, recorded);
  // What the plan creates (again) gets new values (a channel made again has new ingest URLs), as does a channel
  // whose credentials a refresh found rotated: the destinations that send to it are written again, which the
  // plan must show, for apply writes only what it shows.
  const renewed = destinations.some((destination) =>
    resources.some((resource) => renewsOutputs(resource) && resource.downstream === destination.Id),
  );
  if (renewed && !changes.includes('destinations')) changes.push('destinations');
  const drifted =
    recorded === undefined || state === undefined ? undefined : bindingDrift(recorded, observations, state);
  for (const change of drifted?.changes ?? []) if (!changes.includes(change)) changes.push(change);
  if (pendingStart(recorded)) changes.push('start');
  const { address, kind, ...rest } = spec;
  return changes.length === 0
    ? { address, kind, action: 'read', ...rest }
    : {
        address,
        kind,
        action: 'update',
        ...rest,
        changes,
        ...(drifted && drifted.drift.length > 0 ? { drift: drifted.drift } : {}),
        ...(drifted?.refused === undefined ? {} : { refused: drifted.refused }),
      };
}

/**
 * What a refresh found of the bound channel against what the last apply wrote into it: the channel gone (mlds
 * never creates one: apply's pre-flight stops), or destinations mlds wrote removed or changed outside mlds (apply
 * writes them again). Undefined when the refresh did not read it or found it as written. The channel's other
 * destinations are not mlds's and never count.
 */
export function bindingDrift(
  recorded: StateResource,
  observations: Observation[] | undefined,
  state: StateDocument,
): Drift | undefined {
  const observation = observations?.find((seen) => sameResource(seen, recorded));
  if (observation === undefined) return undefined;
  if (!observation.exists) {
    return {
      gone: true,
      changes: ['destinations'],
      drift: [
        `MediaLive channel ${recorded.name} was deleted outside mlds (DescribeChannel finds no such channel in ${recorded.region}); mlds never creates a channel, so apply stops before any change`,
      ],
      refused: `MediaLive channel ${recorded.name} was deleted outside mlds, and mlds never creates a channel`,
    };
  }
  const observed = observation.settings.destinations;
  if (observed === undefined) return undefined;
  const written = writtenDestinations(recorded, state);
  const removed: string[] = [];
  const edited: string[] = [];
  const otherKey: string[] = [];
  for (const expected of written) {
    const found = observed.find((destination) => destination.Id === expected.Id);
    if (found === undefined) removed.push(expected.Id);
    else if (canonical(comparable(found)) !== canonical(comparable(expected))) {
      // Only the key differs: the channel's key was changed, or the workflow's (its variable, its parameter).
      const sameButKey = canonical(comparable(withKeysSensitive(found))) === canonical(comparable(expected));
      (sameButKey ? otherKey : edited).push(expected.Id);
    }
  }
  // A restart a crash left unfinished may have stopped the channel before its update: the channel then holds
  // the destinations from before, which nobody changed outside mlds. Apply writes them (the pending-start
  // warning says so); reporting them as drift would send the user looking for someone who edited the channel.
  if (pendingStart(recorded)) {
    const unwritten = removed.length + edited.length + otherKey.length > 0;
    return unwritten ? { gone: false, changes: ['destinations'], drift: [] } : undefined;
  }
  const drift = [
    ...(removed.length === 0
      ? []
      : [`destinations mlds wrote were removed from the channel outside mlds: ${removed.join(', ')}`]),
    ...(edited.length === 0
      ? []
      : [`destinations mlds wrote were changed in the channel outside mlds: ${edited.join(', ')}`]),
    ...(otherKey.length === 0
      ? []
      : [
          `the stream key in the channel is not the one the workflow gives now (changed in the channel outside mlds, or in its environment variable or parameter): ${otherKey.join(', ')}`,
        ]),
  ];
  return drift.length === 0 ? undefined : { gone: false, changes: ['destinations'], drift };
}

/**
 * The destinations the last apply wrote: those of the recorded ids, with the values the state records (stream
 * keys stay `(sensitive)`). One whose values the state lacks cannot be compared and is left out.
 */
function writtenDestinations(recorded: StateResource, state: StateDocument): OutputDestination[] {
  const ids = recorded.outputs?.destinationIds;
  const planned = recorded.properties?.destinations;
  if (!Array.isArray(ids) || !Array.isArray(planned)) return [];
  const wanted = (planned as OutputDestination[]).filter((destination) => ids.includes(destination.Id));
  return resolveDestinations({ destinations: wanted, resources: state.resources }, state).destinations.filter(
    (destination) => !JSON.stringify(destination).includes(KNOWN_AFTER_APPLY),
  );
}

/** The destination with a key that is not the workflow's shown as any key is, to compare the rest. */
function withKeysSensitive(destination: OutputDestination): OutputDestination {
  if (destination.Settings === undefined) return destination;
  return {
    ...destination,
    Settings: destination.Settings.map((settings) =>
      settings.StreamName === OTHER_STREAM_KEY ? { ...settings, StreamName: SENSITIVE } : settings,
    ),
  };
}

/** A destination as compared: without the empty lists DescribeChannel adds beside the one kind it has. */
function comparable(destination: OutputDestination): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(destination).filter(
      ([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0),
    ),
  );
}

/** The stream keys apply reads for the channel, by destination id: references only, never values. */
function streamKeysOf(workflow: Workflow): Record<string, SecretRef> {
  const keys: Record<string, SecretRef> = {};
  for (const downstream of workflow.downstream) {
    if (downstream.resolvedSystem === 'rtmp' && downstream.streamKey !== undefined) {
      keys[downstream.name] = { ...downstream.streamKey };
    }
  }
  return keys;
}

/** The state's record of this binding (same channel id and Region). */
export function recordedBinding(
  state: StateDocument | undefined,
  channelId: string,
  region: string,
): StateResource | undefined {
  return state?.resources.find(
    (resource) =>
      resource.kind === 'medialive-channel' && resource.name === channelId && resource.region === region,
  );
}

/**
 * The binding destroy checks: the one the workflow names (`channel.id` in its Region) when the state records it,
 * else the one apply wrote last. A workflow bound to another channel since keeps the older binding's record
 * beside it (plan says `channel.unbound` for that one), and destroy forgets them all.
 */
export function lastBinding(
  state: StateDocument,
  named?: { id: string; region: string },
): StateResource | undefined {
  const current = named === undefined ? undefined : recordedBinding(state, named.id, named.region);
  if (current !== undefined) return current;
  const written = (resource: StateResource) => resource.updatedAt ?? resource.createdAt ?? '';
  return state.resources
    .filter((resource) => resource.kind === 'medialive-channel')
    .reduce<StateResource | undefined>(
      (last, resource) => (last === undefined || written(resource) > written(last) ? resource : last),
      undefined,
    );
}

/** True when a restart stopped the channel and no run has started it again yet. */
export function pendingStart(record: StateResource | undefined): boolean {
  return record?.outputs?.pendingStart === true;
}

function differences(spec: ResourceSpec, recorded: StateResource): string[] {
  const properties = recorded.properties ?? {};
  return COMPARED.filter((key) => canonical(spec.properties[key]) !== canonical(properties[key]));
}

/**
 * What the plan says about the binding: apply reads the channel; the outage a restart means; an unfinished
 * restart; a channel a refresh found gone.
 */
export function channelDiagnostics(
  workflow: Workflow,
  change: ResourceChange | undefined,
  state?: StateDocument,
  observations?: Observation[],
): Diagnostic[] {
  const binding = workflow.channel;
  if (binding === undefined || change === undefined) return [];
  const recorded = recordedBinding(state, binding.id, workflow.region);
  const gone =
    recorded !== undefined && state !== undefined && bindingDrift(recorded, observations, state)?.gone;
  // A refresh read the channel the state records: the plan saw it, so "makes no AWS call" would be untrue.
  const refreshed =
    recorded !== undefined && (observations ?? []).some((seen) => sameResource(seen, recorded));
  const before = refreshed
    ? `the refresh read MediaLive channel ${binding.id} (DescribeChannel); apply reads it again`
    : `this plan was made without reading MediaLive channel ${binding.id}; apply reads it (DescribeChannel)`;
  // A channel the refresh found gone is the warning's alone: "the refresh read it" beside it reads as found.
  const diagnostics: Diagnostic[] = gone
    ? []
    : [
        {
          severity: 'info',
          code: 'channel.read-at-apply',
          message: `${before} before any change, refuses when its Region, class or output groups do not fit, and calls UpdateChannel only when its destinations differ from these.`,
          path: 'channel.id',
        },
      ];
  if (gone) {
    diagnostics.push({
      severity: 'warning',
      code: 'channel.gone',
      message: `A refresh found no MediaLive channel ${binding.id} in ${workflow.region}: it was deleted outside mlds, or channel.id names another channel. mlds never creates a channel, so apply stops before any change. Set channel.id to the channel the destinations are for, or remove \`channel:\` (then mlds no longer writes into a channel).`,
      path: 'channel.id',
    });
  }
  if (change.action === 'update' && change.changes.includes('start')) {
    diagnostics.push({
      severity: 'warning',
      code: 'channel.pending-start',
      message: `A previous apply stopped MediaLive channel ${binding.id} to update it and did not start it again: this apply finishes the update and starts the channel.`,
      path: 'channel',
    });
  }
  if (change.action === 'update' && binding.whenRunning === 'restart') {
    diagnostics.push({
      severity: 'warning',
      code: 'channel.restart-outage',
      message: `If MediaLive channel ${binding.id} is RUNNING at apply, apply STOPS it (an outage of every output of the channel, usually a minute or more), updates its destinations and starts it again. Use whenRunning: refuse to update it only while it is IDLE.`,
      path: 'channel.whenRunning',
    });
  }
  return diagnostics;
}

/**
 * A binding the state records that the workflow no longer has (`channel:` removed, or `channel.id` or the Region
 * now naming another channel): mlds stops writing it, and says what stays behind.
 */
export function unboundDiagnostics(workflow: Workflow, state: StateDocument | undefined): Diagnostic[] {
  const current =
    workflow.channel === undefined ? undefined : recordedBinding(state, workflow.channel.id, workflow.region);
  return (state?.resources ?? [])
    .filter((resource) => resource.kind === 'medialive-channel' && resource !== current)
    .map((resource) => {
      const ids = resource.outputs?.destinationIds;
      const written = Array.isArray(ids) && ids.length > 0 ? ` (${ids.join(', ')})` : '';
      const why =
        workflow.channel === undefined
          ? 'without `channel:` it no longer reads or writes that channel'
          : `bound to channel ${workflow.channel.id} in ${workflow.region} now, it no longer reads or writes that one`;
      return {
        severity: 'warning' as const,
        code: 'channel.unbound',
        message: `The state records that mlds wrote destinations${written} into MediaLive channel ${resource.name}; ${why}, and those destinations stay in it until you change them yourself.`,
        path: workflow.channel === undefined ? '' : 'channel.id',
      };
    });
}
