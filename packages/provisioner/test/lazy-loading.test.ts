import { ListTagsForResourceCommand } from '@aws-sdk/client-ssm';
import { aDownstream, seedWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { apply, destroy } from '../src/engine.js';
import {
  MemoryStateStore,
  mockedClients,
  planOf,
  recordingClientFactory,
  tagsOf,
  virtualTime,
} from './helpers.js';

// Start-up in proportion to the work: a run asks for the clients of the services it calls, when it is about
// to call them, and for none when nothing needs a call.

const socialOnly = () => ({
  downstream: [aDownstream('rtmp', { name: 'social' }), aDownstream('udp', { name: 'contribution' })],
});

describe('which AWS clients a run builds', () => {
  it('none for a plan of RTMP and UDP destinations only (nothing to create), with the real factory', async () => {
    const { clients, loaded } = recordingClientFactory();
    const store = new MemoryStateStore();
    const result = await apply({ plan: planOf(socialOnly()), clients, store, env: {}, ...virtualTime() });
    expect(result.outcomes).toStrictEqual([]);
    expect(loaded).toStrictEqual([]);
  });

  it('only SSM when an RTMP password is the one resource', async () => {
    const { aws, mocks, requested } = mockedClients();
    mocks.ssm.resolves({});
    mocks.ssm.on(ListTagsForResourceCommand).resolves({ TagList: [] });
    const plan = planOf({
      downstream: [
        aDownstream('rtmp', {
          name: 'social',
          auth: 'common',
          username: 'u',
          password: { env: 'RTMP_PASSWORD' },
        }),
        aDownstream('udp', { name: 'contribution' }),
      ],
    });
    expect(plan.resources.map((resource) => resource.kind)).toStrictEqual(['ssm-parameter']);
    const result = await apply({
      plan,
      clients: aws,
      store: new MemoryStateStore(),
      env: { RTMP_PASSWORD: 'hunter2-secret' },
      ...virtualTime(),
    });
    expect(result.outcomes.map((outcome) => outcome.outcome)).toStrictEqual(['created']);
    expect(new Set(requested.map((request) => request.service))).toStrictEqual(new Set(['ssm']));
  });

  it('none for a re-apply with nothing to change', async () => {
    const { aws, requested } = mockedClients();
    const first = planOf(seedWorkflow());
    const state = stateAfterApply(first);
    const again = planOf(seedWorkflow(), state);
    expect(again.resources.every((resource) => resource.action === 'noop')).toBe(true);
    const result = await apply({
      plan: again,
      clients: aws,
      store: new MemoryStateStore(state),
      env: {},
      ...virtualTime(),
    });
    expect(result.outcomes.map((outcome) => outcome.outcome)).toStrictEqual(
      again.resources.map(() => 'unchanged'),
    );
    expect(requested).toStrictEqual([]);
  });

  it('only SSM for a destroy of a state holding only a parameter', async () => {
    const { aws, mocks, requested } = mockedClients();
    mocks.ssm.resolves({});
    const plan = planOf({
      downstream: [
        aDownstream('rtmp', {
          name: 'social',
          auth: 'common',
          username: 'u',
          password: { env: 'RTMP_PASSWORD' },
        }),
      ],
    });
    const state = stateAfterApply(plan);
    const entry = state.resources[0];
    if (entry === undefined) throw new Error('no parameter in the state');
    mocks.ssm
      .on(ListTagsForResourceCommand)
      .resolves({ TagList: Object.entries(tagsOf('social')).map(([Key, Value]) => ({ Key, Value })) });
    const result = await destroy({ clients: aws, store: new MemoryStateStore(state), ...virtualTime() });
    expect(result.outcomes).toStrictEqual([
      { address: entry.address, kind: 'ssm-parameter', outcome: 'deleted' },
    ]);
    expect(new Set(requested.map((request) => request.service))).toStrictEqual(new Set(['ssm']));
  });
});
