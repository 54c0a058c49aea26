import { seedWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { lastBinding } from './channel.js';
import type { Observation } from './drift.js';
import { normalizeWorkflow } from './normalize.js';
import { resolveDestinations } from './outputs.js';
import { parseWorkflow, validateWorkflow } from './parse.js';
import { planTeardown, planWorkflow } from './plan.js';
import {
  OTHER_STREAM_KEY,
  type Plan,
  type ResourceChange,
  type StateDocument,
  type WorkflowInput,
} from './types.js';

const bound = (channel: WorkflowInput['channel'], more: Partial<WorkflowInput> = {}): WorkflowInput => ({
  ...seedWorkflow(),
  ...(channel === undefined ? {} : { channel }),
  ...more,
});
const planOf = (input: WorkflowInput, state?: StateDocument): Plan =>
  planWorkflow(normalizeWorkflow(input), state === undefined ? {} : { state });
const channelOf = (plan: Plan): ResourceChange | undefined =>
  plan.resources.find((resource) => resource.kind === 'medialive-channel');
const codes = (plan: Plan) => plan.diagnostics.map((diagnostic) => diagnostic.code);

/** The state after an apply of `plan` that bound the channel and wrote these ids. */
function applied(plan: Plan, extra: Record<string, unknown> = {}): StateDocument {
  return stateAfterApply(plan, (resource) =>
    resource.kind === 'medialive-channel'
      ? { destinationIds: plan.destinations.map((destination) => destination.Id), ...extra }
      : {},
  );
}

describe('channel binding in the plan', () => {
  it('without `channel`, plans no MediaLive resource and says nothing about a channel', () => {
    const plan = planOf(seedWorkflow());
    expect(channelOf(plan)).toBeUndefined();
    expect(codes(plan).filter((code) => code.startsWith('channel.'))).toStrictEqual([]);
  });

  it('a first bind is an update of the channel, after every resource it writes to, with what it writes', () => {
    const plan = planOf(bound({ id: '1234567' }));
    expect(plan.resources.map((resource) => resource.address)).toStrictEqual([
      'packager.channel',
      'archive.bucket[0]',
      'archive.bucket[1]',
      'channel',
    ]);
    expect(channelOf(plan)).toStrictEqual({
      address: 'channel',
      kind: 'medialive-channel',
      action: 'update',
      name: '1234567',
      region: 'us-west-2',
      pipeline: null,
      downstream: '',
      properties: {
        whenRunning: 'refuse',
        channelClass: 'STANDARD',
        destinations: plan.destinations,
        streamKeys: { social: { env: 'SOCIAL_STREAM_KEY' } },
      },
      dependsOn: [],
      changes: ['destinations'],
    });
    expect(codes(plan)).toContain('channel.read-at-apply');
    expect(codes(plan)).not.toContain('channel.restart-outage');
  });

  it('names the outage when whenRunning is restart and the destinations change', () => {
    const plan = planOf(bound({ id: '1234567', whenRunning: 'restart' }));
    const outage = plan.diagnostics.find((diagnostic) => diagnostic.code === 'channel.restart-outage');
    expect(outage).toMatchObject({ severity: 'warning', path: 'channel.whenRunning' });
    expect(outage?.message).toMatch(/STOPS it \(an outage/);
  });

  it('is `read` once the destinations mlds wrote are unchanged, and no outage is announced', () => {
    const input = bound({ id: '1234567', whenRunning: 'restart' });
    const plan = planOf(input, applied(planOf(input)));
    expect(channelOf(plan)?.action).toBe('read');
    expect(codes(plan)).not.toContain('channel.restart-outage');
    // whenRunning alone is no change to the channel.
    const refuse = planOf(bound({ id: '1234567' }), applied(planOf(input)));
    expect(channelOf(refuse)?.action).toBe('read');
  });

  it('is an update when a destination is removed, added, or a stream key reference changes', () => {
    const input = bound({ id: '1234567' });
    const state = applied(planOf(input));
    const fewer = planOf({ ...input, downstream: input.downstream.slice(0, 2) }, state);
    expect(channelOf(fewer)).toMatchObject({ action: 'update', changes: ['destinations'] });
    const [packager, social] = input.downstream;
    if (packager === undefined || social === undefined) throw new Error('seedWorkflow changed');
    const keyMoved = planOf(
      { ...input, downstream: [packager, { ...social, streamKey: { ssmParameter: '/k' } }] },
      state,
    );
    expect(channelOf(keyMoved)).toMatchObject({ action: 'update' });
    expect(channelOf(keyMoved)?.action === 'update' && channelOf(keyMoved)).toMatchObject({
      changes: ['destinations', 'streamKeys'],
    });
  });

  it('is an update when the plan creates again what a destination sends to: it gets new values', () => {
    const input = bound({ id: '1234567' });
    const state = applied(planOf(input));
    // A crashed run's channel, or one a refresh found deleted: the plan creates it, with new ingest URLs.
    const recreating: StateDocument = {
      ...state,
      resources: state.resources.map((resource) =>
        resource.address === 'packager.channel' ? { ...resource, status: 'creating' } : resource,
      ),
    };
    const plan = planOf(input, recreating);
    expect(plan.resources.find((r) => r.address === 'packager.channel')?.action).toBe('create');
    expect(channelOf(plan)).toMatchObject({ action: 'update', changes: ['destinations'] });
    // Nothing created: only read.
    expect(channelOf(planOf(input, state))?.action).toBe('read');
  });

  it('an unfinished restart is an update that starts the channel, and the plan says so', () => {
    const input = bound({ id: '1234567' });
    const plan = planOf(input, applied(planOf(input), { pendingStart: true }));
    expect(channelOf(plan)).toMatchObject({ action: 'update', changes: ['start'] });
    const pending = plan.diagnostics.find((diagnostic) => diagnostic.code === 'channel.pending-start');
    expect(pending?.message).toMatch(/starts the channel/);
  });

  it('another channel id is a new binding; a removed binding is never deleted', () => {
    const input = bound({ id: '1234567' });
    const state = applied(planOf(input));
    const rebound = planOf(bound({ id: '7654321' }), state);
    expect(channelOf(rebound)).toMatchObject({ action: 'update', name: '7654321' });
    // The channel it wrote before keeps those destinations: said, at the field that moved.
    expect(
      rebound.diagnostics
        .filter((diagnostic) => diagnostic.code === 'channel.unbound')
        .map((diagnostic) => [diagnostic.path, diagnostic.message]),
    ).toStrictEqual([
      [
        'channel.id',
        'The state records that mlds wrote destinations (packager, social, archive) into MediaLive channel 1234567; bound to channel 7654321 in us-west-2 now, it no longer reads or writes that one, and those destinations stay in it until you change them yourself.',
      ],
    ]);
    // Still bound to it: no such warning.
    expect(planOf(input, state).diagnostics.map((diagnostic) => diagnostic.code)).not.toContain(
      'channel.unbound',
    );
    const unbound = planOf(seedWorkflow(), state);
    expect(unbound.resources.filter((resource) => resource.action === 'delete')).toStrictEqual([]);
    expect(unbound.diagnostics.find((diagnostic) => diagnostic.code === 'channel.unbound')?.message).toBe(
      'The state records that mlds wrote destinations (packager, social, archive) into MediaLive channel 1234567; without `channel:` it no longer reads or writes that channel, and those destinations stay in it until you change them yourself.',
    );
    expect(planTeardown(state).map((resource) => resource.kind)).not.toContain('medialive-channel');
  });

  it('lastBinding: the binding apply wrote last, whatever the order the state lists them in', () => {
    const first = applied(planOf(bound({ id: '1234567' })));
    const [older] = first.resources.filter((resource) => resource.kind === 'medialive-channel');
    if (older === undefined) throw new Error('no binding');
    const newer = {
      ...older,
      name: '7654321',
      createdAt: '2026-12-08T00:00:00.000Z',
      updatedAt: '2026-12-08T00:00:00.000Z',
    };
    const dated = { ...older, createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z' };
    expect(lastBinding({ ...first, resources: [dated, newer] })?.name).toBe('7654321');
    expect(lastBinding({ ...first, resources: [newer, dated] })?.name).toBe('7654321');
    expect(lastBinding({ ...first, resources: first.resources.filter((r) => r !== older) })).toBeUndefined();
    // The one the workflow names, when recorded, whatever was written last.
    const both = { ...first, resources: [dated, newer] };
    expect(lastBinding(both, { id: '1234567', region: 'us-west-2' })?.name).toBe('1234567');
    expect(lastBinding(both, { id: '1234567', region: 'eu-west-1' })?.name).toBe('7654321');
    expect(lastBinding(both, { id: '9999999', region: 'us-west-2' })?.name).toBe('7654321');
  });

  it('never carries a stream key value, only its reference', () => {
    const plan = planOf(bound({ id: '1234567' }));
    expect(JSON.stringify(channelOf(plan))).toContain('"StreamName":"(sensitive)"');
  });
});

describe('the `channel` field', () => {
  it('takes an id and whenRunning', () => {
    const result = validateWorkflow(bound({ id: '1234567', whenRunning: 'restart' }));
    expect(result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toStrictEqual([]);
    expect(result.workflow?.channel).toStrictEqual({ id: '1234567', whenRunning: 'restart' });
    expect(validateWorkflow(bound({ id: '1234567' })).workflow?.channel).toStrictEqual({
      id: '1234567',
      whenRunning: 'refuse',
    });
  });

  it('refuses a bad whenRunning, a missing id, a non-numeric id and unknown fields, naming the field', () => {
    const errors = (channel: unknown) =>
      validateWorkflow({ ...seedWorkflow(), channel })
        .diagnostics.filter((diagnostic) => diagnostic.severity === 'error')
        .map((diagnostic) => diagnostic.path);
    expect(errors({ id: '1', whenRunning: 'stop' })).toStrictEqual(['channel.whenRunning']);
    expect(errors({})).toContain('channel');
    expect(errors({ id: 'abc' })).toStrictEqual(['channel.id']);
    const unknown = validateWorkflow({ ...seedWorkflow(), channel: { id: '1', whenRuning: 'restart' } });
    expect(unknown.diagnostics.map((diagnostic) => diagnostic.message).join('\n')).toMatch(
      /did you mean `whenRunning`/,
    );
  });

  it('an unquoted numeric id is an error that says to quote it', () => {
    const text = [
      'workflow: w',
      'region: us-west-2',
      'channel: { id: 1234567 }',
      'downstream: [{ name: a, system: s3 }]',
    ];
    const messages = parseWorkflow(text.join('\n')).diagnostics.map((diagnostic) => diagnostic.message);
    expect(messages).toContain(
      '`channel.id` must be a string, not a number: quote it, e.g. `id: "1234567"` (MediaLive channel ids are strings).',
    );
  });

  it('parses from YAML', () => {
    const text = [
      'workflow: curling-live',
      'region: us-west-2',
      'channel:',
      '  id: "1234567"',
      '  whenRunning: restart',
      'downstream:',
      '  - { name: archive, system: s3, format: archive }',
    ].join('\n');
    expect(parseWorkflow(text).workflow?.channel).toStrictEqual({ id: '1234567', whenRunning: 'restart' });
  });
});

describe('environmentNeeded with a bound channel', () => {
  it('needs the { env } stream keys the channel is written with, every apply', async () => {
    const { environmentNeeded } = await import('./environment.js');
    const input = bound({ id: '1234567' });
    const first = planOf(input);
    expect(environmentNeeded(first)).toContainEqual({
      variable: 'SOCIAL_STREAM_KEY',
      address: 'social.streamKey',
      sentTo: 'medialive-channel',
    });
    const again = planOf(input, applied(first));
    expect(environmentNeeded(again)).toStrictEqual([
      {
        variable: 'SOCIAL_STREAM_KEY',
        address: 'social.streamKey',
        sentTo: 'medialive-channel',
      },
    ]);
  });
});

describe('a refreshed binding (what DescribeChannel showed of the destinations mlds wrote)', () => {
  const input = bound({ id: '1234567' });
  const state = applied(planOf(input));
  const recorded = state.resources.find((resource) => resource.kind === 'medialive-channel');
  // What apply wrote: the planned destinations with the values the state records (stream keys stay masked).
  const written = resolveDestinations(
    {
      destinations: (recorded?.properties?.destinations ?? []) as Plan['destinations'],
      resources: state.resources,
    },
    state,
  ).destinations;
  const identity = {
    address: 'channel',
    kind: 'medialive-channel' as const,
    name: '1234567',
    region: state.region,
  };
  const seen = (destinations: Plan['destinations']): Observation[] => [
    { ...identity, exists: true, tags: {}, settings: { destinations } },
  ];
  const refreshed = (observations: Observation[]) =>
    planWorkflow(normalizeWorkflow(input), { state, observations });

  it('as written, beside a destination of the channel mlds did not write: read, no drift, no diagnostic', () => {
    expect(written.length).toBeGreaterThan(1);
    const plan = refreshed(seen([{ Id: 'theirs', Settings: [{ Url: 's3ssl://theirs/x' }] }, ...written]));
    expect(channelOf(plan)?.action).toBe('read');
    expect(channelOf(plan)?.drift).toBeUndefined();
    expect(codes(plan)).not.toContain('channel.gone');
  });

  it('says the refresh read the channel, and apply reads it again; without a refresh, that it was not read', () => {
    const readAtApply = (plan: Plan) =>
      plan.diagnostics.find((diagnostic) => diagnostic.code === 'channel.read-at-apply')?.message;
    expect(readAtApply(refreshed(seen(written)))).toMatch(
      /^the refresh read MediaLive channel 1234567 \(DescribeChannel\); apply reads it again before any change/,
    );
    expect(readAtApply(planWorkflow(normalizeWorkflow(input), { state }))).toMatch(
      /^this plan was made without reading MediaLive channel 1234567; apply reads it \(DescribeChannel\) before any change/,
    );
  });

  it('one removed and one changed: an update of destinations naming both', () => {
    const [removed, changed, ...rest] = written;
    if (removed === undefined || changed === undefined) throw new Error('the seed workflow changed');
    const plan = refreshed(
      seen([{ Id: changed.Id, Settings: [{ Url: 'rtmp://elsewhere.example.com/app' }] }, ...rest]),
    );
    const change = channelOf(plan);
    expect([change?.action, change?.action === 'update' && change.changes, change?.drift]).toStrictEqual([
      'update',
      ['destinations'],
      [
        `destinations mlds wrote were removed from the channel outside mlds: ${removed.Id}`,
        `destinations mlds wrote were changed in the channel outside mlds: ${changed.Id}`,
      ],
    ]);
  });

  it('only a stream key differs: said as a key that is not the workflow’s, not as a destination changed', () => {
    const keyed = written.find((destination) =>
      destination.Settings?.some((s) => s.StreamName !== undefined),
    );
    if (keyed === undefined) throw new Error('the seed workflow has no stream key');
    const plan = refreshed(
      seen(
        written.map((destination) =>
          destination === keyed
            ? {
                ...destination,
                Settings: destination.Settings?.map((settings) =>
                  settings.StreamName === undefined
                    ? settings
                    : { ...settings, StreamName: OTHER_STREAM_KEY },
                ),
              }
            : destination,
        ),
      ),
    );
    expect(channelOf(plan)?.drift).toStrictEqual([
      `the stream key in the channel is not the one the workflow gives now (changed in the channel outside mlds, or in its environment variable or parameter): ${keyed.Id}`,
    ]);
  });

  it('gone: an update with drift, and the channel.gone warning on channel.id', () => {
    const plan = refreshed([{ ...identity, exists: false }]);
    expect(channelOf(plan)?.action).toBe('update');
    expect(channelOf(plan)?.drift?.[0]).toMatch(/^MediaLive channel 1234567 was deleted outside mlds/);
    expect(channelOf(plan)?.refused).toBe(
      'MediaLive channel 1234567 was deleted outside mlds, and mlds never creates a channel',
    );
    expect(plan.diagnostics.find((d) => d.code === 'channel.gone')).toMatchObject({
      severity: 'warning',
      path: 'channel.id',
    });
    // Not also "the refresh read MediaLive channel …", which beside it reads as if it had been found.
    expect(plan.diagnostics.filter((d) => d.code === 'channel.read-at-apply')).toStrictEqual([]);
  });

  it('a restart a crash left before its update: the old destinations are no drift, apply writes and starts', () => {
    const [first, ...rest] = written;
    if (first === undefined) throw new Error('the seed workflow changed');
    // The channel as it was before the stopped run: an older URL for one destination, another not there yet.
    const before = [{ Id: first.Id, Settings: [{ Url: 'rtmp://before.example.com/app' }] }, ...rest.slice(1)];
    const pending: StateDocument = {
      ...state,
      resources: state.resources.map((resource) =>
        resource.kind === 'medialive-channel'
          ? { ...resource, outputs: { ...resource.outputs, pendingStart: true } }
          : resource,
      ),
    };
    const plan = planWorkflow(normalizeWorkflow(input), {
      state: pending,
      observations: seen(before),
    });
    const change = channelOf(plan);
    expect([change?.action, change?.action === 'update' && change.changes, change?.drift]).toStrictEqual([
      'update',
      ['destinations', 'start'],
      undefined,
    ]);
    expect(codes(plan)).toContain('channel.pending-start');
    // As written: only the start is left.
    const started = planWorkflow(normalizeWorkflow(input), { state: pending, observations: seen(written) });
    expect(channelOf(started)).toMatchObject({ action: 'update', changes: ['start'] });
    expect(channelOf(started)?.drift).toBeUndefined();
  });
});
