import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { decideOutputGroups, groupTypesOf } from './decide.js';
import { normalizeWorkflow } from './normalize.js';
import { desiredResources } from './resources.js';
import type { DownstreamInput, Workflow, WorkflowInput } from './types.js';

const resourcesDecided = (workflow: Workflow) =>
  desiredResources(workflow, groupTypesOf(decideOutputGroups(workflow)));

function resourcesOf(downstream: DownstreamInput[], overrides: Partial<WorkflowInput> = {}) {
  return resourcesDecided(normalizeWorkflow(aWorkflow({ ...overrides, downstream })));
}

const tagsFor = (downstream: string, user: Record<string, string> = {}) => ({
  ...user,
  'mlds:workflow': 'curling-live',
  'mlds:downstream': downstream,
});

describe('MediaPackage', () => {
  it('creates one channel, and no credentials, for a MediaPackage output group', () => {
    expect(
      resourcesOf([aDownstream('mediapackage', { name: 'packager' })], { tags: { team: 'sports' } }),
    ).toEqual([
      {
        address: 'packager.channel',
        kind: 'mediapackage-channel',
        name: 'curling-live-packager',
        region: 'us-west-2',
        pipeline: null,
        downstream: 'packager',
        tags: tagsFor('packager', { team: 'sports' }),
        properties: {},
        dependsOn: [],
      },
    ]);
  });

  it('only reads the existing channel a MediaPackage output group sends to: no parameter, nothing created', () => {
    expect(resourcesOf([aDownstream('mediapackage', { channelId: 'Their_Channel' })])).toStrictEqual([
      {
        address: 'mediapackage-out.channel',
        kind: 'mediapackage-channel',
        name: 'Their_Channel',
        region: 'us-west-2',
        pipeline: null,
        downstream: 'mediapackage-out',
        existing: true,
        properties: {},
        dependsOn: [],
      },
    ]);
  });

  it('adds one ingest-password parameter per pipeline, after the channel, for an HLS group', () => {
    expect(
      resourcesOf([
        aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls', region: 'eu-west-1' }),
      ]),
    ).toEqual([
      {
        address: 'packager.channel',
        kind: 'mediapackage-channel',
        name: 'curling-live-packager',
        region: 'eu-west-1',
        pipeline: null,
        downstream: 'packager',
        tags: tagsFor('packager'),
        properties: {},
        dependsOn: [],
      },
      ...[0, 1].map((pipeline) => ({
        address: `packager.password[${pipeline}]`,
        kind: 'ssm-parameter',
        name: `/mlds/curling-live/packager/password-p${pipeline}`,
        // MediaLive reads the parameter in its own Region.
        region: 'us-west-2',
        pipeline,
        downstream: 'packager',
        tags: tagsFor('packager'),
        properties: { source: { ingestEndpointOf: 'packager.channel', endpointIndex: pipeline } },
        dependsOn: ['packager.channel'],
      })),
    ]);
  });

  it('reads an existing channel for an HLS group: no tags, never created, one parameter on a single pipeline', () => {
    expect(
      resourcesOf(
        [aDownstream('mediapackage', { name: 'packager', channelId: 'Their_Channel', needs: ['id3'] })],
        {
          channelClass: 'SINGLE_PIPELINE',
        },
      ),
    ).toEqual([
      {
        address: 'packager.channel',
        kind: 'mediapackage-channel',
        name: 'Their_Channel',
        region: 'us-west-2',
        pipeline: null,
        downstream: 'packager',
        existing: true,
        properties: {},
        dependsOn: [],
      },
      {
        address: 'packager.password[0]',
        kind: 'ssm-parameter',
        name: '/mlds/curling-live/packager/password-p0',
        region: 'us-west-2',
        pipeline: 0,
        downstream: 'packager',
        tags: tagsFor('packager'),
        properties: { source: { ingestEndpointOf: 'packager.channel', endpointIndex: 0 } },
        dependsOn: ['packager.channel'],
      },
    ]);
  });

  it('follows system: aws to MediaPackage when DRM is needed', () => {
    expect(
      resourcesOf([aDownstream('aws', { name: 'origin', needs: ['drm'] })]).map((r) => r.address),
    ).toEqual(['origin.channel']);
  });
});

describe('Amazon S3 and MediaStore', () => {
  const roleArn = 'arn:aws:iam::111122223333:role/MediaLiveAccessRole';

  it('creates one bucket per pipeline, carrying the MediaLive role for its policy', () => {
    expect(
      resourcesOf([aDownstream('s3', { name: 'archive', format: 'archive' })], { mediaLiveRoleArn: roleArn }),
    ).toEqual(
      [0, 1].map((pipeline) => ({
        address: `archive.bucket[${pipeline}]`,
        kind: 's3-bucket',
        name: `curling-live-archive-p${pipeline}`,
        region: 'us-west-2',
        pipeline,
        downstream: 'archive',
        tags: tagsFor('archive'),
        properties: { mediaLiveRoleArn: roleArn },
        dependsOn: [],
      })),
    );
  });

  it('leaves the role out when the workflow has none, and makes one bucket on a single pipeline', () => {
    expect(resourcesOf([aDownstream('s3', { name: 'vod' })], { channelClass: 'SINGLE_PIPELINE' })).toEqual([
      expect.objectContaining({ address: 'vod.bucket[0]', name: 'curling-live-vod-p0', properties: {} }),
    ]);
  });

  it('creates no bucket when existing buckets are given: it reads each, one per pipeline, untagged', () => {
    expect(resourcesOf([aDownstream('s3', { buckets: ['theirs-a', 'theirs-b'] })])).toStrictEqual(
      ['theirs-a', 'theirs-b'].map((name, pipeline) => ({
        address: `s3-out.bucket[${pipeline}]`,
        kind: 's3-bucket',
        name,
        region: 'us-west-2',
        pipeline,
        downstream: 's3-out',
        existing: true,
        properties: {},
        dependsOn: [],
      })),
    );
  });

  it('follows system: aws to S3 when nothing needs repackaging', () => {
    expect(resourcesOf([aDownstream('aws', { name: 'origin' })]).map((r) => r.name)).toEqual([
      'curling-live-origin-p0',
      'curling-live-origin-p1',
    ]);
  });

  it('keeps bucket names valid when the workflow and downstream names are long', () => {
    const long = 'a'.repeat(32);
    const names = resourcesDecided(
      normalizeWorkflow(aWorkflow({ workflow: long, downstream: [aDownstream('s3', { name: long })] })),
    ).map((r) => r.name);
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9][a-z0-9-]*-p[01]$/);
    }
    expect(names[0]).not.toBe(names[1]);
  });

  it('creates one container per pipeline and records the path the destination needs', () => {
    expect(
      resourcesOf([
        aDownstream('mediastore', { name: 'store' }),
        aDownstream('mediastore', { name: 'clips', path: 'sports/clips/index' }),
      ]),
    ).toEqual([
      ...[0, 1].map((pipeline) => ({
        address: `store.container[${pipeline}]`,
        kind: 'mediastore-container',
        name: `curling-live-store-p${pipeline}`,
        region: 'us-west-2',
        pipeline,
        downstream: 'store',
        tags: tagsFor('store'),
        properties: { path: 'curling-live/store/index' },
        dependsOn: [],
      })),
      ...[0, 1].map((pipeline) =>
        expect.objectContaining({
          address: `clips.container[${pipeline}]`,
          properties: { path: 'sports/clips/index' },
        }),
      ),
    ]);
  });
});

describe('passwords of servers that ask for them', () => {
  it.each(['http-put', 'webdav', 'akamai', 'mss', 'rtmp'] as const)(
    '%s: one parameter for a password from the environment',
    (system) => {
      expect(
        resourcesOf([aDownstream(system, { name: 'cdn', username: 'u', password: { env: 'CDN_PASSWORD' } })]),
      ).toEqual([
        {
          address: 'cdn.password',
          kind: 'ssm-parameter',
          name: '/mlds/curling-live/cdn/password',
          region: 'us-west-2',
          pipeline: null,
          downstream: 'cdn',
          tags: tagsFor('cdn'),
          properties: { source: { env: 'CDN_PASSWORD' } },
          dependsOn: [],
        },
      ]);
    },
  );

  it('creates nothing for a referenced SSM parameter, no password, or a stream key', () => {
    expect(
      resourcesOf([
        aDownstream('webdav', { name: 'a', username: 'u', password: { ssmParameter: '/theirs/password' } }),
        aDownstream('http-put', { name: 'b' }),
        aDownstream('rtmp', { name: 'c', streamKey: { env: 'KEY' } }),
        aDownstream('rtmp', { name: 'd', streamKey: { ssmParameter: '/theirs/key' } }),
      ]),
    ).toEqual([]);
  });

  it('creates nothing for UDP and SRT', () => {
    expect(
      resourcesOf([
        aDownstream('udp'),
        aDownstream('srt', { passphraseSecretArn: 'arn:aws:secretsmanager:x' }),
      ]),
    ).toEqual([]);
  });
});

it('lists resources in file order, a channel before its parameters, pipeline 0 first', () => {
  expect(
    resourcesOf([
      aDownstream('s3', { name: 'archive', format: 'archive' }),
      aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' }),
      aDownstream('akamai', { name: 'cdn', password: { env: 'P' } }),
    ]).map((r) => r.address),
  ).toEqual([
    'archive.bucket[0]',
    'archive.bucket[1]',
    'packager.channel',
    'packager.password[0]',
    'packager.password[1]',
    'cdn.password',
  ]);
});
