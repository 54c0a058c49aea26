import { aDownstream, aWorkflow, seedWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { normalizeWorkflow } from './normalize.js';
import { recordedDestinations, resolveDestinations } from './outputs.js';
import { planWorkflow } from './plan.js';
import type { Plan, StateDocument, WorkflowInput } from './types.js';

const planOf = (input: WorkflowInput): Plan => planWorkflow(normalizeWorkflow(input));
const EMPTY_STATE: StateDocument = {
  formatVersion: 1,
  workflow: 'curling-live',
  region: 'us-west-2',
  serial: 0,
  resources: [],
};

const ingestOutputs = {
  ingestEndpoints: [
    {
      id: 'e0',
      url: 'https://abc.mediapackage.us-west-2.amazonaws.com/in/v2/x/e0/channel',
      username: 'user0',
    },
    {
      id: 'e1',
      url: 'https://def.mediapackage.us-west-2.amazonaws.com/in/v2/x/e1/channel',
      username: 'user1',
    },
  ],
};

describe('HLS to MediaPackage', () => {
  const input = aWorkflow({
    downstream: [aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' })],
  });

  it('fills each pipeline with its ingest endpoint, in pipeline order, keeping the password parameter', () => {
    const plan = planOf(input);
    const state = stateAfterApply(plan, (resource) =>
      resource.kind === 'mediapackage-channel' ? ingestOutputs : {},
    );
    expect(resolveDestinations(plan, state)).toStrictEqual({
      destinations: [
        {
          Id: 'packager',
          Settings: [
            {
              Url: 'https://abc.mediapackage.us-west-2.amazonaws.com/in/v2/x/e0/channel',
              Username: 'user0',
              PasswordParam: '/mlds/curling-live/packager/password-p0',
            },
            {
              Url: 'https://def.mediapackage.us-west-2.amazonaws.com/in/v2/x/e1/channel',
              Username: 'user1',
              PasswordParam: '/mlds/curling-live/packager/password-p1',
            },
          ],
        },
      ],
      missing: [],
    });
  });

  it('reads an existing channel’s endpoints from its record', () => {
    const plan = planOf(
      aWorkflow({
        downstream: [aDownstream('mediapackage', { name: 'packager', channelId: 'Theirs', needs: ['id3'] })],
      }),
    );
    const state = stateAfterApply(plan, (resource) =>
      resource.kind === 'mediapackage-channel' ? ingestOutputs : {},
    );
    expect(state.resources[0]).toMatchObject({ name: 'Theirs', existing: true });
    expect(resolveDestinations(plan, state).destinations[0]?.Settings?.map((s) => s.Username)).toEqual([
      'user0',
      'user1',
    ]);
  });

  it('lists the channel as missing, once, and keeps the placeholders when the state lacks it', () => {
    const plan = planOf(input);
    expect(resolveDestinations(plan, EMPTY_STATE)).toStrictEqual({
      destinations: plan.destinations,
      missing: ['packager.channel'],
    });
  });

  it('does not trust a record that is still being created', () => {
    const plan = planOf(input);
    const applied = stateAfterApply(plan, () => ingestOutputs);
    const state = {
      ...applied,
      resources: applied.resources.map((r) => ({ ...r, status: 'creating' as const })),
    };
    expect(resolveDestinations(plan, state).missing).toEqual(['packager.channel']);
  });

  it('does not use the record of another channel at the same address', () => {
    const plan = planOf(input);
    const applied = stateAfterApply(plan, () => ingestOutputs);
    const state = { ...applied, resources: applied.resources.map((r) => ({ ...r, name: 'someone-else' })) };
    expect(resolveDestinations(plan, state).missing).toEqual(['packager.channel']);
  });

  it('fills what it has and reports the rest when only one ingest endpoint is recorded', () => {
    const plan = planOf(input);
    const state = stateAfterApply(plan, () => ({
      ingestEndpoints: ingestOutputs.ingestEndpoints.slice(0, 1),
    }));
    const resolved = resolveDestinations(plan, state);
    expect(resolved.destinations[0]?.Settings?.map((s) => s.Url)).toEqual([
      'https://abc.mediapackage.us-west-2.amazonaws.com/in/v2/x/e0/channel',
      '(known after apply)',
    ]);
    expect(resolved.missing).toEqual(['packager.channel']);
  });
});

describe('MediaStore', () => {
  it('builds mediastoressl://<endpoint host>/<path> from the recorded endpoint', () => {
    const plan = planOf(
      aWorkflow({
        channelClass: 'SINGLE_PIPELINE',
        downstream: [aDownstream('mediastore', { name: 'store', path: 'sports/curling/index' })],
      }),
    );
    const state = stateAfterApply(plan, () => ({
      endpoint: 'https://abcd1234.data.mediastore.us-west-2.amazonaws.com/',
    }));
    expect(resolveDestinations(plan, state)).toStrictEqual({
      destinations: [
        {
          Id: 'store',
          Settings: [
            { Url: 'mediastoressl://abcd1234.data.mediastore.us-west-2.amazonaws.com/sports/curling/index' },
          ],
        },
      ],
      missing: [],
    });
  });

  it('lists each container whose endpoint is missing', () => {
    const plan = planOf(aWorkflow({ downstream: [aDownstream('mediastore', { name: 'store' })] }));
    const applied = stateAfterApply(plan);
    const state = { ...applied, resources: applied.resources.map((r) => ({ ...r, outputs: {} })) };
    expect(resolveDestinations(plan, state).missing).toEqual(['store.container[0]', 'store.container[1]']);
  });
});

describe('everything else', () => {
  it('copies destinations that need nothing from apply, and keeps the stream key sensitive', () => {
    const plan = planOf(seedWorkflow());
    const resolved = resolveDestinations(plan, EMPTY_STATE);
    expect(resolved).toStrictEqual({ destinations: plan.destinations, missing: [] });
    expect(resolved.destinations[1]?.Settings?.[0]?.StreamName).toBe('(sensitive)');
    expect(resolved.destinations).not.toBe(plan.destinations);
    expect(resolved.destinations[0]).not.toBe(plan.destinations[0]);
  });

  it('does not change the plan or the state', () => {
    const plan = planOf(
      aWorkflow({
        downstream: [aDownstream('mediapackage', { outputGroup: 'hls' }), aDownstream('mediastore')],
      }),
    );
    const state = stateAfterApply(plan);
    const [planBefore, stateBefore] = [structuredClone(plan), structuredClone(state)];
    resolveDestinations(plan, state);
    expect(plan).toStrictEqual(planBefore);
    expect(state).toStrictEqual(stateBefore);
  });
});

describe('the plan after an apply: what the state records is shown, not (known after apply)', () => {
  const input = aWorkflow({
    mediaLiveRoleArn: 'arn:aws:iam::111122223333:role/MediaLiveAccessRole',
    downstream: [
      aDownstream('mediapackage-v2', { name: 'origin', format: 'hls' }),
      aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' }),
    ],
  });
  const normalized = normalizeWorkflow(input);
  const state = stateAfterApply(planWorkflow(normalized));
  const recordedUrls = (address: string) =>
    (state.resources.find((r) => r.address === address)?.outputs?.ingestEndpoints ?? []) as {
      url: string;
      username?: string;
    }[];

  it('a plan without a state keeps every value only apply can know unknown', () => {
    const plan = planWorkflow(normalized);
    expect(recordedDestinations(plan.destinations, plan.resources, undefined)[0]).toStrictEqual({
      Id: 'origin',
      Settings: [{ Url: '(known after apply)' }, { Url: '(known after apply)' }],
    });
  });

  it('noop resources: the recorded ingest URLs (v2) and URLs and user names (v1), plain plan and refreshed alike', () => {
    const [v2a, v2b] = recordedUrls('origin.channel');
    const [v1a, v1b] = recordedUrls('packager.channel');
    const expected = [
      { Id: 'origin', Settings: [{ Url: v2a?.url }, { Url: v2b?.url }] },
      {
        Id: 'packager',
        Settings: [
          {
            Url: v1a?.url,
            Username: v1a?.username,
            PasswordParam: '/mlds/curling-live/packager/password-p0',
          },
          {
            Url: v1b?.url,
            Username: v1b?.username,
            PasswordParam: '/mlds/curling-live/packager/password-p1',
          },
        ],
      },
    ];
    const plain = planWorkflow(normalized, { state });
    expect(recordedDestinations(plain.destinations, plain.resources, state)).toStrictEqual(expected);
    // A refresh that found every resource as recorded plans them noop: nothing recorded is lost.
    const observations = state.resources.map((r) => ({
      address: r.address,
      kind: r.kind,
      name: r.name,
      region: r.region,
      exists: true as const,
      tags: { ...(r.tags ?? {}) },
      settings:
        r.kind === 'mediapackagev2-channel' ? { mediaLiveRoleArn: input.mediaLiveRoleArn ?? null } : {},
    }));
    const refreshed = planWorkflow(normalized, { state, observations });
    expect(refreshed.resources.map((r) => r.action)).toStrictEqual(['noop', 'noop', 'noop', 'noop', 'noop']);
    expect(recordedDestinations(refreshed.destinations, refreshed.resources, state)).toStrictEqual(expected);
    // The plan itself keeps the placeholders: apply resolves them from the state as it is then.
    expect(refreshed.destinations[0]?.Settings?.[0]?.Url).toBe('(known after apply)');
  });

  it('a channel a refresh found deleted is created again: its new URLs are known only after apply', () => {
    const observations = state.resources
      .filter((r) => r.address === 'origin.channel')
      .map((r) => ({
        address: r.address,
        kind: r.kind,
        name: r.name,
        region: r.region,
        exists: false as const,
      }));
    const plan = planWorkflow(normalized, { state, observations });
    expect(plan.resources.find((r) => r.address === 'origin.channel')?.action).toBe('create');
    const shown = recordedDestinations(plan.destinations, plan.resources, state);
    expect(shown[0]).toStrictEqual({
      Id: 'origin',
      Settings: [{ Url: '(known after apply)' }, { Url: '(known after apply)' }],
    });
    expect(shown[1]?.Settings?.[0]?.Url).toBe(recordedUrls('packager.channel')[0]?.url);
  });
});
