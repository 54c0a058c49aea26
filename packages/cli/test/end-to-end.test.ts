// The built bin as a user runs it — a separate process, from a clean build output, in a directory of its own —
// against a local fake AWS endpoint reached only through the SDK's own AWS_ENDPOINT_URL: plan, apply, output,
// destroy. Whatever the bundle fails to load or the SDK fails to send shows here, as it would for a user.

import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeChannelCommand } from '@aws-sdk/client-medialive';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import {
  aMediaLiveChannel,
  createFakeCloud,
  examplePath,
  type FakeAwsEndpoint,
  type FakeAwsEndpointOptions,
  type FakeCloud,
  IMMEDIATE_WAITS,
  startFakeAwsEndpoint,
} from '@mlds/fixtures';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from '../build.mjs';
import { buildCliForTest, tempDir } from './helpers.js';

const CDN_PASSWORD = 'e2e-cdn-password-value';
const STACK_FRAME = /^\s+at .+[(:]\d+/m;

let outdir = '';
let endpoint: FakeAwsEndpoint;
let cwd = '';

// Nothing here is timed: vitest.shared.ts's hang guard leaves four processes per case room on a busy machine.
beforeAll(() => {
  outdir = buildCliForTest();
});

afterAll(() => {
  if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
});

beforeEach(async () => {
  endpoint = await startFakeAwsEndpoint();
  cwd = tempDir();
});

afterEach(async () => {
  await endpoint.close();
});

/** A cloud whose waits end at once (a real process behind the endpoint sleeps for real), to seed before use. */
function quickCloud(): FakeCloud {
  return createFakeCloud(IMMEDIATE_WAITS);
}

/** Replaces the empty account of beforeEach with one the case seeded. */
async function serve(cloud: FakeCloud, options: Omit<FakeAwsEndpointOptions, 'cloud'> = {}): Promise<void> {
  await endpoint.close();
  endpoint = await startFakeAwsEndpoint({ ...options, cloud });
}

/** Every string in a JSON value: what a secret must not be in. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built bin; asynchronously, as the endpoint answers from this process's event loop. */
function mlds(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(outdir, BIN), ...argv], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        // Nothing of the developer's own AWS configuration may leak in.
        HOME: cwd,
        AWS_CONFIG_FILE: join(cwd, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'no-aws-credentials'),
        AWS_ENDPOINT_URL: endpoint.url,
        AWS_ACCESS_KEY_ID: 'AKIAE2EFAKEENDPOINT',
        AWS_SECRET_ACCESS_KEY: 'e2e-fake-secret-access-key',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function expectClean(run: Run, code = 0): void {
  expect(
    { code: run.code, stackTrace: STACK_FRAME.test(run.stderr) || STACK_FRAME.test(run.stdout) },
    run.stderr,
  ).toStrictEqual({
    code,
    stackTrace: false,
  });
}

function readState(workflow: string): {
  formatVersion: number;
  workflow: string;
  resources: { address: string; kind: string; name: string; region: string; status: string; arn?: string }[];
} {
  return JSON.parse(readFileSync(join(cwd, '.mlds', `${workflow}.state.json`), 'utf8'));
}

const emptyAccount = { s3: [], mediapackage: [], mediapackagev2: [], mediastore: [], ssm: [], medialive: [] };

interface Case {
  title: string;
  file: () => string;
  workflow: string;
  env?: Record<string, string>;
  /** What apply must create, by address, kind and physical name. */
  resources: { address: string; kind: string; name: string; region: string }[];
  /** Checks on `output --json` beyond "every value real". */
  checkOutput(output: { destinations: unknown[] }, endpoint: FakeAwsEndpoint): void;
}

const cases: Case[] = [
  {
    title: 'the seed example (a MediaPackage channel and two buckets)',
    file: () => examplePath('curling-live'),
    workflow: 'curling-live',
    resources: [
      {
        address: 'packager.channel',
        kind: 'mediapackage-channel',
        name: 'curling-live-packager',
        region: 'us-west-2',
      },
      {
        address: 'archive.bucket[0]',
        kind: 's3-bucket',
        name: 'curling-live-archive-p0',
        region: 'us-west-2',
      },
      {
        address: 'archive.bucket[1]',
        kind: 's3-bucket',
        name: 'curling-live-archive-p1',
        region: 'us-west-2',
      },
    ],
    checkOutput(output) {
      expect(output.destinations).toContainEqual({
        Id: 'packager',
        MediaPackageSettings: [{ ChannelId: 'curling-live-packager' }],
      });
      expect(output.destinations).toContainEqual({
        Id: 'archive',
        Settings: [
          { Url: 's3ssl://curling-live-archive-p0/curling-live/archive/index' },
          { Url: 's3ssl://curling-live-archive-p1/curling-live/archive/index' },
        ],
      });
    },
  },
  {
    title: 'buckets, MediaStore containers and a MediaPackage channel with HLS ingest (its passwords in SSM)',
    file: () => {
      const path = join(cwd, 'stores.yaml');
      writeFileSync(
        path,
        [
          'workflow: e2e-stores',
          'region: eu-west-1',
          'mediaLiveRoleArn: arn:aws:iam::111122223333:role/MediaLiveAccessRole',
          'downstream:',
          '  - name: thumbs',
          '    system: s3',
          '    format: frame-capture',
          '  - name: origin',
          '    system: mediastore',
          '  - name: packager',
          '    system: mediapackage',
          '    outputGroup: hls',
          '',
        ].join('\n'),
      );
      return path;
    },
    workflow: 'e2e-stores',
    resources: [
      { address: 'thumbs.bucket[0]', kind: 's3-bucket', name: 'e2e-stores-thumbs-p0', region: 'eu-west-1' },
      { address: 'thumbs.bucket[1]', kind: 's3-bucket', name: 'e2e-stores-thumbs-p1', region: 'eu-west-1' },
      {
        address: 'origin.container[0]',
        kind: 'mediastore-container',
        name: 'e2e-stores-origin-p0',
        region: 'eu-west-1',
      },
      {
        address: 'origin.container[1]',
        kind: 'mediastore-container',
        name: 'e2e-stores-origin-p1',
        region: 'eu-west-1',
      },
      {
        address: 'packager.channel',
        kind: 'mediapackage-channel',
        name: 'e2e-stores-packager',
        region: 'eu-west-1',
      },
      {
        address: 'packager.password[0]',
        kind: 'ssm-parameter',
        name: '/mlds/e2e-stores/packager/password-p0',
        region: 'eu-west-1',
      },
      {
        address: 'packager.password[1]',
        kind: 'ssm-parameter',
        name: '/mlds/e2e-stores/packager/password-p1',
        region: 'eu-west-1',
      },
    ],
    checkOutput(output, fake) {
      const [channel] = fake.cloud.inventory().mediapackage;
      expect(output.destinations).toContainEqual({
        Id: 'packager',
        Settings: (channel?.ingestEndpoints ?? []).map((ingest, pipeline) => ({
          Url: ingest.url,
          Username: ingest.username,
          PasswordParam: `/mlds/e2e-stores/packager/password-p${pipeline}`,
        })),
      });
      const stores = output.destinations.find((d) => (d as { Id: string }).Id === 'origin') as {
        Settings: { Url: string }[];
      };
      // The container's data endpoint as DescribeContainer reported it: this endpoint, so the URL is real.
      const host = endpoint.url.replace('http://', '');
      expect(stores.Settings.map((s) => s.Url)).toStrictEqual([
        expect.stringMatching(
          new RegExp(
            `^mediastoressl://${host}/mediastore-data/[a-z0-9]+\\.data\\.mediastore\\.eu-west-1\\.amazonaws\\.com/`,
          ),
        ),
        expect.stringMatching(
          new RegExp(
            `^mediastoressl://${host}/mediastore-data/[a-z0-9]+\\.data\\.mediastore\\.eu-west-1\\.amazonaws\\.com/`,
          ),
        ),
      ]);
    },
  },
  {
    title: 'a password from the environment (HTTP PUT), written to an SSM SecureString',
    file: () => examplePath('http-put'),
    workflow: 'regatta-live',
    env: { CDN_INGEST_PASSWORD: CDN_PASSWORD },
    resources: [
      {
        address: 'cdn.password',
        kind: 'ssm-parameter',
        name: '/mlds/regatta-live/cdn/password',
        region: 'eu-west-1',
      },
    ],
    checkOutput(output) {
      expect(output.destinations).toContainEqual({
        Id: 'cdn',
        Settings: [
          {
            Url: 'https://ingest-a.example-cdn.com/regatta/live/index',
            Username: 'medialive',
            PasswordParam: '/mlds/regatta-live/cdn/password',
          },
          {
            Url: 'https://ingest-b.example-cdn.com/regatta/live/index',
            Username: 'medialive',
            PasswordParam: '/mlds/regatta-live/cdn/password',
          },
        ],
      });
    },
  },
];

describe('the built bin against a fake AWS endpoint (AWS_ENDPOINT_URL)', () => {
  it.each(cases)(
    'plans, applies, outputs, refreshes and destroys $title',
    async ({ file, workflow, env = {}, resources, checkOutput }) => {
      const path = file();
      const runs: Run[] = [];

      const plan = await mlds(['plan', path, '--json'], env);
      runs.push(plan);
      expectClean(plan);
      expect(endpoint.requests).toStrictEqual([]);
      expect(
        (JSON.parse(plan.stdout) as { resources: { address: string }[] }).resources
          .map((r) => r.address)
          .sort(),
      ).toStrictEqual(resources.map((r) => r.address).sort());

      const apply = await mlds(['apply', path, '--yes'], env);
      runs.push(apply);
      expectClean(apply);
      expect(apply.stdout).toContain(`Apply complete: ${resources.length} created, 0 updated, 0 deleted.`);
      expect(endpoint.requests.length).toBeGreaterThan(0);
      expect(endpoint.requests.filter((request) => request.error === 'FakeCloudNotModelled')).toStrictEqual(
        [],
      );

      const state = readState(workflow);
      expect({ formatVersion: state.formatVersion, workflow: state.workflow }).toStrictEqual({
        formatVersion: 1,
        workflow,
      });
      expect(
        state.resources
          .map(({ address, kind, name, region, status }) => ({ address, kind, name, region, status }))
          .sort((a, b) => a.address.localeCompare(b.address)),
      ).toStrictEqual(
        resources
          .map((r) => ({ ...r, status: 'created' }))
          .sort((a, b) => a.address.localeCompare(b.address)),
      );
      const inventory = endpoint.cloud.inventory();
      const created = [
        ...inventory.s3.map((b) => b.name),
        ...inventory.mediapackage.map((c) => c.id),
        ...inventory.mediastore.map((c) => c.name),
        ...inventory.ssm.map((p) => p.name),
      ].sort();
      expect(created).toStrictEqual(resources.map((r) => r.name).sort());

      const output = await mlds(['output', path, '--json'], env);
      runs.push(output);
      expectClean(output);
      const printed = JSON.parse(output.stdout) as {
        destinations: unknown[];
        resources: { address: string; name: string; status: string; arn: string | null }[];
      };
      expect(output.stdout).not.toContain('(known after apply)');
      expect(printed.resources.map(({ address, name, status }) => ({ address, name, status }))).toStrictEqual(
        state.resources.map(({ address, name }) => ({ address, name, status: 'created' })),
      );
      // What AWS names with an ARN carries the one AWS gave (SSM's PutParameter returns none).
      for (const resource of printed.resources.filter((r) => !r.address.includes('password'))) {
        expect(resource.arn).toMatch(/^arn:aws:(s3|mediapackage|mediastore):/);
      }
      checkOutput(printed, endpoint);

      // A refresh reads every recorded resource back over HTTP: AWS matches the state, so nothing to change (0).
      const requestsBeforeRefresh = endpoint.requests.length;
      const refreshed = await mlds(['plan', path, '--refresh', '--detailed-exitcode'], env);
      runs.push(refreshed);
      expectClean(refreshed);
      const reads = endpoint.requests.slice(requestsBeforeRefresh);
      expect(reads.length).toBeGreaterThanOrEqual(resources.length);
      expect(reads.filter((request) => request.status !== 200)).toStrictEqual([]);

      const requestsBeforeDestroy = endpoint.requests.length;
      const destroy = await mlds(['destroy', path, '--yes'], env);
      runs.push(destroy);
      expectClean(destroy);
      expect(destroy.stdout).toContain(`Destroy complete: ${resources.length} deleted.`);
      expect(endpoint.requests.length).toBeGreaterThan(requestsBeforeDestroy);
      expect(endpoint.cloud.inventory()).toStrictEqual(emptyAccount);
      expect(readState(workflow).resources).toStrictEqual([]);

      // No secret anywhere: not in what was printed, not in the state.
      const secrets = [...endpoint.cloud.secretValues(), CDN_PASSWORD];
      const everything = [
        ...runs.flatMap((run) => [run.stdout, run.stderr]),
        readFileSync(join(cwd, '.mlds', `${workflow}.state.json`), 'utf8'),
      ].join('\n');
      for (const secret of secrets) expect(everything).not.toContain(secret);
    },
  );
});

describe('the built bin against a seeded or changed account: MediaPackage v2, MediaLive, drift, state on S3', () => {
  it('applies the MediaPackage v2 CMAF example, outputs the ingest URLs GetChannel gives, destroys it all', async () => {
    const path = examplePath('mediapackage-v2-cmaf');
    const apply = await mlds(['apply', path, '--yes']);
    expectClean(apply);
    expect(endpoint.requests.filter((request) => request.error === 'FakeCloudNotModelled')).toStrictEqual([]);
    expect(new Set(endpoint.requests.map((request) => request.service))).toContain('mediapackagev2');
    const [group] = endpoint.cloud.inventory().mediapackagev2;
    expect(group?.name).toBe('curling-v2');
    expect(group?.channels.map((channel) => [channel.name, channel.inputType]).sort()).toStrictEqual([
      ['curling-v2-cmaf-ingest', 'CMAF'],
      ['curling-v2-packager', 'CMAF'],
    ]);
    const ingest = group?.channels.find((channel) => channel.name === 'curling-v2-cmaf-ingest');
    const ingestUrls = ingest?.ingestEndpoints.map((endpoint) => endpoint.url) ?? [];
    expect(ingestUrls).toHaveLength(2);

    const output = await mlds(['output', path, '--json']);
    expectClean(output);
    expect(output.stdout).not.toContain('(known after apply)');
    const printed = JSON.parse(output.stdout) as { destinations: { Id: string }[] };
    const sent = printed.destinations.find((destination) => destination.Id === 'packager-ingest');
    // The URLs of the channel's two ingest endpoints, as GetChannel reported them over HTTP.
    expect(strings(sent).filter((value) => value.startsWith('https://'))).toStrictEqual(ingestUrls);

    // MediaPackage v2 resources have no refresh read yet (README, "Refreshed today"): planned from the state,
    // nothing to change. When they gain one, it goes over HTTP here.
    const requestsBeforeRefresh = endpoint.requests.length;
    const refreshed = await mlds(['plan', path, '--refresh', '--detailed-exitcode']);
    expectClean(refreshed);
    expect(endpoint.requests.slice(requestsBeforeRefresh)).toStrictEqual([]);

    const destroy = await mlds(['destroy', path, '--yes']);
    expectClean(destroy);
    expect(endpoint.cloud.inventory()).toStrictEqual(emptyAccount);
    expect(readState('curling-v2').resources).toStrictEqual([]);
  });

  it('writes the destinations of a bound IDLE MediaLive channel with UpdateChannel, the stream key nowhere else', async () => {
    const streamKey = 'e2e-live-stream-key-5f1c';
    const cloud = quickCloud();
    const partnerKey = 'e2e-partner-stream-key-77aa';
    const channel = aMediaLiveChannel({
      destinations: [
        { id: 'social', group: 'RTMP' },
        { id: 'partner', group: 'RTMP' },
      ],
    });
    cloud.seed.mediaLiveChannel('1234567', 'us-west-2', channel);
    cloud.seed.parameter('/e2e/partner/stream-key', 'us-west-2', partnerKey);
    await serve(cloud);
    const path = join(cwd, 'bound.yaml');
    writeFileSync(
      path,
      [
        'workflow: e2e-bound',
        'region: us-west-2',
        'channel: { id: "1234567" }',
        'downstream:',
        '  - name: social',
        '    system: rtmp',
        '    urls: [rtmp://live-a.example-social.com/app, rtmp://live-b.example-social.com/app]',
        '    streamKey: { env: SOCIAL_STREAM_KEY }',
        '  - name: partner',
        '    system: rtmp',
        '    urls: [rtmps://ingest-1.example-partner.net/live, rtmps://ingest-2.example-partner.net/live]',
        '    streamKey: { ssmParameter: /e2e/partner/stream-key }',
        '',
      ].join('\n'),
    );
    const env = { SOCIAL_STREAM_KEY: streamKey };

    const apply = await mlds(['apply', path, '--yes'], env);
    expectClean(apply);
    // Read before any change, read again right before the write, then waited on until IDLE again.
    expect(
      cloud
        .calls()
        .filter((call) => call.service === 'medialive')
        .map((call) => `${call.command} ${call.outcome}`),
    ).toStrictEqual([
      'DescribeChannelCommand ok',
      'DescribeChannelCommand ok',
      'UpdateChannelCommand ok',
      'DescribeChannelCommand ok',
    ]);
    const [described] = cloud.inventory().medialive;
    expect(described).toMatchObject({ id: '1234567', state: 'IDLE' });
    // What reached MediaLive over HTTP: the workflow's URLs, one per pipeline, each with the key; the role kept.
    const social = {
      Id: 'social',
      Settings: [
        { Url: 'rtmp://live-a.example-social.com/app', StreamName: streamKey },
        { Url: 'rtmp://live-b.example-social.com/app', StreamName: streamKey },
      ],
    };
    // The other key was read from SSM with decryption, over HTTP too.
    const partner = {
      Id: 'partner',
      Settings: [
        { Url: 'rtmps://ingest-1.example-partner.net/live', StreamName: partnerKey },
        { Url: 'rtmps://ingest-2.example-partner.net/live', StreamName: partnerKey },
      ],
    };
    expect(cloud.calls().find((call) => call.command === 'GetParameterCommand')?.input).toStrictEqual({
      Name: '/e2e/partner/stream-key',
      WithDecryption: true,
    });
    expect(cloud.calls().find((call) => call.command === 'UpdateChannelCommand')?.input).toStrictEqual({
      ChannelId: '1234567',
      Destinations: [social, partner],
      RoleArn: channel.roleArn,
    });
    const written = await cloud.clients
      .mediaLive('us-west-2')
      .send(new DescribeChannelCommand({ ChannelId: '1234567' }));
    expect(written.Destinations).toStrictEqual(
      [social, partner].map((destination) => ({ ...destination, MediaPackageSettings: [] })),
    );

    const again = await mlds(['apply', path, '--yes'], env);
    expectClean(again);
    const destroy = await mlds(['destroy', path, '--yes'], env);
    expectClean(destroy);
    expect(cloud.calls().filter((call) => call.command === 'UpdateChannelCommand')).toHaveLength(1);

    const state = readFileSync(join(cwd, '.mlds', 'e2e-bound.state.json'), 'utf8');
    for (const text of [
      apply.stdout,
      apply.stderr,
      again.stdout,
      again.stderr,
      destroy.stdout,
      destroy.stderr,
      state,
    ]) {
      expect(text).not.toContain(streamKey);
      expect(text).not.toContain(partnerKey);
    }
  });

  it('refuses a RUNNING bound channel, then with --restart-channel stops, updates and starts it again', async () => {
    const cloud = quickCloud();
    cloud.seed.mediaLiveChannel(
      '7654321',
      'us-west-2',
      aMediaLiveChannel({ state: 'RUNNING', destinations: [{ id: 'social', group: 'RTMP' }] }),
    );
    await serve(cloud);
    const path = join(cwd, 'live.yaml');
    writeFileSync(
      path,
      [
        'workflow: e2e-live',
        'region: us-west-2',
        'channel: { id: "7654321" }',
        'downstream:',
        '  - name: social',
        '    system: rtmp',
        '    urls: [rtmp://live-a.example-social.com/app, rtmp://live-b.example-social.com/app]',
        '    streamKey: { env: SOCIAL_STREAM_KEY }',
        '',
      ].join('\n'),
    );
    const env = { SOCIAL_STREAM_KEY: 'e2e-running-key-9d0e' };
    const medialive = () =>
      cloud
        .calls()
        .filter((call) => call.service === 'medialive')
        .map((call) => call.command.replace(/Command$/, ''));

    const refused = await mlds(['apply', path, '--yes'], env);
    expectClean(refused, 1);
    expect(refused.stderr).toContain('RUNNING');
    expect(medialive()).toStrictEqual(['DescribeChannel']);

    const restarted = await mlds(['apply', path, '--yes', '--restart-channel'], env);
    expectClean(restarted);
    expect(medialive().slice(1)).toStrictEqual([
      'DescribeChannel',
      'DescribeChannel',
      'StopChannel',
      'DescribeChannel',
      'UpdateChannel',
      'DescribeChannel',
      'StartChannel',
      'DescribeChannel',
    ]);
    expect(cloud.inventory().medialive).toMatchObject([{ id: '7654321', state: 'RUNNING' }]);
    for (const text of [refused.stdout, refused.stderr, restarted.stdout, restarted.stderr]) {
      expect(text).not.toContain(env.SOCIAL_STREAM_KEY);
    }
  });

  it('sees over HTTP a bucket deleted outside mlds (HeadBucket 404 without a body) and creates it again', async () => {
    const path = examplePath('curling-live');
    expectClean(await mlds(['apply', path, '--yes']));
    await endpoint.cloud.clients
      .s3('us-west-2')
      .send(new DeleteBucketCommand({ Bucket: 'curling-live-archive-p1' }));

    const refreshed = await mlds(['plan', path, '--refresh', '--detailed-exitcode']);
    expectClean(refreshed, 4);
    expect(refreshed.stdout).toContain('curling-live-archive-p1 was deleted outside mlds');
    const reapplied = await mlds(['apply', path, '--yes']);
    expectClean(reapplied);
    expect(reapplied.stdout).toContain('Apply complete: 1 created, 0 updated, 0 deleted.');
    expect(endpoint.cloud.inventory().s3.map((bucket) => bucket.name)).toStrictEqual([
      'curling-live-archive-p0',
      'curling-live-archive-p1',
    ]);
    expectClean(await mlds(['plan', path, '--refresh', '--detailed-exitcode']));
  });

  it('keeps the state on S3: a second apply while the first holds the lock exits 3 naming it', async () => {
    const cloud = quickCloud();
    cloud.seed.bucket('e2e-team-state', 'us-west-2', { versioned: true });
    // The first apply is held (its next request waits) right after S3 answers its lock write; nothing is timed.
    let armed = false;
    let holdNext = false;
    let held!: () => void;
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await serve(cloud, {
      latencyMs: 1,
      sleep: async () => {
        if (!holdNext) return;
        holdNext = false;
        held();
        await released;
      },
      onAnswered: (request) => {
        if (!armed && request.method === 'PUT' && request.path.endsWith('.lock') && request.status === 200) {
          armed = true;
          holdNext = true;
        }
      },
    });
    const key = 'mlds/e2e-shared.json';
    const path = join(cwd, 'shared.yaml');
    writeFileSync(
      path,
      [
        'workflow: e2e-shared',
        'region: us-west-2',
        `state: s3://e2e-team-state/${key}`,
        'downstream:',
        '  - name: archive',
        '    system: s3',
        '    format: archive',
        '',
      ].join('\n'),
    );
    const stateObject = () => {
      const text = cloud.s3Objects.text('e2e-team-state', key);
      return text === undefined ? undefined : (JSON.parse(text) as { serial: number; resources: unknown[] });
    };

    const first = mlds(['apply', path, '--yes']);
    await holding;
    const lock = JSON.parse(cloud.s3Objects.text('e2e-team-state', `${key}.lock`) ?? '{}') as {
      id: string;
      pid: number;
      command: string;
    };
    const second = await mlds(['apply', path, '--yes']);
    expectClean(second, 3);
    expect(second.stderr).toContain(`pid ${lock.pid}`);
    expect(second.stderr).toContain(lock.id);
    release();
    const applied = await first;
    expectClean(applied);
    expect(applied.stdout).toContain('Apply complete: 2 created, 0 updated, 0 deleted.');
    const afterApply = stateObject();
    expect(afterApply?.resources).toHaveLength(2);
    expect(cloud.s3Objects.text('e2e-team-state', `${key}.lock`)).toBeUndefined();
    // Nothing was written locally: the state is the object.
    expect(() => readState('e2e-shared')).toThrow(/ENOENT/);

    const destroy = await mlds(['destroy', path, '--yes']);
    expectClean(destroy);
    expect(stateObject()?.resources).toStrictEqual([]);
    expect(stateObject()?.serial).toBeGreaterThan(afterApply?.serial ?? Number.POSITIVE_INFINITY);
    expect(cloud.s3Objects.text('e2e-team-state', `${key}.lock`)).toBeUndefined();
    expect(cloud.inventory().s3.map((bucket) => bucket.name)).toStrictEqual(['e2e-team-state']);
  });
});
