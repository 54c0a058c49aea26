import type { Pipeline } from './types.js';

// Physical names are derived from the workflow and downstream names only, so a re-run after a crash finds
// what the crashed run created, and the plan can show every name without calling AWS.

export const TAG_WORKFLOW = 'mlds:workflow';
export const TAG_DOWNSTREAM = 'mlds:downstream';

const S3_BUCKET_MAX = 63;

/** FNV-1a, 32 bit: a short, stable suffix that keeps truncated names distinct. Not for security. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

export function mediaPackageChannelId(workflow: string, downstream: string): string {
  return `${workflow}-${downstream}`;
}

/** The MediaPackage v2 channel group mlds creates: one per workflow and Region, shared by its v2 channels. */
export function mediaPackageV2ChannelGroupName(workflow: string): string {
  return workflow;
}

/** The MediaPackage v2 channel mlds creates, unless `channelName` names it. */
export function mediaPackageV2ChannelName(workflow: string, downstream: string): string {
  return `${workflow}-${downstream}`;
}

/**
 * `<workflow>-<downstream>-p<pipeline>`; when that exceeds S3's 63 characters the stem is cut and a hash of
 * the full stem keeps names of different workflows apart.
 */
export function bucketName(workflow: string, downstream: string, pipeline: Pipeline): string {
  const stem = `${workflow}-${downstream}`;
  const suffix = `-p${pipeline}`;
  if (stem.length + suffix.length <= S3_BUCKET_MAX) return `${stem}${suffix}`;
  const hash = `-${shortHash(stem)}`;
  const cut = stem.slice(0, S3_BUCKET_MAX - hash.length - suffix.length).replace(/-+$/, '');
  return `${cut}${hash}${suffix}`;
}

export function mediaStoreContainerName(workflow: string, downstream: string, pipeline: Pipeline): string {
  return `${workflow}-${downstream}-p${pipeline}`;
}

/** `/mlds/<workflow>/<downstream>/password` or, per pipeline, `/mlds/<workflow>/<downstream>/password-p<n>`. */
export function passwordParameterName(
  workflow: string,
  downstream: string,
  pipeline: Pipeline | null,
): string {
  const leaf = pipeline === null ? 'password' : `password-p${pipeline}`;
  return `/mlds/${workflow}/${downstream}/${leaf}`;
}

/** `folders/baseFilename` as MediaLive appends it to a bucket or container. */
export function defaultPath(workflow: string, downstream: string): string {
  return `${workflow}/${downstream}/index`;
}

export function resourceTags(
  workflow: string,
  downstream: string,
  userTags: Record<string, string>,
): Record<string, string> {
  return { ...userTags, [TAG_WORKFLOW]: workflow, [TAG_DOWNSTREAM]: downstream };
}

/** `packager.channel`, `archive.bucket[1]`. */
export function resourceAddress(downstream: string, role: string, pipeline: Pipeline | null): string {
  return pipeline === null ? `${downstream}.${role}` : `${downstream}.${role}[${pipeline}]`;
}
