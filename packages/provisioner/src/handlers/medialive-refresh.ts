import { DescribeChannelCommand, NotFoundException, type OutputDestination } from '@aws-sdk/client-medialive';
import {
  OTHER_STREAM_KEY,
  type OutputDestination as PlannedDestination,
  SENSITIVE,
  type StateResource,
} from '@mlds/core';
import { type Observed, type Runtime, targetOf } from '../runtime.js';
import { bindingOutputsOf } from './medialive-binding-outputs.js';
import type { Described } from './medialive-calls.js';
import { stripped } from './medialive-destinations.js';
import { streamKeysToCompare } from './medialive-stream-keys.js';

/**
 * Refresh's one read of the bound channel (DescribeChannel): the destinations whose ids the last apply wrote,
 * as the channel holds them, so that core can tell which of them were changed or removed outside mlds. A stream
 * key never leaves: it is `(sensitive)`, or, when the workflow's key is an `{ env }` variable that is set and
 * differs from it (compared in memory), `(sensitive, not the workflow's key)`. A channel deleted (or being
 * deleted) is gone.
 */
export async function observeBinding(rt: Runtime, resource: StateResource): Promise<Observed> {
  let described: Described;
  try {
    const output = await rt.call(resource.address, async () =>
      (await rt.clients.mediaLive(resource.region)).send(
        new DescribeChannelCommand({ ChannelId: resource.name }),
      ),
    );
    const { $metadata: _, ...rest } = output;
    described = rest;
  } catch (error) {
    if (error instanceof NotFoundException) return { exists: false };
    throw error;
  }
  if (described.State === 'DELETING' || described.State === 'DELETED') return { exists: false };
  const written = new Set(bindingOutputsOf(resource.outputs).destinationIds);
  const keys = await streamKeysToCompare(rt, targetOf(resource));
  const destinations = (described.Destinations ?? [])
    .filter((destination) => written.has(destination.Id ?? ''))
    .map((destination) => masked(rt, destination, keys.get(destination.Id ?? '')));
  return {
    exists: true,
    tags: { ...(described.Tags ?? {}) },
    settings: { destinations: destinations as PlannedDestination[] },
  };
}

/** A described destination without its empty lists, its stream keys masked (see observeBinding). */
function masked(
  rt: Runtime,
  destination: OutputDestination,
  wantedKey: string | undefined,
): OutputDestination {
  const plain = stripped(destination);
  if (plain.Settings === undefined) return plain;
  rt.secrets.remember(wantedKey);
  return {
    ...plain,
    Settings: plain.Settings.map(({ StreamName, ...settings }) => {
      if (!StreamName) return settings;
      rt.secrets.remember(StreamName);
      const other = wantedKey !== undefined && StreamName !== wantedKey;
      return { ...settings, StreamName: other ? OTHER_STREAM_KEY : SENSITIVE };
    }),
  };
}
