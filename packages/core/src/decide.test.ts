import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { decideOutputGroups, PlanInputError } from './decide.js';
import { normalizeWorkflow } from './normalize.js';
import type { DownstreamInput, OutputGroupPlan, WorkflowInput } from './types.js';

function groupsOf(downstream: DownstreamInput[], overrides: Partial<WorkflowInput> = {}): OutputGroupPlan[] {
  return decideOutputGroups(normalizeWorkflow(aWorkflow({ ...overrides, downstream })));
}

function groupOf(entry: DownstreamInput, overrides: Partial<WorkflowInput> = {}): OutputGroupPlan {
  const [group] = groupsOf([entry], overrides);
  if (group === undefined) throw new Error('no output group');
  return group;
}

const rules = (group: OutputGroupPlan) => group.reasons.map((reason) => reason.rule);
const packager = (overrides: Partial<DownstreamInput> = {}) =>
  aDownstream('mediapackage', { name: 'packager', ...overrides });

const HLS_TO_MEDIAPACKAGE_STANDARD = {
  HlsGroupSettings: { HlsCdnSettings: { HlsWebdavSettings: {} }, InputLossAction: 'PAUSE_OUTPUT' },
};

describe('one output group per downstream entry', () => {
  it('names each group and its destination after the entry, in file order', () => {
    const groups = groupsOf([
      aDownstream('udp', { name: 'feed' }),
      packager(),
      aDownstream('srt', { name: 'b' }),
    ]);
    expect(groups.map(({ name, destinationId, type }) => ({ name, destinationId, type }))).toEqual([
      { name: 'feed', destinationId: 'feed', type: 'UDP' },
      { name: 'packager', destinationId: 'packager', type: 'MEDIAPACKAGE' },
      { name: 'b', destinationId: 'b', type: 'SRT' },
    ]);
  });

  it('hands out copies of the reasons, so editing one plan cannot change the next', () => {
    const first = groupOf(packager());
    const reason = first.reasons[0];
    if (reason === undefined) throw new Error('no reason');
    reason.text = 'edited';
    expect(groupOf(packager()).reasons[0]?.text).not.toBe('edited');
  });
});

describe('MediaPackage destination: HLS or MediaPackage output group', () => {
  it('picks the MediaPackage group, which needs less setup, when nothing calls for HLS', () => {
    const group = groupOf(packager({ region: 'us-west-2', needs: ['drm', 'ad-insertion'] }));
    expect(group).toEqual({
      name: 'packager',
      type: 'MEDIAPACKAGE',
      destinationId: 'packager',
      reasons: [{ rule: 'hls-vs-mediapackage.less-setup', text: expect.stringContaining('less setup') }],
    });
    expect(group).not.toHaveProperty('groupSettings');
  });

  it('picks HLS on a single-pipeline channel, with EMIT_OUTPUT when input is lost', () => {
    const group = groupOf(packager(), { channelClass: 'SINGLE_PIPELINE' });
    expect(group.type).toBe('HLS');
    expect(rules(group)).toEqual([
      'hls-vs-mediapackage.single-pipeline',
      'supported-containers.hls-mediapackage',
      'hls-resiliency.single-pipeline',
    ]);
    expect(group.groupSettings).toEqual({
      HlsGroupSettings: { HlsCdnSettings: { HlsWebdavSettings: {} }, InputLossAction: 'EMIT_OUTPUT' },
    });
  });

  it('picks HLS when the MediaPackage channel is in another Region, with PAUSE_OUTPUT on a standard channel', () => {
    const group = groupOf(packager({ region: 'eu-west-1' }));
    expect(group.type).toBe('HLS');
    expect(group.reasons[0]).toEqual({
      rule: 'hls-vs-mediapackage.other-region',
      text: 'The MediaPackage channel is in eu-west-1 and the MediaLive channel in us-west-2: a MediaPackage output group needs both in the same Region, an HLS output group can cross Regions.',
    });
    expect(rules(group)).toEqual([
      'hls-vs-mediapackage.other-region',
      'supported-containers.hls-mediapackage',
      'hls-resiliency.standard',
    ]);
    expect(group.groupSettings).toEqual(HLS_TO_MEDIAPACKAGE_STANDARD);
  });

  it('does not count a region equal to the workflow region as another Region', () => {
    expect(groupOf(packager({ region: 'us-west-2' })).type).toBe('MEDIAPACKAGE');
  });

  it('picks HLS for a VOD stream and sets the HLS group to VOD', () => {
    const group = groupOf(packager({ mode: 'vod' }));
    expect(rules(group)).toEqual([
      'hls-vs-mediapackage.vod',
      'supported-containers.hls-mediapackage',
      'hls-resiliency.standard',
      'hls.vod',
    ]);
    expect(group.groupSettings).toEqual({
      HlsGroupSettings: {
        HlsCdnSettings: { HlsWebdavSettings: {} },
        InputLossAction: 'PAUSE_OUTPUT',
        Mode: 'VOD',
      },
    });
  });

  it('picks HLS when ID3 metadata must be controlled', () => {
    const group = groupOf(packager({ needs: ['id3'] }));
    expect(group.type).toBe('HLS');
    expect(rules(group)[0]).toBe('hls-vs-mediapackage.id3');
  });

  it('lists every rule that applies, in the guide’s order', () => {
    const group = groupOf(packager({ region: 'eu-west-1', mode: 'vod', needs: ['id3'] }), {
      channelClass: 'SINGLE_PIPELINE',
    });
    expect(rules(group).slice(0, 4)).toEqual([
      'hls-vs-mediapackage.single-pipeline',
      'hls-vs-mediapackage.other-region',
      'hls-vs-mediapackage.vod',
      'hls-vs-mediapackage.id3',
    ]);
  });

  it('obeys outputGroup: hls even when the MediaPackage group would do, giving only that reason for the choice', () => {
    const group = groupOf(packager({ outputGroup: 'hls' }));
    expect(group.type).toBe('HLS');
    expect(group.reasons[0]).toEqual({
      rule: 'outputGroup.forced',
      text: 'outputGroup: hls in the workflow file chooses the HLS output group.',
    });
    expect(rules(group)).toEqual([
      'outputGroup.forced',
      'supported-containers.hls-mediapackage',
      'hls-resiliency.standard',
    ]);
  });

  it('obeys outputGroup: mediapackage even on a single-pipeline channel', () => {
    const group = groupOf(packager({ outputGroup: 'mediapackage' }), { channelClass: 'SINGLE_PIPELINE' });
    expect(group.type).toBe('MEDIAPACKAGE');
    expect(group.reasons).toEqual([
      {
        rule: 'outputGroup.forced',
        text: 'outputGroup: mediapackage in the workflow file chooses the MediaPackage output group.',
      },
    ]);
  });
});

describe('system: aws picks the service the guide would (dss-choose-service)', () => {
  const aws = (overrides: Partial<DownstreamInput>) => aDownstream('aws', { name: 'origin', ...overrides });

  it('picks MediaPackage for DRM and then decides its group', () => {
    const group = groupOf(aws({ needs: ['drm'] }));
    expect(group.type).toBe('MEDIAPACKAGE');
    expect(rules(group)).toEqual(['dss-choose-service.drm', 'hls-vs-mediapackage.less-setup']);
  });

  it('picks MediaPackage for ad insertion, listing both needs when both apply', () => {
    expect(rules(groupOf(aws({ needs: ['ad-insertion'] })))[0]).toBe('dss-choose-service.ad-insertion');
    expect(rules(groupOf(aws({ needs: ['drm', 'ad-insertion', 'id3'] })))).toEqual([
      'dss-choose-service.drm',
      'dss-choose-service.ad-insertion',
      'hls-vs-mediapackage.id3',
      'supported-containers.hls-mediapackage',
      'hls-resiliency.standard',
    ]);
  });

  it('picks S3 as a plain origin otherwise', () => {
    const group = groupOf(aws({ needs: ['id3'] }));
    expect(group.type).toBe('HLS');
    expect(rules(group)).toEqual([
      'dss-choose-service.plain-origin',
      'supported-containers.hls-s3',
      's3.canned-acl',
    ]);
    expect(group.groupSettings).toEqual({
      HlsGroupSettings: { HlsCdnSettings: { HlsS3Settings: { CannedAcl: 'BUCKET_OWNER_FULL_CONTROL' } } },
    });
  });

  it('gives no service-choice reason to an entry that names its system', () => {
    expect(rules(groupOf(packager({ needs: ['drm'] })))).toEqual(['hls-vs-mediapackage.less-setup']);
  });
});

describe('Amazon S3', () => {
  it('sends HLS through an HLS group with the only CannedAcl a new bucket accepts', () => {
    const group = groupOf(aDownstream('s3', { name: 'origin' }));
    expect(group).toEqual({
      name: 'origin',
      type: 'HLS',
      destinationId: 'origin',
      reasons: [
        { rule: 'supported-containers.hls-s3', text: expect.any(String) },
        { rule: 's3.canned-acl', text: expect.stringContaining('AccessControlListNotSupported') },
      ],
      groupSettings: {
        HlsGroupSettings: { HlsCdnSettings: { HlsS3Settings: { CannedAcl: 'BUCKET_OWNER_FULL_CONTROL' } } },
      },
    });
  });

  it('writes VOD HLS when mode is vod', () => {
    const group = groupOf(aDownstream('s3', { mode: 'vod' }));
    expect(rules(group)).toEqual(['supported-containers.hls-s3', 's3.canned-acl', 'hls.vod']);
    expect(group.groupSettings).toEqual({
      HlsGroupSettings: {
        HlsCdnSettings: { HlsS3Settings: { CannedAcl: 'BUCKET_OWNER_FULL_CONTROL' } },
        Mode: 'VOD',
      },
    });
  });

  it('makes an Archive group a supplement to streaming', () => {
    const group = groupOf(aDownstream('s3', { format: 'archive' }));
    expect(group.type).toBe('ARCHIVE');
    expect(group.reasons[0]).toEqual({
      rule: 'supplement.archive',
      text: expect.stringContaining('supplement to streaming, not a streaming output'),
    });
    expect(rules(group)).toEqual(['supplement.archive', 's3.canned-acl']);
    expect(group.groupSettings).toEqual({
      ArchiveGroupSettings: {
        ArchiveCdnSettings: { ArchiveS3Settings: { CannedAcl: 'BUCKET_OWNER_FULL_CONTROL' } },
      },
    });
  });

  it('makes a Frame Capture group a supplement to streaming', () => {
    const group = groupOf(aDownstream('s3', { format: 'frame-capture' }));
    expect(group.type).toBe('FRAME_CAPTURE');
    expect(rules(group)).toEqual(['supplement.frame-capture', 's3.canned-acl']);
    expect(group.groupSettings).toEqual({
      FrameCaptureGroupSettings: {
        FrameCaptureCdnSettings: { FrameCaptureS3Settings: { CannedAcl: 'BUCKET_OWNER_FULL_CONTROL' } },
      },
    });
  });

  it('refuses a format S3 cannot take, naming where it is', () => {
    const run = () => groupsOf([aDownstream('udp'), aDownstream('s3', { format: 'rtmp' })]);
    expect(run).toThrow(PlanInputError);
    expect(run).toThrow(expect.objectContaining({ path: 'downstream[1].format' }));
  });
});

describe('HLS to other servers: which HlsCdnSettings member', () => {
  it.each([
    [
      'mediastore',
      { HlsMediaStoreSettings: { MediaStoreStorageClass: 'TEMPORAL' } },
      'supported-containers.hls-mediastore',
    ],
    ['http-put', { HlsBasicPutSettings: {} }, 'supported-containers.hls-http-put'],
    ['webdav', { HlsWebdavSettings: {} }, 'supported-containers.hls-webdav'],
    ['akamai', { HlsAkamaiSettings: {} }, 'supported-containers.hls-akamai'],
  ] as const)('%s', (system, cdnSettings, rule) => {
    const group = groupOf(aDownstream(system));
    expect(group.type).toBe('HLS');
    expect(rules(group)).toEqual([rule]);
    expect(group.groupSettings).toEqual({ HlsGroupSettings: { HlsCdnSettings: cdnSettings } });
  });

  it('adds Mode VOD for a VOD stream to an HTTP server, and no InputLossAction', () => {
    expect(groupOf(aDownstream('webdav', { mode: 'vod' })).groupSettings).toEqual({
      HlsGroupSettings: { HlsCdnSettings: { HlsWebdavSettings: {} }, Mode: 'VOD' },
    });
  });
});

describe('RTMP, Microsoft Smooth, UDP, SRT', () => {
  it('dictates nothing for RTMP without authentication', () => {
    const group = groupOf(aDownstream('rtmp'));
    expect(group.type).toBe('RTMP');
    expect(rules(group)).toEqual(['supported-containers.rtmp']);
    expect(group).not.toHaveProperty('groupSettings');
  });

  it.each([
    ['akamai', 'AKAMAI'],
    ['common', 'COMMON'],
  ] as const)('sets AuthenticationScheme for auth: %s', (auth, scheme) => {
    const group = groupOf(aDownstream('rtmp', { auth, username: 'u', password: { env: 'P' } }));
    expect(rules(group)).toEqual(['supported-containers.rtmp', 'rtmp.auth']);
    expect(group.groupSettings).toEqual({ RtmpGroupSettings: { AuthenticationScheme: scheme } });
  });

  it('sends Smooth straight to the origin when no DRM is needed', () => {
    expect(rules(groupOf(aDownstream('mss')))).toEqual(['supported-containers.mss']);
  });

  it('keeps the Smooth group when DRM is needed, with the guide’s advice to send HLS to MediaPackage', () => {
    const [, smooth] = groupsOf([aDownstream('udp'), aDownstream('mss', { name: 'smooth', needs: ['drm'] })]);
    expect(smooth?.type).toBe('MS_SMOOTH');
    expect(smooth?.reasons).toEqual([{ rule: 'mss.drm', text: expect.stringContaining('MediaPackage') }]);
  });

  it('gives UDP and SRT their own groups', () => {
    expect(rules(groupOf(aDownstream('udp')))).toEqual(['supported-containers.udp']);
    expect(rules(groupOf(aDownstream('srt')))).toEqual(['supported-containers.srt']);
  });
});
