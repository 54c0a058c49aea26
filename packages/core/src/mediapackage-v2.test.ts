import { aDownstream, aWorkflow, stateAfterApply } from '@mlds/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeWorkflow } from './normalize.js';
import { resolveDestinations } from './outputs.js';
import { validateWorkflow } from './parse.js';
import { planTeardown, planWorkflow } from './plan.js';
import type { DownstreamInput, WorkflowInput } from './types.js';

const ROLE = 'arn:aws:iam::111122223333:role/MediaLiveAccessRole';
const TAGS = { 'mlds:workflow': 'curling-live', 'mlds:downstream': 'packager-v2' };

function v2(overrides: Partial<DownstreamInput> = {}, workflow: Partial<WorkflowInput> = {}) {
  return aWorkflow({
    mediaLiveRoleArn: ROLE,
    downstream: [aDownstream('mediapackage-v2', { name: 'packager-v2', ...overrides })],
    ...workflow,
  });
}

const planOf = (input: WorkflowInput, state?: Parameters<typeof planWorkflow>[1]) =>
  planWorkflow(normalizeWorkflow(input), state);
const codes = (input: unknown) =>
  validateWorkflow(input).diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`);
const actions = (input: WorkflowInput, options?: Parameters<typeof planWorkflow>[1]) =>
  planOf(input, options).resources.map((r) => `${r.action} ${r.address} ${r.name}`);

describe('output group', () => {
  it('CMAF with outputGroup auto: the MediaPackage group, the guide’s recommended path, with the v2 group settings', () => {
    const plan = planOf(v2());
    expect(plan.outputGroups).toStrictEqual([
      {
        name: 'packager-v2',
        type: 'MEDIAPACKAGE',
        destinationId: 'packager-v2',
        reasons: [
          {
            rule: 'delivering-to-mediapackage.v2-recommended',
            text: expect.stringContaining('"the recommended path for all new workflows"'),
          },
        ],
        groupSettings: { MediaPackageGroupSettings: { MediapackageV2GroupSettings: {} } },
      },
    ]);
    expect(plan.destinations).toStrictEqual([
      {
        Id: 'packager-v2',
        MediaPackageSettings: [{ ChannelGroup: 'curling-live', ChannelName: 'curling-live-packager-v2' }],
      },
    ]);
  });

  it('in another Region: still the MediaPackage group, naming the Region in MediaPackageRegionName', () => {
    const plan = planOf(v2({ region: 'us-east-1' }));
    expect(plan.outputGroups[0]?.type).toBe('MEDIAPACKAGE');
    expect(plan.outputGroups[0]?.reasons.map((r) => r.rule)).toStrictEqual([
      'delivering-to-mediapackage.v2-recommended',
      'delivering-to-mediapackage.v2-region',
    ]);
    expect(plan.destinations[0]).toStrictEqual({
      Id: 'packager-v2',
      MediaPackageSettings: [
        {
          ChannelGroup: 'curling-live',
          ChannelName: 'curling-live-packager-v2',
          MediaPackageRegionName: 'us-east-1',
        },
      ],
    });
    expect(plan.resources.map((r) => r.region)).toStrictEqual(['us-east-1', 'us-east-1']);
  });

  it('outputGroup cmaf-ingest: a CMAF Ingest group with one ingest URL per pipeline, known after apply, no credentials', () => {
    const plan = planOf(v2({ outputGroup: 'cmaf-ingest' }));
    expect(plan.outputGroups[0]).toMatchObject({
      type: 'CMAF_INGEST',
      groupSettings: { CmafIngestGroupSettings: {} },
    });
    expect(plan.outputGroups[0]?.reasons.map((r) => r.rule)).toStrictEqual([
      'outputGroup.forced',
      'cmaf-ingest.mediapackage-v2',
    ]);
    expect(plan.destinations).toStrictEqual([
      { Id: 'packager-v2', Settings: [{ Url: '(known after apply)' }, { Url: '(known after apply)' }] },
    ]);
  });

  it('format hls: an HLS group over Basic PUT, PAUSE_OUTPUT on a standard channel, EMIT_OUTPUT on a single pipeline', () => {
    const standard = planOf(v2({ format: 'hls' }));
    expect(standard.outputGroups[0]).toMatchObject({
      type: 'HLS',
      groupSettings: {
        HlsGroupSettings: { HlsCdnSettings: { HlsBasicPutSettings: {} }, InputLossAction: 'PAUSE_OUTPUT' },
      },
    });
    expect(standard.outputGroups[0]?.reasons.map((r) => r.rule)).toStrictEqual([
      'hls-destinations-emp.v2',
      'hls-resiliency.standard',
    ]);
    expect(standard.destinations[0]?.Settings).toStrictEqual([
      { Url: '(known after apply)' },
      { Url: '(known after apply)' },
    ]);
    const single = planOf(v2({ format: 'hls' }, { channelClass: 'SINGLE_PIPELINE' }));
    expect(single.outputGroups[0]?.groupSettings).toStrictEqual({
      HlsGroupSettings: { HlsCdnSettings: { HlsBasicPutSettings: {} }, InputLossAction: 'EMIT_OUTPUT' },
    });
    expect(single.destinations[0]?.Settings).toStrictEqual([{ Url: '(known after apply)' }]);
  });
});

describe('resources', () => {
  it('creates the workflow’s channel group, then a tagged CMAF channel in it that names the MediaLive role', () => {
    const { resources } = planOf(v2());
    expect(resources).toStrictEqual([
      {
        address: 'packager-v2.channel-group',
        kind: 'mediapackagev2-channel-group',
        action: 'create',
        name: 'curling-live',
        region: 'us-west-2',
        pipeline: null,
        downstream: 'packager-v2',
        tags: TAGS,
        properties: {},
        dependsOn: [],
      },
      {
        address: 'packager-v2.channel',
        kind: 'mediapackagev2-channel',
        action: 'create',
        name: 'curling-live-packager-v2',
        region: 'us-west-2',
        pipeline: null,
        downstream: 'packager-v2',
        tags: TAGS,
        properties: { channelGroup: 'curling-live', inputType: 'CMAF', mediaLiveRoleArn: ROLE },
        dependsOn: ['packager-v2.channel-group'],
      },
    ]);
  });

  it('only reads a channel group the file names, and puts the channel (named as written) in it', () => {
    const plan = planOf(v2({ channelGroup: 'live-events', channelName: 'curling' }));
    expect(plan.resources.map((r) => [r.action, r.kind, r.name, r.existing ?? false, r.tags])).toStrictEqual([
      ['read', 'mediapackagev2-channel-group', 'live-events', true, undefined],
      ['create', 'mediapackagev2-channel', 'curling', false, TAGS],
    ]);
    expect(plan.resources[1]?.properties).toMatchObject({ channelGroup: 'live-events', inputType: 'CMAF' });
    // Still `read` after apply: it is never created, updated or deleted.
    const state = stateAfterApply(plan);
    const input = v2({ channelGroup: 'live-events', channelName: 'curling' });
    expect(actions(input, { state })).toStrictEqual([
      'read packager-v2.channel-group live-events',
      'noop packager-v2.channel curling',
    ]);
    expect(planTeardown(state).map((r) => `${r.action} ${r.address}`)).toStrictEqual([
      'delete packager-v2.channel',
    ]);
  });

  it('shares one channel group between the workflow’s v2 entries in one Region', () => {
    const input = aWorkflow({
      mediaLiveRoleArn: ROLE,
      downstream: [
        aDownstream('mediapackage-v2', { name: 'main' }),
        aDownstream('mediapackage-v2', { name: 'backup', format: 'hls' }),
        aDownstream('mediapackage-v2', { name: 'east', region: 'us-east-1' }),
      ],
    });
    const { resources } = planOf(input);
    expect(
      resources.map((r) => `${r.address} ${r.name} ${r.region} [${r.dependsOn.join(',')}]`),
    ).toStrictEqual([
      'main.channel-group curling-live us-west-2 []',
      'main.channel curling-live-main us-west-2 [main.channel-group]',
      'backup.channel curling-live-backup us-west-2 [main.channel-group]',
      'east.channel-group curling-live us-east-1 []',
      'east.channel curling-live-east us-east-1 [east.channel-group]',
    ]);
  });

  it('replaces the channel when the format (its immutable InputType) changes: delete, then create, same name', () => {
    const state = stateAfterApply(planOf(v2()));
    expect(actions(v2({ format: 'hls' }), { state })).toStrictEqual([
      'noop packager-v2.channel-group curling-live',
      'create packager-v2.channel curling-live-packager-v2',
      'delete packager-v2.channel curling-live-packager-v2',
    ]);
    // The plan says why, where the format is, and what changes for MediaLive.
    expect(planOf(v2({ format: 'hls' }), { state }).diagnostics).toStrictEqual([
      {
        severity: 'warning',
        code: 'resource.replaced',
        message:
          'packager-v2.channel (curling-live-packager-v2) is replaced: inputType CMAF → HLS cannot change on an existing mediapackagev2-channel, so apply deletes it and creates it again under the same name. Its ingest URLs change with it: a MediaLive channel that sends to it needs the new destination (a bound channel gets it from apply).',
        path: 'downstream[0].format',
      },
    ]);
    // The role alone is an update of the channel policy, not a replacement, and no warning.
    const otherRole = v2({}, { mediaLiveRoleArn: 'arn:aws:iam::111122223333:role/Other' });
    const updated = planOf(otherRole, { state });
    expect(updated.resources[1]).toMatchObject({
      action: 'update',
      changes: ['mediaLiveRoleArn'],
    });
    expect(updated.diagnostics.filter((d) => d.code === 'resource.replaced')).toStrictEqual([]);
  });

  it('deletes the channel before its group when the entry goes', () => {
    const state = stateAfterApply(planOf(v2()));
    expect(planTeardown(state).map((r) => `${r.action} ${r.address}`)).toStrictEqual([
      'delete packager-v2.channel',
      'delete packager-v2.channel-group',
    ]);
  });

  it('fills the ingest URLs GetChannel answered into the HLS and CMAF Ingest destinations after apply', () => {
    for (const overrides of [{ format: 'hls' as const }, { outputGroup: 'cmaf-ingest' as const }]) {
      const plan = planOf(v2(overrides));
      const state = stateAfterApply(plan, () => ({
        ingestEndpoints: [
          { id: '1', url: 'https://a-1.ingest.x.mediapackagev2.us-west-2.amazonaws.com/in/v1/g/1/c/index' },
          { id: '2', url: 'https://a-2.ingest.x.mediapackagev2.us-west-2.amazonaws.com/in/v1/g/2/c/index' },
        ],
      }));
      expect(resolveDestinations(plan, state)).toStrictEqual({
        destinations: [
          {
            Id: 'packager-v2',
            Settings: [
              { Url: 'https://a-1.ingest.x.mediapackagev2.us-west-2.amazonaws.com/in/v1/g/1/c/index' },
              { Url: 'https://a-2.ingest.x.mediapackagev2.us-west-2.amazonaws.com/in/v1/g/2/c/index' },
            ],
          },
        ],
        missing: [],
      });
    }
  });
});

describe('validation', () => {
  it('accepts the defaults and every format × output group the guide allows', () => {
    expect(codes(v2())).toStrictEqual([]);
    expect(codes(v2({ outputGroup: 'mediapackage' }))).toStrictEqual([]);
    expect(codes(v2({ outputGroup: 'cmaf-ingest' }))).toStrictEqual([]);
    expect(codes(v2({ format: 'hls', outputGroup: 'hls' }))).toStrictEqual([]);
  });

  it('needs mediaLiveRoleArn, which the channel policy names', () => {
    const input = v2();
    delete input.mediaLiveRoleArn;
    const result = validateWorkflow(input);
    expect(result.workflow).toBeUndefined();
    expect(result.diagnostics).toStrictEqual([
      {
        severity: 'error',
        code: 'mediapackage-v2.role-required',
        path: 'downstream[0].system',
        message: expect.stringContaining('add `mediaLiveRoleArn:'),
      },
    ]);
  });

  it('refuses an output group the channel’s InputType cannot take', () => {
    expect(codes(v2({ format: 'hls', outputGroup: 'cmaf-ingest' }))).toStrictEqual([
      'error output-group.mediapackage-v2-format downstream[0].outputGroup',
    ]);
    expect(codes(v2({ format: 'hls', outputGroup: 'mediapackage' }))).toStrictEqual([
      'error output-group.mediapackage-v2-format downstream[0].outputGroup',
    ]);
    expect(codes(v2({ outputGroup: 'hls' }))).toStrictEqual([
      'error output-group.mediapackage-v2-format downstream[0].outputGroup',
    ]);
  });

  it('refuses a name outside [a-zA-Z0-9_-]{1,256}, VOD, and cmaf-ingest for v1', () => {
    expect(codes(v2({ channelGroup: 'live events' }))).toStrictEqual([
      'error mediapackage-v2.name downstream[0].channelGroup',
    ]);
    expect(codes(v2({ channelName: 'x'.repeat(257) }))).toStrictEqual([
      'error mediapackage-v2.name downstream[0].channelName',
    ]);
    expect(codes(v2({ format: 'hls', mode: 'vod' }))).toStrictEqual([
      'error mode.vod-unsupported downstream[0].mode',
    ]);
    expect(
      codes(aWorkflow({ downstream: [aDownstream('mediapackage', { outputGroup: 'cmaf-ingest' })] })),
    ).toHaveLength(1);
  });

  it('refuses two entries writing to one channel', () => {
    const input = aWorkflow({
      mediaLiveRoleArn: ROLE,
      downstream: [
        aDownstream('mediapackage-v2', { name: 'a', channelName: 'same' }),
        aDownstream('mediapackage-v2', { name: 'b', channelName: 'same' }),
      ],
    });
    expect(codes(input)).toStrictEqual(['error mediapackage-v2.shared-channel downstream[1].channelName']);
  });

  it('via your VPC: refuses the MediaPackage and HLS groups, warns that CMAF Ingest needs Elastic IPs', () => {
    const vpc = { delivery: 'vpc' as const };
    expect(codes(v2({}, vpc))).toContain('error vpc.unsupported-destination downstream[0].system');
    expect(codes(v2({ format: 'hls' }, vpc))).toContain(
      'error vpc.unsupported-destination downstream[0].system',
    );
    expect(codes(v2({ outputGroup: 'cmaf-ingest' }, vpc))).toContain(
      'warning vpc.mediapackage-v2-cmaf-ingest downstream[0].system',
    );
  });
});

describe('laws (fast-check)', () => {
  const entries = fc.record({
    format: fc.constantFrom('cmaf' as const, 'hls' as const),
    channelGroup: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), { nil: undefined }),
    channelName: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), { nil: undefined }),
    region: fc.option(fc.constantFrom('us-west-2', 'eu-west-1'), { nil: undefined }),
  });
  const clean = <T extends object>(value: T) =>
    Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;

  it('a changed format replaces the channel under its name, and never touches a channel group it only reads', () => {
    fc.assert(
      fc.property(entries, (entry) => {
        const before = v2(clean(entry));
        const after = v2(
          clean({ ...entry, format: entry.format === 'hls' ? ('cmaf' as const) : ('hls' as const) }),
        );
        const state = stateAfterApply(planOf(before));
        const changes = planOf(after, { state }).resources;
        const channel = changes.filter((r) => r.kind === 'mediapackagev2-channel');
        expect(channel.map((r) => r.action)).toStrictEqual(['create', 'delete']);
        expect(new Set(channel.map((r) => r.name)).size).toBe(1);
        const group = changes.filter((r) => r.kind === 'mediapackagev2-channel-group');
        expect(group.map((r) => r.action)).toStrictEqual([
          entry.channelGroup === undefined ? 'noop' : 'read',
        ]);
        const teardown = planTeardown(state);
        expect(teardown.some((r) => r.existing === true)).toBe(false);
        expect(teardown.map((r) => r.kind)).toStrictEqual(
          entry.channelGroup === undefined
            ? ['mediapackagev2-channel', 'mediapackagev2-channel-group']
            : ['mediapackagev2-channel'],
        );
      }),
    );
  });
});
