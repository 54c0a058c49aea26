import type { Downstream, DownstreamInput, Format, System, Workflow, WorkflowInput } from './types.js';

const DEFAULT_FORMAT: Record<System, Format> = {
  mediapackage: 'hls',
  s3: 'hls',
  mediastore: 'hls',
  'http-put': 'hls',
  webdav: 'hls',
  akamai: 'hls',
  rtmp: 'rtmp',
  mss: 'mss',
  udp: 'ts',
  srt: 'srt',
  aws: 'hls',
  'mediapackage-v2': 'cmaf',
};

export function defaultFormat(system: System): Format {
  return DEFAULT_FORMAT[system];
}

/** `system: aws` → MediaPackage when it must repackage (DRM, ad insertion), S3 as a plain origin otherwise. */
export function resolveAwsSystem(
  downstream: Pick<DownstreamInput, 'system' | 'needs'>,
): Downstream['resolvedSystem'] {
  if (downstream.system !== 'aws') return downstream.system;
  const needs = downstream.needs ?? [];
  return needs.includes('drm') || needs.includes('ad-insertion') ? 'mediapackage' : 's3';
}

/** Fills in every default. Does not validate: call it on input that passed validation. Never mutates. */
export function normalizeWorkflow(input: WorkflowInput): Workflow {
  return {
    workflow: input.workflow,
    region: input.region,
    channelClass: input.channelClass ?? 'STANDARD',
    delivery: input.delivery ?? 'public',
    ...(input.mediaLiveRoleArn === undefined ? {} : { mediaLiveRoleArn: input.mediaLiveRoleArn }),
    tags: { ...(input.tags ?? {}) },
    ...(input.state === undefined ? {} : { state: input.state }),
    ...(input.channel === undefined
      ? {}
      : { channel: { id: input.channel.id, whenRunning: input.channel.whenRunning ?? 'refuse' } }),
    downstream: input.downstream.map((entry) => normalizeDownstream(entry)),
  };
}

function normalizeDownstream(entry: DownstreamInput): Downstream {
  return {
    ...structuredClone(entry),
    format: entry.format ?? defaultFormat(entry.system),
    mode: entry.mode ?? 'live',
    needs: [...(entry.needs ?? [])],
    outputGroup: entry.outputGroup ?? 'auto',
    resolvedSystem: resolveAwsSystem(entry),
  };
}
