import type { StateResource } from '@mlds/core';
import { hasTags, type Runtime, type Target } from '../runtime.js';

// MediaPackage v1 and v2 and MediaStore tag a resource alike (TagResource and UntagResource on its ARN): what to
// send is decided here once; each service brings its two calls (and its own shape of tags), so none loads
// another's SDK.

/** One version's tag calls on a resource's ARN: TagResource with the plan's tags, UntagResource of `keys`. */
export interface ArnTagCalls {
  /** Names the service in an error. */
  service: string;
  tag(rt: Runtime, target: Target, arn: string): Promise<void>;
  untag(rt: Runtime, target: Target, arn: string, keys: string[]): Promise<void>;
}

/**
 * Adds what is missing of the plan's tags (adopting: other tags on the resource are left alone); `force` when a
 * refresh found tags mlds set changed outside it, which `actual` (the state's) cannot show.
 */
export async function addTags(
  calls: ArnTagCalls,
  rt: Runtime,
  target: Target,
  arn: string | undefined,
  actual: Record<string, string>,
  force = false,
): Promise<void> {
  if (!arn || (!force && hasTags(actual, target.tags))) return;
  await calls.tag(rt, target, arn);
}

/** `mlds import`: the plan's tags on a resource found without them (TagResource keeps the others). */
export async function tagImported(
  calls: ArnTagCalls,
  rt: Runtime,
  target: Target,
  arn: string | undefined,
): Promise<void> {
  if (!arn)
    throw new Error(`${target.address}: ${calls.service} answered for ${target.name} without its ARN`);
  await calls.tag(rt, target, arn);
}

/** Removes the tags mlds set before that the plan no longer has, then sets the plan's. */
export async function updateTags(
  calls: ArnTagCalls,
  rt: Runtime,
  target: Target,
  current: StateResource,
  changes: string[],
): Promise<void> {
  const arn = current.arn;
  if (!arn) return;
  const recorded = current.tags ?? {};
  const removed = Object.keys(recorded).filter((key) => !(key in target.tags));
  if (removed.length > 0) await calls.untag(rt, target, arn, removed);
  await addTags(calls, rt, target, arn, recorded, changes.includes('tags'));
}
