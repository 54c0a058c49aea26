import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters as plain } from 'node:util';
import {
  DescribeChannelCommand,
  ForbiddenException,
  StartChannelCommand,
  UpdateChannelCommand,
} from '@aws-sdk/client-medialive';
import type { StateDocument } from '@mlds/core';
import {
  aMediaLiveChannel,
  CHANNEL_ROLE_ARN,
  createFakeCloud,
  type FakeCloud,
  readExample,
} from '@mlds/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliOptions } from '../src/main.js';
import {
  aroundSends,
  existingTexts,
  expectNoSecrets,
  mediaPackageChannelOf,
  runAgainstFake,
} from './fake-cli.js';
import { signalSource } from './fake-signals.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';
import { hlsToMediaPackageWorkflow } from './workflow-texts.js';

// A workflow bound to a MediaLive channel (`channel:`), through main() against the fake cloud. The stream key
// goes to MediaLive and nowhere else: every run's stdout, stderr and the state file are scanned for it.

const REGION = 'us-west-2';
const CHANNEL = '1234567';
const STATE = '.mlds/curling-live.state.json';
const ENV = { SOCIAL_STREAM_KEY: 'sk-live-5ecr3t-stream-key' };

const bound = (whenRunning?: 'restart') =>
  [
    readExample('curling-live').trimEnd(),
    'channel:',
    `  id: "${CHANNEL}"`,
    ...(whenRunning ? [`  whenRunning: ${whenRunning}`] : []),
    '',
  ].join('\n');

let fake: FakeCloud;
let cwd: string;
let printed: string[];

function seedChannel(state: 'IDLE' | 'RUNNING' = 'IDLE') {
  fake.seed.mediaLiveChannel(
    CHANNEL,
    REGION,
    aMediaLiveChannel({
      state,
      destinations: [
        { id: 'packager', group: 'MEDIAPACKAGE' },
        { id: 'social', group: 'RTMP' },
        { id: 'archive', group: 'ARCHIVE' },
      ],
    }),
  );
}

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  printed = [];
  writeFileSync(join(cwd, 'bound.yaml'), bound());
  writeFileSync(join(cwd, 'restart.yaml'), bound('restart'));
  writeFileSync(join(cwd, 'unbound.yaml'), readExample('curling-live'));
});

afterEach(() => {
  const secrets = [...fake.secretValues(), ...Object.values(ENV)];
  expect(secrets).toContain(ENV.SOCIAL_STREAM_KEY);
  expectNoSecrets([...printed, ...existingTexts(join(cwd, STATE))], secrets);
});

async function mlds(argv: string[], options: Partial<Omit<CliOptions, 'argv'>> = {}): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, fake, env: ENV, printed }, options);
}

const channelState = () => fake.inventory().medialive[0]?.state;
const streamNames = () =>
  fake
    .calls()
    .filter((call) => call.command === 'UpdateChannelCommand')
    .map((call) => {
      const input = call.input as { Destinations: { Id: string; Settings?: { StreamName?: string }[] }[] };
      return input.Destinations.find((d) => d.Id === 'social')?.Settings?.map((s) => s.StreamName);
    });

describe('mlds plan with a bound channel', () => {
  it('lists the channel as a medialive-channel update, says it is read at apply, without calling AWS', async () => {
    const run = await mlds(['plan', 'bound.yaml']);
    expect(run.code).toBe(0);
    const out = plain(run.stdout);
    expect(out).toMatch(/~ update\s+channel\s+medialive-channel\s+1234567\s+us-west-2/);
    expect(out).toContain('bound channel: read at apply, destinations written, refused if RUNNING');
    expect(unwrapped(plain(run.stderr))).toContain(
      'this plan was made without reading MediaLive channel 1234567; apply reads it (DescribeChannel) before any change',
    );
    expect(fake.calls()).toStrictEqual([]);
  });

  it('names the outage when whenRunning is restart', async () => {
    const run = await mlds(['plan', 'restart.yaml']);
    expect(unwrapped(plain(run.stderr))).toContain(
      'apply STOPS it (an outage of every output of the channel',
    );
  });

  it('--restart-channel: the plan announces the outage apply --restart-channel would cause, blamed on the flag', async () => {
    const run = await mlds(['plan', 'bound.yaml', '--restart-channel']);
    expect(run.code, run.stderr).toBe(0);
    const stderr = unwrapped(plain(run.stderr));
    expect(stderr).toMatch(
      /^warning bound\.yaml:\d+:\d+: `channel`: --restart-channel: if MediaLive channel 1234567 is RUNNING at apply, apply STOPS it \(an outage of every output of the channel, usually a minute or more\), updates its destinations and starts it again\. Without the flag it is updated only while it is IDLE\. \[channel\.restart-outage\]$/m,
    );
    expect(stderr).not.toContain('whenRunning');
    const json = JSON.parse((await mlds(['plan', 'bound.yaml', '--restart-channel', '--json'])).stdout);
    expect(
      json.diagnostics
        .filter((d: { code: string }) => d.code === 'channel.restart-outage')
        .map((d: { path: string }) => d.path),
    ).toStrictEqual(['channel']);
    // The file's own whenRunning: restart keeps its own words, flag or not.
    const own = await mlds(['plan', 'restart.yaml', '--restart-channel']);
    expect(unwrapped(plain(own.stderr))).toContain(
      'Use whenRunning: refuse to update it only while it is IDLE.',
    );
    const unbound = await mlds(['plan', 'unbound.yaml', '--restart-channel']);
    expect(unbound.code).toBe(2);
    expect(unbound.stderr).toContain('--restart-channel: unbound.yaml binds no MediaLive channel');
    expect(fake.calls()).toStrictEqual([]);
  });

  it('--json lists the resource with kind medialive-channel', async () => {
    const run = await mlds(['plan', 'bound.yaml', '--json']);
    const plan = JSON.parse(run.stdout) as { resources: { kind: string; action: string; address: string }[] };
    expect(plan.resources.at(-1)).toMatchObject({
      address: 'channel',
      kind: 'medialive-channel',
      action: 'update',
    });
  });
});

describe('mlds apply with a bound channel', () => {
  it('writes the destinations, the stream key sent to MediaLive only; then the plan reads the channel', async () => {
    seedChannel();
    const run = await mlds(['apply', 'bound.yaml', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(streamNames()).toStrictEqual([[ENV.SOCIAL_STREAM_KEY, ENV.SOCIAL_STREAM_KEY]]);
    const state = JSON.parse(readFileSync(join(cwd, STATE), 'utf8')) as StateDocument;
    expect(state.resources.find((r) => r.kind === 'medialive-channel')?.outputs).toStrictEqual({
      destinationIds: ['packager', 'social', 'archive'],
    });
    const plan = await mlds(['plan', 'bound.yaml']);
    expect(plain(plan.stdout)).toMatch(/<= read\s+channel\s+medialive-channel/);
    expect(plain(plan.stdout)).toContain(
      'Plan: 0 to create, 1 to read, 0 to update, 0 to delete, 3 unchanged.',
    );
    const again = await mlds(['apply', 'bound.yaml', '--yes']);
    expect(again.code).toBe(0);
    expect(streamNames().length).toBe(1);
    // Nothing to write: no change, as for any resource the state records as it is; the serial stays.
    expect(unwrapped(plain(again.stdout))).toMatch(
      /^No changes\. The resources recorded in .* and what AWS holds; only reads/,
    );
    const after = JSON.parse(readFileSync(join(cwd, STATE), 'utf8')) as StateDocument;
    expect(after.serial).toBe(state.serial);
  });

  it('output after apply: the channel in resources, the stream key still (sensitive)', async () => {
    seedChannel();
    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);
    const run = await mlds(['output', 'bound.yaml', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as {
      destinations: { Id: string; Settings?: { StreamName?: string }[] }[];
      resources: { address: string; kind: string; name: string }[];
    };
    expect(document.destinations.find((d) => d.Id === 'social')?.Settings?.[0]?.StreamName).toBe(
      '(sensitive)',
    );
    expect(document.resources.find((r) => r.kind === 'medialive-channel')).toMatchObject({
      address: 'channel',
      name: CHANNEL,
    });
    // The text says what mlds did to it: bound (its destinations written), not created.
    const text = await mlds(['output', 'bound.yaml']);
    expect(text.stdout).toMatch(
      new RegExp(`^ {2}channel +medialive-channel +${CHANNEL} +us-west-2 +- +bound `, 'm'),
    );
  });

  it('the stream key variable unset: exit 2 naming it, before any AWS call', async () => {
    seedChannel();
    const run = await mlds(['apply', 'bound.yaml', '--yes'], { env: {} });
    expect(run.code).toBe(2);
    // Named with the field it is for, and where it goes: into the channel, never into SSM.
    expect(unwrapped(run.stderr)).toContain('SOCIAL_STREAM_KEY (for social.streamKey)');
    expect(unwrapped(run.stderr)).toContain(
      'The workflow reads these secrets with { env: NAME }: a stream key into the MediaLive channel only; mlds never prints them nor records them in the state.',
    );
    expect(fake.calls()).toStrictEqual([]);
  });

  it('a RUNNING channel: exit 1, nothing changed, the fix named', async () => {
    seedChannel('RUNNING');
    const run = await mlds(['apply', 'bound.yaml', '--yes']);
    expect(run.code).toBe(1);
    expect(unwrapped(plain(run.stderr))).toContain('it is RUNNING and its destinations must change');
    expect(unwrapped(plain(run.stderr))).toContain('--restart-channel');
    expect(fake.mutatingCalls()).toStrictEqual([]);
    expect(channelState()).toBe('RUNNING');
  });

  it('a RUNNING channel with --json: exit 1, and the apply document says why (as a fleet member says it)', async () => {
    seedChannel('RUNNING');
    const run = await mlds(['apply', 'bound.yaml', '--yes', '--json']);
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout);
    expect([document.workflow, document.result, document.failures]).toStrictEqual([
      'curling-live',
      'failed',
      undefined,
    ]);
    expect(document.error).toContain('it is RUNNING and its destinations must change');
    expect(run.stdout).not.toContain(ENV.SOCIAL_STREAM_KEY);
    expect(fake.mutatingCalls()).toStrictEqual([]);
  });

  it('--restart-channel: stops, updates and starts the channel', async () => {
    seedChannel('RUNNING');
    const run = await mlds(['apply', 'bound.yaml', '--yes', '--restart-channel']);
    expect(run.code, run.stderr).toBe(0);
    expect(
      fake
        .mutatingCalls()
        .filter((call) => call.service === 'medialive')
        .map((call) => call.command),
    ).toStrictEqual(['StopChannelCommand', 'UpdateChannelCommand', 'StartChannelCommand']);
    expect(channelState()).toBe('RUNNING');
  });

  it('SIGINT once the restart stopped the channel: exit 130 saying the channel is off air; apply again starts it', async () => {
    seedChannel('RUNNING');
    const source = signalSource();
    const clients = aroundSends(fake, async (send) => {
      const answer = await send();
      if (fake.mutatingCalls().some((call) => call.command === 'StopChannelCommand')) source.fire('SIGINT');
      return answer;
    });
    const run = await mlds(['apply', 'bound.yaml', '--yes', '--restart-channel'], {
      awsClients: () => clients,
      signals: source.signals,
    });
    expect(run.code).toBe(130);
    // Stopping or stopped, it is not running: off air.
    expect(channelState()).not.toBe('RUNNING');
    const stderr = unwrapped(run.stderr);
    expect(stderr).toContain(
      "  MediaLive channel 1234567 may be off air: mlds stopped it to update it and had not seen it running again when the run stopped; 'mlds apply bound.yaml' starts it (or finds it running)\n",
    );
    expect(stderr).toContain('creates only what is missing, and starts the channel unless it runs.');
    const again = await mlds(['apply', 'bound.yaml', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(channelState()).toBe('RUNNING');
  });

  it("the same in a fleet: the workflow's result line says its channel is off air", async () => {
    seedChannel('RUNNING');
    writeFileSync(
      join(cwd, 'other.yaml'),
      readExample('curling-live').replace('workflow: curling-live', 'workflow: court-2'),
    );
    const source = signalSource();
    const clients = aroundSends(fake, async (send) => {
      const answer = await send();
      if (fake.mutatingCalls().some((call) => call.command === 'StopChannelCommand')) source.fire('SIGINT');
      return answer;
    });
    const run = await mlds(['apply', 'bound.yaml', 'other.yaml', '--yes', '--restart-channel'], {
      awsClients: () => clients,
      signals: source.signals,
    });
    expect(run.code).toBe(130);
    expect(channelState()).not.toBe('RUNNING');
    expect(unwrapped(plain(run.stdout))).toContain(
      "  MediaLive channel 1234567 may be off air: mlds stopped it to update it and had not seen it running again when the run stopped; 'mlds apply bound.yaml' starts it (or finds it running)\n",
    );
  });

  it('--restart-channel without a channel: exit 2, before any AWS call', async () => {
    const run = await mlds(['apply', 'unbound.yaml', '--yes', '--restart-channel']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('binds no MediaLive channel');
    expect(fake.calls()).toStrictEqual([]);
  });
});

describe('mlds destroy with a bound channel', () => {
  it('refuses while the channel runs and sends to what it deletes; --force names the dangling destinations', async () => {
    seedChannel();
    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);
    const medialive = fake.clients.mediaLive(REGION);
    await medialive.send(new StartChannelCommand({ ChannelId: CHANNEL }));
    await medialive.send(new DescribeChannelCommand({ ChannelId: CHANNEL }));
    await medialive.send(new DescribeChannelCommand({ ChannelId: CHANNEL }));
    const before = fake.inventory();

    const refused = await mlds(['destroy', 'bound.yaml', '--yes']);
    expect(refused.code).toBe(1);
    expect(unwrapped(plain(refused.stderr))).toContain(
      'it is RUNNING and sends to packager, archive, which this destroy deletes',
    );
    expect(fake.inventory()).toStrictEqual(before);
    const document = JSON.parse((await mlds(['destroy', 'bound.yaml', '--yes', '--json'])).stdout);
    expect([document.result, document.resources]).toStrictEqual(['refused', []]);
    expect(document.error).toContain(
      'it is RUNNING and sends to packager, archive, which this destroy deletes',
    );
    expect(fake.inventory()).toStrictEqual(before);

    const forced = await mlds(['destroy', 'bound.yaml', '--yes', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(unwrapped(plain(forced.stdout))).toContain(
      'MediaLive channel 1234567 (us-west-2) still has destinations pointing at deleted resources: packager, archive.',
    );
    expect(channelState()).toBe('RUNNING');
  });
});

describe('a workflow bound to another channel since its last apply', () => {
  const OTHER = '7654321';
  /** The channel the workflow binds first (CHANNEL), and OTHER, both IDLE with the example's destinations. */
  function seedTwoChannels() {
    seedChannel();
    fake.seed.mediaLiveChannel(
      OTHER,
      REGION,
      aMediaLiveChannel({ destinations: [{ id: 'packager', group: 'MEDIAPACKAGE' }] }),
    );
  }

  it('plan warns for the channel bound before; destroy checks the channel bound last, and forgets both bindings', async () => {
    seedTwoChannels();
    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);
    writeFileSync(join(cwd, 'bound.yaml'), bound().replace(`id: "${CHANNEL}"`, `id: "${OTHER}"`));
    const plan = await mlds(['plan', 'bound.yaml']);
    expect(unwrapped(plain(plan.stderr))).toContain(
      `into MediaLive channel ${CHANNEL}; bound to channel ${OTHER} in ${REGION} now, it no longer reads or writes that one`,
    );
    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);

    const destroyed = JSON.parse((await mlds(['destroy', 'bound.yaml', '--yes', '--json'])).stdout);
    expect(destroyed.result).toBe('ok');
    expect(destroyed.channel.id).toBe(OTHER);
    const state = JSON.parse(readFileSync(join(cwd, STATE), 'utf8')) as { resources: unknown[] };
    expect(state.resources).toStrictEqual([]);
    const again = await mlds(['destroy', 'bound.yaml', '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to destroy');
  });

  it('bound back to the first channel: destroy checks the channel the workflow names, not the one written last', async () => {
    seedTwoChannels();
    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);
    writeFileSync(join(cwd, 'bound.yaml'), bound().replace(`id: "${CHANNEL}"`, `id: "${OTHER}"`));
    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);
    // Back: the first channel still holds what mlds wrote, so this apply writes nothing (and no state).
    writeFileSync(join(cwd, 'bound.yaml'), bound());
    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);
    const shown = await mlds(['destroy', 'bound.yaml']);
    expect(plain(shown.stdout)).toContain(`Bound MediaLive channel ${CHANNEL} (${REGION}): read first`);
    const destroyed = JSON.parse((await mlds(['destroy', 'bound.yaml', '--yes', '--json'])).stdout);
    expect(destroyed.channel.id).toBe(CHANNEL);
  });
});

describe('refresh of the bound channel', () => {
  it('destinations mlds wrote changed in the console: plan --refresh names them, apply writes them back', async () => {
    seedChannel();
    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);
    const client = fake.clients.mediaLive(REGION) as {
      send(command: unknown): Promise<{ Destinations?: { Id?: string; Settings?: unknown[] }[] }>;
    };
    const described = await client.send(new DescribeChannelCommand({ ChannelId: CHANNEL }));
    await client.send(
      new UpdateChannelCommand({
        ChannelId: CHANNEL,
        Destinations: (described.Destinations ?? []).map((destination) =>
          destination.Id === 'archive'
            ? { Id: 'archive', Settings: [{ Url: 's3ssl://moved-a/x' }, { Url: 's3ssl://moved-b/x' }] }
            : Object.fromEntries(
                Object.entries(destination).filter(([, v]) => !(Array.isArray(v) && v.length === 0)),
              ),
        ),
        RoleArn: CHANNEL_ROLE_ARN,
      }),
    );
    const mutating = fake.mutatingCalls().length;
    const plan = await mlds(['plan', 'bound.yaml', '--refresh']);
    expect(plan.code).toBe(0);
    const text = plain(plan.stdout);
    expect(text).toMatch(/~ update +channel +medialive-channel +1234567/);
    expect(text).toContain(
      '  channel: destinations mlds wrote were changed in the channel outside mlds: archive',
    );
    expect(fake.mutatingCalls()).toHaveLength(mutating);

    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);
    const after = await client.send(new DescribeChannelCommand({ ChannelId: CHANNEL }));
    expect(after.Destinations?.find((d) => d.Id === 'archive')?.Settings).toStrictEqual([
      { Url: 's3ssl://curling-live-archive-p0/curling-live/archive/index' },
      { Url: 's3ssl://curling-live-archive-p1/curling-live/archive/index' },
    ]);
    const again = await mlds(['plan', 'bound.yaml', '--refresh', '--json']);
    const binding = JSON.parse(again.stdout).resources.find(
      (r: { kind: string }) => r.kind === 'medialive-channel',
    );
    expect([binding.action, binding.drift]).toStrictEqual(['read', undefined]);
  });

  it('the channel gone: plan --refresh shows it and fails (exit 1, before 4), apply exits 1 before any change', async () => {
    seedChannel();
    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);
    // MediaLive no longer knows the channel (deleted in the console); the rest is as apply left it.
    const empty = createFakeCloud();
    const clients = { ...fake.clients, mediaLive: (region: string) => empty.clients.mediaLive(region) };
    const plan = await mlds(['plan', 'bound.yaml', '--refresh', '--detailed-exitcode'], {
      awsClients: () => clients,
    });
    // A plan apply would refuse: a pipeline gating on --detailed-exitcode must not go on to apply it.
    expect(plan.code).toBe(1);
    expect(unwrapped(plan.stderr)).toContain(
      `error: apply would refuse 1 resource of this plan:\n  channel: MediaLive channel ${CHANNEL} was deleted outside mlds, and mlds never creates a channel\n`,
    );
    const json = await mlds(['plan', 'bound.yaml', '--refresh', '--json'], { awsClients: () => clients });
    expect(json.code).toBe(1);
    expect(
      (JSON.parse(json.stdout) as { resources: { address: string; refused?: string }[] }).resources
        .filter((resource) => resource.refused !== undefined)
        .map((resource) => resource.address),
    ).toStrictEqual(['channel']);
    expect(unwrapped(plain(plan.stdout))).toContain(
      `channel: MediaLive channel ${CHANNEL} was deleted outside mlds (DescribeChannel finds no such channel in ${REGION}); mlds never creates a channel, so apply stops before any change`,
    );
    expect(unwrapped(plan.stderr)).toContain(`A refresh found no MediaLive channel ${CHANNEL} in ${REGION}`);
    const mutating = fake.mutatingCalls().length;
    const before = readFileSync(join(cwd, STATE), 'utf8');
    const run = await mlds(['apply', 'bound.yaml', '--yes'], { awsClients: () => clients });
    expect(run.code).toBe(1);
    expect(unwrapped(run.stderr)).toContain(`there is no channel ${CHANNEL} in ${REGION}`);
    expect(fake.mutatingCalls()).toHaveLength(mutating);
    expect(readFileSync(join(cwd, STATE), 'utf8')).toBe(before);
  });
});

describe('a bound channel sending HLS to a MediaPackage channel whose credentials were rotated', () => {
  it('one apply records the new user name and writes it into the bound channel, as its plan showed', async () => {
    fake.seed.mediaLiveChannel(
      CHANNEL,
      REGION,
      aMediaLiveChannel({ destinations: [{ id: 'packager', group: 'HLS' }] }),
    );
    writeFileSync(join(cwd, 'hls.yaml'), hlsToMediaPackageWorkflow({ boundChannel: CHANNEL }));
    expect((await mlds(['apply', 'hls.yaml', '--yes'])).code).toBe(0);
    const packagerChannel = mediaPackageChannelOf(fake, REGION, 'curling-live-packager');
    const endpointsNow = packagerChannel.endpoints;
    await packagerChannel.rotate();

    const plan = await mlds(['plan', 'hls.yaml', '--refresh']);
    expect(plan.code).toBe(0);
    const text = plain(plan.stdout);
    expect(text).toMatch(/~ update +packager\.channel /);
    expect(text).toMatch(/~ update +channel +medialive-channel +1234567/);

    expect((await mlds(['apply', 'hls.yaml', '--yes'])).code).toBe(0);
    const client = fake.clients.mediaLive(REGION) as {
      send(
        command: unknown,
      ): Promise<{ Destinations?: { Id?: string; Settings?: { Username?: string }[] }[] }>;
    };
    const written = await client.send(new DescribeChannelCommand({ ChannelId: CHANNEL }));
    expect(
      written.Destinations?.find((d) => d.Id === 'packager')?.Settings?.map((setting) => setting.Username),
    ).toStrictEqual((await endpointsNow()).map((endpoint) => endpoint.Username));
    expect((await mlds(['apply', 'hls.yaml', '--yes'])).stdout.startsWith('No changes.')).toBe(true);
  });
});

describe('`channel:` removed after an apply', () => {
  it('plan --refresh prints the same plan as plan: the buckets and the packager read, never the channel', async () => {
    seedChannel();
    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);
    const fromState = await mlds(['plan', 'unbound.yaml']);
    expect(fromState.code).toBe(0);
    expect(unwrapped(plain(fromState.stderr))).toContain(
      'without `channel:` it no longer reads or writes that channel',
    );
    const before = fake.calls().length;

    const refreshed = await mlds(['plan', 'unbound.yaml', '--refresh']);

    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stdout).toBe(fromState.stdout);
    expect(refreshed.stderr).toBe(fromState.stderr);
    const reads = fake.calls().slice(before);
    // Exactly the refresh's reads of what the plan uses (order aside: resources are read at once).
    const bucketReads = [
      'HeadBucket',
      'GetBucketTagging',
      'GetBucketOwnershipControls',
      'GetPublicAccessBlock',
      'GetBucketEncryption',
      'GetBucketPolicy',
    ].flatMap((read) =>
      ['p0', 'p1'].map((p) => ['s3', `${read}Command`, { Bucket: `curling-live-archive-${p}` }]),
    );
    const sorted = (calls: unknown[][]) => calls.map((call) => JSON.stringify(call)).sort();
    expect(sorted(reads.map((call) => [call.service, call.command, call.input]))).toStrictEqual(
      sorted([['mediapackage', 'DescribeChannelCommand', { Id: 'curling-live-packager' }], ...bucketReads]),
    );
    expect(reads.filter((call) => call.service === 'medialive')).toStrictEqual([]);
  });

  it('in an account whose credentials may not touch MediaLive, plan --refresh and apply still succeed', async () => {
    seedChannel();
    expect((await mlds(['apply', 'bound.yaml', '--yes'])).code).toBe(0);
    const denied = {
      send: async () => {
        throw new ForbiddenException({
          message: 'User is not authorized to perform: medialive:DescribeChannel',
          $metadata: { httpStatusCode: 403 },
        });
      },
    };
    const clients = {
      ...fake.clients,
      mediaLive: () => denied as unknown as ReturnType<FakeCloud['clients']['mediaLive']>,
    };
    const plan = await mlds(['plan', 'unbound.yaml', '--refresh'], { awsClients: () => clients });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plain(plan.stdout)).toContain('Plan: 0 to create, 0 to update, 0 to delete, 3 unchanged.');
    const apply = await mlds(['apply', 'unbound.yaml', '--yes'], { awsClients: () => clients });
    expect(apply.code, apply.stderr).toBe(0);
  });
});
