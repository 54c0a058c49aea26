import { arbitraryWorkflowInput, stateAfterApply } from '@mlds/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Observation } from './drift.js';
import { normalizeWorkflow } from './normalize.js';
import { planWorkflow } from './plan.js';
import type { ResourceChange, StateResource } from './types.js';

// Laws of a refreshed plan, for every valid workflow: reading an AWS that matches the state changes nothing, and
// a resource found gone is created again, with drift, while everything else is planned as before.

const workflows = arbitraryWorkflowInput().map((input) => normalizeWorkflow(input));

function asRecorded(resource: StateResource): Observation {
  const settings =
    resource.kind === 's3-bucket'
      ? {
          publicAccessBlocked: true,
          encryption: 'AES256',
          mediaLiveRoleArn: (resource.properties?.mediaLiveRoleArn as string | undefined) ?? null,
        }
      : resource.kind === 'mediastore-container' || resource.kind === 'mediapackagev2-channel'
        ? { mediaLiveRoleArn: (resource.properties?.mediaLiveRoleArn as string | undefined) ?? null }
        : {};
  const { address, kind, name, region } = resource;
  return { address, kind, name, region, exists: true, tags: { ...resource.tags }, settings };
}

describe('a refreshed plan, for every valid workflow', () => {
  it('equals the unrefreshed plan when AWS holds what the state records', () => {
    fc.assert(
      fc.property(workflows, (workflow) => {
        const state = stateAfterApply(planWorkflow(workflow));
        const observations = state.resources.filter((r) => r.existing !== true).map(asRecorded);
        expect(planWorkflow(workflow, { state, observations })).toStrictEqual(
          planWorkflow(workflow, { state }),
        );
      }),
    );
  });

  it('creates again exactly what was found gone, with drift, and plans the rest as before', () => {
    fc.assert(
      fc.property(
        workflows.chain((workflow) => {
          const managed = stateAfterApply(planWorkflow(workflow)).resources.filter(
            (r) => r.existing !== true,
          );
          return fc.tuple(fc.constant(workflow), fc.subarray(managed.map((r) => r.address)));
        }),
        ([workflow, goneAddresses]) => {
          const state = stateAfterApply(planWorkflow(workflow));
          const gone = new Set(goneAddresses);
          const observations = state.resources
            .filter((r) => r.existing !== true)
            .map(
              (r): Observation => (gone.has(r.address) ? { ...asRecorded(r), exists: false } : asRecorded(r)),
            );
          const refreshed = planWorkflow(workflow, { state, observations });
          const before = planWorkflow(workflow, { state });
          refreshed.resources.forEach((change, index) => {
            const unrefreshed = before.resources[index];
            if (gone.has(change.address)) {
              expect(change.action).toBe('create');
              expect(change.drift).toStrictEqual([`${change.name} was deleted outside mlds`]);
            } else if (followsGoneChannel(change, gone)) {
              // A channel created again has new ingest passwords: its parameters are rewritten.
              expect(change).toStrictEqual({ ...unrefreshed, action: 'update', changes: ['value'] });
            } else {
              expect(change).toStrictEqual(unrefreshed);
            }
          });
          expect(refreshed.resources.map((r) => r.address)).toStrictEqual(
            before.resources.map((r) => r.address),
          );
        },
      ),
    );
  });
});

function followsGoneChannel(change: ResourceChange, gone: Set<string>): boolean {
  const source = change.properties.source;
  return (
    change.action !== 'delete' &&
    typeof source === 'object' &&
    source !== null &&
    'ingestEndpointOf' in source &&
    gone.has(String(source.ingestEndpointOf))
  );
}
