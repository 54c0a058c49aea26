import { renewsOutputs } from './drift.js';
import {
  KNOWN_AFTER_APPLY,
  type OutputDestination,
  type OutputDestinationSettings,
  type ResourceChange,
  type StateDocument,
  type StateResource,
} from './types.js';

// Fills the values only apply can know (ingest URLs and usernames, container endpoints) from what apply
// recorded. Nothing here is a secret: passwords stay in SSM, stream keys stay `(sensitive)`.

export interface ResolvedDestinations {
  destinations: OutputDestination[];
  /** Addresses of resources whose recorded outputs lack a value the destinations need, in plan order. */
  missing: string[];
}

/** A resource whose recorded outputs a destination may take: a planned change, or a state entry (no action). */
export type DestinationSource = Pick<
  ResourceChange,
  'address' | 'kind' | 'name' | 'region' | 'pipeline' | 'downstream'
> & { action?: ResourceChange['action']; properties?: Record<string, unknown> };

export function resolveDestinations(
  plan: { destinations: OutputDestination[]; resources: readonly DestinationSource[] },
  state: StateDocument,
): ResolvedDestinations {
  const missing = new Set<string>();
  const destinations = plan.destinations.map((destination) => {
    if (destination.Settings === undefined) return structuredClone(destination);
    const Settings = destination.Settings.map((settings, pipeline) => {
      if (!Object.values(settings).includes(KNOWN_AFTER_APPLY)) return { ...settings };
      const source = sourceOf(plan, destination.Id, pipeline);
      if (source === undefined) return { ...settings };
      const resolved = resolveSettings(settings, source, recordOf(state, source), pipeline);
      if (resolved === undefined) {
        missing.add(source.address);
        return { ...settings };
      }
      return resolved;
    });
    return { ...structuredClone(destination), Settings };
  });
  return { destinations, missing: [...missing] };
}

/**
 * The plan's destinations as a plan shows them: with what the state records for the resources the plan keeps
 * (noop, update, read), as Terraform's plan shows an existing resource's attributes; only what this plan
 * creates (or creates again, after a refresh found it deleted) stays `(known after apply)`, since it gets new
 * values. Without a state, the destinations as they are. For display: what apply writes is resolved from the
 * state as it is then (resolveDestinations), never from this.
 */
export function recordedDestinations(
  destinations: OutputDestination[],
  resources: ResourceChange[],
  state: StateDocument | undefined,
): OutputDestination[] {
  if (state === undefined) return structuredClone(destinations);
  const kept = resources.filter((resource) => !renewsOutputs(resource));
  return resolveDestinations({ destinations, resources: kept }, state).destinations;
}

/** The planned resource whose outputs a pipeline's destination waits for. */
function sourceOf(
  plan: { resources: readonly DestinationSource[] },
  destinationId: string,
  pipeline: number,
): DestinationSource | undefined {
  return plan.resources.find(
    (resource) =>
      resource.action !== 'delete' &&
      resource.downstream === destinationId &&
      (resource.kind === 'mediapackage-channel' ||
        resource.kind === 'mediapackagev2-channel' ||
        (resource.kind === 'mediastore-container' && resource.pipeline === pipeline)),
  );
}

function recordOf(state: StateDocument, source: DestinationSource): StateResource | undefined {
  return state.resources.find(
    (resource) =>
      resource.status === 'created' &&
      resource.address === source.address &&
      resource.kind === source.kind &&
      resource.name === source.name &&
      resource.region === source.region,
  );
}

function resolveSettings(
  settings: OutputDestinationSettings,
  source: DestinationSource,
  record: StateResource | undefined,
  pipeline: number,
): OutputDestinationSettings | undefined {
  const outputs = record?.outputs;
  if (outputs === undefined) return undefined;
  if (source.kind === 'mediapackage-channel') {
    const endpoints = outputs.ingestEndpoints;
    const endpoint: unknown = Array.isArray(endpoints) ? endpoints[pipeline] : undefined;
    if (!isRecord(endpoint) || typeof endpoint.url !== 'string' || typeof endpoint.username !== 'string') {
      return undefined;
    }
    return replaceUnknown(settings, { Url: endpoint.url, Username: endpoint.username });
  }
  if (source.kind === 'mediapackagev2-channel') {
    // The URLs GetChannel answered, as they are: HLS and CMAF Ingest alike take them unchanged, no credentials.
    const endpoints = outputs.ingestEndpoints;
    const endpoint: unknown = Array.isArray(endpoints) ? endpoints[pipeline] : undefined;
    if (!isRecord(endpoint) || typeof endpoint.url !== 'string') return undefined;
    return replaceUnknown(settings, { Url: endpoint.url });
  }
  const endpoint = outputs.endpoint;
  const path = source.properties?.path;
  if (typeof endpoint !== 'string' || typeof path !== 'string') return undefined;
  const host = endpoint.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  return replaceUnknown(settings, { Url: `mediastoressl://${host}/${path}` });
}

/** Replaces only the members still unknown, keeping the key order of the planned settings. */
function replaceUnknown(
  settings: OutputDestinationSettings,
  known: Partial<OutputDestinationSettings>,
): OutputDestinationSettings {
  const entries = Object.entries(settings).map(([key, value]) => {
    const replacement = known[key as keyof OutputDestinationSettings];
    return [key, value === KNOWN_AFTER_APPLY && replacement !== undefined ? replacement : value];
  });
  return Object.fromEntries(entries) as OutputDestinationSettings;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
