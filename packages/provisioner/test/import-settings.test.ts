import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutBucketEncryptionCommand, PutPublicAccessBlockCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  normalizeWorkflow,
  type Observation,
  type Plan,
  planWorkflow,
  refreshTargets,
  type StateDocument,
  type WorkflowInput,
} from '@mlds/core';
import { aWorkflow, createFakeCloud, type FakeCloud } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { channelPolicy } from '../src/handlers/mediapackagev2.js';
import { mediaLiveContainerPolicy } from '../src/handlers/mediastore.js';
import { mediaLiveBucketPolicy } from '../src/handlers/s3.js';
import { apply, FileStateStore, type ImportPreview, importResource, refresh } from '../src/index.js';
import { REGION, ROLE, tagsOf, virtualTime } from './helpers.js';

// `mlds import` brings the resource to what apply would have set (not only its tags): it reads the settings apply
// makes, shows those that differ, makes them (exact SDK inputs, other policy statements kept), and the next
// refresh plans the resource as `noop` and apply calls nothing for it.

const BUCKET = 'curling-live-archive-p0';
const THEIR_STATEMENT = {
  Sid: 'TheirAnalyticsRead',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:role/Analytics' },
  Action: 's3:GetObject',
  Resource: `arn:aws:s3:::${BUCKET}/*`,
};

function planned(input: Partial<WorkflowInput>, state?: StateDocument, observations?: Observation[]): Plan {
  return planWorkflow(normalizeWorkflow(aWorkflow(input)), {
    ...(state ? { state } : {}),
    ...(observations ? { observations } : {}),
  });
}

function newStore(): FileStateStore {
  return new FileStateStore(join(mkdtempSync(join(tmpdir(), 'mlds-import-settings-')), 'state.json'));
}

async function runImport(
  cloud: FakeCloud,
  store: FileStateStore,
  input: Partial<WorkflowInput>,
  address: string,
  physicalId: string,
  env: Record<string, string> = {},
) {
  const previews: ImportPreview[] = [];
  const before = cloud.mutatingCalls().length;
  const result = await importResource({
    plan: planned(input, await store.read()),
    address,
    physicalId,
    clients: cloud.clients,
    store,
    env,
    confirm: async (preview) => {
      previews.push(preview);
      // Shown before anything is changed.
      expect(cloud.mutatingCalls()).toHaveLength(before);
      return true;
    },
    ...virtualTime(),
  });
  const calls = cloud
    .mutatingCalls()
    .slice(before)
    .map((call) => [call.command, call.input]);
  return { result, previews, calls };
}

/** Refresh (reads only), then the plan's action per address; then apply, which must call nothing. */
async function refreshedThenApplied(
  cloud: FakeCloud,
  store: FileStateStore,
  input: Partial<WorkflowInput>,
  env: Record<string, string> = {},
) {
  const state = (await store.read()) as StateDocument;
  const before = cloud.mutatingCalls().length;
  const resources = refreshTargets(normalizeWorkflow(aWorkflow(input)), state);
  const observations = await refresh({ state, resources, clients: cloud.clients, env, ...virtualTime() });
  const plan = planned(input, state, observations);
  await apply({ plan, clients: cloud.clients, store, env, ...virtualTime() });
  return {
    actions: Object.fromEntries(plan.resources.map((r) => [r.address, r.action])),
    drift: plan.resources.flatMap((r) => r.drift ?? []),
    mutating: cloud.mutatingCalls().slice(before),
  };
}

describe('import makes the settings apply makes', () => {
  const ARCHIVE: Partial<WorkflowInput> = {
    mediaLiveRoleArn: ROLE,
    downstream: [{ name: 'archive', system: 's3', format: 'archive' }],
  };

  it('a bucket with public access allowed, KMS encryption and a policy of its own: shown, then set; refresh then finds nothing', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    cloud.seed.bucket(BUCKET, REGION, {
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [THEIR_STATEMENT] }),
    });
    const s3 = cloud.clients.s3(REGION) as S3Client;
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: BUCKET,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: false,
          IgnorePublicAcls: false,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: false,
        },
      }),
    );
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: BUCKET,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        },
      }),
    );
    const store = newStore();

    const { previews, calls } = await runImport(cloud, store, ARCHIVE, 'archive.bucket[0]', BUCKET);

    expect(previews.map((preview) => preview.settings)).toStrictEqual([
      [
        {
          setting: 'publicAccessBlock',
          from: 'not all four public access block settings are on',
          to: 'all four on (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets)',
        },
        {
          setting: 'encryption',
          from: 'default encryption aws:kms',
          to: 'default encryption SSE-S3 (AES256)',
        },
        {
          setting: 'policy',
          from: 'the bucket policy has no statement for the MediaLive role as mlds writes it',
          to: `the bucket policy gets mlds's statement for ${ROLE} (its other statements are kept)`,
        },
      ],
    ]);
    // The tag first; the three settings at once (in any order).
    expect(calls[0]).toStrictEqual([
      'PutBucketTaggingCommand',
      {
        Bucket: BUCKET,
        Tagging: { TagSet: Object.entries(tagsOf('archive')).map(([Key, Value]) => ({ Key, Value })) },
      },
    ]);
    expect(calls.slice(1).sort()).toStrictEqual([
      [
        'PutBucketEncryptionCommand',
        {
          Bucket: BUCKET,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        },
      ],
      [
        'PutBucketPolicyCommand',
        {
          Bucket: BUCKET,
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [THEIR_STATEMENT, ...mediaLiveBucketPolicy(BUCKET, REGION, ROLE).Statement],
          }),
        },
      ],
      [
        'PutPublicAccessBlockCommand',
        {
          Bucket: BUCKET,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        },
      ],
    ]);

    cloud.seed.bucket('curling-live-archive-p1', REGION);
    await runImport(cloud, store, ARCHIVE, 'archive.bucket[1]', 'curling-live-archive-p1');
    const after = await refreshedThenApplied(cloud, store, ARCHIVE);
    expect(after).toStrictEqual({
      actions: { 'archive.bucket[0]': 'noop', 'archive.bucket[1]': 'noop' },
      drift: [],
      mutating: [],
    });
  });

  it('a bucket already as apply makes it: only the tag', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    cloud.seed.bucket(BUCKET, REGION, {
      policy: JSON.stringify(mediaLiveBucketPolicy(BUCKET, REGION, ROLE)),
    });
    const { previews, calls } = await runImport(cloud, newStore(), ARCHIVE, 'archive.bucket[0]', BUCKET);
    expect(previews[0]?.settings).toStrictEqual([]);
    expect(calls.map(([command]) => command)).toStrictEqual(['PutBucketTaggingCommand']);
  });

  it('a container: the role’s statement added to its policy; refresh then finds nothing', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const input: Partial<WorkflowInput> = {
      mediaLiveRoleArn: ROLE,
      downstream: [{ name: 'origin', system: 'mediastore' }],
    };
    cloud.seed.container('curling-live-origin-p0', REGION);
    cloud.seed.container('curling-live-origin-p1', REGION);
    const store = newStore();
    const { previews, calls } = await runImport(
      cloud,
      store,
      input,
      'origin.container[0]',
      'curling-live-origin-p0',
    );
    expect(previews[0]?.settings.map((change) => change.setting)).toStrictEqual(['policy']);
    const arn = `arn:aws:mediastore:${REGION}:111122223333:container/curling-live-origin-p0`;
    expect(calls.map(([command]) => command)).toStrictEqual([
      'TagResourceCommand',
      'PutContainerPolicyCommand',
    ]);
    expect(calls[1]).toStrictEqual([
      'PutContainerPolicyCommand',
      {
        ContainerName: 'curling-live-origin-p0',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: mediaLiveContainerPolicy(arn, ROLE).Statement,
        }),
      },
    ]);
    await runImport(cloud, store, input, 'origin.container[1]', 'curling-live-origin-p1');
    const after = await refreshedThenApplied(cloud, store, input);
    expect(after.actions).toStrictEqual({ 'origin.container[0]': 'noop', 'origin.container[1]': 'noop' });
    expect(after.mutating).toStrictEqual([]);
  });

  it('a MediaPackage v2 channel: the channel policy statement for the role; group and channel then refresh as noop', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const input: Partial<WorkflowInput> = {
      mediaLiveRoleArn: ROLE,
      downstream: [{ name: 'packager', system: 'mediapackage-v2' }],
    };
    cloud.seed.mediaPackageV2ChannelGroup('curling-live', REGION);
    cloud.seed.mediaPackageV2Channel('curling-live', 'curling-live-packager', REGION, { inputType: 'CMAF' });
    const store = newStore();
    const group = await runImport(cloud, store, input, 'packager.channel-group', 'curling-live');
    expect(group.previews[0]?.settings).toStrictEqual([]);
    const channel = await runImport(cloud, store, input, 'packager.channel', 'curling-live-packager');
    expect(channel.previews[0]?.settings).toStrictEqual([
      {
        setting: 'policy',
        from: 'the channel policy has no statement for the MediaLive role as mlds writes it',
        to: `the channel policy gets mlds's statement for ${ROLE} (its other statements are kept)`,
      },
    ]);
    const arn = `arn:aws:mediapackagev2:${REGION}:111122223333:channelGroup/curling-live/channel/curling-live-packager`;
    expect(channel.calls[1]).toStrictEqual([
      'PutChannelPolicyCommand',
      {
        ChannelGroupName: 'curling-live',
        ChannelName: 'curling-live-packager',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: JSON.parse(channelPolicy(ROLE, arn)).Statement,
        }),
      },
    ]);
    expect(channel.calls).toHaveLength(2);
    const after = await refreshedThenApplied(cloud, store, input);
    expect(after).toStrictEqual({
      actions: { 'packager.channel-group': 'noop', 'packager.channel': 'noop' },
      drift: [],
      mutating: [],
    });
  });

  it('an { env } password that differs: compared in memory, the variable’s value written, neither shown; then noop', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const input: Partial<WorkflowInput> = {
      downstream: [
        {
          name: 'web',
          system: 'http-put',
          urls: ['https://a.example.com/live/index', 'https://b.example.com/live/index'],
          username: 'mlds',
          password: { env: 'WEB_PASSWORD' },
        },
      ],
    };
    const NAME = '/mlds/curling-live/web/password';
    cloud.seed.parameter(NAME, REGION, 'the-old-web-secret');
    const env = { WEB_PASSWORD: 'the-new-web-secret' };
    const store = newStore();
    const { previews, calls, result } = await runImport(cloud, store, input, 'web.password', NAME, env);
    expect(previews[0]?.settings).toStrictEqual([
      {
        setting: 'value',
        from: 'the value differs from WEB_PASSWORD',
        to: 'the value of WEB_PASSWORD (neither value is shown)',
      },
    ]);
    expect(calls).toStrictEqual([
      [
        'AddTagsToResourceCommand',
        {
          ResourceType: 'Parameter',
          ResourceId: NAME,
          Tags: Object.entries(tagsOf('web')).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
      [
        'PutParameterCommand',
        { Name: NAME, Value: 'the-new-web-secret', Type: 'SecureString', Tier: 'Standard', Overwrite: true },
      ],
    ]);
    expect(result.resource?.outputs).toStrictEqual({ version: 2 });
    const stored = await (cloud.clients.ssm(REGION) as SSMClient).send(
      new GetParameterCommand({ Name: NAME, WithDecryption: true }),
    );
    expect(stored.Parameter?.Value).toBe('the-new-web-secret');
    const after = await refreshedThenApplied(cloud, store, input, env);
    expect(after.actions).toStrictEqual({ 'web.password': 'noop' });
    expect(after.mutating).toStrictEqual([]);
    const leaked = JSON.stringify([previews, result, await store.read()]);
    for (const secret of ['the-old-web-secret', 'the-new-web-secret']) expect(leaked).not.toContain(secret);
  });
});
