import {
  type Container,
  ContainerInUseException,
  ContainerNotFoundException,
  CreateContainerCommand,
  DeleteContainerCommand,
  DeleteContainerPolicyCommand,
  DescribeContainerCommand,
  GetContainerPolicyCommand,
  InternalServerError,
  LimitExceededException,
  ListTagsForResourceCommand,
  PolicyNotFoundException,
  PutContainerPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-mediastore';
import {
  ContainerNotFoundException as DataContainerNotFoundException,
  InternalServerError as DataInternalServerError,
  DeleteObjectCommand,
  ListItemsCommand,
  type ListItemsCommandOutput,
  ObjectNotFoundException,
} from '@aws-sdk/client-mediastore-data';
import type { StateResource } from '@mlds/core';
import { forEachLimit } from '../concurrency.js';
import { mediaStoreIngestUrl } from '../mediastore-url.js';
import { withStatements } from '../policy-statements.js';
import type { ModelledRetryable } from '../retry.js';
import {
  type Found,
  hasTags,
  isOurs,
  type KindHandler,
  mediaLiveRoleArnOf,
  type Observed,
  type Recorded,
  type Runtime,
  type Target,
  tagList,
  tagRecord,
  targetOf,
} from '../runtime.js';

// MediaStore answers its TPS limits with LimitExceededException.
const mediaStoreRetryable: ModelledRetryable = {
  throttled: [LimitExceededException],
  transient: [InternalServerError],
};
const mediaStoreDataRetryable: ModelledRetryable = { throttled: [], transient: [DataInternalServerError] };

// MediaStore's documented data-plane limits (ListItems 5, DeleteObject 100 per second) are kept by the run's
// shared limiter (rate-limit.ts), which every request passes.
const DELETES_IN_FLIGHT = 10;

export const MEDIALIVE_CONTAINER_SID = 'MldsMediaLiveWrite';
/** The statement a forced destroy adds before emptying, as for buckets: a running channel cannot refill it. */
export const DENY_CONTAINER_WRITES_SID = 'MldsDenyWritesWhileDestroying';

export function mediaLiveContainerPolicy(containerArn: string, roleArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: MEDIALIVE_CONTAINER_SID,
        Effect: 'Allow',
        Principal: { AWS: roleArn },
        Action: [
          'mediastore:PutObject',
          'mediastore:GetObject',
          'mediastore:DeleteObject',
          'mediastore:DescribeObject',
          'mediastore:ListItems',
        ],
        Resource: `${containerArn}/*`,
        Condition: { Bool: { 'aws:SecureTransport': 'true' } },
      },
    ],
  };
}

function recordedOf(container: Container): Recorded {
  return {
    ...(container.ARN ? { arn: container.ARN } : {}),
    ...(container.Endpoint
      ? { outputs: { endpoint: container.Endpoint, ingestUrl: mediaStoreIngestUrl(container.Endpoint) } }
      : {}),
  };
}

function endpointOf(recorded: Recorded): string | undefined {
  const endpoint = recorded.outputs?.endpoint;
  return typeof endpoint === 'string' ? endpoint : undefined;
}

async function describe(rt: Runtime, target: { address: string; name: string; region: string }) {
  const client = await rt.clients.mediaStore(target.region);
  try {
    const output = await rt.call(target.address, () =>
      client.send(new DescribeContainerCommand({ ContainerName: target.name })),
    );
    return output.Container;
  } catch (error) {
    if (error instanceof ContainerNotFoundException) return undefined;
    throw error;
  }
}

/** A new container is CREATING for a while; its endpoint exists only once it is ACTIVE. */
async function waitActive(rt: Runtime, target: Target): Promise<Container> {
  return rt.waitUntil(target.address, 'container ACTIVE', async () => {
    const container = await describe(rt, target);
    if (container?.Status === 'ACTIVE' && container.Endpoint) return { done: true, value: container };
    return { done: false, status: container?.Status ?? 'not found yet' };
  });
}

async function putPolicy(rt: Runtime, target: Target, container: Container): Promise<void> {
  const roleArn = mediaLiveRoleArnOf(target.properties);
  if (!roleArn || !container.ARN) return;
  const policy = JSON.stringify(mediaLiveContainerPolicy(container.ARN, roleArn));
  const client = await rt.clients.mediaStore(target.region);
  await rt.call(target.address, () =>
    client.send(new PutContainerPolicyCommand({ ContainerName: target.name, Policy: policy })),
  );
}

/** The role of the statement mlds writes, when it is there as mlds writes it; null otherwise. */
async function mediaLiveRoleOf(rt: Runtime, target: Target, containerArn: string): Promise<string | null> {
  const client = await rt.clients.mediaStore(target.region);
  let policy: string | undefined;
  try {
    const output = await rt.call(target.address, () =>
      client.send(new GetContainerPolicyCommand({ ContainerName: target.name })),
    );
    policy = output.Policy;
  } catch (error) {
    if (error instanceof PolicyNotFoundException) return null;
    throw error;
  }
  const statements =
    (JSON.parse(policy ?? '{}') as { Statement?: Record<string, unknown>[] }).Statement ?? [];
  const ours = statements.find((statement) => statement.Sid === MEDIALIVE_CONTAINER_SID);
  const principal = (ours?.Principal as { AWS?: unknown } | undefined)?.AWS;
  if (ours === undefined || typeof principal !== 'string') return null;
  const [expected] = mediaLiveContainerPolicy(containerArn, principal).Statement;
  return canonicalStatement(ours) === canonicalStatement(expected ?? {}) ? principal : null;
}

/** Keys sorted, action lists sorted: what IAM would read as the same statement. */
function canonicalStatement(statement: Record<string, unknown>): string {
  return JSON.stringify(statement, (_key, value: unknown) => {
    if (Array.isArray(value)) return [...value].sort();
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
    return value;
  });
}

export const mediaStoreContainerHandler: KindHandler = {
  retryable: [mediaStoreRetryable, mediaStoreDataRetryable],
  async find(rt, target): Promise<Found> {
    let container = await describe(rt, target);
    if (container?.Status === 'DELETING') {
      await rt.waitUntil(target.address, 'previous container deleted', async () =>
        (await describe(rt, target)) ? { done: false, status: 'DELETING' } : { done: true, value: undefined },
      );
      container = undefined;
    }
    if (!container) return { status: 'absent' };
    const arn = container.ARN;
    if (!arn) return { status: 'foreign' };
    const client = await rt.clients.mediaStore(target.region);
    const output = await rt.call(target.address, () =>
      client.send(new ListTagsForResourceCommand({ Resource: arn })),
    );
    const tags = tagRecord(output.Tags);
    if (!isOurs(tags, rt.workflow)) return { status: 'foreign', tags, arn };
    return { status: 'ours', tags, recorded: recordedOf(container) };
  },

  async create(rt, target) {
    const client = await rt.clients.mediaStore(target.region);
    try {
      await rt.call(target.address, () =>
        client.send(new CreateContainerCommand({ ContainerName: target.name, Tags: tagList(target.tags) })),
      );
    } catch (error) {
      if (error instanceof ContainerInUseException) return { exists: true };
      throw error;
    }
    const container = await waitActive(rt, target);
    await putPolicy(rt, target, container);
    return recordedOf(container);
  },

  async tagForImport(rt, target, found) {
    // A container still CREATING has no endpoint yet: the record after the tag must hold what MediaLive needs.
    await waitActive(rt, target);
    const arn = found.arn;
    if (!arn) throw new Error(`${target.address}: MediaStore described ${target.name} without its ARN`);
    const client = await rt.clients.mediaStore(target.region);
    await rt.call(target.address, () =>
      client.send(new TagResourceCommand({ Resource: arn, Tags: tagList(target.tags) })),
    );
  },

  async adopt(rt, target, found) {
    const container = await waitActive(rt, target);
    if (!hasTags(found.tags, target.tags) && container.ARN) {
      const arn = container.ARN;
      const client = await rt.clients.mediaStore(target.region);
      await rt.call(target.address, () =>
        client.send(new TagResourceCommand({ Resource: arn, Tags: tagList(target.tags) })),
      );
    }
    // With a role, putPolicy replaces the whole policy; without one, a deny left by a forced destroy that did
    // not finish would keep the channel from writing.
    if (mediaLiveRoleArnOf(target.properties)) await putPolicy(rt, target, container);
    else await allowContainerWritesAgain(rt, target);
    return recordedOf(container);
  },

  async observe(rt, resource): Promise<Observed> {
    const target = targetOf(resource);
    const container = await describe(rt, target);
    if (!container || container.Status === 'DELETING') return { exists: false };
    const arn = container.ARN;
    if (!arn) return { exists: true, tags: {}, settings: {} };
    const client = await rt.clients.mediaStore(target.region);
    try {
      const [tagged, mediaLiveRoleArn] = await Promise.all([
        rt.call(target.address, () => client.send(new ListTagsForResourceCommand({ Resource: arn }))),
        mediaLiveRoleOf(rt, target, arn),
      ]);
      return { exists: true, tags: tagRecord(tagged.Tags), settings: { mediaLiveRoleArn } };
    } catch (error) {
      if (error instanceof ContainerNotFoundException) return { exists: false };
      throw error;
    }
  },

  async importSettings(rt, target, found) {
    // No role, no policy mlds writes: nothing else to compare.
    if (!mediaLiveRoleArnOf(target.properties) || !found.arn) return {};
    return { mediaLiveRoleArn: await mediaLiveRoleOf(rt, target, found.arn) };
  },

  // The role's statement added to the container's policy, its other statements kept.
  async settleForImport(rt, target, found, settings) {
    const roleArn = mediaLiveRoleArnOf(target.properties);
    if (!settings.includes('policy') || !roleArn || !found.arn) return {};
    const { statements, version } = await readContainerPolicy(rt, target);
    const policy = withStatements(
      JSON.stringify({ Version: version, Statement: statements }),
      mediaLiveContainerPolicy(found.arn, roleArn).Statement,
    );
    const client = await rt.clients.mediaStore(target.region);
    await rt.call(target.address, () =>
      client.send(new PutContainerPolicyCommand({ ContainerName: target.name, Policy: policy })),
    );
    return {};
  },

  async update(rt, target, current, changes) {
    const client = await rt.clients.mediaStore(target.region);
    const container = await waitActive(rt, target);
    const arn = container.ARN;
    if (arn) {
      const removed = Object.keys(current.tags ?? {}).filter((key) => !(key in target.tags));
      if (removed.length > 0) {
        await rt.call(target.address, () =>
          client.send(new UntagResourceCommand({ Resource: arn, TagKeys: removed })),
        );
      }
      // `tags` also when a refresh found tags mlds set changed outside it.
      if (changes.includes('tags') || !hasTags(current.tags ?? {}, target.tags)) {
        await rt.call(target.address, () =>
          client.send(new TagResourceCommand({ Resource: arn, Tags: tagList(target.tags) })),
        );
      }
    }
    const roleArn = mediaLiveRoleArnOf(target.properties);
    const roleChanged = roleArn !== mediaLiveRoleArnOf(current.properties ?? {});
    if (roleChanged || changes.includes('policy')) {
      if (roleArn) await putPolicy(rt, target, container);
      else if (roleChanged) {
        await rt.call(target.address, () =>
          client.send(new DeleteContainerPolicyCommand({ ContainerName: target.name })),
        );
      }
    }
    return recordedOf(container);
  },

  async inspect(rt, resource, found) {
    // `find` has just described it: its endpoint is in what it recorded.
    let endpoint: string | undefined;
    if (found) endpoint = endpointOf(found.recorded);
    else {
      const container = await describe(rt, resource);
      if (!container) return { gone: true };
      endpoint = container.Endpoint;
    }
    const learned = { kind: 'mediastore-container' as const, endpoint };
    if (!endpoint) return { gone: false, learned };
    const data = await rt.clients.mediaStoreData(endpoint, resource.region);
    const page = await rt.call(resource.address, () => data.send(new ListItemsCommand({ MaxResults: 1 })));
    return (page.Items?.length ?? 0) > 0
      ? { gone: false, blocker: 'the container holds objects', learned }
      : { gone: false, learned };
  },

  async delete(rt, resource, { force, seen }) {
    const client = await rt.clients.mediaStore(resource.region);
    let endpoint: string | undefined;
    let arn: string | undefined;
    if (seen) {
      endpoint =
        seen.learned?.kind === 'mediastore-container'
          ? seen.learned.endpoint
          : endpointOf(seen.found.recorded);
      arn = seen.found.recorded.arn;
    } else {
      const container = await describe(rt, resource);
      if (!container) return;
      endpoint = container.Endpoint;
      arn = container.ARN;
    }
    if (force && endpoint) {
      await denyContainerWrites(rt, resource, arn);
      await emptyContainer(rt, resource, endpoint);
    }
    // Answered while the container is still CREATING, or while deleted objects are still counted.
    const stillInUse = (error: unknown) =>
      error instanceof ContainerInUseException ? 'not yet deletable (ContainerInUseException)' : undefined;
    try {
      await rt.call(
        resource.address,
        () => client.send(new DeleteContainerCommand({ ContainerName: resource.name })),
        stillInUse,
      );
    } catch (error) {
      if (error instanceof ContainerNotFoundException) return;
      throw error;
    }
    await rt.waitUntil(resource.address, 'container deleted', async () => {
      const current = await describe(rt, resource);
      return current ? { done: false, status: current.Status ?? 'listed' } : { done: true, value: undefined };
    });
  },
};

/** Removes the deny a forced destroy adds, keeping every other statement. */
async function allowContainerWritesAgain(rt: Runtime, target: Target): Promise<void> {
  const { statements, version } = await readContainerPolicy(rt, target);
  const kept = statements.filter((statement) => statement.Sid !== DENY_CONTAINER_WRITES_SID);
  if (kept.length === statements.length) return;
  const client = await rt.clients.mediaStore(target.region);
  if (kept.length === 0) {
    await rt.call(target.address, () =>
      client.send(new DeleteContainerPolicyCommand({ ContainerName: target.name })),
    );
    return;
  }
  const policy = JSON.stringify({ Version: version, Statement: kept });
  await rt.call(target.address, () =>
    client.send(new PutContainerPolicyCommand({ ContainerName: target.name, Policy: policy })),
  );
}

/** The container policy's statements; none when it has no policy. */
async function readContainerPolicy(
  rt: Runtime,
  resource: { address: string; name: string; region: string },
): Promise<{ statements: Array<Record<string, unknown>>; version: string }> {
  const client = await rt.clients.mediaStore(resource.region);
  let statements: Array<Record<string, unknown>> = [];
  let version = '2012-10-17';
  try {
    const current = await rt.call(resource.address, () =>
      client.send(new GetContainerPolicyCommand({ ContainerName: resource.name })),
    );
    const parsed: unknown = current?.Policy ? JSON.parse(current.Policy) : undefined;
    if (typeof parsed === 'object' && parsed !== null) {
      const document = parsed as { Version?: unknown; Statement?: unknown };
      if (typeof document.Version === 'string') version = document.Version;
      if (Array.isArray(document.Statement)) statements = document.Statement;
      else if (typeof document.Statement === 'object' && document.Statement !== null)
        statements = [document.Statement as Record<string, unknown>];
    }
  } catch (error) {
    if (!(error instanceof PolicyNotFoundException)) throw error;
  }
  return { statements, version };
}

/**
 * Adds a Deny on mediastore:PutObject for everyone to the container policy, keeping its other statements, so that
 * a channel still writing cannot refill the container while it is emptied.
 */
async function denyContainerWrites(
  rt: Runtime,
  resource: StateResource,
  arn: string | undefined,
): Promise<void> {
  if (!arn) return;
  const client = await rt.clients.mediaStore(resource.region);
  const { statements, version } = await readContainerPolicy(rt, resource);
  if (statements.some((statement) => statement.Sid === DENY_CONTAINER_WRITES_SID)) return;
  const policy = JSON.stringify({
    Version: version,
    Statement: [
      ...statements,
      {
        Sid: DENY_CONTAINER_WRITES_SID,
        Effect: 'Deny',
        Principal: '*',
        Action: 'mediastore:PutObject',
        Resource: `${arn}/*`,
      },
    ],
  });
  await rt.call(resource.address, () =>
    client.send(new PutContainerPolicyCommand({ ContainerName: resource.name, Policy: policy })),
  );
}

/** Recursive ListItems (folder by folder) and DeleteObject per object, under the data plane's TPS limits. */
async function emptyContainer(rt: Runtime, resource: StateResource, endpoint: string): Promise<void> {
  const data = await rt.clients.mediaStoreData(endpoint, resource.region);
  let deleted = 0;
  const folders = [''];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    const path = folder;
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      let page: ListItemsCommandOutput;
      try {
        page = await rt.call(resource.address, () =>
          data.send(
            new ListItemsCommand({
              ...(path === '' ? {} : { Path: path }),
              ...(token === undefined ? {} : { NextToken: token }),
            }),
          ),
        );
      } catch (error) {
        if (error instanceof DataContainerNotFoundException) return;
        throw error;
      }
      const items = page.Items ?? [];
      const objects = items.filter((item) => item.Type === 'OBJECT' && item.Name);
      for (const item of items)
        if (item.Type === 'FOLDER' && item.Name) folders.push(joinPath(path, item.Name));
      await forEachLimit(objects, DELETES_IN_FLIGHT, async (item) => {
        const objectPath = joinPath(path, item.Name ?? '');
        try {
          await rt.call(resource.address, () => data.send(new DeleteObjectCommand({ Path: objectPath })));
          deleted++;
        } catch (error) {
          if (!(error instanceof ObjectNotFoundException)) throw error;
        }
      });
      nextToken = page.NextToken;
    } while (nextToken);
  }
  if (deleted > 0) rt.progress(resource.address, `deleted ${deleted} object(s)`);
}

function joinPath(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}
