import {
  type Container,
  ContainerInUseException,
  ContainerNotFoundException,
  CreateContainerCommand,
  DeleteContainerCommand,
  DeleteContainerPolicyCommand,
  DescribeContainerCommand,
  InternalServerError,
  LimitExceededException,
  ListTagsForResourceCommand,
  PutContainerPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-mediastore';
import {
  InternalServerError as DataInternalServerError,
  ListItemsCommand,
} from '@aws-sdk/client-mediastore-data';
import type { StateResource } from '@mlds/core';
import { mediaStoreIngestUrl } from '../mediastore-url.js';
import { withStatements } from '../policy-statements.js';
import type { ModelledRetryable } from '../retry.js';
import {
  type Found,
  type Inspection,
  isOurs,
  type KindHandler,
  mediaLiveRoleArnOf,
  type Observed,
  type Precheck,
  type Recorded,
  type Runtime,
  type Target,
  tagList,
  tagRecord,
  targetOf,
} from '../runtime.js';
import { type ArnTagCalls, addTags, tagImported, updateTags } from './arn-tags.js';
import {
  mediaLiveContainerPolicy,
  mediaLiveRoleOf,
  putPolicy,
  readContainerPolicy,
} from './mediastore-container-policy.js';
import {
  allowContainerWritesAgain,
  denyContainerWrites,
  emptyContainer,
} from './mediastore-empty-container.js';

// A MediaStore container, the MediaLive role's policy on it, and (for a forced destroy) its emptying.

export { MEDIALIVE_CONTAINER_SID, mediaLiveContainerPolicy } from './mediastore-container-policy.js';
export { DENY_CONTAINER_WRITES_SID } from './mediastore-empty-container.js';

// MediaStore answers its TPS limits with LimitExceededException.
const mediaStoreRetryable: ModelledRetryable = {
  throttled: [LimitExceededException],
  transient: [InternalServerError],
};
const mediaStoreDataRetryable: ModelledRetryable = { throttled: [], transient: [DataInternalServerError] };

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

/** The container as DescribeContainer answers, once a previous one being deleted is gone (then undefined). */
async function describeUnlessDeleting(rt: Runtime, target: Target): Promise<Container | undefined> {
  const container = await describe(rt, target);
  if (container?.Status !== 'DELETING') return container;
  await rt.waitUntil(target.address, 'previous container deleted', async () =>
    (await describe(rt, target)) ? { done: false, status: 'DELETING' } : { done: true, value: undefined },
  );
  return undefined;
}

/** `find`'s answer for a described container (undefined: none): ours by the tags read with its ARN. */
async function foundByContainerTags(
  rt: Runtime,
  target: Target,
  container: Container | undefined,
): Promise<Found> {
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
}

/** What would stop the delete: an item in the container, listed at its data endpoint (none yet: nothing). */
async function inspectAt(
  rt: Runtime,
  resource: StateResource,
  endpoint: string | undefined,
): Promise<Inspection> {
  const learned = { kind: 'mediastore-container' as const, endpoint };
  if (!endpoint) return { gone: false, learned };
  const data = await rt.clients.mediaStoreData(endpoint, resource.region);
  const page = await rt.call(resource.address, () => data.send(new ListItemsCommand({ MaxResults: 1 })));
  return (page.Items?.length ?? 0) > 0
    ? { gone: false, blocker: 'the container holds objects', learned }
    : { gone: false, learned };
}

const mediaStoreTags: ArnTagCalls = {
  service: 'MediaStore',
  async tag(rt, target, arn) {
    const client = await rt.clients.mediaStore(target.region);
    await rt.call(target.address, () =>
      client.send(new TagResourceCommand({ Resource: arn, Tags: tagList(target.tags) })),
    );
  },
  async untag(rt, target, arn, keys) {
    const client = await rt.clients.mediaStore(target.region);
    await rt.call(target.address, () =>
      client.send(new UntagResourceCommand({ Resource: arn, TagKeys: keys })),
    );
  },
};

export const mediaStoreContainerHandler: KindHandler = {
  retryable: [mediaStoreRetryable, mediaStoreDataRetryable],
  async find(rt, target): Promise<Found> {
    return foundByContainerTags(rt, target, await describeUnlessDeleting(rt, target));
  },

  async precheck(rt, resource): Promise<Precheck> {
    const target = targetOf(resource);
    const container = await describeUnlessDeleting(rt, target);
    // Its tags and its items both need only what the describe answered: asked at once.
    const [found, inspection] = await Promise.allSettled([
      foundByContainerTags(rt, target, container),
      inspectAt(rt, resource, container?.Endpoint),
    ]);
    if (found.status === 'rejected') throw found.reason;
    if (found.value.status !== 'ours') return { found: found.value };
    if (inspection.status === 'rejected') throw inspection.reason;
    return { found: found.value, inspection: inspection.value };
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
    await tagImported(mediaStoreTags, rt, target, found.arn);
  },

  async adopt(rt, target, found) {
    const container = await waitActive(rt, target);
    await addTags(mediaStoreTags, rt, target, container.ARN, found.tags);
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
    // On the ARN the container has now, which is the one the state records unless it was made again.
    if (container.ARN)
      await updateTags(mediaStoreTags, rt, target, { ...current, arn: container.ARN }, changes);
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
    if (found) return inspectAt(rt, resource, endpointOf(found.recorded));
    const container = await describe(rt, resource);
    if (!container) return { gone: true };
    return inspectAt(rt, resource, container.Endpoint);
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
