import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  GetParameterCommand,
  InternalServerError,
  InvalidResourceId,
  ListTagsForResourceCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  ThrottlingException,
  TooManyUpdates,
} from '@aws-sdk/client-ssm';
import { ExistingResourceNotFoundError, InvalidPlanError, MissingEnvironmentError } from '../errors.js';
import type { ModelledRetryable } from '../retry.js';
import {
  type Found,
  hasTags,
  isOurs,
  type KindHandler,
  type Observed,
  type Recorded,
  type Runtime,
  type Target,
  tagList,
  tagRecord,
  targetOf,
} from '../runtime.js';
import { secretSourceOf } from '../secret-source.js';

export const ssmRetryable: ModelledRetryable = {
  throttled: [ThrottlingException],
  // TooManyUpdates: another update of the same parameter is in flight.
  transient: [InternalServerError, TooManyUpdates],
};

/** The value to store: read here and handed straight to PutParameter, never kept. */
async function secretValue(rt: Runtime, target: Target): Promise<string> {
  const source = secretSourceOf(target.properties);
  if (!source) {
    throw new InvalidPlanError(
      `${target.address}: an SSM parameter needs a source ({ env } or { ingestEndpointOf })`,
    );
  }
  if ('env' in source) {
    const value = rt.env[source.env];
    if (!value)
      throw new MissingEnvironmentError([
        { variable: source.env, address: target.address, sentTo: 'ssm-parameter' },
      ]);
    return value;
  }
  // MediaLive sends pipeline 0 to the first ingest endpoint and pipeline 1 to the second.
  const index = source.endpointIndex ?? target.pipeline ?? 0;
  let password = rt.secrets.ingestPassword(source.ingestEndpointOf, index);
  if (password === undefined) {
    const channel = rt.lookup(source.ingestEndpointOf);
    if (!channel)
      throw new InvalidPlanError(`${target.address}: no channel ${source.ingestEndpointOf} in the plan`);
    // MediaPackage's module (and SDK) only for a parameter that holds an ingest password.
    const mediaPackage = await import('./mediapackage.js');
    const viaMediaPackage: Runtime = {
      ...rt,
      call: (address, fn, alsoRetry, modelled = []) =>
        rt.call(address, fn, alsoRetry, [...modelled, mediaPackage.mediaPackageRetryable]),
    };
    await mediaPackage.ingestPasswords(viaMediaPackage, channel);
    password = rt.secrets.ingestPassword(source.ingestEndpointOf, index);
  }
  if (!password) {
    throw new InvalidPlanError(
      `${target.address}: ${source.ingestEndpointOf} has no ingest endpoint #${index}`,
    );
  }
  return password;
}

/**
 * What the parameter should hold now, to compare in memory: the variable of an `{ env }` source, or the ingest
 * password MediaPackage now gives the channel's endpoint (rotated, or the channel made again outside mlds, it is
 * not the one written). Undefined when there is nothing to compare: the variable is unset, or the channel or its
 * endpoint is gone (the channel's own refresh says so).
 */
async function valueToCompare(rt: Runtime, target: Target): Promise<string | undefined> {
  const source = secretSourceOf(target.properties);
  if (source === undefined) return undefined;
  if ('env' in source) return rt.env[source.env];
  try {
    return await secretValue(rt, target);
  } catch (error) {
    if (error instanceof ExistingResourceNotFoundError || error instanceof InvalidPlanError) return undefined;
    throw error;
  }
}

async function readTags(rt: Runtime, target: Target): Promise<Record<string, string> | undefined> {
  const ssm = await rt.clients.ssm(target.region);
  try {
    const output = await rt.call(target.address, () =>
      ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: target.name })),
    );
    return tagRecord(output.TagList);
  } catch (error) {
    if (error instanceof InvalidResourceId || error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}

/** Writes the value again, from its source; tags cannot be combined with Overwrite, so they follow apart. */
async function overwriteValue(rt: Runtime, target: Target): Promise<number | undefined> {
  const ssm = await rt.clients.ssm(target.region);
  const value = await secretValue(rt, target);
  const output = await rt.call(target.address, () =>
    ssm.send(new PutParameterCommand({ ...secureString(target, value), Overwrite: true })),
  );
  return output.Version;
}

/**
 * What every PutParameter of mlds writes: a SecureString (the AWS managed key) in the Standard tier, explicit, as
 * an account whose default tier is Advanced would otherwise be charged per parameter.
 */
function secureString(target: Target, value: string) {
  return { Name: target.name, Value: value, Type: 'SecureString', Tier: 'Standard' } as const;
}

/** The parameter's version, kept in the state's outputs (never the value). */
function versionRecorded(version: number | undefined): Recorded {
  return version === undefined ? {} : { outputs: { version } };
}

function versionOf(resource: { outputs?: Record<string, unknown> }): number | undefined {
  const version = resource.outputs?.version;
  return typeof version === 'number' ? version : undefined;
}

export const ssmParameterHandler: KindHandler = {
  // An ingest password is read from its MediaPackage channel with MediaPackage's own (see secretValue).
  retryable: [ssmRetryable],
  async find(rt, target): Promise<Found> {
    const tags = await readTags(rt, target);
    if (tags === undefined) return { status: 'absent' };
    if (!isOurs(tags, rt.workflow)) return { status: 'foreign', tags };
    return { status: 'ours', tags, recorded: {} };
  },

  async create(rt, target): Promise<Recorded | { exists: true }> {
    const ssm = await rt.clients.ssm(target.region);
    const value = await secretValue(rt, target);
    let version: number | undefined;
    try {
      const output = await rt.call(target.address, () =>
        ssm.send(new PutParameterCommand({ ...secureString(target, value), Tags: tagList(target.tags) })),
      );
      version = output.Version;
    } catch (error) {
      if (error instanceof ParameterAlreadyExists) return { exists: true };
      throw error;
    }
    return versionRecorded(version);
  },

  async adopt(rt, target, found) {
    // Found by name, it may hold anything: another channel's password (a channel made again since) or an older
    // value. A create ends with the planned value, so it is written again.
    const version = await overwriteValue(rt, target);
    if (!hasTags(found.tags, target.tags)) {
      const ssm = await rt.clients.ssm(target.region);
      await rt.call(target.address, () =>
        ssm.send(
          new AddTagsToResourceCommand({
            ResourceType: 'Parameter',
            ResourceId: target.name,
            Tags: tagList(target.tags),
          }),
        ),
      );
    }
    return { ...found.recorded, ...versionRecorded(version) };
  },

  // Tags only: the value is importSettings' and settleForImport's (an { env } password, compared in memory).
  async tagForImport(rt, target) {
    const ssm = await rt.clients.ssm(target.region);
    await rt.call(target.address, () =>
      ssm.send(
        new AddTagsToResourceCommand({
          ResourceType: 'Parameter',
          ResourceId: target.name,
          Tags: tagList(target.tags),
        }),
      ),
    );
  },

  // An { env } password is compared in memory with its variable, as refresh does; an ingest password is
  // MediaPackage's, and an unset variable has nothing to compare: neither is read.
  async importSettings(rt, target) {
    const source = secretSourceOf(target.properties);
    const wanted = source && 'env' in source ? rt.env[source.env] : undefined;
    if (!wanted) return {};
    rt.secrets.remember(wanted);
    const ssm = await rt.clients.ssm(target.region);
    const output = await rt.call(target.address, () =>
      ssm.send(new GetParameterCommand({ Name: target.name, WithDecryption: true })),
    );
    rt.secrets.remember(output.Parameter?.Value);
    return { value: output.Parameter?.Value === wanted ? 'same' : 'differs' };
  },

  async settleForImport(rt, target, _found, settings) {
    if (!settings.includes('value')) return {};
    return versionRecorded(await overwriteValue(rt, target));
  },

  async update(rt, target, current, changes) {
    const ssm = await rt.clients.ssm(target.region);
    // The value is rewritten only when where it comes from changed, or a refresh found it differs from the
    // environment's (`value`); tags alone do not touch it.
    let version = versionOf(current);
    if (changes.includes('source') || changes.includes('value')) version = await overwriteValue(rt, target);
    const removed = Object.keys(current.tags ?? {}).filter((key) => !(key in target.tags));
    if (removed.length > 0) {
      await rt.call(target.address, () =>
        ssm.send(
          new RemoveTagsFromResourceCommand({
            ResourceType: 'Parameter',
            ResourceId: target.name,
            TagKeys: removed,
          }),
        ),
      );
    }
    // `tags` also when a refresh found tags mlds set changed outside it: the state's then match the plan's.
    if (changes.includes('tags') || !hasTags(current.tags ?? {}, target.tags)) {
      await rt.call(target.address, () =>
        ssm.send(
          new AddTagsToResourceCommand({
            ResourceType: 'Parameter',
            ResourceId: target.name,
            Tags: tagList(target.tags),
          }),
        ),
      );
    }
    return versionRecorded(version);
  },

  async observe(rt, resource): Promise<Observed> {
    const target = targetOf(resource);
    const tags = await readTags(rt, target);
    if (tags === undefined) return { exists: false };
    const wanted = await valueToCompare(rt, target);
    // An unset variable, or a channel the refresh cannot read the passwords of, has nothing to compare.
    if (!wanted) return { exists: true, tags, settings: {} };
    rt.secrets.remember(wanted);
    const ssm = await rt.clients.ssm(target.region);
    try {
      const output = await rt.call(target.address, () =>
        ssm.send(new GetParameterCommand({ Name: target.name, WithDecryption: true })),
      );
      const stored = output.Parameter?.Value;
      rt.secrets.remember(stored);
      // Compared here and dropped: neither value leaves this function.
      return {
        exists: true,
        tags,
        settings: {
          value: stored === wanted ? 'same' : 'differs',
          ...(output.Parameter?.Version === undefined ? {} : { version: output.Parameter.Version }),
        },
      };
    } catch (error) {
      if (error instanceof ParameterNotFound) return { exists: false };
      throw error;
    }
  },

  async inspect() {
    return { gone: false };
  },

  async delete(rt, resource) {
    const ssm = await rt.clients.ssm(resource.region);
    try {
      await rt.call(resource.address, () => ssm.send(new DeleteParameterCommand({ Name: resource.name })));
    } catch (error) {
      if (!(error instanceof ParameterNotFound)) throw error;
    }
  },
};
