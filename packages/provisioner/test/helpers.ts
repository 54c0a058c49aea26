import { MediaLiveClient } from '@aws-sdk/client-medialive';
import { MediaPackageClient } from '@aws-sdk/client-mediapackage';
import { MediaPackageV2Client } from '@aws-sdk/client-mediapackagev2';
import { MediaStoreClient } from '@aws-sdk/client-mediastore';
import { MediaStoreDataClient } from '@aws-sdk/client-mediastore-data';
import {
  GetBucketEncryptionCommand,
  GetPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  normalizeWorkflow,
  type Observation,
  type Plan,
  planWorkflow,
  type ResourceChange,
  type StateDocument,
  type WorkflowInput,
} from '@mlds/core';
import { aWorkflow, DEFAULT_PUBLIC_ACCESS_BLOCK, type Inventory, seedWorkflow } from '@mlds/fixtures';
import { mockClient } from 'aws-sdk-client-mock';
import { type AwsClients, createAwsClients, type SdkLoaders, sdkLoaders } from '../src/clients.js';
import type { EngineEvent } from '../src/events.js';
import { serviceNameOf } from '../src/rate-limit.js';
import type { Lock, StateStore } from '../src/state-store.js';

export const WORKFLOW = 'curling-live';
export const REGION = 'us-west-2';
export const ROLE = 'arn:aws:iam::111122223333:role/MediaLiveAccessRole';

/** A plan from the real planner. */
export function planOf(
  input: Partial<WorkflowInput> = {},
  state?: StateDocument,
  observations?: Observation[],
): Plan {
  return planWorkflow(normalizeWorkflow(aWorkflow(input)), {
    ...(state ? { state } : {}),
    ...(observations ? { observations } : {}),
  });
}

export function tagsOf(downstream: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, 'mlds:workflow': WORKFLOW, 'mlds:downstream': downstream };
}

/**
 * A workflow of every kind the provisioner makes in one account: a MediaPackage channel and its two passwords,
 * two buckets, two containers, an HTTP PUT password (`WEB_PASSWORD`).
 */
export function everyKindWorkflow(overrides: Partial<WorkflowInput> = {}): Partial<WorkflowInput> {
  const seed = seedWorkflow();
  return {
    ...seed,
    downstream: [
      { name: 'packager', system: 'mediapackage', format: 'hls', outputGroup: 'hls' },
      ...seed.downstream.slice(1),
      { name: 'store', system: 'mediastore' },
      {
        name: 'web',
        system: 'http-put',
        urls: ['https://ingest-a.example-cdn.com/live/index', 'https://ingest-b.example-cdn.com/live/index'],
        username: 'ingest',
        password: { env: 'WEB_PASSWORD' },
      },
    ],
    ...overrides,
  };
}

/** The resources of `everyKindWorkflow()`. */
export const EVERY_KIND_RESOURCES = 8;

/** The fake cloud's inventory of an account with nothing in it: what a destroy of everything leaves. */
export function emptyAccount(): Inventory {
  return { s3: [], mediapackage: [], mediapackagev2: [], mediastore: [], ssm: [], medialive: [] };
}

/** A hand-built plan for the engine's own tests (the planner never makes cycles or odd graphs). */
export function handPlan(resources: ResourceChange[]): Plan {
  return {
    formatVersion: 1,
    workflow: WORKFLOW,
    region: REGION,
    channelClass: 'STANDARD',
    pipelines: 2,
    outputGroups: [],
    resources,
    destinations: [],
    diagnostics: [],
  };
}

export function aChange(
  overrides: Partial<ResourceChange> & Pick<ResourceChange, 'address' | 'kind' | 'name'>,
): ResourceChange {
  return {
    action: 'create',
    region: REGION,
    pipeline: null,
    downstream: overrides.address.split('.')[0] ?? 'x',
    tags: tagsOf(overrides.address.split('.')[0] ?? 'x'),
    properties: {},
    dependsOn: [],
    ...overrides,
  } as ResourceChange;
}

/** What refresh reads of a hand-built state whose every entry is one core's `refreshTargets` would choose. */
export function everyEntry(state: StateDocument): {
  state: StateDocument;
  resources: StateDocument['resources'];
} {
  return { state, resources: state.resources };
}

/** Virtual time: sleeping moves the clock, never the wall clock. */
export function virtualTime(start = 1_700_000_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
    random: () => 0.5,
  };
}

/** Every write kept, so a test can see the intent written before a call. */
export class MemoryStateStore implements StateStore {
  writes: StateDocument[] = [];
  locks: string[] = [];
  released = 0;

  constructor(public doc?: StateDocument) {}

  async lock(command: string): Promise<Lock> {
    this.locks.push(command);
    return {
      info: { id: 'test-lock', host: 'test', pid: 1, acquiredAt: new Date(0).toISOString(), command },
      release: async () => {
        this.released++;
      },
    };
  }

  async read(): Promise<StateDocument | undefined> {
    return this.doc ? structuredClone(this.doc) : undefined;
  }

  async write(doc: StateDocument): Promise<void> {
    this.doc = structuredClone(doc);
    this.writes.push(structuredClone(doc));
  }
}

/** Per-instance mocks of real SDK clients, one per service (one Region, one container endpoint). */
export function mockedClients() {
  const clients = {
    mediaPackage: new MediaPackageClient({ region: REGION }),
    mediaPackageV2: new MediaPackageV2Client({ region: REGION }),
    s3: new S3Client({ region: REGION }),
    mediaStore: new MediaStoreClient({ region: REGION }),
    mediaStoreData: new MediaStoreDataClient({
      region: REGION,
      endpoint: 'https://abc.data.mediastore.example',
    }),
    ssm: new SSMClient({ region: REGION }),
    mediaLive: new MediaLiveClient({ region: REGION }),
  };
  const mocks = {
    mediaPackage: mockClient(clients.mediaPackage),
    // 3.699.0 (the only version served) is typed against @smithy/types 3, the mock against 4: same shapes.
    mediaPackageV2: mockClient(clients.mediaPackageV2 as unknown as MediaPackageClient),
    s3: mockClient(clients.s3),
    mediaStore: mockClient(clients.mediaStore),
    mediaStoreData: mockClient(clients.mediaStoreData),
    ssm: mockClient(clients.ssm),
    mediaLive: mockClient(clients.mediaLive),
  };
  const requested: { service: string; region: string; endpoint?: string }[] = [];
  const aws: AwsClients = {
    mediaPackage: (region) => {
      requested.push({ service: 'mediapackage', region });
      return clients.mediaPackage;
    },
    mediaPackageV2: (region) => {
      requested.push({ service: 'mediapackagev2', region });
      return clients.mediaPackageV2;
    },
    s3: (region) => {
      requested.push({ service: 's3', region });
      return clients.s3;
    },
    mediaStore: (region) => {
      requested.push({ service: 'mediastore', region });
      return clients.mediaStore;
    },
    mediaStoreData: (endpoint, region) => {
      requested.push({ service: 'mediastore-data', region, endpoint });
      return clients.mediaStoreData;
    },
    ssm: (region) => {
      requested.push({ service: 'ssm', region });
      return clients.ssm;
    },
    mediaLive: (region) => {
      requested.push({ service: 'medialive', region });
      return clients.mediaLive;
    },
  };
  return { aws, mocks, requested };
}

/** The real client factory, with each SDK package's loader recording, in `loaded`, that it ran. */
export function recordingClientFactory() {
  const loaded: string[] = [];
  const loaders = Object.fromEntries(
    Object.entries(sdkLoaders).map(([service, load]) => [
      service,
      () => {
        loaded.push(service);
        return load();
      },
    ]),
  ) as SdkLoaders;
  return { clients: createAwsClients({}, loaders), loaded };
}

export function collectEvents() {
  const events: EngineEvent[] = [];
  return { events, onEvent: (event: EngineEvent) => events.push(event) };
}

/**
 * Mock answers that stay in flight until the event loop turns, counting the calls in flight together: `most` is
 * how many were asked at once (1 when each waited for the one before). `answer(value)` is a `callsFake`.
 */
export function inFlight() {
  let now = 0;
  let most = 0;
  return {
    get most() {
      return most;
    },
    answer<T>(value: T | Error): () => Promise<T> {
      return async () => {
        now++;
        most = Math.max(most, now);
        await new Promise((resolve) => setImmediate(resolve));
        now--;
        if (value instanceof Error) throw value;
        return value;
      };
    },
  };
}

/** `$metadata` as the SDK puts it on errors. */
export function meta(httpStatusCode: number) {
  return { httpStatusCode, attempts: 1, totalRetryDelay: 0 };
}

/** S3's answer to GetBucketOwnershipControls on a bucket that has none (its ACLs enabled). */
export function noOwnershipControls(): S3ServiceException {
  return new S3ServiceException({
    name: 'OwnershipControlsNotFoundError',
    $fault: 'client',
    $metadata: meta(404),
    message: 'The bucket ownership controls were not found',
  });
}

/** The S3 mock answers a bucket's public access block and encryption as apply makes them: all four on, SSE-S3. */
export function answerBucketSettingsAsMade(s3: ReturnType<typeof mockedClients>['mocks']['s3']): void {
  s3.on(GetPublicAccessBlockCommand).resolves({
    PublicAccessBlockConfiguration: DEFAULT_PUBLIC_ACCESS_BLOCK,
  });
  s3.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    },
  });
}

export interface Sent {
  service: string;
  region: string;
  operation: string;
  at: number;
}

/** The fake's clients, recording when each request is sent (after the engine's limiter let it through). */
export function recording(clients: AwsClients, clock: () => number, sent: Sent[]): AwsClients {
  return new Proxy(clients, {
    get: (target, property) => {
      const build = Reflect.get(target, property, target);
      if (typeof build !== 'function') return build;
      return (...args: unknown[]) => {
        const client = build.apply(target, args) as {
          send: (command: object) => Promise<unknown>;
          config: { serviceId: string };
        };
        return new Proxy(client, {
          get: (inner, key) => {
            if (key !== 'send') return Reflect.get(inner, key, inner);
            return (command: object) => {
              sent.push({
                service: serviceNameOf(client.config.serviceId),
                region: String(args[args.length - 1]),
                operation: command.constructor.name.replace(/Command$/, ''),
                at: clock(),
              });
              return inner.send(command);
            };
          },
        });
      };
    },
  });
}
