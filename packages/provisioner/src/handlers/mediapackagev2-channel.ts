import {
  ConflictException,
  CreateChannelCommand,
  DeleteChannelCommand,
  DeleteOriginEndpointCommand,
  type GetChannelCommandOutput,
  GetChannelPolicyCommand,
  type IngestEndpoint,
  ListOriginEndpointsCommand,
  PutChannelPolicyCommand,
  ServiceQuotaExceededException,
} from '@aws-sdk/client-mediapackagev2';
import type { StateResource } from '@mlds/core';
import { forEachLimit } from '../concurrency.js';
import { QuotaExceededError } from '../errors.js';
import { withStatements } from '../policy-statements.js';
import {
  type Found,
  type Inspection,
  isOurs,
  type KindHandler,
  mediaLiveRoleArnOf,
  type Observed,
  type Precheck,
  type Runtime,
  type Target,
  targetOf,
} from '../runtime.js';
import { addTags, tagImported, updateTags } from './arn-tags.js';
import {
  channelPrecheck,
  endpointsForDelete,
  namesOnAllPages,
  originEndpointsBlocker,
  originEndpointsRefusal,
  originEndpointsText,
} from './mediapackage-reads.js';
import {
  alreadyExists,
  channelGroupOf,
  clientToken,
  conflictingOperation,
  getChannel,
  isNotFound,
  mediaPackageV2Retryable,
} from './mediapackagev2-calls.js';
import { channelPolicy, policyRole, putPolicy } from './mediapackagev2-channel-policy.js';
import { mediaPackageV2Tags } from './mediapackagev2-tags.js';

export interface V2IngestEndpointOutput {
  id: string;
  url: string;
}

function inputTypeOf(target: Target): 'CMAF' | 'HLS' {
  return target.properties.inputType === 'HLS' ? 'HLS' : 'CMAF';
}

/** The URLs as GetChannel answers them, in pipeline order (AWS's pages disagree on their shape: never built). */
function ingestOutputs(endpoints: IngestEndpoint[] | undefined): {
  ingestEndpoints: V2IngestEndpointOutput[];
} {
  return {
    ingestEndpoints: (endpoints ?? []).map((endpoint) => ({
      id: endpoint.Id ?? '',
      url: endpoint.Url ?? '',
    })),
  };
}

async function listOriginEndpoints(rt: Runtime, resource: StateResource): Promise<string[]> {
  const client = await rt.clients.mediaPackageV2(resource.region);
  return namesOnAllPages(
    (token) =>
      rt.call(resource.address, () =>
        client.send(
          new ListOriginEndpointsCommand({
            ChannelGroupName: channelGroupOf(resource),
            ChannelName: resource.name,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        ),
      ),
    (page) => (page.Items ?? []).map((item) => item.OriginEndpointName),
  );
}

/** `find`'s answer for what GetChannel said (undefined: not found). */
function foundByGetChannel(rt: Runtime, target: Target, output: GetChannelCommandOutput | undefined): Found {
  if (!output) return { status: 'absent' };
  const tags = output.Tags ?? {};
  const otherInputType = output.InputType !== undefined && output.InputType !== inputTypeOf(target);
  if (!isOurs(tags, rt.workflow)) {
    return {
      status: 'foreign',
      tags,
      ...(output.Arn ? { arn: output.Arn } : {}),
      // Importing it would not make it the channel the plan asks for.
      ...(otherInputType
        ? { reason: `its InputType is ${output.InputType}, the workflow asks for ${inputTypeOf(target)}` }
        : {}),
    };
  }
  if (otherInputType) {
    // InputType cannot change: a channel of the other type is not the one the plan asks for.
    return {
      status: 'foreign',
      reason: `its InputType is ${output.InputType}, the workflow asks for ${inputTypeOf(target)}; delete it, or set format back`,
    };
  }
  return {
    status: 'ours',
    tags,
    recorded: {
      ...(output.Arn ? { arn: output.Arn } : {}),
      outputs: ingestOutputs(output.IngestEndpoints),
    },
  };
}

/** What the channel's origin endpoints mean for its delete: each one blocks it without --force. */
function inspectionOf(names: string[]): Inspection {
  const learned = { kind: 'mediapackagev2-channel' as const, originEndpointNames: names };
  return names.length > 0
    ? { gone: false, blocker: originEndpointsBlocker(names), learned }
    : { gone: false, learned };
}

export const mediaPackageV2ChannelHandler: KindHandler = {
  retryable: [mediaPackageV2Retryable],
  async find(rt, target): Promise<Found> {
    return foundByGetChannel(rt, target, await getChannel(rt, target));
  },

  async precheck(rt, resource): Promise<Precheck> {
    const target = targetOf(resource);
    return channelPrecheck({
      describe: () => getChannel(rt, target),
      listEndpoints: () => listOriginEndpoints(rt, resource),
      found: (described) => foundByGetChannel(rt, target, described),
      inspection: inspectionOf,
      notFound: isNotFound,
    });
  },

  async tagForImport(rt, target, found) {
    await tagImported(mediaPackageV2Tags, rt, target, found.arn);
  },

  async create(rt, target) {
    const client = await rt.clients.mediaPackageV2(target.region);
    const request = {
      ChannelGroupName: channelGroupOf(target),
      ChannelName: target.name,
      InputType: inputTypeOf(target),
      Description: `mlds workflow ${rt.workflow}, downstream ${target.downstream}`,
      Tags: target.tags,
    };
    let arn: string | undefined;
    try {
      const output = await rt.call(
        target.address,
        () =>
          client.send(
            new CreateChannelCommand({ ...request, ClientToken: clientToken(rt, target, request) }),
          ),
        conflictingOperation,
      );
      arn = output.Arn;
    } catch (error) {
      if (alreadyExists(error)) return { exists: true };
      if (error instanceof ServiceQuotaExceededException) {
        throw new QuotaExceededError(
          target.address,
          `MediaPackage v2 channels per channel group (default 10; group ${request.ChannelGroupName})`,
          `delete a channel you no longer use in ${request.ChannelGroupName}, put this one in another group with \`channelGroup\`, or request a higher quota in Service Quotas (AWS Elemental MediaPackage)`,
          { cause: error },
        );
      }
      throw error;
    }
    await putPolicy(rt, target, arn);
    // The ingest URLs as GetChannel reports them once the channel and its policy exist.
    const output = await getChannel(rt, target);
    return { ...(arn ? { arn } : {}), outputs: ingestOutputs(output?.IngestEndpoints) };
  },

  async adopt(rt, target, found) {
    // A crashed run may have stopped between CreateChannel and PutChannelPolicy: the policy is put again.
    await addTags(mediaPackageV2Tags, rt, target, found.recorded.arn, found.tags);
    await putPolicy(rt, target, found.recorded.arn);
    return found.recorded;
  },

  async importSettings(rt, target, found) {
    if (!mediaLiveRoleArnOf(target.properties)) return {};
    return { mediaLiveRoleArn: (await policyRole(rt, target, found.arn)) ?? null };
  },

  // The role's statement added to the channel's policy, its other statements kept.
  async settleForImport(rt, target, found, settings) {
    const role = mediaLiveRoleArnOf(target.properties);
    if (!settings.includes('policy') || !role || !found.arn) return {};
    const client = await rt.clients.mediaPackageV2(target.region);
    const names = { ChannelGroupName: channelGroupOf(target), ChannelName: target.name };
    let current: string | undefined;
    try {
      current = (await rt.call(target.address, () => client.send(new GetChannelPolicyCommand(names)))).Policy;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const [statement] = JSON.parse(channelPolicy(role, found.arn)).Statement as Record<string, unknown>[];
    const policy = withStatements(current, statement ? [statement] : []);
    await rt.call(
      target.address,
      () => client.send(new PutChannelPolicyCommand({ ...names, Policy: policy })),
      conflictingOperation,
    );
    return {};
  },

  async observe(rt, resource): Promise<Observed> {
    const target = targetOf(resource);
    const output = await getChannel(rt, target);
    if (!output) return { exists: false };
    const tags = { ...(output.Tags ?? {}) };
    const role = mediaLiveRoleArnOf(target.properties);
    // Not this workflow's any more (apply refuses it), or no policy mlds sets: nothing more to read.
    if (!isOurs(tags, rt.workflow) || !role) return { exists: true, tags, settings: {} };
    const mediaLiveRoleArn = await policyRole(rt, target, output.Arn);
    if (mediaLiveRoleArn === undefined) return { exists: false };
    return { exists: true, tags, settings: { mediaLiveRoleArn } };
  },

  async update(rt, target, current, changes) {
    await updateTags(mediaPackageV2Tags, rt, target, current, changes);
    // `policy`: a refresh found the statement for the MediaLive role missing or edited.
    if (changes.includes('mediaLiveRoleArn') || changes.includes('policy'))
      await putPolicy(rt, target, current.arn);
    return {
      ...(current.arn ? { arn: current.arn } : {}),
      ...(current.outputs ? { outputs: current.outputs } : {}),
    };
  },

  async inspect(rt, resource, found) {
    // `find` has just read the channel: only its origin endpoints are new.
    if (!found && !(await getChannel(rt, resource))) return { gone: true };
    try {
      return inspectionOf(await listOriginEndpoints(rt, resource));
    } catch (error) {
      if (isNotFound(error)) return { gone: true };
      throw error;
    }
  },

  async delete(rt, resource, { force, seen }) {
    const client = await rt.clients.mediaPackageV2(resource.region);
    const group = channelGroupOf(resource);
    const learned = seen?.learned?.kind === 'mediapackagev2-channel' ? seen.learned : undefined;
    const endpoints = await endpointsForDelete(
      learned?.originEndpointNames,
      () => listOriginEndpoints(rt, resource),
      isNotFound,
    );
    if (endpoints === undefined) return;
    if (endpoints.length > 0 && !force) throw originEndpointsRefusal(resource, endpoints);
    await forEachLimit(endpoints, 2, async (name) => {
      try {
        await rt.call(resource.address, () =>
          client.send(
            new DeleteOriginEndpointCommand({
              ChannelGroupName: group,
              ChannelName: resource.name,
              OriginEndpointName: name,
            }),
          ),
        );
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
    if (endpoints.length > 0) rt.progress(resource.address, `deleted ${originEndpointsText(endpoints)}`);
    // Just after its origin endpoints go, the channel may still count them for a moment.
    const stillInUse = (error: unknown) =>
      conflictingOperation(error) ??
      (endpoints.length > 0 &&
      error instanceof ConflictException &&
      error.ConflictExceptionType === 'RESOURCE_IN_USE'
        ? 'not yet consistent (origin endpoints still being deleted)'
        : undefined);
    try {
      await rt.call(
        resource.address,
        () => client.send(new DeleteChannelCommand({ ChannelGroupName: group, ChannelName: resource.name })),
        stillInUse,
      );
    } catch (error) {
      if (isNotFound(error)) return;
      // The pre-check's list is a moment old: an endpoint added since refuses the delete; say so plainly.
      if (learned && !force && error instanceof ConflictException) {
        const now = await listOriginEndpoints(rt, resource);
        if (now.length > 0) throw originEndpointsRefusal(resource, now);
      }
      throw error;
    }
  },
};
