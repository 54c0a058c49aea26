import { aDownstream, aWorkflow, seedWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { normalizeWorkflow } from './normalize.js';
import { planWorkflow } from './plan.js';
import type { ResourceChange, StateDocument, StateResource, WorkflowInput } from './types.js';

const workflowOf = (input: WorkflowInput) => normalizeWorkflow(input);
const appliedState = (input: WorkflowInput): StateDocument =>
  stateAfterApply(planWorkflow(workflowOf(input)));
const actions = (resources: ResourceChange[]) => resources.map((r) => `${r.action} ${r.address}`);

function editState(state: StateDocument, edit: (resource: StateResource) => StateResource): StateDocument {
  return { ...state, resources: state.resources.map(edit) };
}

describe('against no state', () => {
  it('creates every resource', () => {
    expect(actions(planWorkflow(workflowOf(seedWorkflow())).resources)).toEqual([
      'create packager.channel',
      'create archive.bucket[0]',
      'create archive.bucket[1]',
    ]);
  });
});

describe('against the state of a successful apply', () => {
  it('changes nothing', () => {
    const resources = planWorkflow(workflowOf(seedWorkflow()), {
      state: appliedState(seedWorkflow()),
    }).resources;
    expect(actions(resources)).toEqual([
      'noop packager.channel',
      'noop archive.bucket[0]',
      'noop archive.bucket[1]',
    ]);
    expect(resources[0]).toEqual({
      address: 'packager.channel',
      kind: 'mediapackage-channel',
      action: 'noop',
      name: 'curling-live-packager',
      region: 'us-west-2',
      pipeline: null,
      downstream: 'packager',
      tags: { team: 'sports', 'mlds:workflow': 'curling-live', 'mlds:downstream': 'packager' },
      properties: {},
      dependsOn: [],
    });
  });

  it('does not count a different key order as a change', () => {
    const state = editState(appliedState(seedWorkflow()), (resource) => ({
      ...resource,
      tags: Object.fromEntries(Object.entries(resource.tags ?? {}).reverse()),
    }));
    expect(
      planWorkflow(workflowOf(seedWorkflow()), { state }).resources.every((r) => r.action === 'noop'),
    ).toBe(true);
  });
});

describe('update', () => {
  it('lists changed tags', () => {
    const changed = { ...seedWorkflow(), tags: { team: 'curling' } };
    const resources = planWorkflow(workflowOf(changed), { state: appliedState(seedWorkflow()) }).resources;
    expect(
      resources.map((r) => ({ action: r.action, changes: 'changes' in r ? r.changes : undefined })),
    ).toEqual([
      { action: 'update', changes: ['tags'] },
      { action: 'update', changes: ['tags'] },
      { action: 'update', changes: ['tags'] },
    ]);
    expect(resources[0]?.tags).toEqual({
      team: 'curling',
      'mlds:workflow': 'curling-live',
      'mlds:downstream': 'packager',
    });
  });

  it('lists changed properties by name, after tags', () => {
    const { mediaLiveRoleArn: _, ...withoutRole } = seedWorkflow();
    const changed = { ...withoutRole, tags: {} };
    const resources = planWorkflow(workflowOf(changed), { state: appliedState(seedWorkflow()) }).resources;
    expect(resources[1]).toEqual({
      address: 'archive.bucket[0]',
      kind: 's3-bucket',
      action: 'update',
      name: 'curling-live-archive-p0',
      region: 'us-west-2',
      pipeline: 0,
      downstream: 'archive',
      tags: { 'mlds:workflow': 'curling-live', 'mlds:downstream': 'archive' },
      properties: {},
      dependsOn: [],
      changes: ['tags', 'mediaLiveRoleArn'],
    });
  });

  it('notices a changed password source', () => {
    const before = aWorkflow({
      downstream: [aDownstream('webdav', { name: 'cdn', password: { env: 'OLD' } })],
    });
    const after = aWorkflow({
      downstream: [aDownstream('webdav', { name: 'cdn', password: { env: 'NEW' } })],
    });
    const [change] = planWorkflow(workflowOf(after), { state: appliedState(before) }).resources;
    expect(change).toMatchObject({ address: 'cdn.password', action: 'update', changes: ['source'] });
  });

  it('reports a channel that changes hands from mlds to the user as a `read`, never a delete', () => {
    const owned = aWorkflow({
      downstream: [aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' })],
    });
    const adopted = aWorkflow({
      downstream: [
        aDownstream('mediapackage', {
          name: 'packager',
          outputGroup: 'hls',
          channelId: 'curling-live-packager',
        }),
      ],
    });
    const resources = planWorkflow(workflowOf(adopted), { state: appliedState(owned) }).resources;
    expect(resources.map((r) => ({ action: r.action, changes: 'changes' in r ? r.changes : [] }))).toEqual([
      { action: 'read', changes: [] },
      { action: 'noop', changes: [] },
      { action: 'noop', changes: [] },
    ]);
  });
});

describe('replace', () => {
  it('creates the channel in its new Region in place and deletes the old one last', () => {
    const before = aWorkflow({
      downstream: [aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' })],
    });
    const after = aWorkflow({
      downstream: [
        aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls', region: 'eu-west-1' }),
      ],
    });
    const resources = planWorkflow(workflowOf(after), { state: appliedState(before) }).resources;
    expect(resources.map((r) => `${r.action} ${r.address} ${r.region}`)).toEqual([
      'create packager.channel eu-west-1',
      'update packager.password[0] us-west-2',
      'update packager.password[1] us-west-2',
      'delete packager.channel us-west-2',
    ]);
  });

  it('replaces a resource whose name changed', () => {
    const state = editState(appliedState(seedWorkflow()), (resource) =>
      resource.address === 'archive.bucket[1]' ? { ...resource, name: 'old-archive-p1' } : resource,
    );
    const resources = planWorkflow(workflowOf(seedWorkflow()), { state }).resources;
    expect(resources.map((r) => `${r.action} ${r.address} ${r.name}`)).toEqual([
      'noop packager.channel curling-live-packager',
      'noop archive.bucket[0] curling-live-archive-p0',
      'create archive.bucket[1] curling-live-archive-p1',
      'delete archive.bucket[1] old-archive-p1',
    ]);
  });

  it('deletes the stale record of a replace that stopped half-way and keeps the current one', () => {
    const applied = appliedState(seedWorkflow());
    const stale = { ...applied.resources[0], name: 'old-packager', status: 'deleting' } as StateResource;
    const state = { ...applied, resources: [stale, ...applied.resources] };
    expect(actions(planWorkflow(workflowOf(seedWorkflow()), { state }).resources)).toEqual([
      'noop packager.channel',
      'noop archive.bucket[0]',
      'noop archive.bucket[1]',
      'delete packager.channel',
    ]);
  });
});

describe('a run that stopped half-way', () => {
  it.each(['creating', 'deleting'] as const)(
    'creates (so apply adopts) a resource recorded as %s',
    (status) => {
      const state = editState(appliedState(seedWorkflow()), (resource) =>
        resource.address === 'archive.bucket[0]' ? { ...resource, status } : resource,
      );
      expect(actions(planWorkflow(workflowOf(seedWorkflow()), { state }).resources)).toEqual([
        'noop packager.channel',
        'create archive.bucket[0]',
        'noop archive.bucket[1]',
      ]);
    },
  );
});

describe('delete', () => {
  it('deletes what is no longer wanted, last, parameters before their channel, in reverse creation order', () => {
    const before = aWorkflow({
      downstream: [
        aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' }),
        aDownstream('s3', { name: 'archive', format: 'archive' }),
        aDownstream('udp', { name: 'feed' }),
      ],
    });
    const after = aWorkflow({ downstream: [aDownstream('udp', { name: 'feed' })] });
    const resources = planWorkflow(workflowOf(after), { state: appliedState(before) }).resources;
    expect(actions(resources)).toEqual([
      'delete packager.password[1]',
      'delete packager.password[0]',
      'delete archive.bucket[1]',
      'delete archive.bucket[0]',
      'delete packager.channel',
    ]);
    expect(resources[0]).toEqual({
      address: 'packager.password[1]',
      kind: 'ssm-parameter',
      action: 'delete',
      name: '/mlds/curling-live/packager/password-p1',
      region: 'us-west-2',
      pipeline: 1,
      downstream: 'packager',
      tags: { 'mlds:workflow': 'curling-live', 'mlds:downstream': 'packager' },
      properties: { source: { ingestEndpointOf: 'packager.channel', endpointIndex: 1 } },
      dependsOn: ['packager.channel'],
    });
  });

  it('an existing channel the workflow no longer names is a delete of an existing resource: forgotten, never deleted', () => {
    const before = aWorkflow({
      downstream: [
        aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls', channelId: 'Theirs' }),
      ],
    });
    const after = aWorkflow({ downstream: [aDownstream('udp')] });
    const { resources } = planWorkflow(workflowOf(after), { state: appliedState(before) });
    expect(resources.map((r) => [r.action, r.address, r.name, r.existing ?? false])).toStrictEqual([
      ['delete', 'packager.password[1]', '/mlds/curling-live/packager/password-p1', false],
      ['delete', 'packager.password[0]', '/mlds/curling-live/packager/password-p0', false],
      ['delete', 'packager.channel', 'Theirs', true],
    ]);
  });

  it('an address that read an existing channel and now creates one: the create, and the read record forgotten', () => {
    const before = aWorkflow({
      downstream: [
        aDownstream('mediapackage', {
          name: 'packager',
          outputGroup: 'hls',
          channelId: 'Theirs',
          region: 'eu-central-1',
        }),
      ],
    });
    const after = aWorkflow({
      downstream: [aDownstream('mediapackage', { name: 'packager', outputGroup: 'mediapackage' })],
    });
    const { resources } = planWorkflow(workflowOf(after), { state: appliedState(before) });
    expect(resources.map((r) => [r.action, r.address, r.name, r.region, r.existing ?? false])).toStrictEqual([
      ['create', 'packager.channel', 'curling-live-packager', 'us-west-2', false],
      ['delete', 'packager.password[1]', '/mlds/curling-live/packager/password-p1', 'us-west-2', false],
      ['delete', 'packager.password[0]', '/mlds/curling-live/packager/password-p0', 'us-west-2', false],
      ['delete', 'packager.channel', 'Theirs', 'eu-central-1', true],
    ]);
  });

  it('a channel it read, now to be created under the same name and Region: a create, and the read record forgotten', () => {
    const packager = { name: 'packager', outputGroup: 'hls' } as const;
    const before = aWorkflow({
      downstream: [aDownstream('mediapackage', { ...packager, channelId: 'curling-live-packager' })],
    });
    const after = aWorkflow({ downstream: [aDownstream('mediapackage', packager)] });
    const { resources } = planWorkflow(workflowOf(after), { state: appliedState(before) });
    const channel = resources.filter((r) => r.address === 'packager.channel');
    expect(channel.map((r) => [r.action, r.name, r.region, r.existing ?? false])).toStrictEqual([
      ['create', 'curling-live-packager', 'us-west-2', false],
      ['delete', 'curling-live-packager', 'us-west-2', true],
    ]);
  });

  it('never deletes buckets that the workflow now names as existing buckets', () => {
    const before = aWorkflow({ downstream: [aDownstream('s3', { name: 'archive', format: 'archive' })] });
    const after = aWorkflow({
      downstream: [
        aDownstream('s3', {
          name: 'archive',
          format: 'archive',
          buckets: ['curling-live-archive-p0', 'somewhere-else'],
        }),
      ],
    });
    const { resources } = planWorkflow(workflowOf(after), { state: appliedState(before) });
    expect(resources.map((r) => [r.action, r.address, r.name, r.existing ?? false])).toStrictEqual([
      // Read, as any bucket named there: the record becomes a read one, which destroy leaves in AWS.
      ['read', 'archive.bucket[0]', 'curling-live-archive-p0', true],
      ['read', 'archive.bucket[1]', 'somewhere-else', true],
      // Pipeline 1 no longer writes to the bucket mlds made for it.
      ['delete', 'archive.bucket[1]', 'curling-live-archive-p1', false],
    ]);
  });

  it('never deletes a channel that the workflow now names as an existing channel', () => {
    const before = aWorkflow({ downstream: [aDownstream('mediapackage', { name: 'packager' })] });
    const after = aWorkflow({
      downstream: [aDownstream('mediapackage', { name: 'packager', channelId: 'curling-live-packager' })],
    });
    const { resources } = planWorkflow(workflowOf(after), { state: appliedState(before) });
    // Read at the address it had: the record becomes a read one, which destroy leaves in AWS.
    expect(resources.map((r) => [r.action, r.address, r.name, r.existing ?? false])).toStrictEqual([
      ['read', 'packager.channel', 'curling-live-packager', true],
    ]);
  });
});

describe('a password parameter follows its MediaPackage channel', () => {
  const hls = aWorkflow({
    downstream: [aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' })],
  });

  it('is rewritten when its channel is created again: a new channel has new passwords', () => {
    // The channel's record is a crashed run's (`creating`): apply finishes creating it.
    const state = editState(appliedState(hls), (resource) =>
      resource.kind === 'mediapackage-channel' ? { ...resource, status: 'creating' } : resource,
    );
    const resources = planWorkflow(workflowOf(hls), { state }).resources;
    expect(resources.map((r) => [r.action, r.address, r.action === 'update' ? r.changes : []])).toEqual([
      ['create', 'packager.channel', []],
      ['update', 'packager.password[0]', ['value']],
      ['update', 'packager.password[1]', ['value']],
    ]);
  });

  it('is kept when its channel stays', () => {
    expect(actions(planWorkflow(workflowOf(hls), { state: appliedState(hls) }).resources)).toEqual([
      'noop packager.channel',
      'noop packager.password[0]',
      'noop packager.password[1]',
    ]);
  });
});

describe('what a deletion waits for', () => {
  it('deletes a v2 channel before the channel group the state records it in', () => {
    const before = aWorkflow({
      downstream: [aDownstream('mediapackage-v2', { name: 'cmaf', format: 'cmaf' })],
    });
    const after = aWorkflow({ downstream: [aDownstream('udp')] });
    const resources = planWorkflow(workflowOf(after), { state: appliedState(before) }).resources;
    expect(resources.map((r) => [r.action, r.address, r.dependsOn])).toEqual([
      ['delete', 'cmaf.channel', ['cmaf.channel-group']],
      ['delete', 'cmaf.channel-group', []],
    ]);
  });
});
