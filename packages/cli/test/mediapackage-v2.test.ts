import { KNOWN_AFTER_APPLY } from '@mlds/core';
import { createFakeCloud, examplePath, type FakeCloud } from '@mlds/fixtures';
import { beforeEach, describe, expect, it } from 'vitest';
import { runAgainstFake } from './fake-cli.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';

// The two MediaPackage v2 examples through the CLI: what plan shows before apply (the ingest URLs only apply can
// know), and what output prints after apply against the fake cloud (the URLs GetChannel answered).

const CMAF = examplePath('mediapackage-v2-cmaf');
const HLS = examplePath('mediapackage-v2-hls');
const unknownUrls = [{ Url: KNOWN_AFTER_APPLY }, { Url: KNOWN_AFTER_APPLY }];

let fake: FakeCloud;
let cwd: string;

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
});

async function mlds(argv: string[]): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, fake, env: {} });
}

describe('plan --json', () => {
  it('CMAF: the MediaPackage group names group and channel; CMAF Ingest URLs are known after apply', async () => {
    const run = await mlds(['plan', CMAF, '--json']);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.outputGroups.map((g: { type: string }) => g.type)).toStrictEqual([
      'MEDIAPACKAGE',
      'CMAF_INGEST',
    ]);
    expect(plan.destinations).toStrictEqual([
      {
        Id: 'packager',
        MediaPackageSettings: [{ ChannelGroup: 'curling-v2', ChannelName: 'curling-v2-packager' }],
      },
      { Id: 'packager-ingest', Settings: unknownUrls },
    ]);
    expect(
      plan.resources.map(
        (r: { action: string; kind: string; name: string }) => `${r.action} ${r.kind} ${r.name}`,
      ),
    ).toStrictEqual([
      'create mediapackagev2-channel-group curling-v2',
      'create mediapackagev2-channel curling-v2-packager',
      'create mediapackagev2-channel curling-v2-cmaf-ingest',
    ]);
  });

  it('HLS: the existing channel group is read, the two ingest URLs are known after apply', async () => {
    const run = await mlds(['plan', HLS, '--json']);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.destinations).toStrictEqual([{ Id: 'origin', Settings: unknownUrls }]);
    expect(
      plan.resources.map((r: { action: string; name: string }) => `${r.action} ${r.name}`),
    ).toStrictEqual(['read live-events', 'create regional-news']);
    const text = await mlds(['plan', HLS]);
    expect(text.stdout).toMatch(/<= read\s+origin\.channel-group/);
    expect(text.stdout).toContain('Plan: 1 to create, 1 to read, 0 to update, 0 to delete, 0 unchanged.');
  });
});

describe('output --json after apply', () => {
  it('HLS: the URLs GetChannel answered, in pipeline order, no credentials', async () => {
    fake.seed.mediaPackageV2ChannelGroup('live-events', 'eu-west-1');
    expect((await mlds(['apply', HLS, '--yes'])).code).toBe(0);
    const run = await mlds(['output', HLS, '--json']);
    expect(run.code).toBe(0);
    const channel = fake.inventory().mediapackagev2[0]?.channels[0];
    expect(channel?.ingestEndpoints.map((e) => e.url)).toHaveLength(2);
    const document = JSON.parse(run.stdout);
    expect(document.destinations).toStrictEqual([
      { Id: 'origin', Settings: channel?.ingestEndpoints.map((endpoint) => ({ Url: endpoint.url })) },
    ]);
    expect(run.stdout).not.toContain(KNOWN_AFTER_APPLY);
    expect(document.resources.map((r: { address: string; arn: string }) => [r.address, r.arn])).toStrictEqual(
      [
        ['origin.channel-group', 'arn:aws:mediapackagev2:eu-west-1:111122223333:channelGroup/live-events'],
        [
          'origin.channel',
          'arn:aws:mediapackagev2:eu-west-1:111122223333:channelGroup/live-events/channel/regional-news',
        ],
      ],
    );
  });

  it('HLS, applied again: "No changes." and not a single AWS call, though the group stays `read` in the plan', async () => {
    fake.seed.mediaPackageV2ChannelGroup('live-events', 'eu-west-1');
    expect((await mlds(['apply', HLS, '--yes'])).code).toBe(0);
    const calls = fake.calls().length;
    const again = await mlds(['apply', HLS, '--yes', '--refresh=false']);
    expect(again.code).toBe(0);
    expect(unwrapped(again.stdout)).toMatch(
      /^No changes\. The resources recorded in .* match .*; nothing was called\./,
    );
    expect(fake.calls()).toHaveLength(calls);
  });

  it('CMAF: the CMAF Ingest destination gets its channel’s URLs; the MediaPackage one stays as planned', async () => {
    expect((await mlds(['apply', CMAF, '--yes'])).code).toBe(0);
    const run = await mlds(['output', CMAF, '--json']);
    expect(run.code).toBe(0);
    const ingest = fake
      .inventory()
      .mediapackagev2[0]?.channels.find((channel) => channel.name === 'curling-v2-cmaf-ingest');
    expect(JSON.parse(run.stdout).destinations).toStrictEqual([
      {
        Id: 'packager',
        MediaPackageSettings: [{ ChannelGroup: 'curling-v2', ChannelName: 'curling-v2-packager' }],
      },
      { Id: 'packager-ingest', Settings: ingest?.ingestEndpoints.map((endpoint) => ({ Url: endpoint.url })) },
    ]);
    expect(fake.inventory().mediapackagev2[0]?.channels.map((c) => [c.name, c.inputType])).toStrictEqual([
      ['curling-v2-cmaf-ingest', 'CMAF'],
      ['curling-v2-packager', 'CMAF'],
    ]);
  });
});

describe('plan after apply', () => {
  it('plan and plan --refresh show the ingest URLs the state records, not (known after apply); refresh only reads', async () => {
    fake.seed.mediaPackageV2ChannelGroup('live-events', 'eu-west-1');
    expect((await mlds(['apply', HLS, '--yes'])).code).toBe(0);
    const urls = fake
      .inventory()
      .mediapackagev2[0]?.channels[0]?.ingestEndpoints.map((endpoint) => ({ Url: endpoint.url }));
    expect(urls).toHaveLength(2);
    const mutating = fake.mutatingCalls().length;
    for (const argv of [
      ['plan', HLS, '--json'],
      ['plan', HLS, '--refresh', '--json'],
    ]) {
      const run = await mlds(argv);
      expect(run.code).toBe(0);
      const plan = JSON.parse(run.stdout);
      expect(plan.destinations).toStrictEqual([{ Id: 'origin', Settings: urls }]);
      expect(plan.resources.map((r: { action: string }) => r.action)).toStrictEqual(['read', 'noop']);
    }
    const text = await mlds(['plan', HLS, '--refresh']);
    expect(text.stdout).not.toContain(KNOWN_AFTER_APPLY);
    expect(text.stdout).toContain(urls?.[0]?.Url);
    expect(fake.mutatingCalls()).toHaveLength(mutating);
  });
});
