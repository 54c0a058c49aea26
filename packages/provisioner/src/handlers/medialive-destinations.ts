import type { OutputDestination, OutputGroup } from '@aws-sdk/client-medialive';
import { KNOWN_AFTER_APPLY, type OutputDestination as PlannedDestination, SENSITIVE } from '@mlds/core';
import { InvalidPlanError } from '../errors.js';
import type { Target } from '../runtime.js';
import type { Described } from './medialive-calls.js';

// What apply writes into a bound channel, computed in memory: the merge of the workflow's destinations into the
// channel's, the comparison that spares an UpdateChannel, and the checks that refuse before any change.

/** Every destination id the channel's output groups use: group-level, and output-level (RTMP, UDP, SRT). */
export function destinationReferences(outputGroups: readonly OutputGroup[] | undefined): string[] {
  const ids = new Set<string>();
  const refOf = (settings: unknown) => {
    for (const value of Object.values((settings ?? {}) as Record<string, unknown>)) {
      const id = (value as { Destination?: { DestinationRefId?: unknown } } | undefined)?.Destination
        ?.DestinationRefId;
      if (typeof id === 'string') ids.add(id);
    }
  };
  for (const group of outputGroups ?? []) {
    refOf(group.OutputGroupSettings);
    for (const output of group.Outputs ?? []) refOf(output.OutputSettings);
  }
  return [...ids];
}

/** A destination as UpdateChannel takes it: no empty lists (DescribeChannel's `Settings: []` is a 400). */
export function stripped(destination: OutputDestination): OutputDestination {
  return Object.fromEntries(
    Object.entries(destination).filter(
      ([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0),
    ),
  ) as OutputDestination;
}

/** The workflow's destinations with every value real: recorded outputs filled in by the caller, keys here. */
export function withSecrets(
  address: string,
  destinations: PlannedDestination[],
  streamKeys: Map<string, string>,
): OutputDestination[] {
  return destinations.map((destination) => {
    const text = JSON.stringify(destination);
    if (text.includes(KNOWN_AFTER_APPLY)) {
      throw new InvalidPlanError(
        `${address}: destination ${destination.Id} still has a value known only after apply; run apply again`,
      );
    }
    if (destination.Settings === undefined) return structuredClone(destination) as OutputDestination;
    return {
      ...structuredClone(destination),
      Settings: destination.Settings.map((settings) => {
        if (settings.StreamName !== SENSITIVE) return { ...settings };
        const key = streamKeys.get(destination.Id);
        if (key === undefined) throw new InvalidPlanError(`${address}: no stream key for ${destination.Id}`);
        return { ...settings, StreamName: key };
      }),
    };
  });
}

/**
 * The channel's destinations after the update: this workflow's replace those of the same id, the ones mlds wrote
 * before and the workflow dropped are removed, every other destination of the channel is kept as it is.
 */
export function mergeDestinations(
  current: readonly OutputDestination[],
  wanted: readonly OutputDestination[],
  writtenBefore: readonly string[],
): OutputDestination[] {
  const wantedById = new Map(wanted.map((destination) => [destination.Id, destination]));
  const removed = new Set(writtenBefore.filter((id) => !wantedById.has(id)));
  const merged: OutputDestination[] = [];
  for (const destination of current) {
    const id = destination.Id ?? '';
    if (removed.has(id)) continue;
    const replacement = wantedById.get(id);
    merged.push(replacement ? structuredClone(replacement) : stripped(destination));
    wantedById.delete(id);
  }
  return [...merged, ...[...wantedById.values()].map((destination) => structuredClone(destination))];
}

function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, member: unknown) =>
    member !== null && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );
}

/** True when the channel already holds exactly these destinations (compared in memory, secrets included). */
export function sameDestinations(
  current: readonly OutputDestination[],
  merged: readonly OutputDestination[],
) {
  const byId = (list: readonly OutputDestination[]) =>
    canonical([...list].map(stripped).sort((a, b) => ((a.Id ?? '') < (b.Id ?? '') ? -1 : 1)));
  return byId(current) === byId(merged);
}

/**
 * Why the channel cannot take these destinations: another Region or class, or an output group that would refer
 * to a destination the update removes. Empty when it can.
 */
export function bindingProblems(
  target: Target,
  described: Described,
  merged: readonly OutputDestination[],
): string[] {
  const problems: string[] = [];
  const arnRegion = described.Arn?.split(':')[3];
  if (arnRegion !== undefined && arnRegion !== target.region) {
    problems.push(`it is in ${arnRegion}, the workflow's region is ${target.region}`);
  }
  const channelClass = target.properties.channelClass;
  if (described.ChannelClass !== undefined && described.ChannelClass !== channelClass) {
    problems.push(
      `its class is ${described.ChannelClass}, the workflow's channelClass is ${String(channelClass)}`,
    );
  }
  const ids = new Set(merged.map((destination) => destination.Id));
  for (const id of destinationReferences(described.EncoderSettings?.OutputGroups)) {
    if (!ids.has(id)) {
      problems.push(
        `an output group refers to destination ${id}, which this update would remove (mlds wrote it, the workflow no longer has it)`,
      );
    }
  }
  return problems;
}
