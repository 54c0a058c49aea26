import type { StateResource } from '@mlds/core';
import { ChannelRefusedError } from '../errors.js';
import type { ResourceOutcome } from '../events.js';
import { type Runtime, targetOf } from '../runtime.js';
import { bindingOutputsOf } from './medialive-binding-outputs.js';
import { type Described, describeChannel } from './medialive-calls.js';
import { destinationReferences } from './medialive-destinations.js';

// destroy with a bound channel: the channel is read before anything is deleted, and never edited or deleted.

/** The channel's destinations that point at resources this destroy deleted. */
export interface DanglingDestinations {
  id: string;
  region: string;
  danglingDestinationIds: string[];
}

/**
 * destroy reads the bound channel first: while it is RUNNING and sends to something this destroy deletes, it
 * refuses (nothing deleted) unless --force. A channel that is gone is just forgotten.
 */
export async function channelBeforeDestroy(
  rt: Runtime,
  binding: StateResource,
  resources: StateResource[],
  force: boolean,
): Promise<Described | undefined> {
  const target = targetOf(binding);
  let described: Described;
  try {
    described = await describeChannel(rt, target, 'destroy');
  } catch (error) {
    if (error instanceof ChannelRefusedError) return undefined;
    throw error;
  }
  const writesTo = sendsToDeleted(binding, resources, described);
  if (!force && writesTo.length > 0 && (described.State === 'RUNNING' || described.State === 'RECOVERING')) {
    throw new ChannelRefusedError(
      'destroy',
      binding.name,
      [`it is ${described.State} and sends to ${writesTo.join(', ')}, which this destroy deletes`],
      'Stop the channel (or remove those destinations from it) and run destroy again, or pass --force to delete them while it runs (its outputs to them fail).',
    );
  }
  return described;
}

/** Destination ids mlds wrote, still in the channel and used by an output group, whose resources are deleted. */
function sendsToDeleted(binding: StateResource, resources: StateResource[], described: Described): string[] {
  const used = new Set(destinationReferences(described.EncoderSettings?.OutputGroups));
  const inChannel = new Set((described.Destinations ?? []).map((destination) => destination.Id));
  return bindingOutputsOf(binding.outputs).destinationIds.filter(
    (id) =>
      used.has(id) &&
      inChannel.has(id) &&
      resources.some((resource) => resource.downstream === id && resource.existing !== true),
  );
}

export function danglingDestinations(
  rt: Runtime,
  outcomes: readonly ResourceOutcome[],
  binding: StateResource,
  resources: StateResource[],
  described: Described | undefined,
): DanglingDestinations {
  const deleted = new Set(outcomes.filter((o) => o.outcome === 'deleted').map((o) => o.address));
  const inChannel = new Set((described?.Destinations ?? []).map((destination) => destination.Id));
  const dangling = bindingOutputsOf(binding.outputs).destinationIds.filter(
    (id) =>
      inChannel.has(id) &&
      resources.some((resource) => resource.downstream === id && deleted.has(resource.address)),
  );
  if (dangling.length > 0) {
    rt.progress(
      binding.address,
      `MediaLive channel ${binding.name} still has destinations pointing at deleted resources: ${dangling.join(', ')}`,
    );
  }
  return { id: binding.name, region: binding.region, danglingDestinationIds: dangling };
}
