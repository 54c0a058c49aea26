import type { Downstream, OutputGroupPlan, OutputGroupType, Pipeline, Reason, Workflow } from './types.js';

// Which MediaLive output group each downstream entry gets, and why, following the user guide's steps
// (identify-downstream-system, hls-choosing-hls-vs-emp, dss-choose-service, downstream-system-for-mss).

/** Thrown when the planner is handed a workflow that validation would have rejected. */
export class PlanInputError extends Error {
  override readonly name = 'PlanInputError';
  /** Where in the workflow file, e.g. `downstream[1].urls`. */
  readonly path: string;

  constructor(message: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}

export function pipelinesOf(workflow: Pick<Workflow, 'channelClass'>): Pipeline[] {
  return workflow.channelClass === 'SINGLE_PIPELINE' ? [0] : [0, 1];
}

/** The Region of the MediaPackage channel a downstream entry sends to. */
export function mediaPackageRegion(workflow: Workflow, downstream: Downstream): string {
  return downstream.region ?? workflow.region;
}

const CANNED_ACL = 'BUCKET_OWNER_FULL_CONTROL' as const;

const reason = (rule: string, text: string): Reason => ({ rule, text });

const REASONS = {
  awsDrm: reason(
    'dss-choose-service.drm',
    'The stream needs DRM, so the guide picks AWS Elemental MediaPackage: it repackages the stream and adds DRM, which a plain origin cannot.',
  ),
  awsAdInsertion: reason(
    'dss-choose-service.ad-insertion',
    'The stream needs ad insertion, so the guide picks AWS Elemental MediaPackage: it repackages the stream for an ad-insertion service.',
  ),
  awsPlainOrigin: reason(
    'dss-choose-service.plain-origin',
    'Neither DRM nor ad insertion is needed, so a plain origin is enough: Amazon S3 (the guide names MediaStore, which AWS discontinued and replaced with S3 for simple workflows).',
  ),
  singlePipeline: reason(
    'hls-vs-mediapackage.single-pipeline',
    'The channel is single-pipeline: an HLS output group lets you control the behavior when output is lost.',
  ),
  vod: reason(
    'hls-vs-mediapackage.vod',
    'A VOD stream is wanted: a MediaPackage output is always live, an HLS output can be live or VOD.',
  ),
  id3: reason(
    'hls-vs-mediapackage.id3',
    'ID3 metadata must be controlled: a MediaPackage output restricts how ID3 metadata is set up, an HLS output does not.',
  ),
  lessSetup: reason(
    'hls-vs-mediapackage.less-setup',
    'A MediaPackage output group needs less setup: MediaLive already knows most of what it needs to deliver to the MediaPackage channel, and no ingest credentials are involved.',
  ),
  hlsToMediaPackage: reason(
    'supported-containers.hls-mediapackage',
    "An HLS output group sends to the MediaPackage v1 channel's two ingest URLs over HTTPS WebDAV (HlsWebdavSettings), with the ingest username and a password parameter.",
  ),
  inputLossStandard: reason(
    'hls-resiliency.standard',
    'On a standard channel, InputLossAction PAUSE_OUTPUT stops the pipeline that lost its input, so MediaPackage fails over to the other pipeline.',
  ),
  inputLossSinglePipeline: reason(
    'hls-resiliency.single-pipeline',
    'On a single-pipeline channel there is no other pipeline to fail over to: InputLossAction EMIT_OUTPUT keeps output flowing to MediaPackage.',
  ),
  hlsS3: reason(
    'supported-containers.hls-s3',
    'Amazon S3 takes HLS from an HLS output group (HlsS3Settings), one bucket per pipeline.',
  ),
  hlsMediaStore: reason(
    'supported-containers.hls-mediastore',
    'A MediaStore container takes HLS from an HLS output group (HlsMediaStoreSettings), one container per pipeline.',
  ),
  hlsHttpPut: reason(
    'supported-containers.hls-http-put',
    'The server takes HLS over HTTP(S) PUT: an HLS output group with HlsBasicPutSettings, one URL per pipeline.',
  ),
  hlsWebdav: reason(
    'supported-containers.hls-webdav',
    'The server takes HLS over HTTP(S) WebDAV: an HLS output group with HlsWebdavSettings, one URL per pipeline.',
  ),
  hlsAkamai: reason(
    'supported-containers.hls-akamai',
    'An Akamai CDN takes HLS over HTTP(S): an HLS output group with HlsAkamaiSettings, one URL per pipeline.',
  ),
  hlsVodMode: reason(
    'hls.vod',
    'mode: vod: HlsGroupSettings.Mode VOD writes a complete VOD playlist instead of a sliding live one.',
  ),
  cannedAcl: reason(
    's3.canned-acl',
    'New S3 buckets have ACLs disabled: CannedAcl BUCKET_OWNER_FULL_CONTROL is accepted, any other makes every write fail with AccessControlListNotSupported.',
  ),
  archive: reason(
    'supplement.archive',
    'An archive file is a supplement to streaming, not a streaming output: typically a permanent file version of the streaming output, written to Amazon S3.',
  ),
  frameCapture: reason(
    'supplement.frame-capture',
    'A frame capture output is a supplement to streaming, not a streaming output (for example thumbnails of the content), written to Amazon S3.',
  ),
  rtmp: reason(
    'supported-containers.rtmp',
    'An RTMP(S) server takes an RTMP output group with ONE output for this destination; the destination holds one URL per pipeline, and the stream key goes in StreamName, not in the URL.',
  ),
  msSmooth: reason(
    'supported-containers.mss',
    'Without DRM, a Microsoft Smooth output group sends to the MSS origin directly.',
  ),
  msSmoothDrm: reason(
    'mss.drm',
    'The stream needs DRM: the guide advises sending HLS to MediaPackage, which adds DRM and serves Microsoft Smooth; a Microsoft Smooth output group carries no DRM.',
  ),
  udp: reason(
    'supported-containers.udp',
    'A UDP or RTP receiver takes MPEG-TS from a UDP output group with ONE output for this destination; the destination holds one URL per pipeline.',
  ),
  srt: reason(
    'supported-containers.srt',
    'An SRT listener takes an SRT output group in caller mode with ONE output for this destination; the destination holds one URL per pipeline.',
  ),
  // ML delivering-to-mediapackage ("Delivering to MediaPackage", MediaPackage v2 (recommended)).
  v2Recommended: reason(
    'delivering-to-mediapackage.v2-recommended',
    'The guide\'s "Delivering to MediaPackage" calls the MediaPackage output group for MediaPackage v2 (CMAF Ingest) "the recommended path for all new workflows": MediaPackageSettings name the channel group and channel, MediaLive fills in the rest, and the channel policy authorizes the MediaLive role (no credentials).',
  ),
  // MP cmaf-ingest ("Choosing a MediaLive output group for MediaPackage CMAF ingest").
  v2CmafIngest: reason(
    'cmaf-ingest.mediapackage-v2',
    "A CMAF Ingest output group sends CMAF to the channel's two ingest endpoints (Settings: one URL per pipeline, from GetChannel; no credentials): the simpler setup, while the MediaPackage output group keeps stream order and passes more stream metadata through.",
  ),
  // ML hls-destinations-emp, hls-destinations-emp-info-v2, MP channels-create (HLS input type).
  v2Hls: reason(
    'hls-destinations-emp.v2',
    "The channel's InputType is HLS: it takes HLS (TS) from an HLS output group over HTTPS Basic PUT (HlsBasicPutSettings) to its two ingest URLs, which end in /index, with no credentials (MediaPackage v2 authorizes the MediaLive role through the channel policy).",
  ),
} as const;

function forcedReason(choice: 'hls' | 'mediapackage' | 'cmaf-ingest'): Reason {
  const group = choice === 'hls' ? 'HLS' : choice === 'mediapackage' ? 'MediaPackage' : 'CMAF Ingest';
  return reason(
    'outputGroup.forced',
    `outputGroup: ${choice} in the workflow file chooses the ${group} output group.`,
  );
}

function otherRegionReason(mediaLiveRegion: string, mediaPackageRegion: string): Reason {
  return reason(
    'hls-vs-mediapackage.other-region',
    `The MediaPackage channel is in ${mediaPackageRegion} and the MediaLive channel in ${mediaLiveRegion}: a MediaPackage output group needs both in the same Region, an HLS output group can cross Regions.`,
  );
}

/** ML origin-server-emp, "MediaPackage v2 (CMAF) coordination": the destination names the channel's Region. */
function v2OtherRegionReason(mediaLiveRegion: string, mediaPackageRegion: string): Reason {
  return reason(
    'delivering-to-mediapackage.v2-region',
    `The MediaPackage v2 channel is in ${mediaPackageRegion} and the MediaLive channel in ${mediaLiveRegion}: the MediaPackage output group for v2 names the channel's Region in MediaPackageRegionName (the guide lists cross-Region distribution among v2's benefits), unlike v1's, which needs one Region.`,
  );
}

function rtmpAuthReason(auth: 'common' | 'akamai'): Reason {
  return reason(
    'rtmp.auth',
    `auth: ${auth}: RtmpGroupSettings.AuthenticationScheme ${auth.toUpperCase()}, with the destination's Username and PasswordParam.`,
  );
}

/** HLS or MEDIAPACKAGE for a MediaPackage destination, with every reason that applies. */
function chooseMediaPackageGroup(
  workflow: Workflow,
  downstream: Downstream,
): { type: 'HLS' | 'MEDIAPACKAGE'; reasons: Reason[] } {
  if (downstream.outputGroup === 'hls' || downstream.outputGroup === 'mediapackage') {
    return {
      type: downstream.outputGroup === 'hls' ? 'HLS' : 'MEDIAPACKAGE',
      reasons: [forcedReason(downstream.outputGroup)],
    };
  }
  const reasons: Reason[] = [];
  if (workflow.channelClass === 'SINGLE_PIPELINE') reasons.push(REASONS.singlePipeline);
  const region = mediaPackageRegion(workflow, downstream);
  if (region !== workflow.region) reasons.push(otherRegionReason(workflow.region, region));
  if (downstream.mode === 'vod') reasons.push(REASONS.vod);
  if (downstream.needs.includes('id3')) reasons.push(REASONS.id3);
  return reasons.length > 0
    ? { type: 'HLS', reasons }
    : { type: 'MEDIAPACKAGE', reasons: [REASONS.lessSetup] };
}

function awsReasons(downstream: Downstream): Reason[] {
  if (downstream.system !== 'aws') return [];
  const reasons: Reason[] = [];
  if (downstream.needs.includes('drm')) reasons.push(REASONS.awsDrm);
  if (downstream.needs.includes('ad-insertion')) reasons.push(REASONS.awsAdInsertion);
  return reasons.length > 0 ? reasons : [REASONS.awsPlainOrigin];
}

const S3_SETTINGS = { CannedAcl: CANNED_ACL } as const;

function hlsGroupSettings(
  cdnSettings: Record<string, unknown>,
  extra: { InputLossAction?: string; Mode?: 'VOD' },
): Record<string, unknown> {
  return { HlsGroupSettings: { HlsCdnSettings: cdnSettings, ...extra } };
}

interface GroupDecision {
  type: OutputGroupType;
  reasons: Reason[];
  groupSettings?: Record<string, unknown>;
}

function vodExtra(downstream: Downstream): { extra: { Mode?: 'VOD' }; reasons: Reason[] } {
  return downstream.mode === 'vod'
    ? { extra: { Mode: 'VOD' }, reasons: [REASONS.hlsVodMode] }
    : { extra: {}, reasons: [] };
}

function decideMediaPackage(workflow: Workflow, downstream: Downstream): GroupDecision {
  const choice = chooseMediaPackageGroup(workflow, downstream);
  if (choice.type === 'MEDIAPACKAGE') return choice;
  const singlePipeline = workflow.channelClass === 'SINGLE_PIPELINE';
  const vod = vodExtra(downstream);
  return {
    type: 'HLS',
    reasons: [
      ...choice.reasons,
      REASONS.hlsToMediaPackage,
      singlePipeline ? REASONS.inputLossSinglePipeline : REASONS.inputLossStandard,
      ...vod.reasons,
    ],
    groupSettings: hlsGroupSettings(
      { HlsWebdavSettings: {} },
      { InputLossAction: singlePipeline ? 'EMIT_OUTPUT' : 'PAUSE_OUTPUT', ...vod.extra },
    ),
  };
}

/**
 * MediaPackage v2: the channel's InputType (`format`) decides; CMAF takes the MediaPackage or CMAF Ingest group.
 * ML hls-choosing-hls-vs-emp still says v2 needs an HLS group; the newer ML delivering-to-mediapackage,
 * creating-mediapackage-output-group (a "MediaPackage v2 (CMAF)" procedure) and the API's v2 members of
 * MediaPackageOutputDestinationSettings say otherwise, and are followed here.
 */
function decideMediaPackageV2(workflow: Workflow, downstream: Downstream): GroupDecision {
  const region = mediaPackageRegion(workflow, downstream);
  if (downstream.format === 'hls') {
    const singlePipeline = workflow.channelClass === 'SINGLE_PIPELINE';
    return {
      type: 'HLS',
      reasons: [
        ...(downstream.outputGroup === 'hls' ? [forcedReason('hls')] : []),
        REASONS.v2Hls,
        singlePipeline ? REASONS.inputLossSinglePipeline : REASONS.inputLossStandard,
      ],
      groupSettings: hlsGroupSettings(
        { HlsBasicPutSettings: {} },
        { InputLossAction: singlePipeline ? 'EMIT_OUTPUT' : 'PAUSE_OUTPUT' },
      ),
    };
  }
  if (downstream.outputGroup === 'cmaf-ingest') {
    return {
      type: 'CMAF_INGEST',
      reasons: [forcedReason('cmaf-ingest'), REASONS.v2CmafIngest],
      // The destination is all CMAF Ingest needs (API: CmafIngestGroupSettings requires only Destination).
      groupSettings: { CmafIngestGroupSettings: {} },
    };
  }
  return {
    type: 'MEDIAPACKAGE',
    reasons: [
      ...(downstream.outputGroup === 'mediapackage' ? [forcedReason('mediapackage')] : []),
      REASONS.v2Recommended,
      ...(region === workflow.region ? [] : [v2OtherRegionReason(workflow.region, region)]),
    ],
    // The v2 member marks the group as MediaPackage v2 (CMAF Ingest); every field in it is optional (API).
    groupSettings: { MediaPackageGroupSettings: { MediapackageV2GroupSettings: {} } },
  };
}

function decideS3(downstream: Downstream, path: string): GroupDecision {
  switch (downstream.format) {
    case 'hls': {
      const vod = vodExtra(downstream);
      return {
        type: 'HLS',
        reasons: [REASONS.hlsS3, REASONS.cannedAcl, ...vod.reasons],
        groupSettings: hlsGroupSettings({ HlsS3Settings: { ...S3_SETTINGS } }, vod.extra),
      };
    }
    case 'archive':
      return {
        type: 'ARCHIVE',
        reasons: [REASONS.archive, REASONS.cannedAcl],
        groupSettings: {
          ArchiveGroupSettings: { ArchiveCdnSettings: { ArchiveS3Settings: { ...S3_SETTINGS } } },
        },
      };
    case 'frame-capture':
      return {
        type: 'FRAME_CAPTURE',
        reasons: [REASONS.frameCapture, REASONS.cannedAcl],
        groupSettings: {
          FrameCaptureGroupSettings: {
            FrameCaptureCdnSettings: { FrameCaptureS3Settings: { ...S3_SETTINGS } },
          },
        },
      };
    default:
      throw new PlanInputError(
        `format ${downstream.format} cannot be delivered to Amazon S3`,
        `${path}.format`,
      );
  }
}

function decideHlsServer(downstream: Downstream, cdnMember: string, why: Reason): GroupDecision {
  const vod = vodExtra(downstream);
  return {
    type: 'HLS',
    reasons: [why, ...vod.reasons],
    groupSettings: hlsGroupSettings({ [cdnMember]: {} }, vod.extra),
  };
}

function decide(workflow: Workflow, downstream: Downstream, path: string): GroupDecision {
  switch (downstream.resolvedSystem) {
    case 'mediapackage':
      return decideMediaPackage(workflow, downstream);
    case 'mediapackage-v2':
      return decideMediaPackageV2(workflow, downstream);
    case 's3':
      return decideS3(downstream, path);
    case 'mediastore': {
      const vod = vodExtra(downstream);
      return {
        type: 'HLS',
        reasons: [REASONS.hlsMediaStore, ...vod.reasons],
        groupSettings: hlsGroupSettings(
          { HlsMediaStoreSettings: { MediaStoreStorageClass: 'TEMPORAL' } },
          vod.extra,
        ),
      };
    }
    case 'http-put':
      return decideHlsServer(downstream, 'HlsBasicPutSettings', REASONS.hlsHttpPut);
    case 'webdav':
      return decideHlsServer(downstream, 'HlsWebdavSettings', REASONS.hlsWebdav);
    case 'akamai':
      return decideHlsServer(downstream, 'HlsAkamaiSettings', REASONS.hlsAkamai);
    case 'rtmp':
      return downstream.auth === undefined
        ? { type: 'RTMP', reasons: [REASONS.rtmp] }
        : {
            type: 'RTMP',
            reasons: [REASONS.rtmp, rtmpAuthReason(downstream.auth)],
            groupSettings: { RtmpGroupSettings: { AuthenticationScheme: downstream.auth.toUpperCase() } },
          };
    case 'mss':
      return {
        type: 'MS_SMOOTH',
        reasons: [downstream.needs.includes('drm') ? REASONS.msSmoothDrm : REASONS.msSmooth],
      };
    case 'udp':
      return { type: 'UDP', reasons: [REASONS.udp] };
    case 'srt':
      return { type: 'SRT', reasons: [REASONS.srt] };
  }
}

/** One output group per downstream entry, in file order. */
export function decideOutputGroups(workflow: Workflow): OutputGroupPlan[] {
  return workflow.downstream.map((downstream, index) => {
    const decision = decide(workflow, downstream, `downstream[${index}]`);
    return {
      name: downstream.name,
      type: decision.type,
      destinationId: downstream.name,
      // Copies, so a caller that edits its plan cannot edit the rule table.
      reasons: [...awsReasons(downstream), ...decision.reasons].map((r) => ({ ...r })),
      ...(decision.groupSettings === undefined ? {} : { groupSettings: decision.groupSettings }),
    };
  });
}

/**
 * The output group type of each downstream entry, by name, as `decideOutputGroups` decided it: resources and
 * destinations follow that one decision instead of deciding again.
 */
export type GroupTypes = ReadonlyMap<string, OutputGroupType>;

export function groupTypesOf(groups: readonly OutputGroupPlan[]): GroupTypes {
  return new Map(groups.map((group) => [group.name, group.type]));
}

/** The type decided for `downstream`; a plan whose groups do not cover it is a bug, not bad input. */
export function groupTypeOf(types: GroupTypes, downstream: Downstream): OutputGroupType {
  const type = types.get(downstream.name);
  if (type === undefined) throw new Error(`No output group was decided for ${downstream.name}`);
  return type;
}
