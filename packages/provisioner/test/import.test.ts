import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetChannelGroupCommand,
  TagResourceCommand as V2TagResourceCommand,
} from '@aws-sdk/client-mediapackagev2';
import {
  AddTagsToResourceCommand,
  GetParameterCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
} from '@aws-sdk/client-ssm';
import type { Plan, WorkflowInput } from '@mlds/core';
import { aDownstream, createFakeCloud, type FakeCloud, FakeCrash } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import {
  apply,
  FileStateStore,
  ImportFailedError,
  type ImportPreview,
  ImportRefusedError,
  importResource,
} from '../src/index.js';
import { MemoryStateStore, mockedClients, planOf, REGION, tagsOf, virtualTime, WORKFLOW } from './helpers.js';

// mlds import against the fake cloud: the only mutating call is the kind's tagging call (exact input), the
// state then records the resource as apply would have, and the next apply makes no call for it.

const ARCHIVE: Partial<WorkflowInput> = {
  tags: { team: 'sports' },
  downstream: [aDownstream('s3', { name: 'archive', format: 'archive' })],
};
const PACKAGER: Partial<WorkflowInput> = {
  downstream: [aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' })],
};
const ORIGIN: Partial<WorkflowInput> = { downstream: [aDownstream('mediastore', { name: 'origin' })] };

function statePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'mlds-import-')), '.mlds', 'curling-live.state.json');
}

function readState(path: string) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function mutating(cloud: FakeCloud) {
  return cloud.mutatingCalls().map((call) => ({ command: call.command, input: call.input }));
}

async function runImport(
  cloud: FakeCloud,
  path: string,
  input: Partial<WorkflowInput>,
  address: string,
  physicalId: string,
  answer = true,
) {
  const store = new FileStateStore(path);
  const state = await store.read();
  const plan: Plan = planOf(input, state);
  const previews: ImportPreview[] = [];
  const result = await importResource({
    plan,
    address,
    physicalId,
    clients: cloud.clients,
    store,
    confirm: async (preview) => {
      previews.push(preview);
      return answer;
    },
    newLineage: () => 'lineage-1',
    ...virtualTime(),
  });
  return { result, previews };
}

describe('importing an S3 bucket', () => {
  it('tags it (keeping its own tags), records it, and the next apply calls nothing for it', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const path = statePath();
    cloud.seed.bucket('curling-live-archive-p0', REGION, { tags: { owner: 'ops', team: 'media' } });
    cloud.seed.bucket('curling-live-archive-p1', REGION);

    const first = await runImport(cloud, path, ARCHIVE, 'archive.bucket[0]', 'curling-live-archive-p0');
    expect(first.previews).toStrictEqual([
      {
        address: 'archive.bucket[0]',
        kind: 's3-bucket',
        name: 'curling-live-archive-p0',
        region: REGION,
        tags: [
          { key: 'mlds:downstream', from: undefined, to: 'archive' },
          { key: 'mlds:workflow', from: undefined, to: WORKFLOW },
          { key: 'team', from: 'media', to: 'sports' },
        ],
        alreadyTagged: false,
        settings: [],
      },
    ]);
    expect(mutating(cloud)).toStrictEqual([
      {
        command: 'PutBucketTaggingCommand',
        input: {
          Bucket: 'curling-live-archive-p0',
          Tagging: {
            TagSet: [
              { Key: 'owner', Value: 'ops' },
              { Key: 'team', Value: 'sports' },
              { Key: 'mlds:workflow', Value: WORKFLOW },
              { Key: 'mlds:downstream', Value: 'archive' },
            ],
          },
        },
      },
    ]);
    expect(first.result.outcome).toBe('imported');
    const state = readState(path);
    expect(state.serial).toBe(1);
    expect(state.lineage).toBe('lineage-1');
    expect(state.resources).toStrictEqual([
      {
        address: 'archive.bucket[0]',
        kind: 's3-bucket',
        name: 'curling-live-archive-p0',
        region: REGION,
        pipeline: 0,
        downstream: 'archive',
        status: 'created',
        arn: 'arn:aws:s3:::curling-live-archive-p0',
        tags: tagsOf('archive', { team: 'sports' }),
        properties: {},
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    ]);

    await runImport(cloud, path, ARCHIVE, 'archive.bucket[1]', 'curling-live-archive-p1');
    expect(readState(path).serial).toBe(2);
    const before = cloud.mutatingCalls().length;
    const store = new FileStateStore(path);
    const plan = planOf(ARCHIVE, await store.read());
    expect(plan.resources.map((resource) => resource.action)).toStrictEqual(['noop', 'noop']);
    const run = await apply({ plan, clients: cloud.clients, store, env: {}, ...virtualTime() });
    expect(cloud.mutatingCalls().slice(before)).toStrictEqual([]);
    expect(run.outcomes.map((outcome) => outcome.outcome)).toStrictEqual(['unchanged', 'unchanged']);
  });

  it('refuses, changing nothing, a bucket of another workflow, one that is missing, one in another Region', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const path = statePath();
    cloud.seed.bucket('curling-live-archive-p0', REGION, { tags: { 'mlds:workflow': 'hockey' } });
    cloud.seed.bucket('curling-live-archive-p1', 'eu-west-1');

    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) =>
          error instanceof ImportRefusedError ? [error.refusal, error.message] : ['other', String(error)],
      );
    expect(
      await refusal(runImport(cloud, path, ARCHIVE, 'archive.bucket[0]', 'curling-live-archive-p0')),
    ).toStrictEqual([
      'other-workflow',
      "curling-live-archive-p0 (archive.bucket[0]) belongs to the workflow 'hockey' (its mlds:workflow tag): mlds never takes a resource from another workflow",
    ]);
    expect(
      await refusal(runImport(cloud, path, ARCHIVE, 'archive.bucket[1]', 'curling-live-archive-p1')),
    ).toStrictEqual([
      'unusable',
      'curling-live-archive-p1 (archive.bucket[1]) cannot be imported: it is in another Region',
    ]);
    const other = createFakeCloud({ sleep: async () => {} });
    expect(
      await refusal(runImport(other, path, ARCHIVE, 'archive.bucket[0]', 'curling-live-archive-p0')),
    ).toStrictEqual([
      'not-found',
      `curling-live-archive-p0 (archive.bucket[0]) does not exist in ${REGION}: nothing to import`,
    ]);
    expect(await refusal(runImport(cloud, path, ARCHIVE, 'archive.bucket[0]', 'my-bucket'))).toEqual([
      'name-mismatch',
      expect.stringContaining('not "my-bucket"'),
    ]);
    expect(cloud.mutatingCalls()).toStrictEqual([]);
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });

  it('changes nothing when the tags are not confirmed', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const path = statePath();
    cloud.seed.bucket('curling-live-archive-p0', REGION);
    const { result } = await runImport(
      cloud,
      path,
      ARCHIVE,
      'archive.bucket[0]',
      'curling-live-archive-p0',
      false,
    );
    expect(result.outcome).toBe('cancelled');
    expect(cloud.mutatingCalls()).toStrictEqual([]);
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });

  it('refuses an address the state already records', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const path = statePath();
    cloud.seed.bucket('curling-live-archive-p0', REGION);
    await runImport(cloud, path, ARCHIVE, 'archive.bucket[0]', 'curling-live-archive-p0');
    const calls = cloud.calls().length;
    await expect(
      runImport(cloud, path, ARCHIVE, 'archive.bucket[0]', 'curling-live-archive-p0'),
    ).rejects.toMatchObject({ refusal: 'in-state' });
    expect(cloud.calls().length).toBe(calls);
  });

  it('a crash between the tag and the record: import again, or apply, finishes it', async () => {
    for (const again of ['import', 'apply'] as const) {
      const cloud = createFakeCloud({ sleep: async () => {} });
      const path = statePath();
      cloud.seed.bucket('curling-live-archive-p0', REGION);
      cloud.crashAfterMutatingCalls(1);
      const crashed = await runImport(
        cloud,
        path,
        ARCHIVE,
        'archive.bucket[0]',
        'curling-live-archive-p0',
      ).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(crashed).toBeInstanceOf(ImportFailedError);
      expect((crashed as ImportFailedError).intentRecorded).toBe(true);
      expect((crashed as ImportFailedError).cause).toBeInstanceOf(FakeCrash);
      expect(readState(path).resources.map((r: { status: string }) => r.status)).toStrictEqual(['creating']);
      cloud.crashAfterMutatingCalls(undefined);
      const tagged = cloud.mutatingCalls().length;

      if (again === 'import') {
        const { result, previews } = await runImport(
          cloud,
          path,
          ARCHIVE,
          'archive.bucket[0]',
          'curling-live-archive-p0',
        );
        expect(previews[0]).toMatchObject({ alreadyTagged: true, tags: [] });
        expect(result.resource?.status).toBe('created');
        expect(cloud.mutatingCalls().length).toBe(tagged);
      } else {
        const store = new FileStateStore(path);
        const plan = planOf(ARCHIVE, await store.read());
        const run = await apply({ plan, clients: cloud.clients, store, env: {}, ...virtualTime() });
        expect(run.outcomes.find((o) => o.address === 'archive.bucket[0]')?.outcome).toBe('adopted');
      }
      const entry = readState(path).resources.find(
        (r: { address: string }) => r.address === 'archive.bucket[0]',
      );
      expect(entry.status).toBe('created');
    }
  });
});

describe('importing a MediaPackage channel and its ingest-password parameters', () => {
  it('tags each with its own call, records the ingest endpoints, never reads or stores a password', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const path = statePath();
    cloud.seed.mediaPackageChannel('curling-live-packager', REGION);
    for (const pipeline of [0, 1]) {
      cloud.seed.parameter(
        `/mlds/curling-live/packager/password-p${pipeline}`,
        REGION,
        `secret-${pipeline}`,
        {
          type: 'SecureString',
        },
      );
    }
    await runImport(cloud, path, PACKAGER, 'packager.channel', 'curling-live-packager');
    await runImport(cloud, path, PACKAGER, 'packager.password[0]', '/mlds/curling-live/packager/password-p0');
    await runImport(cloud, path, PACKAGER, 'packager.password[1]', '/mlds/curling-live/packager/password-p1');

    const arn = readState(path).resources[0].arn;
    expect(arn).toMatch(/^arn:aws:mediapackage:us-west-2:111122223333:channels\//);
    expect(mutating(cloud)).toStrictEqual([
      { command: 'TagResourceCommand', input: { ResourceArn: arn, Tags: tagsOf('packager') } },
      ...[0, 1].map((pipeline) => ({
        command: 'AddTagsToResourceCommand',
        input: {
          ResourceType: 'Parameter',
          ResourceId: `/mlds/curling-live/packager/password-p${pipeline}`,
          Tags: [
            { Key: 'mlds:workflow', Value: WORKFLOW },
            { Key: 'mlds:downstream', Value: 'packager' },
          ],
        },
      })),
    ]);
    expect(cloud.calls().map((call) => call.command)).not.toContain('GetParameterCommand');
    const text = readFileSync(path, 'utf8');
    for (const secret of cloud.secretValues()) expect(text).not.toContain(secret);
    const state = readState(path);
    expect(state.resources[0].outputs.ingestEndpoints).toHaveLength(2);
    expect(Object.keys(state.resources[0].outputs.ingestEndpoints[0]).sort()).toStrictEqual([
      'id',
      'url',
      'username',
    ]);

    const store = new FileStateStore(path);
    const plan = planOf(PACKAGER, await store.read());
    expect(plan.resources.map((resource) => resource.action)).toStrictEqual(['noop', 'noop', 'noop']);
    const before = cloud.mutatingCalls().length;
    await apply({ plan, clients: cloud.clients, store, env: {}, ...virtualTime() });
    expect(cloud.mutatingCalls().length).toBe(before);
  });
});

describe('importing a MediaStore container', () => {
  it('tags it with TagResource and records its endpoint', async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const path = statePath();
    cloud.seed.container('curling-live-origin-p0', REGION, { tags: { owner: 'ops' } });
    await runImport(cloud, path, ORIGIN, 'origin.container[0]', 'curling-live-origin-p0');
    const entry = readState(path).resources[0];
    expect(mutating(cloud)).toStrictEqual([
      {
        command: 'TagResourceCommand',
        input: {
          Resource: entry.arn,
          Tags: [
            { Key: 'mlds:workflow', Value: WORKFLOW },
            { Key: 'mlds:downstream', Value: 'origin' },
          ],
        },
      },
    ]);
    expect(entry.outputs.endpoint).toMatch(/^https:\/\//);
    expect(entry.status).toBe('created');
  });
});

describe('the exact SDK inputs (aws-sdk-client-mock)', () => {
  it('an { env } password parameter: its tags listed, ours added, its value never read or written', async () => {
    const { aws, mocks } = mockedClients();
    const name = '/mlds/curling-live/web/password';
    mocks.ssm
      .on(ListTagsForResourceCommand)
      .resolvesOnce({ TagList: [{ Key: 'owner', Value: 'ops' }] })
      .resolves({ TagList: [{ Key: 'owner', Value: 'ops' }, ...tagList(tagsOf('web'))] });
    mocks.ssm.on(AddTagsToResourceCommand).resolves({});
    const store = new MemoryStateStore();
    const input: Partial<WorkflowInput> = {
      downstream: [
        aDownstream('http-put', { name: 'web', username: 'ingest', password: { env: 'WEB_PASSWORD' } }),
      ],
    };
    const result = await importResource({
      plan: planOf(input),
      address: 'web.password',
      physicalId: name,
      clients: aws,
      store,
      confirm: async () => true,
      ...virtualTime(),
    });
    expect(result.outcome).toBe('imported');
    expect(mocks.ssm.commandCalls(ListTagsForResourceCommand).map((c) => c.args[0].input)).toStrictEqual([
      { ResourceType: 'Parameter', ResourceId: name },
      { ResourceType: 'Parameter', ResourceId: name },
    ]);
    expect(mocks.ssm.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input)).toStrictEqual([
      { ResourceType: 'Parameter', ResourceId: name, Tags: tagList(tagsOf('web')) },
    ]);
    expect(mocks.ssm.commandCalls(GetParameterCommand)).toStrictEqual([]);
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toStrictEqual([]);
    // The intent before the tag, the result after.
    expect(store.writes.map((doc) => doc.resources.map((r) => r.status))).toStrictEqual([
      ['creating'],
      ['created'],
    ]);
    expect(store.writes[1]?.resources[0]?.properties).toStrictEqual({ source: { env: 'WEB_PASSWORD' } });
  });

  it('a MediaPackage v2 channel group: TagResource on the ARN GetChannelGroup gave', async () => {
    const { aws, mocks } = mockedClients();
    const arn = `arn:aws:mediapackagev2:${REGION}:111122223333:channelGroup/curling-live`;
    mocks.mediaPackageV2
      .on(GetChannelGroupCommand as never)
      .resolvesOnce({ ChannelGroupName: 'curling-live', Arn: arn, Tags: {} } as never)
      .resolves({ ChannelGroupName: 'curling-live', Arn: arn, Tags: tagsOf('packager-v2') } as never);
    mocks.mediaPackageV2.on(V2TagResourceCommand as never).resolves({} as never);
    const result = await importResource({
      plan: planOf({
        mediaLiveRoleArn: 'arn:aws:iam::111122223333:role/MediaLiveAccessRole',
        downstream: [aDownstream('mediapackage-v2', { name: 'packager-v2' })],
      }),
      address: 'packager-v2.channel-group',
      physicalId: 'curling-live',
      clients: aws,
      store: new MemoryStateStore(),
      confirm: async () => true,
      ...virtualTime(),
    });
    expect(result.resource?.arn).toBe(arn);
    expect(
      mocks.mediaPackageV2.commandCalls(V2TagResourceCommand as never).map((c) => c.args[0].input),
    ).toStrictEqual([{ ResourceArn: arn, Tags: tagsOf('packager-v2') }]);
  });
});

function tagList(tags: Record<string, string>) {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
