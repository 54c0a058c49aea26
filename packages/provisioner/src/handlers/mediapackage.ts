import {
  CreateChannelCommand,
  DeleteChannelCommand,
  DeleteOriginEndpointCommand,
  DescribeChannelCommand,
  type DescribeChannelCommandOutput,
  type HlsIngest,
  InternalServerErrorException,
  ListOriginEndpointsCommand,
  NotFoundException,
  ServiceUnavailableException,
  TagResourceCommand,
  TooManyRequestsException,
  UnprocessableEntityException,
  UntagResourceCommand,
} from '@aws-sdk/client-mediapackage';
import type { StateResource } from '@mlds/core';
import { forEachLimit } from '../concurrency.js';
import { ExistingResourceNotFoundError } from '../errors.js';
import type { ModelledRetryable } from '../retry.js';
import {
  type Found,
  type Inspection,
  type KindHandler,
  type Observed,
  type Precheck,
  type Recorded,
  type Runtime,
  type Target,
  targetOf,
} from '../runtime.js';
import { type ArnTagCalls, addTags, tagImported, updateTags } from './arn-tags.js';
import {
  channelPrecheck,
  describedOrAbsent,
  endpointsForDelete,
  foundByTags,
  namesOnAllPages,
  originEndpointsBlocker,
  originEndpointsRefusal,
  originEndpointsText,
} from './mediapackage-reads.js';

export const mediaPackageRetryable: ModelledRetryable = {
  throttled: [TooManyRequestsException],
  transient: [ServiceUnavailableException, InternalServerErrorException],
};

export interface IngestEndpointOutput {
  id: string;
  url: string;
  username: string;
}

/**
 * Records what MediaLive needs (url, username per pipeline) and hands the passwords to the vault, which is the
 * only place they live until PutParameter.
 */
function recordIngest(
  rt: Runtime,
  address: string,
  hlsIngest: HlsIngest | undefined,
): IngestEndpointOutput[] {
  rt.secrets.setIngestPasswords(
    address,
    (hlsIngest?.IngestEndpoints ?? []).map((endpoint) => endpoint.Password),
  );
  return endpointsOf(hlsIngest);
}

/** What the state records of a channel's ingest endpoints: never a password. */
function endpointsOf(hlsIngest: HlsIngest | undefined): IngestEndpointOutput[] {
  return (hlsIngest?.IngestEndpoints ?? []).map((endpoint) => ({
    id: endpoint.Id ?? '',
    url: endpoint.Url ?? '',
    username: endpoint.Username ?? '',
  }));
}

async function describe(rt: Runtime, target: { address: string; name: string; region: string }) {
  const client = await rt.clients.mediaPackage(target.region);
  return describedOrAbsent(
    () => rt.call(target.address, () => client.send(new DescribeChannelCommand({ Id: target.name }))),
    (error) => error instanceof NotFoundException,
  );
}

/**
 * DescribeChannel once per channel for the run, its ingest passwords known to the vault: the refresh's read of the
 * channel and of both its parameters share it. Undefined when the channel is gone.
 */
function describeOnce(rt: Runtime, channel: { address: string; name: string; region: string }) {
  return rt.secrets.once(`ingest:${channel.address}`, async () => {
    const output = await describe(rt, channel);
    if (output) recordIngest(rt, channel.address, output.HlsIngest);
    return output;
  });
}

/** The ingest passwords of a channel, read again (DescribeChannel returns them) when this run did not see them. */
export async function ingestPasswords(rt: Runtime, channel: Target): Promise<void> {
  const output = await describeOnce(rt, channel);
  if (!output) throw new ExistingResourceNotFoundError(channel.address, channel.name, channel.region);
}

async function listOriginEndpointIds(rt: Runtime, resource: StateResource): Promise<string[]> {
  const client = await rt.clients.mediaPackage(resource.region);
  return namesOnAllPages(
    (token) =>
      rt.call(resource.address, () =>
        client.send(
          new ListOriginEndpointsCommand({
            ChannelId: resource.name,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        ),
      ),
    (page) => (page.OriginEndpoints ?? []).map((endpoint) => endpoint.Id),
  );
}

const mediaPackageTags: ArnTagCalls = {
  service: 'MediaPackage',
  async tag(rt, target, arn) {
    const client = await rt.clients.mediaPackage(target.region);
    await rt.call(target.address, () =>
      client.send(new TagResourceCommand({ ResourceArn: arn, Tags: target.tags })),
    );
  },
  async untag(rt, target, arn, keys) {
    const client = await rt.clients.mediaPackage(target.region);
    await rt.call(target.address, () =>
      client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: keys })),
    );
  },
};

/** `find`'s answer for what DescribeChannel said (undefined: not found). */
function foundByDescribe(
  rt: Runtime,
  target: Target,
  output: DescribeChannelCommandOutput | undefined,
): Found {
  if (!output) return { status: 'absent' };
  return foundByTags(rt.workflow, output, () => ({
    ...(output.Arn ? { arn: output.Arn } : {}),
    outputs: { ingestEndpoints: recordIngest(rt, target.address, output.HlsIngest) },
  }));
}

/** What the channel's origin endpoints mean for its delete: each one blocks it without --force. */
function inspectionOf(endpoints: string[]): Inspection {
  const learned = { kind: 'mediapackage-channel' as const, originEndpointIds: endpoints };
  return endpoints.length > 0
    ? { gone: false, blocker: originEndpointsBlocker(endpoints), learned }
    : { gone: false, learned };
}

export const mediaPackageChannelHandler: KindHandler = {
  retryable: [mediaPackageRetryable],
  async find(rt, target): Promise<Found> {
    return foundByDescribe(rt, target, await describe(rt, target));
  },

  async precheck(rt, resource): Promise<Precheck> {
    const target = targetOf(resource);
    return channelPrecheck({
      describe: () => describe(rt, target),
      listEndpoints: () => listOriginEndpointIds(rt, resource),
      found: (described) => foundByDescribe(rt, target, described),
      inspection: inspectionOf,
      notFound: (error) => error instanceof NotFoundException,
    });
  },

  async create(rt, target) {
    const client = await rt.clients.mediaPackage(target.region);
    try {
      const output = await rt.call(target.address, () =>
        client.send(
          new CreateChannelCommand({
            Id: target.name,
            Description: `mlds workflow ${rt.workflow}, downstream ${target.downstream}`,
            Tags: target.tags,
          }),
        ),
      );
      return {
        ...(output.Arn ? { arn: output.Arn } : {}),
        outputs: { ingestEndpoints: recordIngest(rt, target.address, output.HlsIngest) },
      };
    } catch (error) {
      // v1 has no ConflictException: a taken id is a 422, like any other invalid request.
      if (error instanceof UnprocessableEntityException && (await describe(rt, target)))
        return { exists: true };
      throw error;
    }
  },

  async adopt(rt, target, found) {
    await addTags(mediaPackageTags, rt, target, found.recorded.arn, found.tags);
    return found.recorded;
  },

  async tagForImport(rt, target, found) {
    await tagImported(mediaPackageTags, rt, target, found.arn);
  },

  async read(rt, target): Promise<Recorded> {
    const output = await describeOnce(rt, target);
    if (!output) {
      throw new ExistingResourceNotFoundError(target.address, target.name, target.region, {
        missing: `does not exist in ${target.region}; check channelId (and the entry's region) in the workflow file, or create the channel`,
      });
    }
    return {
      ...(output.Arn ? { arn: output.Arn } : {}),
      outputs: { ingestEndpoints: recordIngest(rt, target.address, output.HlsIngest) },
    };
  },

  async observe(rt, resource): Promise<Observed> {
    // DescribeChannel answers with the ingest passwords: known to the vault (for redaction, and for the
    // parameters' comparison), kept nowhere else. The endpoints' URLs and user names are compared with the state's.
    const output = await describeOnce(rt, resource);
    if (!output) return { exists: false };
    const ingestEndpoints = endpointsOf(output.HlsIngest);
    return {
      exists: true,
      tags: { ...(output.Tags ?? {}) },
      settings: ingestEndpoints.length === 0 ? {} : { ingestEndpoints },
    };
  },

  async update(rt, target, current, changes) {
    await updateTags(mediaPackageTags, rt, target, current, changes);
    const arn = current.arn;
    // Endpoints changed outside mlds (a rotation, the channel made again): the state records what they are now.
    const fresh = changes.includes('ingestEndpoints') ? await describe(rt, target) : undefined;
    const outputs = fresh
      ? { ...current.outputs, ingestEndpoints: recordIngest(rt, target.address, fresh.HlsIngest) }
      : current.outputs;
    return {
      ...(arn ? { arn } : {}),
      ...(current.id ? { id: current.id } : {}),
      ...(outputs ? { outputs } : {}),
    };
  },

  async inspect(rt, resource, found) {
    // `find` has just described it: only the origin endpoints are new.
    if (!found && !(await describe(rt, resource))) return { gone: true };
    let endpoints: string[];
    try {
      endpoints = await listOriginEndpointIds(rt, resource);
    } catch (error) {
      if (error instanceof NotFoundException) return { gone: true };
      throw error;
    }
    return inspectionOf(endpoints);
  },

  async delete(rt, resource, { force, seen }) {
    const client = await rt.clients.mediaPackage(resource.region);
    const learned = seen?.learned?.kind === 'mediapackage-channel' ? seen.learned : undefined;
    const endpoints = await endpointsForDelete(
      learned?.originEndpointIds,
      () => listOriginEndpointIds(rt, resource),
      (error) => error instanceof NotFoundException,
    );
    if (endpoints === undefined) return;
    if (endpoints.length > 0 && !force) throw originEndpointsRefusal(resource, endpoints);
    await forEachLimit(endpoints, 2, async (id) => {
      try {
        await rt.call(resource.address, () => client.send(new DeleteOriginEndpointCommand({ Id: id })));
      } catch (error) {
        if (!(error instanceof NotFoundException)) throw error;
      }
    });
    if (endpoints.length > 0) rt.progress(resource.address, `deleted ${originEndpointsText(endpoints)}`);
    // Just after its origin endpoints are deleted, the channel may still count them for a moment.
    const endpointsStillCounted = (error: unknown) =>
      endpoints.length > 0 && error instanceof UnprocessableEntityException
        ? 'not yet consistent (origin endpoints still being deleted)'
        : undefined;
    try {
      await rt.call(
        resource.address,
        () => client.send(new DeleteChannelCommand({ Id: resource.name })),
        endpointsStillCounted,
      );
    } catch (error) {
      if (error instanceof NotFoundException) return;
      // The pre-check's list is a moment old: an endpoint added since refuses the delete; say so plainly.
      if (learned && !force && error instanceof UnprocessableEntityException) {
        const now = await listOriginEndpointIds(rt, resource);
        if (now.length > 0) throw originEndpointsRefusal(resource, now);
      }
      throw error;
    }
    // DeleteChannel answers 202: the deletion runs on.
    await rt.waitUntil(resource.address, 'channel deleted', async () =>
      (await describe(rt, resource))
        ? { done: false, status: 'still described' }
        : { done: true, value: undefined },
    );
  },
};
