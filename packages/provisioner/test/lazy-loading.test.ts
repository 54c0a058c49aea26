import { ListTagsForResourceCommand } from '@aws-sdk/client-ssm';
import { aDownstream, createFakeCloud, seedWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { type AwsClients, createAwsClients, sdkLoaders } from '../src/clients.js';
import { apply, destroy } from '../src/engine.js';
import { prepareCalls } from '../src/handlers/index.js';
import {
  MemoryStateStore,
  mockedClients,
  planOf,
  recordingClientFactory,
  tagsOf,
  virtualTime,
} from './helpers.js';

// Start-up in proportion to the work: a run asks for the clients of the services it calls, before its first
// call, and for none when nothing needs a call.

/** The fake cloud's clients, with each client asked for logged in `log`, among the calls made so far. */
function clientsLoggedAmongCalls(cloud: ReturnType<typeof createFakeCloud>, log: string[]): AwsClients {
  const logged =
    (service: string, get: (region: string) => unknown) =>
    (region: string): never => {
      log.push(`client ${service} ${region} after ${cloud.calls().length} calls`);
      return get(region) as never;
    };
  const { clients } = cloud;
  return {
    ...clients,
    mediaPackage: logged('mediapackage', (region) => clients.mediaPackage(region)),
    s3: logged('s3', (region) => clients.s3(region)),
    ssm: logged('ssm', (region) => clients.ssm(region)),
  };
}

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

  it('every client the changes call through before the first call, even those of what waits on another', async () => {
    // A MediaPackage channel's ingest passwords go to SSM once the channel exists. Built at its first call,
    // SSM's client (a few ms of CPU) held up the calls in flight; now it is built with the run's code.
    const cloud = createFakeCloud();
    const log: string[] = [];
    const plan = planOf({
      downstream: [{ name: 'packager', system: 'mediapackage', format: 'hls', outputGroup: 'hls' }],
    });
    expect(plan.resources.map((change) => change.kind)).toStrictEqual([
      'mediapackage-channel',
      'ssm-parameter',
      'ssm-parameter',
    ]);
    await apply({
      plan,
      clients: clientsLoggedAmongCalls(cloud, log),
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    const firstOfEach = [...new Map(log.map((entry) => [entry.split(' after ')[0], entry])).keys()].map(
      (client) => log.find((entry) => entry.startsWith(`${client} after`)),
    );
    expect(firstOfEach).toStrictEqual([
      'client mediapackage us-west-2 after 0 calls',
      'client ssm us-west-2 after 0 calls',
    ]);
  });

  it('prepareCalls (during the pre-flight): the clients of the changes, once per service and Region', async () => {
    const { clients, loaded } = recordingClientFactory();
    await prepareCalls(clients, [
      { kind: 's3-bucket', region: 'us-west-2' },
      { kind: 'ssm-parameter', region: 'eu-west-1' },
      { kind: 's3-bucket', region: 'us-west-2' },
      { kind: 's3-bucket', region: 'eu-west-1' },
    ]);
    expect(loaded).toStrictEqual(['s3', 'ssm']);
    // Built already: asking again builds nothing more.
    expect(await clients.s3('eu-west-1')).toBe(await clients.s3('eu-west-1'));
  });

  it('prepareCalls never fails: a client that cannot be built is left to the run, which reports it', async () => {
    let attempts = 0;
    const clients = createAwsClients(
      {},
      {
        ...sdkLoaders,
        s3: async () => {
          attempts += 1;
          throw new Error('EMFILE: too many open files');
        },
      },
    );
    await expect(
      prepareCalls(clients, [{ kind: 's3-bucket', region: 'us-west-2' }]),
    ).resolves.toBeUndefined();
    expect(attempts).toBe(1);
    await expect(clients.s3('us-west-2')).rejects.toThrow('EMFILE');
    expect(attempts).toBe(2);
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
