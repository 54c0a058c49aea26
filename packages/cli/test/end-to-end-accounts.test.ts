// The built bin against accounts a test seeds or changes behind the fake endpoint: what mlds never creates (a
// MediaLive channel, a state bucket) and what changes outside it, over the same HTTP a user's mlds speaks.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeChannelCommand } from '@aws-sdk/client-medialive';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { aMediaLiveChannel, examplePath } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import {
  cwd,
  emptyAccount,
  endpoint,
  expectClean,
  mlds,
  quickCloud,
  readState,
  serve,
  strings,
  useBuiltBin,
} from './end-to-end-harness.js';
import { unwrapped } from './helpers.js';

useBuiltBin();

/** A workflow with one S3 archive downstream whose state is the object `key` of the bucket e2e-team-state. */
function teamStateWorkflow(workflow: string, key: string): string {
  return [
    `workflow: ${workflow}`,
    'region: us-west-2',
    `state: s3://e2e-team-state/${key}`,
    'downstream:',
    '  - name: archive',
    '    system: s3',
    '    format: archive',
    '',
  ].join('\n');
}

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

    // The refresh reads each v2 resource over HTTP, reads only: the group, each channel and its policy; nothing
    // to change, and the plan shows the ingest URLs the state records, not (known after apply).
    const requestsBeforeRefresh = endpoint.requests.length;
    const refreshed = await mlds(['plan', path, '--refresh', '--detailed-exitcode']);
    expectClean(refreshed);
    expect(
      endpoint.requests
        .slice(requestsBeforeRefresh)
        .map((request) => `${request.method} ${request.operation} ${request.path} ${request.status}`)
        .sort(),
    ).toStrictEqual([
      'GET GetChannel /channelGroup/curling-v2/channel/curling-v2-cmaf-ingest 200',
      'GET GetChannel /channelGroup/curling-v2/channel/curling-v2-packager 200',
      'GET GetChannelGroup /channelGroup/curling-v2 200',
      'GET GetChannelPolicy /channelGroup/curling-v2/channel/curling-v2-cmaf-ingest/policy 200',
      'GET GetChannelPolicy /channelGroup/curling-v2/channel/curling-v2-packager/policy 200',
    ]);
    expect(refreshed.stdout).not.toContain('(known after apply)');
    for (const url of ingestUrls) expect(refreshed.stdout).toContain(url);

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
    expect(unwrapped(refused.stderr)).toContain('RUNNING');
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
    writeFileSync(path, teamStateWorkflow('e2e-shared', key));
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
    expect(unwrapped(second.stderr)).toContain(`pid ${lock.pid}`);
    expect(unwrapped(second.stderr)).toContain(lock.id);
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

  it('resolves the credentials once for a fleet on team state: one credential_process run for every store and call', async () => {
    const cloud = quickCloud();
    cloud.seed.bucket('e2e-team-state', 'us-west-2', { versioned: true });
    await serve(cloud);
    // A profile whose credentials come from a process (as SSO helpers give them) that counts its runs.
    const runs = join(cwd, 'credential-runs');
    const script = join(cwd, 'credentials.cjs');
    writeFileSync(
      script,
      `require('node:fs').appendFileSync(${JSON.stringify(runs)}, 'x');
process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'AKIAPROCESSE2E', SecretAccessKey: 'process-e2e-secret' }));`,
    );
    writeFileSync(
      join(cwd, 'aws-config'),
      `[profile counted]\ncredential_process = "${process.execPath}" "${script}"\n`,
    );
    const files = ['north', 'south', 'east'].map((name) => {
      const file = join(cwd, `${name}.yaml`);
      writeFileSync(file, teamStateWorkflow(`e2e-${name}`, `mlds/${name}.json`));
      return file;
    });
    const asProfile = {
      AWS_CONFIG_FILE: join(cwd, 'aws-config'),
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
    };
    const applied = await mlds(['apply', ...files, '--yes', '--profile', 'counted'], asProfile);
    expectClean(applied);
    expect(cloud.inventory().s3).toHaveLength(7);
    // Three state stores, the pre-flight and six buckets' calls: one resolution, every client of the Region after
    // the first taking what it resolved.
    expect(readFileSync(runs, 'utf8')).toBe('x');
    const destroyed = await mlds(['destroy', ...files, '--yes', '--profile', 'counted'], asProfile);
    expectClean(destroyed);
    expect(readFileSync(runs, 'utf8')).toBe('xx');
    expect(cloud.inventory().s3.map((bucket) => bucket.name)).toStrictEqual(['e2e-team-state']);
  });
});
