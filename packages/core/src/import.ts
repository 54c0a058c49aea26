import { BUCKET_OWNER_ENFORCED, type ObservedSettings } from './drift.js';
import { TAG_WORKFLOW } from './names.js';
import type { Plan, ResourceChange, ResourceKind, StateDocument, StateResource } from './types.js';

// `mlds import <file> <address> <physical id>` (contract section 7): what may be imported, and what importing
// it changes. Like Terraform's import it adopts one existing resource into the state and creates nothing; unlike
// it, it also tags the resource (mlds recognises its own resources by the `mlds:workflow` tag), so it shows the
// tags first. The provisioner looks the resource up and executes this decision.

/** The kinds mlds can adopt: those it creates and tags. A MediaLive channel is only ever bound, never owned. */
export const IMPORTABLE_KINDS: readonly ResourceKind[] = [
  's3-bucket',
  'mediapackage-channel',
  'mediastore-container',
  'ssm-parameter',
  'mediapackagev2-channel-group',
  'mediapackagev2-channel',
];

/** What an import records: the plan's own resource, so the next apply finds it unchanged. */
export interface ImportPlan {
  workflow: string;
  resource: ResourceChange;
  /**
   * The state holds this resource's intent (`creating`): an import, or an apply, stopped before recording the
   * result. The import finishes it.
   */
  resumes: boolean;
}

export type ImportProblem =
  /** The plan has no such address (a bad command line): `addresses` lists those it has. */
  | { code: 'unknown-address'; message: string; addresses: string[] }
  /** The address is one mlds only reads, or of a kind it never owns (a bad command line). */
  | { code: 'not-importable'; message: string; fix: string }
  /** The physical id is not the name the plan gives the address (a bad command line). */
  | { code: 'name-mismatch'; message: string; fix: string }
  /** The state already records the address: nothing to import. */
  | { code: 'in-state'; message: string; fix: string };

export type ImportDecision = { import: ImportPlan } | { problem: ImportProblem };

/** How the hints of a refusal name the state, for a caller whose state is not found by the address alone. */
export interface ImportHintOptions {
  /**
   * The arguments that make `mlds state` work on the state the import read, e.g. `--state s3://bucket/key
   * --region eu-west-1`: without them, its hint would edit the state `mlds state` finds by itself, which after a
   * `state push` is the local copy left behind.
   */
  stateArguments?: string;
}

function stateArguments(options: ImportHintOptions): string {
  return options.stateArguments === undefined || options.stateArguments === ''
    ? ''
    : ` ${options.stateArguments}`;
}

/**
 * Whether `physicalId` can be imported as `address` of `plan`, given the recorded state. Without `state` only
 * the command line is checked (before anything is read or locked).
 */
export function planImport(
  plan: Plan,
  address: string,
  physicalId: string,
  state?: StateDocument,
  options: ImportHintOptions = {},
): ImportDecision {
  const candidates = plan.resources.filter((change) => change.action !== 'delete');
  const resource = candidates.find((change) => change.address === address);
  // What an import could adopt: not what the state already records as made (it would refuse those).
  const made = new Set(
    (state?.resources ?? []).filter((entry) => entry.status === 'created').map((entry) => entry.address),
  );
  const importable = candidates
    .filter(isImportable)
    .map((change) => change.address)
    .filter((candidate) => !made.has(candidate));
  if (resource === undefined) {
    return {
      problem: {
        code: 'unknown-address',
        message: `the plan of ${plan.workflow} has no resource ${JSON.stringify(address)}`,
        addresses: importable,
      },
    };
  }
  if (resource.existing === true || resource.action === 'read' || !IMPORTABLE_KINDS.includes(resource.kind)) {
    return { problem: { code: 'not-importable', ...notImportable(resource) } };
  }
  if (physicalId !== resource.name) {
    return {
      problem: {
        code: 'name-mismatch',
        message: `${address} is the ${describeKind(resource.kind)} named ${JSON.stringify(resource.name)}, not ${JSON.stringify(physicalId)}: mlds names it from the workflow, and imports only that name`,
        fix: otherNameFix(resource, physicalId),
      },
    };
  }
  if (state === undefined) return { import: { workflow: plan.workflow, resource, resumes: false } };
  const recorded = state.resources.filter((entry) => entry.address === address);
  const intent = recorded.find((entry) => entry.status === 'creating' && sameIdentity(entry, resource));
  const entry = recorded.find((candidate) => candidate !== intent);
  if (entry !== undefined) {
    return {
      problem: {
        code: 'in-state',
        message: `the state already records ${address} (${entry.kind} ${entry.name}, ${entry.status})`,
        fix:
          entry.status === 'created'
            ? `Nothing to import. To adopt another resource at this address, forget this one first with 'mlds state rm ${shellWord(address)}${stateArguments(options)}' (it changes only the state), then import.`
            : `A run stopped midway on it: run apply (or destroy) to finish that first, or 'mlds state rm ${shellWord(address)}${stateArguments(options)}' to forget it.`,
      },
    };
  }
  return { import: { workflow: plan.workflow, resource, resumes: intent !== undefined } };
}

/** One tag an import sets: `from` is the value the resource carries now (undefined: it has none). */
export interface ImportTagChange {
  key: string;
  from: string | undefined;
  to: string;
}

/** The tags of `wanted` (the plan's) that the resource does not carry with the same value, in key order. */
export function importTagChanges(
  wanted: Record<string, string>,
  actual: Record<string, string>,
): ImportTagChange[] {
  return Object.keys(wanted)
    .sort()
    .filter((key) => actual[key] !== wanted[key])
    .map((key) => ({ key, from: actual[key], to: wanted[key] as string }));
}

/**
 * One setting an import makes what apply makes it, besides the tags: `setting` is the name a refreshed plan's
 * update gives it (`changes`), `from` what the resource has now and `to` what the import sets, in words. Never a
 * secret: a password is compared in memory by the provisioner, which reports only `same` or `differs`.
 */
export interface ImportSettingChange {
  setting: 'objectOwnership' | 'publicAccessBlock' | 'encryption' | 'policy' | 'value';
  from: string;
  to: string;
}

/** What apply gives every bucket it creates or adopts (`CreateBucket`'s `ObjectOwnership`). */

/**
 * Whether an import makes this setting before it tags the resource: a setting AWS may refuse for what the
 * resource holds (S3 refuses ObjectOwnership BucketOwnerEnforced while the bucket's ACL grants anyone but its
 * owner) comes first, so that a refusal leaves the resource as it was, untagged, and the state as it was.
 */
export function madeBeforeTagging(setting: ImportSettingChange['setting']): boolean {
  return setting === 'objectOwnership';
}

const POLICY_NAMES: Partial<Record<ResourceKind, string>> = {
  's3-bucket': 'bucket policy',
  'mediastore-container': 'container policy',
  'mediapackagev2-channel': 'channel policy',
};

/**
 * What an import changes on the resource besides its tags, from the settings the provisioner read on it, in the
 * order they are made: a bucket's ObjectOwnership first (as apply's adopt sets it; made before the tag, see
 * `madeBeforeTagging`), then exactly what a refresh right after would find drifted (core's `driftOf`), so that
 * the next `plan --refresh` and apply find it unchanged. Empty when it already has every setting apply makes.
 */
export function importSettingChanges(
  resource: Pick<ResourceChange, 'kind' | 'properties'>,
  settings: ObservedSettings,
): ImportSettingChange[] {
  const changes: ImportSettingChange[] = [];
  if (settings.objectOwnership !== undefined && settings.objectOwnership !== BUCKET_OWNER_ENFORCED) {
    changes.push({
      setting: 'objectOwnership',
      from:
        settings.objectOwnership === null
          ? 'no ObjectOwnership (ACLs enabled)'
          : `ObjectOwnership ${settings.objectOwnership} (ACLs enabled)`,
      to: `ObjectOwnership ${BUCKET_OWNER_ENFORCED} (ACLs disabled: the bucket owns every object, as for a bucket apply creates)`,
    });
  }
  if (settings.publicAccessBlocked === false) {
    changes.push({
      setting: 'publicAccessBlock',
      from: 'not all four public access block settings are on',
      to: 'all four on (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets)',
    });
  }
  if (settings.encryption !== undefined && settings.encryption !== 'AES256') {
    changes.push({
      setting: 'encryption',
      from: `default encryption ${settings.encryption ?? 'not configured'}`,
      to: 'default encryption SSE-S3 (AES256)',
    });
  }
  const role = resource.properties.mediaLiveRoleArn;
  if (
    settings.mediaLiveRoleArn !== undefined &&
    typeof role === 'string' &&
    role.length > 0 &&
    settings.mediaLiveRoleArn !== role
  ) {
    const policy = POLICY_NAMES[resource.kind] ?? 'policy';
    changes.push({
      setting: 'policy',
      from: `the ${policy} has no statement for the MediaLive role as mlds writes it`,
      to: `the ${policy} gets mlds's statement for ${role} (its other statements are kept)`,
    });
  }
  if (settings.value === 'differs') {
    const source = resource.properties.source as { env?: unknown } | undefined;
    const variable = typeof source?.env === 'string' ? source.env : 'the environment variable';
    changes.push({
      setting: 'value',
      from: `the value differs from ${variable}`,
      to: `the value of ${variable} (neither value is shown)`,
    });
  }
  return changes;
}

/** The workflow a resource belongs to, when its `mlds:workflow` tag names one other than `workflow`. */
export function otherOwner(actual: Record<string, string>, workflow: string): string | undefined {
  const owner = actual[TAG_WORKFLOW];
  return owner !== undefined && owner !== workflow ? owner : undefined;
}

function isImportable(change: ResourceChange): boolean {
  return change.existing !== true && change.action !== 'read' && IMPORTABLE_KINDS.includes(change.kind);
}

function sameIdentity(entry: StateResource, resource: ResourceChange): boolean {
  return entry.kind === resource.kind && entry.name === resource.name && entry.region === resource.region;
}

function describeKind(kind: ResourceKind): string {
  const names: Record<ResourceKind, string> = {
    's3-bucket': 'S3 bucket',
    'mediapackage-channel': 'MediaPackage channel',
    'mediastore-container': 'MediaStore container',
    'ssm-parameter': 'SSM parameter',
    'mediapackagev2-channel-group': 'MediaPackage v2 channel group',
    'mediapackagev2-channel': 'MediaPackage v2 channel',
    'medialive-channel': 'MediaLive channel',
  };
  return names[kind];
}

function notImportable(resource: ResourceChange): { message: string; fix: string } {
  if (resource.kind === 'medialive-channel') {
    return {
      message: `${resource.address} is the bound MediaLive channel: mlds writes its destinations but never owns it`,
      fix: 'Nothing to import: apply reads the channel named by `channel.id`.',
    };
  }
  return {
    message: `${resource.address} is the existing ${describeKind(resource.kind)} ${resource.name}, which the workflow names for mlds to read, not to own`,
    fix: 'Nothing to import: apply reads it as it is. To have mlds own it instead, remove it from the workflow (buckets, channelId, channelGroup) and import the resource mlds would create.',
  };
}

function otherNameFix(resource: ResourceChange, physicalId: string): string {
  const downstream = resource.downstream;
  switch (resource.kind) {
    case 's3-bucket':
      return `To use the bucket ${physicalId} as it is (mlds then reads it and never deletes it), list it under \`buckets:\` of downstream '${downstream}' instead of importing.`;
    case 'mediapackage-channel':
      return `To use the channel ${physicalId} as it is (mlds then reads it and never deletes it), set \`channelId: ${physicalId}\` on downstream '${downstream}' instead of importing.`;
    case 'mediapackagev2-channel-group':
      return `To use the channel group ${physicalId} as it is, set \`channelGroup: ${physicalId}\` on downstream '${downstream}' instead of importing.`;
    case 'mediapackagev2-channel':
      return `To import a channel of that name, set \`channelName: ${physicalId}\` on downstream '${downstream}' (and \`channelGroup\` for its group), then import it.`;
    case 'ssm-parameter':
      return `To use the parameter ${physicalId} as it is, give the secret as \`{ ssmParameter: ${physicalId} }\` in downstream '${downstream}' instead of importing (an ingest password's parameter has no other name).`;
    default:
      return `A ${describeKind(resource.kind)} of another name cannot take this place: import ${resource.name}.`;
  }
}

/** An address as a shell takes it: quoted when it holds what a shell would expand (`archive.bucket[1]`). */
function shellWord(address: string): string {
  return /^[\w.:/@%+=-]+$/.test(address) ? address : `"${address}"`;
}
