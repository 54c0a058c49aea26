import type { ResourceKind } from '@mlds/core';
import type { AwsClients } from '../clients.js';
import type { KindHandler } from '../runtime.js';

// One loader per resource kind: a handler module imports its AWS SDK packages, so a run loads the SDK of the
// kinds it actually works on (while the credentials pre-flight waits for STS, or else before its first call),
// and none at all when nothing needs a call (a re-apply with no change, a workflow of RTMP and UDP
// destinations). A new kind adds one line here.
export const handlerLoaders: Record<ResourceKind, () => Promise<KindHandler>> = {
  'mediapackage-channel': async () => (await import('./mediapackage.js')).mediaPackageChannelHandler,
  's3-bucket': async () => (await import('./s3.js')).s3BucketHandler,
  'mediastore-container': async () => (await import('./mediastore.js')).mediaStoreContainerHandler,
  'ssm-parameter': async () => (await import('./ssm.js')).ssmParameterHandler,
  'mediapackagev2-channel-group': async () =>
    (await import('./mediapackagev2.js')).mediaPackageV2ChannelGroupHandler,
  'mediapackagev2-channel': async () => (await import('./mediapackagev2.js')).mediaPackageV2ChannelHandler,
  'medialive-channel': async () => (await import('./medialive.js')).mediaLiveChannelHandler,
};

/**
 * The AWS round trips, one after another, that destroy's pre-check, a create and a delete of each kind take
 * when all goes well (a container's create: create, describe until ACTIVE, put its policy). Only for the order
 * in which a run starts what is ready: the longest chain first, because the calls share one CPU and answers
 * come back about in the order the calls left. A new kind adds one line here.
 */
export const roundTrips: Record<ResourceKind, { precheck: number; create: number; delete: number }> = {
  'mediapackage-channel': { precheck: 1, create: 1, delete: 2 },
  's3-bucket': { precheck: 1, create: 2, delete: 2 },
  'mediastore-container': { precheck: 2, create: 3, delete: 2 },
  'ssm-parameter': { precheck: 1, create: 1, delete: 1 },
  'mediapackagev2-channel-group': { precheck: 1, create: 1, delete: 2 },
  'mediapackagev2-channel': { precheck: 1, create: 3, delete: 1 },
  'medialive-channel': { precheck: 1, create: 3, delete: 1 },
};

/**
 * Kinds whose names are unique across Regions: a resource moved to another Region under the same name cannot be
 * made until the old one is deleted (S3: "bucket names are unique across all AWS accounts in all the AWS
 * Regions within a partition").
 */
export const namesAcrossRegions: ReadonlySet<ResourceKind> = new Set(['s3-bucket']);

const loaded = new Map<ResourceKind, Promise<KindHandler>>();

/** The handler of `kind`, its module loaded on first use. */
export function loadHandler(kind: ResourceKind): Promise<KindHandler> {
  let handler = loaded.get(kind);
  if (!handler) {
    handler = handlerLoaders[kind]();
    loaded.set(kind, handler);
    handler.catch(() => loaded.delete(kind));
  }
  return handler;
}

/** What a resource's calls need clients for: its kind, its Region and (a recorded one) what it recorded. */
interface ClientNeeds {
  kind: ResourceKind;
  region: string;
  outputs?: Record<string, unknown> | undefined;
}

/** Each client a resource's calls go through: a key (service, Region, endpoint) and how to ask for it. */
type ClientAsk = [key: string, ask: (clients: AwsClients) => unknown];

/**
 * The clients a kind's calls go through in its Region, and a recorded container's data plane (its endpoint is
 * the container's own: a container not yet made has none to build). A new kind adds one line here.
 */
const clientsOfKind: Record<ResourceKind, (needs: ClientNeeds) => ClientAsk[]> = {
  'mediapackage-channel': ({ region }) => [[`mediapackage/${region}`, (c) => c.mediaPackage(region)]],
  's3-bucket': ({ region }) => [[`s3/${region}`, (c) => c.s3(region)]],
  // A recorded container's data plane too (its items are listed before it is deleted): its client is the
  // endpoint's own, and the first of them was 20 ms of CPU in the midst of a destroy's pre-check.
  'mediastore-container': ({ region, outputs }) => {
    const endpoint = outputs?.endpoint;
    const dataPlane: ClientAsk[] =
      typeof endpoint === 'string'
        ? [[`mediastore-data/${region}/${endpoint}`, (c) => c.mediaStoreData(endpoint, region)]]
        : [];
    return [[`mediastore/${region}`, (c) => c.mediaStore(region)], ...dataPlane];
  },
  'ssm-parameter': ({ region }) => [[`ssm/${region}`, (c) => c.ssm(region)]],
  'mediapackagev2-channel-group': ({ region }) => [
    [`mediapackagev2/${region}`, (c) => c.mediaPackageV2(region)],
  ],
  'mediapackagev2-channel': ({ region }) => [[`mediapackagev2/${region}`, (c) => c.mediaPackageV2(region)]],
  'medialive-channel': ({ region }) => [
    [`medialive/${region}`, (c) => c.mediaLive(region)],
    [`ssm/${region}`, (c) => c.ssm(region)],
  ],
};

/**
 * Builds, now, the clients the resources' calls will go through, as loadHandlers loads their code: building
 * a client is a few milliseconds of CPU, and built at its first call it holds back, one service after another,
 * the first calls of the run's other services. Each is asked for once. A client that fails to build is left
 * for that first call to build again and report.
 */
export async function buildClients(clients: AwsClients, resources: Iterable<ClientNeeds>): Promise<void> {
  const building = new Map<string, Promise<unknown>>();
  for (const resource of resources) {
    for (const [key, ask] of clientsOfKind[resource.kind](resource)) {
      if (!building.has(key)) building.set(key, Promise.resolve(ask(clients)));
    }
  }
  await Promise.allSettled(building.values());
}

/**
 * Loads the code and builds the clients that calls on `resources` will need, one kind per turn of the event
 * loop, for a caller that waits on AWS meanwhile (the credentials pre-flight, once its request has left): a
 * kind's load is tens of ms of CPU, and between two of them that caller's answer can be read. The run that
 * follows finds them ready. Never rejects: what fails to load or build is loaded again, and reported, by the run.
 */
export async function prepareCalls(clients: AwsClients, resources: Iterable<ClientNeeds>): Promise<void> {
  const byKind = new Map<ResourceKind, ClientNeeds[]>();
  for (const resource of resources)
    byKind.set(resource.kind, [...(byKind.get(resource.kind) ?? []), resource]);
  for (const [kind, ofKind] of byKind) {
    await new Promise((resolve) => setImmediate(resolve));
    await loadHandler(kind).catch(() => undefined);
    await buildClients(clients, ofKind);
  }
}

/**
 * Loads the handlers of `kinds` (and their SDKs) now. A run loads what its plan needs before its first call:
 * loading a module is CPU work that would otherwise stall the calls in flight, one kind at a time, midway.
 */
export async function loadHandlers(kinds: Iterable<ResourceKind>): Promise<void> {
  await Promise.all([...new Set(kinds)].map((kind) => loadHandler(kind)));
}
