import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateChannelCommand,
  CreateChannelGroupCommand,
  DeleteChannelCommand,
  DeleteChannelGroupCommand,
  DeleteChannelPolicyCommand,
  DeleteOriginEndpointCommand,
  GetChannelCommand,
  GetChannelGroupCommand,
  GetChannelPolicyCommand,
  type IngestEndpoint,
  InternalServerException,
  ListChannelsCommand,
  ListOriginEndpointsCommand,
  PutChannelPolicyCommand,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  TagResourceCommand,
  ThrottlingException,
  UntagResourceCommand,
} from '@aws-sdk/client-mediapackagev2';
import type { StateResource } from '@mlds/core';
import { forEachLimit } from '../concurrency.js';
import { ExistingResourceNotFoundError, NotEmptyError, QuotaExceededError } from '../errors.js';
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
  targetOf,
} from '../runtime.js';

// MediaPackage v2 (API 2022-12-25): a channel group, and a channel in it with the channel policy that lets the
// MediaLive role write (MP ingest-auth). Deleted in the API's order: origin endpoints, channel, channel group.

export interface V2IngestEndpointOutput {
  id: string;
  url: string;
}

/**
 * The ClientToken of a create: the same for every retry of one intent (the state's `createdAt` of the
 * `creating` entry, written before the first attempt), so a create retried after a timeout or a crash returns
 * the first one's resource instead of making two; a new intent (after a destroy) or a changed request gets a new
 * token, so AWS never answers it with a deleted resource or refuses it as a parameter mismatch.
 */
export function clientToken(rt: Runtime, target: Target, request: object): string {
  const seed = JSON.stringify([
    rt.workflow,
    target.kind,
    target.region,
    target.name,
    target.intentAt ?? '',
    request,
  ]);
  return `mlds-${createHash('sha256').update(seed).digest('hex').slice(0, 40)}`;
}

function isNotFound(error: unknown): boolean {
  return error instanceof ResourceNotFoundException;
}

/** A create that met a resource of that name: it may be ours (a crashed run's), so `find` decides. */
function alreadyExists(error: unknown): boolean {
  return (
    error instanceof ConflictException &&
    (error.ConflictExceptionType === 'RESOURCE_ALREADY_EXISTS' ||
      // The token was used with other parameters: that create happened, the resource exists.
      error.ConflictExceptionType === 'IDEMPOTENT_PARAMETER_MISMATCH')
  );
}

/** Another operation on the same resource is running: worth waiting for. */
function conflictingOperation(error: unknown): string | undefined {
  return error instanceof ConflictException && error.ConflictExceptionType === 'CONFLICTING_OPERATION'
    ? 'another operation on the resource is in progress (CONFLICTING_OPERATION)'
    : undefined;
}

function channelGroupOf(target: { properties?: Record<string, unknown> }): string {
  const group = target.properties?.channelGroup;
  if (typeof group !== 'string' || group.length === 0) {
    throw new Error('a MediaPackage v2 channel needs its channelGroup property; plan again');
  }
  return group;
}

function inputTypeOf(target: Target): 'CMAF' | 'HLS' {
  return target.properties.inputType === 'HLS' ? 'HLS' : 'CMAF';
}

/**
 * Adds what is missing of the plan's tags (adopting: other tags on the resource are left alone); `force` when a
 * refresh found tags mlds set changed outside it, which `actual` (the state's) cannot show.
 */
async function addTags(
  rt: Runtime,
  target: Target,
  arn: string | undefined,
  actual: Record<string, string>,
  force = false,
) {
  if (!arn || (!force && hasTags(actual, target.tags))) return;
  const client = await rt.clients.mediaPackageV2(target.region);
  await rt.call(target.address, () =>
    client.send(new TagResourceCommand({ ResourceArn: arn, Tags: target.tags })),
  );
}

/** `mlds import`: the plan's tags on a group or channel found without them (TagResource keeps the others). */
async function tagImported(rt: Runtime, target: Target, arn: string | undefined): Promise<void> {
  if (!arn) throw new Error(`${target.address}: MediaPackage v2 answered for ${target.name} without its ARN`);
  const client = await rt.clients.mediaPackageV2(target.region);
  await rt.call(target.address, () =>
    client.send(new TagResourceCommand({ ResourceArn: arn, Tags: target.tags })),
  );
}

/** Removes the tags mlds set before that the plan no longer has, then sets the plan's. */
async function updateTags(
  rt: Runtime,
  target: Target,
  current: StateResource,
  changes: string[],
): Promise<void> {
  const arn = current.arn;
  if (!arn) return;
  const recorded = current.tags ?? {};
  const removed = Object.keys(recorded).filter((key) => !(key in target.tags));
  if (removed.length > 0) {
    const client = await rt.clients.mediaPackageV2(target.region);
    await rt.call(target.address, () =>
      client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: removed })),
    );
  }
  await addTags(rt, target, arn, recorded, changes.includes('tags'));
}

// ---------------------------------------------------------------------------------------------------------
// Channel group

async function getGroup(rt: Runtime, target: { address: string; name: string; region: string }) {
  const client = await rt.clients.mediaPackageV2(target.region);
  try {
    return await rt.call(target.address, () =>
      client.send(new GetChannelGroupCommand({ ChannelGroupName: target.name })),
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function listChannelNames(
  rt: Runtime,
  resource: { address: string; name: string; region: string },
): Promise<string[]> {
  const client = await rt.clients.mediaPackageV2(resource.region);
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await rt.call(resource.address, () =>
      client.send(
        new ListChannelsCommand({
          ChannelGroupName: resource.name,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      ),
    );
    for (const item of page.Items ?? []) if (item.ChannelName) names.push(item.ChannelName);
    nextToken = page.NextToken;
  } while (nextToken);
  return names;
}

// ServiceQuotaExceededException (402) is not retried: the quota stays exceeded until someone acts.
const mediaPackageV2Retryable: ModelledRetryable = {
  throttled: [ThrottlingException],
  transient: [InternalServerException],
};

export const mediaPackageV2ChannelGroupHandler: KindHandler = {
  retryable: [mediaPackageV2Retryable],
  async find(rt, target): Promise<Found> {
    const output = await getGroup(rt, target);
    if (!output) return { status: 'absent' };
    const tags = output.Tags ?? {};
    if (!isOurs(tags, rt.workflow))
      return { status: 'foreign', tags, ...(output.Arn ? { arn: output.Arn } : {}) };
    return { status: 'ours', tags, recorded: output.Arn ? { arn: output.Arn } : {} };
  },

  async tagForImport(rt, target, found) {
    await tagImported(rt, target, found.arn);
  },

  async create(rt, target) {
    const client = await rt.clients.mediaPackageV2(target.region);
    const request = {
      ChannelGroupName: target.name,
      Description: `mlds workflow ${rt.workflow}`,
      Tags: target.tags,
    };
    try {
      const output = await rt.call(
        target.address,
        () =>
          client.send(
            new CreateChannelGroupCommand({ ...request, ClientToken: clientToken(rt, target, request) }),
          ),
        conflictingOperation,
      );
      return output.Arn ? { arn: output.Arn } : {};
    } catch (error) {
      if (alreadyExists(error)) return { exists: true };
      if (error instanceof ServiceQuotaExceededException) {
        throw new QuotaExceededError(
          target.address,
          'MediaPackage v2 channel groups per account and Region (default 3)',
          `delete a channel group you no longer use in ${target.region}, name an existing one with \`channelGroup\`, or request a higher quota in Service Quotas (AWS Elemental MediaPackage)`,
          { cause: error },
        );
      }
      throw error;
    }
  },

  async adopt(rt, target, found) {
    await addTags(rt, target, found.recorded.arn, found.tags);
    return found.recorded;
  },

  async update(rt, target, current, changes) {
    await updateTags(rt, target, current, changes);
    return current.arn ? { arn: current.arn } : {};
  },

  async observe(rt, resource): Promise<Observed> {
    // GetChannelGroup answers with the tags: one read.
    const output = await getGroup(rt, resource);
    if (!output) return { exists: false };
    return { exists: true, tags: { ...(output.Tags ?? {}) }, settings: {} };
  },

  async read(rt, target): Promise<Recorded> {
    const output = await getGroup(rt, target);
    if (!output) throw new ExistingResourceNotFoundError(target.address, target.name, target.region);
    return output.Arn ? { arn: output.Arn } : {};
  },

  async inspect(rt, resource) {
    // Its channels go first (the engine orders them); one that is not this workflow's keeps it at delete time.
    return (await getGroup(rt, resource)) ? { gone: false } : { gone: true };
  },

  async delete(rt, resource) {
    const client = await rt.clients.mediaPackageV2(resource.region);
    let channels: string[];
    try {
      channels = await listChannelNames(rt, resource);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    if (channels.length > 0) {
      // mlds created the group, but someone put channels in it since: deleting it is not ours to do.
      rt.progress(
        resource.address,
        `channel group ${resource.name} still holds ${channels.join(', ')}, which this workflow does not manage: left in place`,
      );
      return 'left';
    }
    try {
      await rt.call(
        resource.address,
        () => client.send(new DeleteChannelGroupCommand({ ChannelGroupName: resource.name })),
        conflictingOperation,
      );
    } catch (error) {
      if (isNotFound(error)) return;
      if (error instanceof ConflictException && error.ConflictExceptionType === 'RESOURCE_IN_USE') {
        rt.progress(
          resource.address,
          `channel group ${resource.name} gained a channel meanwhile: left in place`,
        );
        return 'left';
      }
      throw error;
    }
  },
};

// ---------------------------------------------------------------------------------------------------------
// Channel

async function getChannel(
  rt: Runtime,
  target: { address: string; name: string; region: string; properties?: Record<string, unknown> },
) {
  const client = await rt.clients.mediaPackageV2(target.region);
  try {
    return await rt.call(target.address, () =>
      client.send(
        new GetChannelCommand({ ChannelGroupName: channelGroupOf(target), ChannelName: target.name }),
      ),
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
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

const MEDIALIVE_INGEST_SID = 'AllowMediaLiveChannelToIngestToEmpChannel';

/** AWS's documented channel policy (MP ingest-auth): the MediaLive role may PutObject on this channel only. */
export function channelPolicy(roleArn: string, channelArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: MEDIALIVE_INGEST_SID,
        Effect: 'Allow',
        Principal: { AWS: roleArn },
        Action: 'mediapackagev2:PutObject',
        Resource: channelArn,
      },
    ],
  });
}

/**
 * Grants the workflow's MediaLive role PutObject on the channel; without a role (validation requires one, so
 * only a plan made without it) any grant mlds put before is removed, as for bucket and container policies.
 */
async function putPolicy(rt: Runtime, target: Target, channelArn: string | undefined): Promise<void> {
  const role = mediaLiveRoleArnOf(target.properties);
  const client = await rt.clients.mediaPackageV2(target.region);
  const names = { ChannelGroupName: channelGroupOf(target), ChannelName: target.name };
  if (!role || !channelArn) {
    try {
      await rt.call(
        target.address,
        () => client.send(new DeleteChannelPolicyCommand(names)),
        conflictingOperation,
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return;
  }
  await rt.call(
    target.address,
    () => client.send(new PutChannelPolicyCommand({ ...names, Policy: channelPolicy(role, channelArn) })),
    conflictingOperation,
  );
}

/**
 * The role of the channel policy's statement as mlds writes it (channelPolicy), when it is there unchanged; null
 * without a policy or with one edited; undefined when the channel was deleted meanwhile.
 */
async function policyRole(
  rt: Runtime,
  target: Target,
  channelArn: string | undefined,
): Promise<string | null | undefined> {
  const client = await rt.clients.mediaPackageV2(target.region);
  let policy: string | undefined;
  try {
    const output = await rt.call(target.address, () =>
      client.send(
        new GetChannelPolicyCommand({ ChannelGroupName: channelGroupOf(target), ChannelName: target.name }),
      ),
    );
    policy = output.Policy;
  } catch (error) {
    // No policy, or no channel any more: GetChannel says which.
    if (!isNotFound(error)) throw error;
    return (await getChannel(rt, target)) ? null : undefined;
  }
  if (!channelArn || !policy) return null;
  const statements = statementsOf(policy);
  const ours = statements.find((statement) => statement.Sid === MEDIALIVE_INGEST_SID);
  const principal = (ours?.Principal as { AWS?: unknown } | undefined)?.AWS;
  if (ours === undefined || typeof principal !== 'string') return null;
  const expected = statementsOf(channelPolicy(principal, channelArn))[0] ?? {};
  return canonicalStatement(ours) === canonicalStatement(expected) ? principal : null;
}

function statementsOf(policy: string): Record<string, unknown>[] {
  try {
    const statement = (JSON.parse(policy) as { Statement?: unknown }).Statement;
    if (Array.isArray(statement)) return statement as Record<string, unknown>[];
    return statement !== null && typeof statement === 'object' ? [statement as Record<string, unknown>] : [];
  } catch {
    return [];
  }
}

/** Equal as IAM reads them: keys in any order, a lone action or resource equal to a list of one. */
function canonicalStatement(statement: Record<string, unknown>): string {
  return JSON.stringify(statement, (_key, value: unknown) => {
    if (Array.isArray(value)) return value.length === 1 ? value[0] : [...value].sort();
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
    return value;
  });
}

async function listOriginEndpoints(rt: Runtime, resource: StateResource): Promise<string[]> {
  const client = await rt.clients.mediaPackageV2(resource.region);
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await rt.call(resource.address, () =>
      client.send(
        new ListOriginEndpointsCommand({
          ChannelGroupName: channelGroupOf(resource),
          ChannelName: resource.name,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      ),
    );
    for (const item of page.Items ?? []) if (item.OriginEndpointName) names.push(item.OriginEndpointName);
    nextToken = page.NextToken;
  } while (nextToken);
  return names;
}

function endpointsBlocker(names: string[]): string {
  return `the channel has ${names.length} origin endpoint(s): ${names.join(', ')}`;
}

export const mediaPackageV2ChannelHandler: KindHandler = {
  retryable: [mediaPackageV2Retryable],
  async find(rt, target): Promise<Found> {
    const output = await getChannel(rt, target);
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
  },

  async tagForImport(rt, target, found) {
    await tagImported(rt, target, found.arn);
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
    await addTags(rt, target, found.recorded.arn, found.tags);
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
    await updateTags(rt, target, current, changes);
    // `policy`: a refresh found the statement for the MediaLive role missing or edited.
    if (changes.includes('mediaLiveRoleArn') || changes.includes('policy'))
      await putPolicy(rt, target, current.arn);
    return {
      ...(current.arn ? { arn: current.arn } : {}),
      ...(current.outputs ? { outputs: current.outputs } : {}),
    };
  },

  async inspect(rt, resource) {
    if (!(await getChannel(rt, resource))) return { gone: true };
    const endpoints = await listOriginEndpoints(rt, resource);
    return endpoints.length > 0 ? { gone: false, blocker: endpointsBlocker(endpoints) } : { gone: false };
  },

  async delete(rt, resource, { force }) {
    const client = await rt.clients.mediaPackageV2(resource.region);
    const group = channelGroupOf(resource);
    let endpoints: string[];
    try {
      endpoints = await listOriginEndpoints(rt, resource);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    if (endpoints.length > 0 && !force) {
      throw new NotEmptyError([
        { address: resource.address, name: resource.name, reason: endpointsBlocker(endpoints) },
      ]);
    }
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
      throw error;
    }
  },
};
