import { seedWorkflow, stateAfterApply } from '@mlds/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Observation } from './drift.js';
import { normalizeWorkflow } from './normalize.js';
import { recordedDestinations } from './outputs.js';
import { planWorkflow } from './plan.js';
import { refreshTargets } from './refresh.js';
import {
  KNOWN_AFTER_APPLY,
  type Plan,
  type StateDocument,
  type Workflow,
  type WorkflowInput,
} from './types.js';

// What a refresh reads is core's decision: every recorded resource whose answer can change the plan, and only
// those. The binding of a channel the workflow no longer binds is not read: its answer changes nothing.

const CHANNEL = '1234567';
const workflowOf = (input: WorkflowInput): Workflow => normalizeWorkflow(input);
const bound = (id = CHANNEL): Workflow => workflowOf({ ...seedWorkflow(), channel: { id } });
const unbound = (): Workflow => workflowOf(seedWorkflow());

/** The state after an apply of the bound workflow: its resources and the binding, destinations written. */
function appliedBound(): StateDocument {
  const plan = planWorkflow(bound());
  return stateAfterApply(plan, (resource) =>
    resource.kind === 'medialive-channel'
      ? { destinationIds: plan.destinations.map((destination) => destination.Id) }
      : {},
  );
}

const addresses = (workflow: Workflow, state: StateDocument) =>
  refreshTargets(workflow, state).map((resource) => resource.address);

/** What a read of every recorded resource would find: all there and as recorded, the binding as given. */
function observationsOf(state: StateDocument, binding: Observation | undefined): Observation[] {
  return state.resources.flatMap((resource): Observation[] => {
    const { address, kind, name, region } = resource;
    if (kind === 'medialive-channel') return binding ? [binding] : [];
    return [{ address, kind, name, region, exists: true, tags: { ...resource.tags }, settings: {} }];
  });
}

const bindingObservation = (state: StateDocument, seen: Partial<Observation> = {}): Observation => {
  const recorded = state.resources.find((resource) => resource.kind === 'medialive-channel');
  if (recorded === undefined) throw new Error('the state should record the binding');
  const { address, kind, name, region } = recorded;
  return {
    address,
    kind,
    name,
    region,
    exists: true,
    tags: {},
    settings: { destinations: [] },
    ...seen,
  } as Observation;
};

const plannedWith = (workflow: Workflow, state: StateDocument, observations: Observation[]): Plan =>
  planWorkflow(workflow, { state, observations });

describe('refreshTargets', () => {
  it('reads every resource mlds made and the bound channel while the workflow binds it', () => {
    const state = appliedBound();
    expect(addresses(bound(), state)).toStrictEqual([
      'packager.channel',
      'archive.bucket[0]',
      'archive.bucket[1]',
      'channel',
    ]);
  });

  it('`channel:` removed: the binding is not read, and its answer would not have changed the plan', () => {
    const state = appliedBound();
    expect(addresses(unbound(), state)).toStrictEqual([
      'packager.channel',
      'archive.bucket[0]',
      'archive.bucket[1]',
    ]);
    // The plan the read would have fed: the same whatever the channel holds, gone or edited.
    const withoutRead = plannedWith(unbound(), state, observationsOf(state, undefined));
    for (const seen of [
      bindingObservation(state),
      bindingObservation(state, { exists: false }),
      bindingObservation(state, {
        settings: { destinations: [{ Id: 'archive', Settings: [{ Url: 's3ssl://x/y' }] }] },
      }),
    ]) {
      expect(plannedWith(unbound(), state, observationsOf(state, seen))).toStrictEqual(withoutRead);
    }
    expect(withoutRead.resources.map((resource) => [resource.address, resource.action])).toStrictEqual([
      ['packager.channel', 'noop'],
      ['archive.bucket[0]', 'noop'],
      ['archive.bucket[1]', 'noop'],
    ]);
    expect(withoutRead.diagnostics.map((diagnostic) => diagnostic.code)).toContain('channel.unbound');
  });

  it('another channel id: the old binding is not read (the plan writes the new channel, unrecorded)', () => {
    const state = appliedBound();
    expect(addresses(bound('7654321'), state)).not.toContain('channel');
    expect(addresses(bound('7654321'), state)).toHaveLength(3);
  });

  it('leaves out unfinished intents; reads what mlds only reads (is it there?) and keeps what the plan deletes', () => {
    const state = appliedBound();
    const edited: StateDocument = {
      ...state,
      resources: state.resources.map((resource) =>
        resource.address === 'archive.bucket[1]'
          ? { ...resource, status: 'creating' }
          : resource.address === 'packager.channel'
            ? { ...resource, existing: true }
            : resource,
      ),
    };
    expect(addresses(bound(), edited)).toStrictEqual(['packager.channel', 'archive.bucket[0]', 'channel']);
    // The archive removed from the workflow: its buckets are deleted, and read first, for the plan says whether
    // they are already gone ("only removed from the state").
    const withoutArchive = workflowOf({
      ...seedWorkflow(),
      channel: { id: CHANNEL },
      downstream: seedWorkflow().downstream.filter((entry) => entry.name !== 'archive'),
    });
    expect(addresses(withoutArchive, state)).toStrictEqual([
      'packager.channel',
      'archive.bucket[0]',
      'archive.bucket[1]',
      'channel',
    ]);
    const gone = observationsOf(state, bindingObservation(state)).map((seen) =>
      seen.address === 'archive.bucket[0]' ? { ...seen, exists: false as const } : seen,
    );
    const deletion = plannedWith(withoutArchive, state, gone).resources.find(
      (resource) => resource.address === 'archive.bucket[0]',
    );
    expect([deletion?.action, deletion?.drift]).toStrictEqual([
      'delete',
      ['curling-live-archive-p0 was deleted outside mlds: only removed from the state'],
    ]);
  });

  it('property: for an unbound workflow, no observation of the recorded binding changes the plan', () => {
    const state = appliedBound();
    const withoutRead = plannedWith(unbound(), state, observationsOf(state, undefined));
    const destination = fc.record({
      Id: fc.constantFrom('packager', 'social', 'archive', 'other'),
      Settings: fc.array(fc.record({ Url: fc.webUrl() }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(fc.boolean(), fc.array(destination, { maxLength: 4 }), (exists, destinations) => {
        const seen = exists
          ? bindingObservation(state, { settings: { destinations } })
          : bindingObservation(state, { exists: false });
        expect(plannedWith(unbound(), state, observationsOf(state, seen))).toStrictEqual(withoutRead);
      }),
      { numRuns: 40 },
    );
  });
});

describe('what mlds only reads, refreshed', () => {
  const withBuckets = (): Workflow =>
    workflowOf({
      ...seedWorkflow(),
      downstream: [{ name: 'vod', system: 's3', format: 'hls', buckets: ['their-vod-p0', 'their-vod-p1'] }],
    });

  it('found there: the read stays a read without drift, no change once recorded', () => {
    const state = stateAfterApply(planWorkflow(withBuckets()));
    expect(addresses(withBuckets(), state)).toStrictEqual(['vod.bucket[0]', 'vod.bucket[1]']);
    const plan = plannedWith(withBuckets(), state, observationsOf(state, undefined));
    expect(plan.resources.map((r) => [r.action, r.address, r.drift])).toStrictEqual([
      ['read', 'vod.bucket[0]', undefined],
      ['read', 'vod.bucket[1]', undefined],
    ]);
  });

  it('found missing: still a read (mlds never creates it), with drift saying apply stops at it, and refused', () => {
    const state = stateAfterApply(planWorkflow(withBuckets()));
    const observations = observationsOf(state, undefined).map(
      (seen): Observation =>
        seen.name === 'their-vod-p1'
          ? { address: seen.address, kind: seen.kind, name: seen.name, region: seen.region, exists: false }
          : seen,
    );
    const plan = plannedWith(withBuckets(), state, observations);
    expect(plan.resources.map((r) => [r.action, r.address, r.existing, r.drift, r.refused])).toStrictEqual([
      ['read', 'vod.bucket[0]', true, undefined, undefined],
      [
        'read',
        'vod.bucket[1]',
        true,
        [
          'their-vod-p1 was not found: deleted outside mlds, or not where the workflow names it; apply stops at its read, before any change',
        ],
        'their-vod-p1 was not found: deleted outside mlds, or not where the workflow names it',
      ],
    ]);
  });

  it('found with other ingest endpoints (a channel it reads, rotated): a read with drift, not refused, its destination known after apply', () => {
    const reading = (): Workflow =>
      workflowOf({
        ...seedWorkflow(),
        downstream: [
          { name: 'origin', system: 'mediapackage', outputGroup: 'hls', channelId: 'their-channel' },
        ],
      });
    const state = stateAfterApply(planWorkflow(reading()));
    const record = state.resources.find((r) => r.address === 'origin.channel');
    const endpoints = record?.outputs?.ingestEndpoints as { id: string; url: string; username: string }[];
    expect(endpoints.length).toBeGreaterThan(0);
    const observations = observationsOf(state, undefined).map((seen): Observation => {
      if (!seen.exists || seen.address !== 'origin.channel') return seen;
      const rotated = endpoints.map((endpoint) => ({
        ...endpoint,
        username: `${endpoint.username}-rotated`,
      }));
      return { ...seen, settings: { ingestEndpoints: rotated } };
    });
    const plan = plannedWith(reading(), state, observations);
    const channel = plan.resources.find((r) => r.address === 'origin.channel');
    expect([channel?.action, channel?.drift, channel?.refused]).toStrictEqual([
      'read',
      [
        'its ingest endpoints (URLs or user names) changed outside mlds, by a rotation or the channel made again: apply records the new ones, which MediaLive needs',
      ],
      undefined,
    ]);
    const shown = recordedDestinations(plan.destinations, plan.resources, state);
    expect(JSON.stringify(shown)).not.toContain(endpoints[0]?.username);
    expect(JSON.stringify(shown)).toContain(KNOWN_AFTER_APPLY);
  });
});
