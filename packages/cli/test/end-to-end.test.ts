// The built bin as a user runs it — a separate process, from a clean build output, in a directory of its own —
// against a local fake AWS endpoint reached only through the SDK's own AWS_ENDPOINT_URL: plan, apply, output,
// destroy. Whatever the bundle fails to load or the SDK fails to send shows here, as it would for a user.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { examplePath, type FakeAwsEndpoint } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import {
  cwd,
  emptyAccount,
  endpoint,
  expectClean,
  mlds,
  type Run,
  readState,
  useBuiltBin,
} from './end-to-end-harness.js';

const CDN_PASSWORD = 'e2e-cdn-password-value';

useBuiltBin();

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

describe('the built bin when its reader stops reading (`mlds apply … | head -1`)', () => {
  it('apply and destroy run to their end, their output dropped: nothing left half-made, no lock left', async () => {
    const path = examplePath('curling-live');
    const apply = await mlds(['apply', path, '--yes'], {}, { readerGoneAfterFirstChunk: true });
    expectClean(apply);
    expect(apply.stdout).not.toContain('Apply complete');
    expect(
      readState('curling-live')
        .resources.map((r) => `${r.address} ${r.status}`)
        .sort(),
    ).toStrictEqual(['archive.bucket[0] created', 'archive.bucket[1] created', 'packager.channel created']);
    expect(existsSync(join(cwd, '.mlds', 'curling-live.state.json.lock'))).toBe(false);

    const destroy = await mlds(['destroy', path, '--yes'], {}, { readerGoneAfterFirstChunk: true });
    expectClean(destroy);
    expect(readState('curling-live').resources).toStrictEqual([]);
    expect(endpoint.cloud.inventory().s3).toStrictEqual([]);
    expect(readdirSync(join(cwd, '.mlds')).filter((name) => name.includes('.lock'))).toStrictEqual([]);
  });
});
