import type { OutputDestination } from '@aws-sdk/client-medialive';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeDestinations, sameDestinations, stripped } from '../src/handlers/medialive-destinations.js';

// The laws of the merge that apply writes into a bound channel, over arbitrary channels and workflows.

const id: fc.Arbitrary<string> = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
const url = fc.webUrl();
const settingsDestination = (destinationId: string) =>
  fc.record({
    Id: fc.constant(destinationId),
    Settings: fc.array(fc.record({ Url: url }), { minLength: 1, maxLength: 2 }),
    MediaPackageSettings: fc.constant([]),
  });
const mediaPackageDestination = (destinationId: string) =>
  fc.record({
    Id: fc.constant(destinationId),
    MediaPackageSettings: fc.array(fc.record({ ChannelId: fc.string({ minLength: 1 }) }), {
      minLength: 1,
      maxLength: 1,
    }),
    Settings: fc.constant([]),
  });
const destinations = fc
  .uniqueArray(id, { maxLength: 5 })
  .chain((ids) =>
    fc.tuple(...ids.map((each) => fc.oneof(settingsDestination(each), mediaPackageDestination(each)))),
  )
  // Plain JSON objects, as the SDK gives them (fast-check's records have no prototype).
  .map((list) => JSON.parse(JSON.stringify(list)) as OutputDestination[]);

const hasEmptyList = (destination: OutputDestination) =>
  Object.values(destination).some((value) => Array.isArray(value) && value.length === 0);

describe('mergeDestinations', () => {
  it('keeps every other destination of the channel, writes the workflow’s, drops only what mlds wrote before', () => {
    fc.assert(
      fc.property(destinations, destinations, fc.uniqueArray(id), (channel, wantedRaw, writtenBefore) => {
        const wanted = wantedRaw.map(stripped);
        const merged = mergeDestinations(channel, wanted, writtenBefore);
        const ids = merged.map((destination) => destination.Id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const destination of wanted) {
          expect(merged.find((m) => m.Id === destination.Id)).toStrictEqual(destination);
        }
        const wantedIds = new Set(wanted.map((destination) => destination.Id));
        for (const destination of channel) {
          const kept = merged.find((m) => m.Id === destination.Id);
          if (wantedIds.has(destination.Id)) continue;
          if (writtenBefore.includes(destination.Id ?? '')) expect(kept).toBeUndefined();
          else expect(kept).toStrictEqual(stripped(destination));
        }
        expect(merged.filter(hasEmptyList)).toStrictEqual([]);
      }),
    );
  });

  it('is idempotent: merging again into what was written changes nothing, so no second UpdateChannel', () => {
    fc.assert(
      fc.property(destinations, destinations, fc.uniqueArray(id), (channel, wantedRaw, writtenBefore) => {
        const wanted = wantedRaw.map(stripped);
        const merged = mergeDestinations(channel, wanted, writtenBefore);
        // As DescribeChannel would show it: every list present.
        const described = merged.map((destination) => ({
          Settings: [],
          MediaPackageSettings: [],
          ...destination,
        }));
        const wantedIds = wanted.map((destination) => destination.Id ?? '');
        expect(sameDestinations(described, mergeDestinations(described, wanted, wantedIds))).toBe(true);
      }),
    );
  });
});
