import { aDownstream, aWorkflow, seedWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { normalizeWorkflow } from './normalize.js';
import { parseWorkflow } from './parse.js';
import { planWorkflow } from './plan.js';
import type { Diagnostic, DownstreamInput, Reason } from './types.js';

const tags = (downstream: string, user: Record<string, string> = {}) => ({
  ...user,
  'mlds:workflow': 'curling-live',
  'mlds:downstream': downstream,
});
const CANNED_ACL = { CannedAcl: 'BUCKET_OWNER_FULL_CONTROL' };
const HEADER = {
  formatVersion: 1,
  workflow: 'curling-live',
  region: 'us-west-2',
  channelClass: 'STANDARD',
  pipelines: 2,
} as const;

describe('the user guide’s example', () => {
  it('plans MediaPackage, RTMP to a social site and an S3 archive, exactly', () => {
    expect(planWorkflow(normalizeWorkflow(seedWorkflow()))).toStrictEqual({
      ...HEADER,
      outputGroups: [
        {
          name: 'packager',
          type: 'MEDIAPACKAGE',
          destinationId: 'packager',
          reasons: [
            {
              rule: 'hls-vs-mediapackage.less-setup',
              text: 'A MediaPackage output group needs less setup: MediaLive already knows most of what it needs to deliver to the MediaPackage channel, and no ingest credentials are involved.',
            },
          ],
        },
        {
          name: 'social',
          type: 'RTMP',
          destinationId: 'social',
          reasons: [
            {
              rule: 'supported-containers.rtmp',
              text: 'An RTMP(S) server takes an RTMP output group with ONE output for this destination; the destination holds one URL per pipeline, and the stream key goes in StreamName, not in the URL.',
            },
          ],
        },
        {
          name: 'archive',
          type: 'ARCHIVE',
          destinationId: 'archive',
          reasons: [
            {
              rule: 'supplement.archive',
              text: 'An archive file is a supplement to streaming, not a streaming output: typically a permanent file version of the streaming output, written to Amazon S3.',
            },
            {
              rule: 's3.canned-acl',
              text: 'New S3 buckets have ACLs disabled: CannedAcl BUCKET_OWNER_FULL_CONTROL is accepted, any other makes every write fail with AccessControlListNotSupported.',
            },
          ],
          groupSettings: { ArchiveGroupSettings: { ArchiveCdnSettings: { ArchiveS3Settings: CANNED_ACL } } },
        },
      ],
      resources: [
        {
          address: 'packager.channel',
          kind: 'mediapackage-channel',
          action: 'create',
          name: 'curling-live-packager',
          region: 'us-west-2',
          pipeline: null,
          downstream: 'packager',
          tags: tags('packager', { team: 'sports' }),
          properties: {},
          dependsOn: [],
        },
        ...([0, 1] as const).map((pipeline) => ({
          address: `archive.bucket[${pipeline}]`,
          kind: 's3-bucket',
          action: 'create',
          name: `curling-live-archive-p${pipeline}`,
          region: 'us-west-2',
          pipeline,
          downstream: 'archive',
          tags: tags('archive', { team: 'sports' }),
          properties: { mediaLiveRoleArn: 'arn:aws:iam::111122223333:role/MediaLiveAccessRole' },
          dependsOn: [],
        })),
      ],
      destinations: [
        { Id: 'packager', MediaPackageSettings: [{ ChannelId: 'curling-live-packager' }] },
        {
          Id: 'social',
          Settings: [
            { Url: 'rtmp://live-a.example-social.com/app', StreamName: '(sensitive)' },
            { Url: 'rtmp://live-b.example-social.com/app', StreamName: '(sensitive)' },
          ],
        },
        {
          Id: 'archive',
          Settings: [
            { Url: 's3ssl://curling-live-archive-p0/curling-live/archive/index' },
            { Url: 's3ssl://curling-live-archive-p1/curling-live/archive/index' },
          ],
        },
      ],
      diagnostics: [],
    });
  });
});

describe('one plan per system', () => {
  const planFor = (entry: DownstreamInput) =>
    planWorkflow(normalizeWorkflow(aWorkflow({ downstream: [entry] })));
  const because = (...rules: string[]): Reason[] => rules.map((rule) => ({ rule, text: expect.any(String) }));

  it('mediapackage with an HLS group (ID3 control)', () => {
    expect(planFor(aDownstream('mediapackage', { name: 'mp', needs: ['id3'] }))).toStrictEqual({
      ...HEADER,
      outputGroups: [
        {
          name: 'mp',
          type: 'HLS',
          destinationId: 'mp',
          reasons: because(
            'hls-vs-mediapackage.id3',
            'supported-containers.hls-mediapackage',
            'hls-resiliency.standard',
          ),
          groupSettings: {
            HlsGroupSettings: { HlsCdnSettings: { HlsWebdavSettings: {} }, InputLossAction: 'PAUSE_OUTPUT' },
          },
        },
      ],
      resources: [
        {
          address: 'mp.channel',
          kind: 'mediapackage-channel',
          action: 'create',
          name: 'curling-live-mp',
          region: 'us-west-2',
          pipeline: null,
          downstream: 'mp',
          tags: tags('mp'),
          properties: {},
          dependsOn: [],
        },
        ...([0, 1] as const).map((pipeline) => ({
          address: `mp.password[${pipeline}]`,
          kind: 'ssm-parameter',
          action: 'create',
          name: `/mlds/curling-live/mp/password-p${pipeline}`,
          region: 'us-west-2',
          pipeline,
          downstream: 'mp',
          tags: tags('mp'),
          properties: { source: { ingestEndpointOf: 'mp.channel', endpointIndex: pipeline } },
          dependsOn: ['mp.channel'],
        })),
      ],
      destinations: [
        {
          Id: 'mp',
          Settings: ([0, 1] as const).map((pipeline) => ({
            Url: '(known after apply)',
            Username: '(known after apply)',
            PasswordParam: `/mlds/curling-live/mp/password-p${pipeline}`,
          })),
        },
      ],
      diagnostics: [],
    });
  });

  it('aws without DRM or ad insertion: HLS to S3', () => {
    expect(planFor(aDownstream('aws', { name: 'origin', path: 'live/index' }))).toStrictEqual({
      ...HEADER,
      outputGroups: [
        {
          name: 'origin',
          type: 'HLS',
          destinationId: 'origin',
          reasons: because('dss-choose-service.plain-origin', 'supported-containers.hls-s3', 's3.canned-acl'),
          groupSettings: { HlsGroupSettings: { HlsCdnSettings: { HlsS3Settings: CANNED_ACL } } },
        },
      ],
      resources: ([0, 1] as const).map((pipeline) => ({
        address: `origin.bucket[${pipeline}]`,
        kind: 's3-bucket',
        action: 'create',
        name: `curling-live-origin-p${pipeline}`,
        region: 'us-west-2',
        pipeline,
        downstream: 'origin',
        tags: tags('origin'),
        properties: {},
        dependsOn: [],
      })),
      destinations: [
        {
          Id: 'origin',
          Settings: [
            { Url: 's3ssl://curling-live-origin-p0/live/index' },
            { Url: 's3ssl://curling-live-origin-p1/live/index' },
          ],
        },
      ],
      diagnostics: [],
    });
  });

  it('s3 frame capture', () => {
    expect(planFor(aDownstream('s3', { name: 'thumbs', format: 'frame-capture' }))).toStrictEqual({
      ...HEADER,
      outputGroups: [
        {
          name: 'thumbs',
          type: 'FRAME_CAPTURE',
          destinationId: 'thumbs',
          reasons: because('supplement.frame-capture', 's3.canned-acl'),
          groupSettings: {
            FrameCaptureGroupSettings: { FrameCaptureCdnSettings: { FrameCaptureS3Settings: CANNED_ACL } },
          },
        },
      ],
      resources: ([0, 1] as const).map((pipeline) => ({
        address: `thumbs.bucket[${pipeline}]`,
        kind: 's3-bucket',
        action: 'create',
        name: `curling-live-thumbs-p${pipeline}`,
        region: 'us-west-2',
        pipeline,
        downstream: 'thumbs',
        tags: tags('thumbs'),
        properties: {},
        dependsOn: [],
      })),
      destinations: [
        {
          Id: 'thumbs',
          Settings: [
            { Url: 's3ssl://curling-live-thumbs-p0/curling-live/thumbs/index' },
            { Url: 's3ssl://curling-live-thumbs-p1/curling-live/thumbs/index' },
          ],
        },
      ],
      diagnostics: [],
    });
  });

  it('mediastore', () => {
    expect(planFor(aDownstream('mediastore', { name: 'store', mode: 'vod' }))).toStrictEqual({
      ...HEADER,
      outputGroups: [
        {
          name: 'store',
          type: 'HLS',
          destinationId: 'store',
          reasons: because('supported-containers.hls-mediastore', 'hls.vod'),
          groupSettings: {
            HlsGroupSettings: {
              HlsCdnSettings: { HlsMediaStoreSettings: { MediaStoreStorageClass: 'TEMPORAL' } },
              Mode: 'VOD',
            },
          },
        },
      ],
      resources: ([0, 1] as const).map((pipeline) => ({
        address: `store.container[${pipeline}]`,
        kind: 'mediastore-container',
        action: 'create',
        name: `curling-live-store-p${pipeline}`,
        region: 'us-west-2',
        pipeline,
        downstream: 'store',
        tags: tags('store'),
        properties: { path: 'curling-live/store/index' },
        dependsOn: [],
      })),
      destinations: [
        { Id: 'store', Settings: [{ Url: '(known after apply)' }, { Url: '(known after apply)' }] },
      ],
      diagnostics: [],
    });
  });

  it.each([
    ['http-put', 'HlsBasicPutSettings'],
    ['webdav', 'HlsWebdavSettings'],
    ['akamai', 'HlsAkamaiSettings'],
  ] as const)('%s with a password from the environment', (system, cdnMember) => {
    const urls = [`https://${system}-a.example.com/live/index`, `https://${system}-b.example.com/live/index`];
    expect(
      planFor(aDownstream(system, { name: 'cdn', urls, username: 'ingest', password: { env: 'PW' } })),
    ).toStrictEqual({
      ...HEADER,
      outputGroups: [
        {
          name: 'cdn',
          type: 'HLS',
          destinationId: 'cdn',
          reasons: because(`supported-containers.hls-${system}`),
          groupSettings: { HlsGroupSettings: { HlsCdnSettings: { [cdnMember]: {} } } },
        },
      ],
      resources: [
        {
          address: 'cdn.password',
          kind: 'ssm-parameter',
          action: 'create',
          name: '/mlds/curling-live/cdn/password',
          region: 'us-west-2',
          pipeline: null,
          downstream: 'cdn',
          tags: tags('cdn'),
          properties: { source: { env: 'PW' } },
          dependsOn: [],
        },
      ],
      destinations: [
        {
          Id: 'cdn',
          Settings: urls.map((Url) => ({
            Url,
            Username: 'ingest',
            PasswordParam: '/mlds/curling-live/cdn/password',
          })),
        },
      ],
      diagnostics: [],
    });
  });

  it('rtmp with Akamai authentication and a referenced password', () => {
    const entry = aDownstream('rtmp', {
      name: 'social',
      auth: 'akamai',
      username: 'me',
      password: { ssmParameter: '/theirs/rtmp' },
    });
    expect(planFor(entry)).toStrictEqual({
      ...HEADER,
      outputGroups: [
        {
          name: 'social',
          type: 'RTMP',
          destinationId: 'social',
          reasons: because('supported-containers.rtmp', 'rtmp.auth'),
          groupSettings: { RtmpGroupSettings: { AuthenticationScheme: 'AKAMAI' } },
        },
      ],
      resources: [],
      destinations: [
        {
          Id: 'social',
          Settings: (entry.urls ?? []).map((Url) => ({
            Url,
            Username: 'me',
            PasswordParam: '/theirs/rtmp',
            StreamName: '(sensitive)',
          })),
        },
      ],
      diagnostics: [],
    });
  });

  it('mss with DRM: a Smooth group and the guide’s advice', () => {
    const entry = aDownstream('mss', { name: 'smooth', needs: ['drm'] });
    expect(planFor(entry)).toStrictEqual({
      ...HEADER,
      outputGroups: [
        { name: 'smooth', type: 'MS_SMOOTH', destinationId: 'smooth', reasons: because('mss.drm') },
      ],
      resources: [],
      destinations: [{ Id: 'smooth', Settings: (entry.urls ?? []).map((Url) => ({ Url })) }],
      // The advice is validation's, where it can point at the line of `needs`.
      diagnostics: [],
    });
  });

  it('udp', () => {
    expect(planFor(aDownstream('udp', { name: 'feed' }))).toStrictEqual({
      ...HEADER,
      outputGroups: [
        { name: 'feed', type: 'UDP', destinationId: 'feed', reasons: because('supported-containers.udp') },
      ],
      resources: [],
      destinations: [
        { Id: 'feed', Settings: [{ Url: 'udp://10.0.0.10:5000' }, { Url: 'udp://10.0.0.11:5000' }] },
      ],
      diagnostics: [],
    });
  });

  it('srt on a single-pipeline channel', () => {
    const plan = planWorkflow(
      normalizeWorkflow(
        aWorkflow({
          channelClass: 'SINGLE_PIPELINE',
          downstream: [aDownstream('srt', { name: 'srt', streamId: 's1' })],
        }),
      ),
    );
    expect(plan).toStrictEqual({
      ...HEADER,
      channelClass: 'SINGLE_PIPELINE',
      pipelines: 1,
      outputGroups: [
        { name: 'srt', type: 'SRT', destinationId: 'srt', reasons: because('supported-containers.srt') },
      ],
      resources: [],
      destinations: [
        { Id: 'srt', SrtSettings: [{ Url: 'srt://srt-a.example-receiver.com:9000', StreamId: 's1' }] },
      ],
      diagnostics: [],
    });
  });
});

describe('from the file to the plan', () => {
  it('a VOD stream to MediaPackage passes validation with a warning and gets an HLS group with Mode VOD', () => {
    const text = [
      'workflow: replays',
      'region: us-west-2',
      'downstream:',
      '  - name: packager',
      '    system: mediapackage',
      '    mode: vod',
      '',
    ].join('\n');
    const parsed = parseWorkflow(text, { filename: 'replays.yaml' });
    if (parsed.workflow === undefined) throw new Error('the workflow should be valid');
    const plan = planWorkflow(parsed.workflow, { diagnostics: parsed.diagnostics });
    expect(plan.outputGroups[0]?.type).toBe('HLS');
    expect(plan.outputGroups[0]?.reasons.map((reason) => reason.rule)).toEqual([
      'hls-vs-mediapackage.vod',
      'supported-containers.hls-mediapackage',
      'hls-resiliency.standard',
      'hls.vod',
    ]);
    expect(plan.outputGroups[0]?.groupSettings).toEqual({
      HlsGroupSettings: {
        HlsCdnSettings: { HlsWebdavSettings: {} },
        InputLossAction: 'PAUSE_OUTPUT',
        Mode: 'VOD',
      },
    });
    expect(plan.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path} ${d.line}:${d.column}`)).toEqual([
      'warning mode.vod-mediapackage downstream[0].mode 6:11',
    ]);
  });

  it('Microsoft Smooth with DRM: the Smooth group and one warning, at `needs`, advising HLS to MediaPackage', () => {
    const text = [
      'workflow: smooth',
      'region: us-west-2',
      'downstream:',
      '  - name: smooth',
      '    system: mss',
      '    needs: [drm]',
      '    urls: [https://a.example.com/live.isml, https://b.example.com/live.isml]',
      '',
    ].join('\n');
    const parsed = parseWorkflow(text);
    if (parsed.workflow === undefined) throw new Error('the workflow should be valid');
    const plan = planWorkflow(parsed.workflow, { diagnostics: parsed.diagnostics });
    expect(plan.outputGroups.map((group) => group.type)).toEqual(['MS_SMOOTH']);
    expect(plan.diagnostics).toEqual([
      {
        severity: 'warning',
        code: 'mss.drm',
        message: expect.stringContaining('sending HLS to MediaPackage'),
        path: 'downstream[0].needs',
        line: 6,
        column: 12,
      },
    ]);
  });
});

describe('diagnostics', () => {
  const warning: Diagnostic = {
    severity: 'warning',
    code: 'mediastore.discontinued',
    message: 'MediaStore is gone.',
    path: 'downstream[0].system',
    line: 9,
    column: 13,
  };

  it('puts validation’s diagnostics first, then the planner’s own about the state, without sharing objects', () => {
    const given = [warning];
    const state = { ...stateAfterApply(planWorkflow(normalizeWorkflow(seedWorkflow()))), workflow: 'other' };
    const plan = planWorkflow(normalizeWorkflow(seedWorkflow()), { state, diagnostics: given });
    expect(plan.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`)).toEqual([
      'warning mediastore.discontinued downstream[0].system',
      'warning state.other-workflow workflow',
    ]);
    expect(plan.diagnostics[0]).toStrictEqual(warning);
    expect(plan.diagnostics[0]).not.toBe(warning);
    expect(plan.diagnostics[1]?.message).toContain('this plan deletes what other created');
  });

  it('says nothing about a state of the same workflow', () => {
    const state = stateAfterApply(planWorkflow(normalizeWorkflow(seedWorkflow())));
    expect(planWorkflow(normalizeWorkflow(seedWorkflow()), { state }).diagnostics).toEqual([]);
  });
});
