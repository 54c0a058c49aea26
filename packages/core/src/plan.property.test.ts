import { arbitraryWorkflowInput, stateAfterApply } from '@mlds/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeWorkflow } from './normalize.js';
import { resolveDestinations } from './outputs.js';
import { planWorkflow } from './plan.js';
import { KNOWN_AFTER_APPLY, type ResourceSpec } from './types.js';

const workflows = arbitraryWorkflowInput().map((input) => normalizeWorkflow(input));

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

const S3_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const VALID_NAME: Record<ResourceSpec['kind'], (name: string) => boolean> = {
  's3-bucket': (name) =>
    S3_BUCKET.test(name) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) &&
    !/(-s3alias|--ol-s3|--x-s3|--table-s3)$/.test(name),
  'mediastore-container': (name) => /^[\w-]{1,255}$/.test(name),
  'mediapackage-channel': (name) => /^[0-9a-zA-Z_-]{1,256}$/.test(name),
  'mediapackagev2-channel-group': (name) => /^[a-zA-Z0-9_-]{1,256}$/.test(name),
  'mediapackagev2-channel': (name) => /^[a-zA-Z0-9_-]{1,256}$/.test(name),
  'ssm-parameter': (name) =>
    /^\/[a-zA-Z0-9_.\-/]+$/.test(name) && !/^\/?(aws|ssm)/i.test(name) && name.split('/').length - 1 <= 15,
  'medialive-channel': (name) => /^[0-9]{1,32}$/.test(name),
};

describe('for every valid workflow', () => {
  it("builds each MediaPackage entry's resources and destination for the output group the plan shows", () => {
    fc.assert(
      fc.property(workflows, (workflow) => {
        const plan = planWorkflow(workflow);
        for (const group of plan.outputGroups) {
          const destination = plan.destinations.find((d) => d.Id === group.destinationId);
          const passwords = plan.resources.filter(
            (r) => r.downstream === group.name && r.kind === 'ssm-parameter',
          );
          const entry = workflow.downstream.find((d) => d.name === group.name);
          const packaged =
            entry?.resolvedSystem === 'mediapackage' || entry?.resolvedSystem === 'mediapackage-v2';
          if (!packaged) continue;
          // MediaLive's MediaPackage group finds the channel by name, with no URL and no credentials.
          expect(destination?.MediaPackageSettings !== undefined).toBe(group.type === 'MEDIAPACKAGE');
          expect(destination?.Settings !== undefined).toBe(group.type !== 'MEDIAPACKAGE');
          if (group.type === 'MEDIAPACKAGE') expect(passwords).toEqual([]);
          if (entry?.resolvedSystem === 'mediapackage' && group.type === 'HLS') {
            expect(passwords).toHaveLength(plan.pipelines);
          }
        }
      }),
    );
  });

  it('gives the same plan, byte for byte, for equal inputs, with or without state', () => {
    fc.assert(
      fc.property(workflows, (workflow) => {
        const first = planWorkflow(workflow);
        expect(JSON.stringify(planWorkflow(structuredClone(workflow)))).toBe(JSON.stringify(first));
        const state = stateAfterApply(first);
        expect(JSON.stringify(planWorkflow(workflow, { state }))).toBe(
          JSON.stringify(planWorkflow(structuredClone(workflow), { state: structuredClone(state) })),
        );
      }),
    );
  });

  it('is plain JSON data: nothing undefined, no class instances', () => {
    fc.assert(
      fc.property(workflows, (workflow) => {
        const plan = planWorkflow(workflow);
        expect(JSON.parse(JSON.stringify(plan))).toStrictEqual(plan);
      }),
    );
  });

  it('never changes its inputs', () => {
    fc.assert(
      fc.property(workflows, (workflow) => {
        const state = stateAfterApply(planWorkflow(workflow));
        const diagnostics = [{ severity: 'info' as const, code: 'x', message: 'y', path: '' }];
        const copies = structuredClone({ workflow, state, diagnostics });
        deepFreeze(workflow);
        deepFreeze(state);
        deepFreeze(diagnostics);
        const plan = planWorkflow(workflow, { state, diagnostics });
        resolveDestinations(deepFreeze(plan), state);
        expect({ workflow, state, diagnostics }).toStrictEqual(copies);
      }),
    );
  });

  it('gives every destination exactly one settings kind, sized to the pipelines', () => {
    fc.assert(
      fc.property(workflows, (workflow) => {
        const plan = planWorkflow(workflow);
        expect(plan.pipelines).toBe(workflow.channelClass === 'SINGLE_PIPELINE' ? 1 : 2);
        expect(plan.destinations.map((d) => d.Id)).toEqual(workflow.downstream.map((d) => d.name));
        for (const destination of plan.destinations) {
          const kinds = (['Settings', 'MediaPackageSettings', 'SrtSettings'] as const).filter(
            (kind) => destination[kind] !== undefined,
          );
          expect(kinds).toHaveLength(1);
          if (destination.Settings) expect(destination.Settings).toHaveLength(plan.pipelines);
          if (destination.SrtSettings) expect(destination.SrtSettings).toHaveLength(plan.pipelines);
          if (destination.MediaPackageSettings) expect(destination.MediaPackageSettings).toHaveLength(1);
        }
      }),
    );
  });

  it('names every resource validly, uniquely, and lists dependencies before dependents', () => {
    fc.assert(
      fc.property(workflows, (workflow) => {
        const { resources } = planWorkflow(workflow);
        for (const resource of resources) {
          expect(VALID_NAME[resource.kind](resource.name), `${resource.kind} ${resource.name}`).toBe(true);
          for (const dependency of resource.dependsOn) {
            expect(resources.findIndex((r) => r.address === dependency)).toBeLessThan(
              resources.indexOf(resource),
            );
          }
        }
        expect(new Set(resources.map((r) => r.address)).size).toBe(resources.length);
        expect(new Set(resources.map((r) => `${r.kind} ${r.region} ${r.name}`)).size).toBe(resources.length);
      }),
    );
  });

  it('has nothing left to do after a successful apply, and every destination value is then known', () => {
    fc.assert(
      fc.property(workflows, (workflow) => {
        const state = stateAfterApply(planWorkflow(workflow));
        const replanned = planWorkflow(workflow, { state });
        expect(replanned.resources.filter((r) => r.action !== 'noop' && r.action !== 'read')).toEqual([]);
        const resolved = resolveDestinations(replanned, state);
        expect(resolved.missing).toEqual([]);
        expect(JSON.stringify(resolved.destinations)).not.toContain(KNOWN_AFTER_APPLY);
      }),
    );
  });

  it('deletes everything it created, and only that, when every downstream entry is replaced', () => {
    fc.assert(
      fc.property(workflows, (workflow) => {
        const state = stateAfterApply(planWorkflow(workflow));
        const emptied = planWorkflow({ ...workflow, downstream: [] }, { state });
        const owned = state.resources.filter((r) => r.existing !== true).map((r) => r.address);
        const read = state.resources.filter((r) => r.existing === true).map((r) => r.address);
        expect(emptied.resources.every((r) => r.action === 'delete')).toBe(true);
        // What mlds only read is a delete of an existing resource (forgotten, left in AWS), and only that.
        const owns = emptied.resources.filter((r) => r.existing !== true).map((r) => r.address);
        const forgets = emptied.resources.filter((r) => r.existing === true).map((r) => r.address);
        expect(owns.sort()).toEqual([...owned].sort());
        expect(forgets.sort()).toEqual([...read].sort());
        const deleted = emptied.resources.map((r) => r.address);
        for (const [index, resource] of emptied.resources.entries()) {
          for (const dependency of resource.dependsOn.filter((address) => deleted.includes(address))) {
            expect(deleted.indexOf(dependency)).toBeGreaterThan(index);
          }
        }
      }),
    );
  });
});
