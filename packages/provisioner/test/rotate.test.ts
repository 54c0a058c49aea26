import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeChannelCommand } from '@aws-sdk/client-mediapackage';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { aDownstream, createFakeCloud, type FakeCloud } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import {
  apply,
  FileStateStore,
  RequestLimiter,
  RotationFailedError,
  RotationNotPossibleError,
  rotateIngestCredentials,
  type StateStore,
} from '../src/index.js';
import { planOf, REGION, virtualTime, WORKFLOW } from './helpers.js';

// rotate-credentials against the fake cloud: exact SDK inputs, the passwords only in SSM, and a run that dies
// after any of its mutating calls finished by the next run.

const CHANNEL = 'curling-live-packager';
const PARAMETERS = ['/mlds/curling-live/packager/password-p0', '/mlds/curling-live/packager/password-p1'];
const hlsPackager = () => ({
  downstream: [aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' as const })],
});

function statePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'mlds-rotate-')), '.mlds', 'curling-live.state.json');
}

async function applied(): Promise<{ cloud: FakeCloud; path: string }> {
  const cloud = createFakeCloud({ sleep: async () => {} });
  const path = statePath();
  await apply({
    plan: planOf(hlsPackager()),
    clients: cloud.clients,
    store: new FileStateStore(path),
    env: {},
    ...virtualTime(),
  });
  return { cloud, path };
}

/** What MediaPackage and SSM hold now, read after the assertions on the call log. */
async function credentials(cloud: FakeCloud) {
  const channel = await cloud.clients.mediaPackage(REGION).send(new DescribeChannelCommand({ Id: CHANNEL }));
  const endpoints = channel.HlsIngest?.IngestEndpoints ?? [];
  const stored = await Promise.all(
    PARAMETERS.map(async (name) => {
      const output = await cloud.clients
        .ssm(REGION)
        .send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return output.Parameter?.Value;
    }),
  );
  return {
    ids: endpoints.map((endpoint) => endpoint.Id),
    usernames: endpoints.map((endpoint) => endpoint.Username),
    passwords: endpoints.map((endpoint) => endpoint.Password),
    stored,
  };
}

function readState(path: string) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

describe('rotateIngestCredentials', () => {
  it('rotates each endpoint and puts its new password straight into its parameter', async () => {
    const { cloud, path } = await applied();
    const before = await credentials(cloud);
    const serial = readState(path).serial;
    const from = cloud.calls().length;

    const result = await rotateIngestCredentials({
      workflow: WORKFLOW,
      downstream: 'packager',
      clients: cloud.clients,
      store: new FileStateStore(path),
      ...virtualTime(),
    });

    const calls = cloud.calls().slice(from);
    const after = await credentials(cloud);
    expect(calls.map((call) => [call.service, call.region, call.command, call.input])).toStrictEqual(
      [0, 1].flatMap((index) => [
        [
          'mediapackage',
          REGION,
          'RotateIngestEndpointCredentialsCommand',
          { Id: CHANNEL, IngestEndpointId: before.ids[index] },
        ],
        [
          'ssm',
          REGION,
          'PutParameterCommand',
          {
            Name: PARAMETERS[index],
            Value: after.passwords[index],
            Type: 'SecureString',
            Tier: 'Standard',
            Overwrite: true,
          },
        ],
      ]),
    );
    expect(after.ids).toStrictEqual(before.ids);
    expect(after.stored).toStrictEqual(after.passwords);
    for (const index of [0, 1]) {
      expect(after.passwords[index]).not.toBe(before.passwords[index]);
      expect(after.usernames[index]).not.toBe(before.usernames[index]);
    }

    expect(result.resumed).toBe(false);
    expect(result.rotated).toStrictEqual(
      [0, 1].map((index) => ({
        id: before.ids[index],
        username: after.usernames[index],
        parameter: PARAMETERS[index],
      })),
    );
    const stateText = readFileSync(path, 'utf8');
    const state = JSON.parse(stateText);
    // The new user names are recorded (MediaLive needs them); the rotation is over; one run, one serial.
    const channel = state.resources.find((r: { address: string }) => r.address === 'packager.channel');
    expect(channel.outputs.ingestEndpoints.map((e: { username: string }) => e.username)).toStrictEqual(
      after.usernames,
    );
    expect(channel.rotation).toBeUndefined();
    expect(state.serial).toBe(serial + 1);
    for (const secret of cloud.secretValues()) expect(stateText).not.toContain(secret);
    expect(JSON.stringify(result)).not.toContain(after.passwords[0]);
  });

  it('a run that dies after any mutating call is finished by the next run: SSM holds what MediaPackage holds', async () => {
    for (let n = 1; n <= 3; n++) {
      const { cloud, path } = await applied();
      const before = await credentials(cloud);
      const mutationsBefore = cloud.mutatingCalls().length;
      const okMutations = () =>
        cloud
          .mutatingCalls()
          .slice(mutationsBefore)
          .filter((call) => call.outcome === 'ok').length;
      const file = new FileStateStore(path);
      // The process dies right after its n-th mutating call: no later state write.
      const dying: StateStore = {
        lock: (command) => file.lock(command),
        read: () => file.read(),
        write: async (doc) => {
          if (okMutations() >= n) throw new Error('the process is dead');
          await file.write(doc);
        },
      };
      cloud.crashAfterMutatingCalls(n);
      await expect(
        rotateIngestCredentials({
          workflow: WORKFLOW,
          downstream: 'packager',
          clients: cloud.clients,
          store: dying,
          ...virtualTime(),
        }),
      ).rejects.toThrow();
      cloud.crashAfterMutatingCalls(undefined);
      // The intent is in the state: both endpoints, the first one done once its parameter was written and
      // recorded (mutating calls: 1 rotate, 2 put, 3 rotate).
      const intent = readState(path).resources.find(
        (r: { address: string }) => r.address === 'packager.channel',
      ).rotation;
      expect(intent.endpoints).toStrictEqual(
        [0, 1].map((index) => ({
          id: before.ids[index],
          parameter: PARAMETERS[index],
          done: index === 0 && n === 3,
        })),
      );

      const result = await rotateIngestCredentials({
        workflow: WORKFLOW,
        downstream: 'packager',
        clients: cloud.clients,
        store: new FileStateStore(path),
        ...virtualTime(),
      });
      expect(result.resumed).toBe(true);
      const after = await credentials(cloud);
      expect(after.stored, `crash after mutating call ${n}`).toStrictEqual(after.passwords);
      for (const index of [0, 1]) expect(after.passwords[index]).not.toBe(before.passwords[index]);
      const channel = readState(path).resources.find(
        (r: { address: string }) => r.address === 'packager.channel',
      );
      expect(channel.rotation).toBeUndefined();
      expect(channel.outputs.ingestEndpoints.map((e: { username: string }) => e.username)).toStrictEqual(
        after.usernames,
      );
    }
  });

  it('a signal starts no further rotation: the one in flight stores its password, the next run does the rest', async () => {
    // The signal comes while the first endpoint's RotateIngestEndpointCredentials is in flight.
    const { cloud, path } = await applied();
    const before = await credentials(cloud);
    const interrupt = new AbortController();
    const mediaPackage = cloud.clients.mediaPackage(REGION);
    const signalling = {
      ...cloud.clients,
      mediaPackage: () => ({
        send: async (command: Parameters<typeof mediaPackage.send>[0]) => {
          const answer = mediaPackage.send(command);
          interrupt.abort('SIGINT');
          return answer;
        },
      }),
    } as unknown as typeof cloud.clients;
    const from = cloud.calls().length;
    const result = await rotateIngestCredentials({
      workflow: WORKFLOW,
      downstream: 'packager',
      clients: signalling,
      store: new FileStateStore(path),
      signal: interrupt.signal,
      ...virtualTime(),
    });
    const names = () =>
      cloud
        .calls()
        .slice(from)
        .map((call) => [
          call.command,
          (call.input as { IngestEndpointId?: string }).IngestEndpointId ??
            (call.input as { Name?: string }).Name,
        ]);
    expect(names()).toStrictEqual([
      ['RotateIngestEndpointCredentialsCommand', before.ids[0]],
      ['PutParameterCommand', PARAMETERS[0]],
    ]);
    expect(result.interrupted).toBe(true);
    expect(result.rotated.map((endpoint) => endpoint.id)).toStrictEqual([before.ids[0]]);
    const half = await credentials(cloud);
    expect(half.stored[0]).toBe(half.passwords[0]);
    expect(half.passwords[1]).toBe(before.passwords[1]);
    const channel = () =>
      readState(path).resources.find((r: { address: string }) => r.address === 'packager.channel');
    expect(channel().rotation.endpoints.map((e: { done: boolean }) => e.done)).toStrictEqual([true, false]);

    const rest = await rotateIngestCredentials({
      workflow: WORKFLOW,
      downstream: 'packager',
      clients: cloud.clients,
      store: new FileStateStore(path),
      ...virtualTime(),
    });
    expect(rest).toMatchObject({ resumed: true, interrupted: false });
    expect(rest.rotated.map((endpoint) => endpoint.id)).toStrictEqual([before.ids[1]]);
    const after = await credentials(cloud);
    expect(after.stored).toStrictEqual(after.passwords);
    expect(channel().rotation).toBeUndefined();
  });

  it("asks the run's limiter (--rate-limit) before every call", async () => {
    const { cloud, path } = await applied();
    const asked: string[] = [];
    const limiter = new RequestLimiter();
    limiter.acquire = async (service, region, operation) => {
      asked.push(`${service} ${region} ${operation}`);
    };
    await rotateIngestCredentials({
      workflow: WORKFLOW,
      downstream: 'packager',
      clients: cloud.clients,
      store: new FileStateStore(path),
      limiter,
      ...virtualTime(),
    });
    expect(asked).toStrictEqual(
      [0, 1].flatMap(() => [
        `mediapackage ${REGION} RotateIngestEndpointCredentials`,
        `ssm ${REGION} PutParameter`,
      ]),
    );
  });

  it('a resumed run skips the endpoints already done', async () => {
    const { cloud, path } = await applied();
    const before = await credentials(cloud);
    const file = new FileStateStore(path);
    // Dies on the third mutating call (the second Rotate): the first endpoint is done and recorded.
    cloud.crashAfterMutatingCalls(2);
    await expect(
      rotateIngestCredentials({
        workflow: WORKFLOW,
        downstream: 'packager',
        clients: cloud.clients,
        store: file,
        ...virtualTime(),
      }),
    ).rejects.toBeInstanceOf(RotationFailedError);
    cloud.crashAfterMutatingCalls(undefined);
    const from = cloud.calls().length;
    await rotateIngestCredentials({
      workflow: WORKFLOW,
      downstream: 'packager',
      clients: cloud.clients,
      store: file,
      ...virtualTime(),
    });
    expect(
      cloud
        .calls()
        .slice(from)
        .map((call) => [
          call.command,
          (call.input as { IngestEndpointId?: string; Name?: string }).IngestEndpointId ??
            (call.input as { Name?: string }).Name,
        ]),
    ).toStrictEqual([
      ['RotateIngestEndpointCredentialsCommand', before.ids[1]],
      ['PutParameterCommand', PARAMETERS[1]],
    ]);
  });

  it('refuses, without any AWS call, what it cannot rotate', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const cases: { input: Parameters<typeof planOf>[0] | undefined; downstream: string; message: RegExp }[] =
      [
        { input: undefined, downstream: 'packager', message: /^nothing is applied yet/ },
        {
          input: {},
          downstream: 'packager',
          message: /^no SSM parameter holds an ingest password of packager\.channel/,
        },
        {
          input: {
            downstream: [
              aDownstream('mediapackage', {
                name: 'packager',
                outputGroup: 'hls',
                channelId: 'their-channel',
              }),
            ],
          },
          downstream: 'packager',
          message: /channel mlds only reads/,
        },
        {
          input: hlsPackager(),
          downstream: 'archive',
          message: /does not record archive\.channel as created/,
        },
      ];
    cloud.seed.mediaPackageChannel('their-channel', REGION);
    for (const { input, downstream, message } of cases) {
      const path = statePath();
      const store = new FileStateStore(path);
      if (input !== undefined) {
        await apply({ plan: planOf(input), clients: cloud.clients, store, env: {}, ...virtualTime() });
      }
      const from = cloud.calls().length;
      const error = await rotateIngestCredentials({
        workflow: WORKFLOW,
        downstream,
        clients: cloud.clients,
        store,
        ...virtualTime(),
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RotationNotPossibleError);
      expect((error as Error).message).toMatch(message);
      expect(cloud.calls().slice(from)).toStrictEqual([]);
    }
  });
});
