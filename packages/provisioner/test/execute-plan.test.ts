import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { planTeardown, type StateDocument, type WorkflowInput } from '@mlds/core';
import { createFakeCloud } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { InvalidPlanError } from '../src/errors.js';
import { apply, destroy } from '../src/index.js';
import { collectEvents, MemoryStateStore, planOf, ROLE, virtualTime } from './helpers.js';

// The engine executes the plan it is given, as shown: each action, in the order its dependencies give. It
// refuses, before any call, a plan made for another state; destroy runs exactly the teardown shown.

const instant = { sleep: async () => {} };

const workflow: Partial<WorkflowInput> = {
  mediaLiveRoleArn: ROLE,
  downstream: [
    { name: 'cmaf', system: 'mediapackage-v2', format: 'cmaf' },
    { name: 'archive', system: 's3', format: 'archive' },
  ],
};

async function applied() {
  const cloud = createFakeCloud(instant);
  const store = new MemoryStateStore();
  const first = await apply({
    plan: planOf(workflow),
    clients: cloud.clients,
    store,
    env: {},
    ...virtualTime(),
  });
  return { cloud, store, state: first.state as StateDocument };
}

describe('apply executes the plan shown', () => {
  it('keeps a noop without a call, though AWS lost it: finding that out is the refresh’s job', async () => {
    const { cloud, store, state } = await applied();
    await cloud.clients.s3('us-west-2').send(new DeleteBucketCommand({ Bucket: 'curling-live-archive-p0' }));
    const before = cloud.calls().length;
    const plan = planOf(workflow, state);
    expect(new Set(plan.resources.map((r) => r.action))).toStrictEqual(new Set(['noop']));
    const result = await apply({ plan, clients: cloud.clients, store, env: {}, ...virtualTime() });
    expect(cloud.calls().slice(before)).toStrictEqual([]);
    expect(new Set(result.outcomes.map((o) => o.outcome))).toStrictEqual(new Set(['unchanged']));
  });

  it('refuses, before any call, a plan that keeps what the state does not record', async () => {
    const { cloud, state } = await applied();
    const before = cloud.calls().length;
    // Planned against the applied state, executed against a state that has lost its resources.
    const plan = planOf(workflow, state);
    const emptied = new MemoryStateStore({ ...state, resources: [] });
    const refused = apply({ plan, clients: cloud.clients, store: emptied, env: {}, ...virtualTime() });
    await expect(refused).rejects.toBeInstanceOf(InvalidPlanError);
    await expect(refused).rejects.toThrow(
      /cmaf\.channel-group: the plan says noop, but the state does not record it as created: the plan was made for another state; make a new plan/,
    );
    expect(cloud.calls().slice(before)).toStrictEqual([]);
    expect(emptied.writes).toStrictEqual([]);
  });

  it('refuses, before any call, a plan that deletes what the state does not record', async () => {
    const { cloud, state } = await applied();
    const plan = planOf({ ...workflow, downstream: [] }, state);
    const archiveOnly = new MemoryStateStore({
      ...state,
      resources: state.resources.filter((r) => r.downstream === 'archive'),
    });
    const before = cloud.calls().length;
    await expect(
      apply({ plan, clients: cloud.clients, store: archiveOnly, env: {}, ...virtualTime() }),
    ).rejects.toThrow(/cmaf\.channel: the plan says delete, but the state does not record it/);
    expect(cloud.calls().slice(before)).toStrictEqual([]);
  });
});

describe('destroy runs the teardown shown', () => {
  it('deletes in planTeardown’s order: a v2 channel before its group', async () => {
    const { cloud, store, state } = await applied();
    const teardown = planTeardown(state);
    expect(teardown.map((c) => [c.address, c.dependsOn])).toStrictEqual([
      ['cmaf.channel', ['cmaf.channel-group']],
      ['archive.bucket[1]', []],
      ['archive.bucket[0]', []],
      ['cmaf.channel-group', []],
    ]);
    const collected = collectEvents();
    const result = await destroy({
      clients: cloud.clients,
      store,
      teardown,
      onEvent: collected.onEvent,
      ...virtualTime(),
    });
    const doneAt = (address: string) =>
      collected.events.findIndex((e) => e.type === 'done' && 'address' in e && e.address === address);
    const startedAt = (address: string) =>
      collected.events.findIndex((e) => e.type === 'started' && 'address' in e && e.address === address);
    expect(doneAt('cmaf.channel')).toBeLessThan(startedAt('cmaf.channel-group'));
    expect(result.state?.resources).toStrictEqual([]);
    expect(cloud.inventory().mediapackagev2).toStrictEqual([]);
  });

  it('refuses, nothing deleted, when the state changed since the teardown was shown', async () => {
    const { cloud, store, state } = await applied();
    // Shown before another run forgot the archive buckets: the teardown shown deletes what the state no longer has.
    const shown = planTeardown(state);
    store.doc = { ...state, resources: state.resources.filter((r) => r.downstream !== 'archive'), serial: 2 };
    const before = cloud.mutatingCalls().length;
    const refused = destroy({ clients: cloud.clients, store, teardown: shown, ...virtualTime() });
    await expect(refused).rejects.toBeInstanceOf(InvalidPlanError);
    await expect(refused).rejects.toThrow(/the state changed since the teardown was shown/);
    expect(cloud.mutatingCalls().slice(before)).toStrictEqual([]);
    expect(cloud.inventory().mediapackagev2).toHaveLength(1);
  });
});
