import { TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-mediapackagev2';
import type { StateResource } from '@mlds/core';
import { hasTags, type Runtime, type Target } from '../runtime.js';

// Channel groups and channels are tagged alike (TagResource, UntagResource on their ARN).

/**
 * Adds what is missing of the plan's tags (adopting: other tags on the resource are left alone); `force` when a
 * refresh found tags mlds set changed outside it, which `actual` (the state's) cannot show.
 */
export async function addTags(
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
export async function tagImported(rt: Runtime, target: Target, arn: string | undefined): Promise<void> {
  if (!arn) throw new Error(`${target.address}: MediaPackage v2 answered for ${target.name} without its ARN`);
  const client = await rt.clients.mediaPackageV2(target.region);
  await rt.call(target.address, () =>
    client.send(new TagResourceCommand({ ResourceArn: arn, Tags: target.tags })),
  );
}

/** Removes the tags mlds set before that the plan no longer has, then sets the plan's. */
export async function updateTags(
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
