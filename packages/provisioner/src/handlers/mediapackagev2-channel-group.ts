import {
  ConflictException,
  CreateChannelGroupCommand,
  DeleteChannelGroupCommand,
  GetChannelGroupCommand,
  ListChannelsCommand,
  ServiceQuotaExceededException,
} from '@aws-sdk/client-mediapackagev2';
import { ExistingResourceNotFoundError, QuotaExceededError } from '../errors.js';
import type { Found, KindHandler, Observed, Recorded, Runtime } from '../runtime.js';
import { addTags, tagImported, updateTags } from './arn-tags.js';
import { describedOrAbsent, foundByTags, namesOnAllPages } from './mediapackage-reads.js';
import {
  alreadyExists,
  clientToken,
  conflictingOperation,
  isNotFound,
  mediaPackageV2Retryable,
} from './mediapackagev2-calls.js';
import { mediaPackageV2Tags } from './mediapackagev2-tags.js';

async function getGroup(rt: Runtime, target: { address: string; name: string; region: string }) {
  const client = await rt.clients.mediaPackageV2(target.region);
  return describedOrAbsent(
    () =>
      rt.call(target.address, () =>
        client.send(new GetChannelGroupCommand({ ChannelGroupName: target.name })),
      ),
    isNotFound,
  );
}

async function listChannelNames(
  rt: Runtime,
  resource: { address: string; name: string; region: string },
): Promise<string[]> {
  const client = await rt.clients.mediaPackageV2(resource.region);
  return namesOnAllPages(
    (token) =>
      rt.call(resource.address, () =>
        client.send(
          new ListChannelsCommand({
            ChannelGroupName: resource.name,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        ),
      ),
    (page) => (page.Items ?? []).map((item) => item.ChannelName),
  );
}

export const mediaPackageV2ChannelGroupHandler: KindHandler = {
  retryable: [mediaPackageV2Retryable],
  async find(rt, target): Promise<Found> {
    const output = await getGroup(rt, target);
    if (!output) return { status: 'absent' };
    return foundByTags(rt.workflow, output, () => (output.Arn ? { arn: output.Arn } : {}));
  },

  async tagForImport(rt, target, found) {
    await tagImported(mediaPackageV2Tags, rt, target, found.arn);
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
    await addTags(mediaPackageV2Tags, rt, target, found.recorded.arn, found.tags);
    return found.recorded;
  },

  async update(rt, target, current, changes) {
    await updateTags(mediaPackageV2Tags, rt, target, current, changes);
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
    if (!output) {
      throw new ExistingResourceNotFoundError(target.address, target.name, target.region, {
        missing: `does not exist in ${target.region}; check channelGroup (and the entry's region) in the workflow file, or create the channel group`,
      });
    }
    return output.Arn ? { arn: output.Arn } : {};
  },

  async inspect(rt, resource, found) {
    // Its channels go first (the engine orders them); one that is not this workflow's keeps it at delete time.
    // Nothing else blocks it: when `find` has just read it, there is nothing to read again.
    if (found) return { gone: false };
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
