// The public data model of mlds: the workflow file (what the engineer writes), the plan (what mlds decides)
// and the state (what apply recorded). Everything here is plain JSON-compatible data.

export const FORMAT_VERSION = 1 as const;

/** Shown wherever a value exists only once apply has created the resource. */
export const KNOWN_AFTER_APPLY = '(known after apply)' as const;
/** Shown instead of a stream key or password, which no command ever prints. */
export const SENSITIVE = '(sensitive)' as const;
/**
 * What a refresh reports of a stream key in a bound channel that is not the one the workflow gives now (compared
 * in memory): still no secret, yet not `(sensitive)`.
 */
export const OTHER_STREAM_KEY = "(sensitive, not the workflow's key)" as const;

export type ChannelClass = 'STANDARD' | 'SINGLE_PIPELINE';
export type Delivery = 'public' | 'vpc';
export type Pipeline = 0 | 1;

export type System =
  | 'mediapackage'
  | 's3'
  | 'mediastore'
  | 'http-put'
  | 'webdav'
  | 'akamai'
  | 'rtmp'
  | 'mss'
  | 'udp'
  | 'srt'
  | 'aws'
  | 'mediapackage-v2';

export type Format = 'hls' | 'archive' | 'frame-capture' | 'rtmp' | 'mss' | 'ts' | 'srt' | 'cmaf';
export type Need = 'drm' | 'ad-insertion' | 'id3';
export type Mode = 'live' | 'vod';
export type OutputGroupChoice = 'auto' | 'hls' | 'mediapackage' | 'cmaf-ingest';
/** What apply does when the bound channel is RUNNING: refuse (default), or stop, update and start it (an outage). */
export type WhenRunning = 'refuse' | 'restart';

/** `channel:` binds the workflow to an existing MediaLive channel, in the workflow's Region. */
export interface ChannelBindingInput {
  id: string;
  whenRunning?: WhenRunning;
}

export interface ChannelBinding {
  id: string;
  whenRunning: WhenRunning;
}

/** A secret is never written in the file: it is read from the environment at apply time, or referenced. */
export type SecretRef = { env: string } | { ssmParameter: string };

/** One downstream entry exactly as written in the workflow file (after schema validation). */
export interface DownstreamInput {
  name: string;
  system: System;
  format?: Format;
  mode?: Mode;
  needs?: Need[];
  outputGroup?: OutputGroupChoice;
  /** mediapackage: use this existing channel instead of creating one. */
  channelId?: string;
  /** mediapackage, mediapackage-v2: the MediaPackage channel's Region (default: the workflow's). */
  region?: string;
  /** mediapackage-v2: an existing channel group to use instead of creating `<workflow>`. */
  channelGroup?: string;
  /** mediapackage-v2: the channel's name; default `<workflow>-<name>`. */
  channelName?: string;
  /** s3: existing buckets, one per pipeline, instead of creating them. */
  buckets?: string[];
  /** s3, mediastore: `folders/baseFilename`; default `<workflow>/<name>/index`. */
  path?: string;
  /** http-put, webdav, akamai, rtmp, mss, udp, srt: one URL per pipeline. */
  urls?: string[];
  username?: string;
  password?: SecretRef;
  /** rtmp only. */
  streamKey?: SecretRef;
  /** rtmp only: MediaLive's AuthenticationScheme. */
  auth?: 'common' | 'akamai';
  /** srt only. */
  streamId?: string;
  /** srt only: a Secrets Manager secret ARN (SRT does not use SSM). */
  passphraseSecretArn?: string;
}

/** The workflow file as written (after schema validation). */
export interface WorkflowInput {
  workflow: string;
  region: string;
  channelClass?: ChannelClass;
  delivery?: Delivery;
  mediaLiveRoleArn?: string;
  tags?: Record<string, string>;
  /** Where the state lives: a local path or `s3://bucket/key`; `--state` overrides it. */
  state?: string;
  /** The existing MediaLive channel apply writes the Destinations into. */
  channel?: ChannelBindingInput;
  downstream: DownstreamInput[];
}

/** A workflow with every default filled in; what the planner works from. */
export interface Workflow {
  workflow: string;
  region: string;
  channelClass: ChannelClass;
  delivery: Delivery;
  mediaLiveRoleArn?: string;
  tags: Record<string, string>;
  /** As written: a local path or `s3://bucket/key`. */
  state?: string;
  channel?: ChannelBinding;
  downstream: Downstream[];
}

export interface Downstream extends DownstreamInput {
  format: Format;
  mode: Mode;
  needs: Need[];
  outputGroup: OutputGroupChoice;
  /** For `system: aws`, the service the rules picked; otherwise the system itself. */
  resolvedSystem: Exclude<System, 'aws'>;
}

// ---------------------------------------------------------------------------------------------------------
// Diagnostics

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  /** Stable, machine-readable id, e.g. `url.scheme`, `s3.bucket-name.dots`, `mediastore.discontinued`. */
  code: string;
  /** What is wrong and how to fix it, in one or two sentences. */
  message: string;
  /** Where in the workflow file, e.g. `downstream[2].urls[1]`; `` for the whole file. */
  path: string;
  /** 1-based position in the source text, when the file was parsed from text and the node exists. */
  line?: number;
  column?: number;
}

// ---------------------------------------------------------------------------------------------------------
// MediaLive shapes, member names exactly as the CreateChannel API takes them.

export type OutputGroupType =
  | 'HLS'
  | 'MEDIAPACKAGE'
  | 'ARCHIVE'
  | 'FRAME_CAPTURE'
  | 'RTMP'
  | 'MS_SMOOTH'
  | 'UDP'
  | 'CMAF_INGEST'
  | 'SRT';

export interface OutputDestinationSettings {
  Url: string;
  Username?: string;
  PasswordParam?: string;
  StreamName?: string;
}

/** v1: `{ ChannelId }`; v2: `{ ChannelGroup, ChannelName, MediaPackageRegionName? }` (the API's one shape). */
export type MediaPackageOutputDestinationSettings =
  | { ChannelId: string }
  | { ChannelGroup: string; ChannelName: string; MediaPackageRegionName?: string };

export interface SrtOutputDestinationSettings {
  Url: string;
  StreamId?: string;
  EncryptionPassphraseSecretArn?: string;
}

/** A MediaLive `OutputDestination`: exactly one of the settings kinds is present. */
export interface OutputDestination {
  Id: string;
  Settings?: OutputDestinationSettings[];
  MediaPackageSettings?: MediaPackageOutputDestinationSettings[];
  SrtSettings?: SrtOutputDestinationSettings[];
}

// ---------------------------------------------------------------------------------------------------------
// The plan

export interface Reason {
  /** Stable rule id, e.g. `hls-vs-mediapackage.single-pipeline`. */
  rule: string;
  /** The user guide's reasoning, in a sentence. */
  text: string;
}

export interface OutputGroupPlan {
  /** The downstream entry's name. */
  name: string;
  type: OutputGroupType;
  destinationId: string;
  reasons: Reason[];
  /**
   * The part of MediaLive's `OutputGroupSettings` that this destination dictates, in the API's own shape,
   * ready to copy: e.g. `{ HlsGroupSettings: { HlsCdnSettings: { HlsS3Settings: { CannedAcl: 'BUCKET_OWNER_FULL_CONTROL' } } } }`.
   * Absent when the destination dictates nothing.
   */
  groupSettings?: Record<string, unknown>;
}

export type ResourceKind =
  | 'mediapackage-channel'
  | 's3-bucket'
  | 'mediastore-container'
  | 'ssm-parameter'
  | 'mediapackagev2-channel-group'
  | 'mediapackagev2-channel'
  | 'medialive-channel';
export type Action = 'create' | 'update' | 'delete' | 'noop' | 'read';

/** What a resource is, independent of what the plan does with it. */
export interface ResourceSpec {
  /** Stable within a workflow: `<downstream>.<role>` or `<downstream>.<role>[<pipeline>]`, e.g. `archive.bucket[0]`. */
  address: string;
  kind: ResourceKind;
  /** The physical name: channel ID, bucket name, container name or SSM parameter name. */
  name: string;
  region: string;
  pipeline: Pipeline | null;
  /** The downstream entry it serves. */
  downstream: string;
  /** Tags it carries, including `mlds:workflow` and `mlds:downstream`. Absent for resources mlds only reads. */
  tags?: Record<string, string>;
  /** True when mlds reads the resource but neither creates nor deletes it (an existing bucket, `channelId`, `channelGroup`). */
  existing?: true;
  /**
   * Kind-specific inputs the provisioner needs:
   * - s3-bucket: `{ mediaLiveRoleArn? }`
   * - mediastore-container: `{ mediaLiveRoleArn?, path }` (the path completes the `mediastoressl://` URL)
   * - ssm-parameter: `{ source: { env } }` or, for a MediaPackage ingest password,
   *   `{ source: { ingestEndpointOf: '<channel address>', endpointIndex } }`
   * - mediapackage-channel: `{}`
   * - mediapackagev2-channel-group: `{}`
   * - mediapackagev2-channel: `{ channelGroup, inputType: 'CMAF' | 'HLS', mediaLiveRoleArn }` (`channelGroup`
   *   and `inputType` cannot change: a change replaces the channel)
   * - medialive-channel: `{ whenRunning, channelClass, destinations }`: the Destinations mlds writes, as planned
   *   (placeholders, never a secret), and `streamKeys: { <destination id>: SecretRef }` read at apply
   */
  properties: Record<string, unknown>;
  /** Addresses this resource needs first (an ingest-password parameter needs its channel). */
  dependsOn: string[];
}

export type ResourceChange = (
  | ({ action: 'create' } & ResourceSpec)
  | ({ action: 'update'; changes: string[] } & ResourceSpec)
  | ({ action: 'noop' } & ResourceSpec)
  | ({ action: 'delete' } & ResourceSpec)
  | ({ action: 'read' } & ResourceSpec)
) &
  ChangeDrift;

/** Set by a refreshed plan (`plan --refresh`, `apply`) only. */
export interface ChangeDrift {
  /** What AWS has that differs from the state, one sentence each: why a recorded resource is created or updated. */
  drift?: string[];
  /**
   * Why apply will refuse this resource rather than change it: it lost this workflow's tag, or (the bound
   * channel) it was deleted. Its plan cannot be applied as it is: `plan` fails (exit 1) after showing it.
   */
  refused?: string;
  /**
   * With `refused`: the workflow whose `mlds:workflow` tag the resource now carries. `import` never takes it from
   * that workflow, so the way back is its tag, not `state rm` and `import`.
   */
  ownedBy?: string;
}

export interface Plan {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string;
  region: string;
  channelClass: ChannelClass;
  pipelines: 1 | 2;
  outputGroups: OutputGroupPlan[];
  resources: ResourceChange[];
  destinations: OutputDestination[];
  diagnostics: Diagnostic[];
}

// ---------------------------------------------------------------------------------------------------------
// The state file (written by the provisioner, read by the planner as plain data)

export type ResourceStatus = 'creating' | 'created' | 'deleting';

export interface StateResource {
  address: string;
  kind: ResourceKind;
  name: string;
  region: string;
  pipeline: Pipeline | null;
  downstream: string;
  status: ResourceStatus;
  existing?: true;
  arn?: string;
  /** The service's own id, when it differs from the name. */
  id?: string;
  tags?: Record<string, string>;
  /** The properties the resource was created with (see ResourceSpec.properties). */
  properties?: Record<string, unknown>;
  /**
   * What MediaLive needs, never a secret:
   * - mediapackage-channel: `{ ingestEndpoints: [{ id, url, username }] }` (pipeline order)
   * - mediapackagev2-channel: `{ ingestEndpoints: [{ id, url }] }` (pipeline order, from GetChannel)
   * - mediastore-container: `{ endpoint: 'https://…' }`
   * - ssm-parameter: `{}` (the name is the reference)
   * - medialive-channel: `{ destinationIds, pendingStart? }`: the destination ids mlds wrote into the channel,
   *   and `pendingStart: true` from just before a restart's StopChannel until the channel runs again
   */
  outputs?: Record<string, unknown>;
  /** ISO timestamps. */
  createdAt?: string;
  updatedAt?: string;
  /** mediapackage-channel only: a `rotate-credentials` run not finished yet; the next run finishes it. */
  rotation?: IngestRotation;
}

/**
 * The intent of a credential rotation, recorded before the first RotateIngestEndpointCredentials: per ingest
 * endpoint, its SSM parameter and whether its new password is stored there. Never a secret.
 */
export interface IngestRotation {
  startedAt: string;
  endpoints: { id: string; parameter: string; done: boolean }[];
}

export interface StateDocument {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string;
  region: string;
  /**
   * A random id given when the state is created and never changed: two states of one workflow with different
   * lineages are different histories (`state push` refuses to overwrite one with the other). Absent only in a
   * state written before lineages existed; the next run that writes it gives it one.
   */
  lineage?: string;
  /** +1 for each run that changed something (not for each write within a run). */
  serial: number;
  resources: StateResource[];
}
