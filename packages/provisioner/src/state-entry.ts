import type { StateResource } from '@mlds/core';
import type { Recorded, Target } from './runtime.js';

/**
 * The state entry of a resource as apply, adopt and import write it: the plan's tags and properties (so the next
 * plan keeps it unchanged), what AWS answered, its first time kept.
 */
export function stateEntryOf(
  target: Target,
  status: StateResource['status'],
  previous: StateResource | undefined,
  at: number,
  recorded?: Recorded,
): StateResource {
  const now = new Date(at).toISOString();
  return {
    address: target.address,
    kind: target.kind,
    name: target.name,
    region: target.region,
    pipeline: target.pipeline,
    downstream: target.downstream,
    status,
    ...(target.existing ? { existing: true as const } : {}),
    ...(recorded?.arn ? { arn: recorded.arn } : {}),
    ...(recorded?.id ? { id: recorded.id } : {}),
    ...(Object.keys(target.tags).length > 0 ? { tags: target.tags } : {}),
    properties: target.properties,
    ...(recorded?.outputs ? { outputs: recorded.outputs } : {}),
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
}
