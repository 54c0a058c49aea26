import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  normalizeWorkflow,
  type Plan,
  parseWorkflow,
  planWorkflow,
  refreshTargets,
  type WorkflowInput,
} from '@mlds/core';
import {
  aMediaLiveChannel,
  aWorkflow,
  createFakeCloud,
  exampleNames,
  type FakeCloud,
  type FakeService,
  readExample,
} from '@mlds/fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../src/clients.js';
import {
  apply,
  destroy,
  FileStateStore,
  importResource,
  NotEmptyError,
  refresh,
  rotateIngestCredentials,
  S3StateStore,
} from '../src/index.js';
import { planOf, virtualTime } from './helpers.js';

// docs/iam-policy.json is checked against what the provisioner really sends: every example workflow that creates
// something, and a lifecycle that reaches every command in the source (create, adopt after a crash, update,
// refused destroy, forced destroy), run against the fake cloud. Each SDK command is mapped to the IAM actions
// (and resource ARNs) it needs by the table below; the policy must allow all of them and grant nothing else.

const POLICY_FILE = fileURLToPath(new URL('../../../docs/iam-policy.json', import.meta.url));
const SOURCE_DIR = fileURLToPath(new URL('../src/', import.meta.url));
const ACCOUNT = '111122223333';
const REGION = 'us-west-2';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/MediaLiveAccessRole`;
/** MediaPackage v1 ARNs end in an id MediaPackage assigns, not the channel's name: a policy cannot name them. */
const ASSIGNED_ID = '6d345804ec3f46c9b454a91d4a80d0e0';

interface SentCall {
  service: FakeService;
  region: string;
  /** The data-plane client's endpoint (MediaStore data only). */
  endpoint?: string;
  command: string;
  input: Record<string, unknown>;
}

interface Requirement {
  action: string;
  /** `*` for actions that AWS authorises on no resource type (the statement must say `"Resource": "*"`). */
  resource: string;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const bucketArn = (call: SentCall) => `arn:aws:s3:::${text(call.input.Bucket)}`;
const channelArn = (call: SentCall) =>
  `arn:aws:mediapackage:${call.region}:${ACCOUNT}:channels/${ASSIGNED_ID}`;
const v2GroupArn = (call: SentCall) =>
  `arn:aws:mediapackagev2:${call.region}:${ACCOUNT}:channelGroup/${text(call.input.ChannelGroupName)}`;
const v2ChannelArn = (call: SentCall) => `${v2GroupArn(call)}/channel/${text(call.input.ChannelName)}`;
const containerArn = (call: SentCall, name: string) =>
  `arn:aws:mediastore:${call.region}:${ACCOUNT}:container/${name}`;
const parameterArn = (call: SentCall, name: unknown) =>
  `arn:aws:ssm:${call.region}:${ACCOUNT}:parameter/${text(name).replace(/^\//, '')}`;
const mediaLiveChannelArn = (call: SentCall) =>
  `arn:aws:medialive:${call.region}:${ACCOUNT}:channel:${text(call.input.ChannelId)}`;
const hasEntries = (value: unknown) =>
  Array.isArray(value)
    ? value.length > 0
    : typeof value === 'object' && value !== null && Object.keys(value).length > 0;
const only = (action: string, resource: string): Requirement[] => [{ action, resource }];

/** The container behind each MediaStore data-plane endpoint, learnt from the fake's inventory. */
const containerOfEndpoint = new Map<string, string>();

function dataPlaneContainerArn(call: SentCall): string {
  const name = containerOfEndpoint.get(call.endpoint ?? '');
  if (name === undefined) throw new Error(`no container known at ${call.endpoint}`);
  return containerArn(call, name);
}

/**
 * What each SDK command needs, per the Service Authorization Reference (S3: "Required permissions for Amazon S3
 * API operations" and the SDK's own CreateBucket documentation). Conditional actions follow the input.
 */
const PERMISSIONS: Record<string, (call: SentCall) => Requirement[]> = {
  'mediapackage CreateChannelCommand': (call) => [
    { action: 'mediapackage:CreateChannel', resource: '*' },
    ...(hasEntries(call.input.Tags) ? only('mediapackage:TagResource', channelArn(call)) : []),
  ],
  'mediapackage DescribeChannelCommand': (call) => only('mediapackage:DescribeChannel', channelArn(call)),
  'mediapackage TagResourceCommand': (call) => only('mediapackage:TagResource', text(call.input.ResourceArn)),
  'mediapackage UntagResourceCommand': (call) =>
    only('mediapackage:UntagResource', text(call.input.ResourceArn)),
  'mediapackage ListOriginEndpointsCommand': () => only('mediapackage:ListOriginEndpoints', '*'),
  'mediapackage DeleteOriginEndpointCommand': (call) =>
    only(
      'mediapackage:DeleteOriginEndpoint',
      `arn:aws:mediapackage:${call.region}:${ACCOUNT}:origin_endpoints/${ASSIGNED_ID}`,
    ),
  'mediapackage DeleteChannelCommand': (call) => only('mediapackage:DeleteChannel', channelArn(call)),
  'mediapackage RotateIngestEndpointCredentialsCommand': (call) =>
    only('mediapackage:RotateIngestEndpointCredentials', channelArn(call)),

  // MediaPackage v2 (Service Authorization Reference, "AWS Elemental MediaPackage V2"): every action names a
  // channel group, channel or origin endpoint ARN, all built from names, so the policy can scope them.
  'mediapackagev2 CreateChannelGroupCommand': (call) => [
    { action: 'mediapackagev2:CreateChannelGroup', resource: v2GroupArn(call) },
    ...(hasEntries(call.input.Tags) ? only('mediapackagev2:TagResource', v2GroupArn(call)) : []),
  ],
  'mediapackagev2 GetChannelGroupCommand': (call) => only('mediapackagev2:GetChannelGroup', v2GroupArn(call)),
  'mediapackagev2 ListChannelsCommand': (call) => only('mediapackagev2:ListChannels', v2GroupArn(call)),
  'mediapackagev2 DeleteChannelGroupCommand': (call) =>
    only('mediapackagev2:DeleteChannelGroup', v2GroupArn(call)),
  'mediapackagev2 CreateChannelCommand': (call) => [
    { action: 'mediapackagev2:CreateChannel', resource: v2ChannelArn(call) },
    ...(hasEntries(call.input.Tags) ? only('mediapackagev2:TagResource', v2ChannelArn(call)) : []),
  ],
  'mediapackagev2 GetChannelCommand': (call) => only('mediapackagev2:GetChannel', v2ChannelArn(call)),
  'mediapackagev2 GetChannelPolicyCommand': (call) =>
    only('mediapackagev2:GetChannelPolicy', v2ChannelArn(call)),
  'mediapackagev2 PutChannelPolicyCommand': (call) =>
    only('mediapackagev2:PutChannelPolicy', v2ChannelArn(call)),
  'mediapackagev2 DeleteChannelPolicyCommand': (call) =>
    only('mediapackagev2:DeleteChannelPolicy', v2ChannelArn(call)),
  'mediapackagev2 ListOriginEndpointsCommand': (call) =>
    only('mediapackagev2:ListOriginEndpoints', v2ChannelArn(call)),
  'mediapackagev2 DeleteOriginEndpointCommand': (call) =>
    only(
      'mediapackagev2:DeleteOriginEndpoint',
      `${v2ChannelArn(call)}/originEndpoint/${text(call.input.OriginEndpointName)}`,
    ),
  'mediapackagev2 DeleteChannelCommand': (call) => only('mediapackagev2:DeleteChannel', v2ChannelArn(call)),
  'mediapackagev2 TagResourceCommand': (call) =>
    only('mediapackagev2:TagResource', text(call.input.ResourceArn)),
  'mediapackagev2 UntagResourceCommand': (call) =>
    only('mediapackagev2:UntagResource', text(call.input.ResourceArn)),

  's3 CreateBucketCommand': (call) => {
    const configuration = call.input.CreateBucketConfiguration as { Tags?: unknown } | undefined;
    return [
      { action: 's3:CreateBucket', resource: bucketArn(call) },
      ...(call.input.ObjectOwnership ? only('s3:PutBucketOwnershipControls', bucketArn(call)) : []),
      ...(hasEntries(configuration?.Tags) ? only('s3:TagResource', bucketArn(call)) : []),
    ];
  },
  's3 HeadBucketCommand': (call) => only('s3:ListBucket', bucketArn(call)),
  's3 GetBucketTaggingCommand': (call) => only('s3:GetBucketTagging', bucketArn(call)),
  's3 PutBucketTaggingCommand': (call) => only('s3:PutBucketTagging', bucketArn(call)),
  's3 PutBucketOwnershipControlsCommand': (call) => only('s3:PutBucketOwnershipControls', bucketArn(call)),
  's3 PutPublicAccessBlockCommand': (call) => only('s3:PutBucketPublicAccessBlock', bucketArn(call)),
  's3 PutBucketEncryptionCommand': (call) => only('s3:PutEncryptionConfiguration', bucketArn(call)),
  's3 GetBucketPolicyCommand': (call) => only('s3:GetBucketPolicy', bucketArn(call)),
  's3 GetBucketOwnershipControlsCommand': (call) => only('s3:GetBucketOwnershipControls', bucketArn(call)),
  's3 GetPublicAccessBlockCommand': (call) => only('s3:GetBucketPublicAccessBlock', bucketArn(call)),
  's3 GetBucketEncryptionCommand': (call) => only('s3:GetEncryptionConfiguration', bucketArn(call)),
  's3 PutBucketPolicyCommand': (call) => only('s3:PutBucketPolicy', bucketArn(call)),
  's3 DeleteBucketPolicyCommand': (call) => only('s3:DeleteBucketPolicy', bucketArn(call)),
  's3 ListObjectVersionsCommand': (call) => only('s3:ListBucketVersions', bucketArn(call)),
  's3 DeleteObjectsCommand': (call) => {
    const objects = (call.input.Delete as { Objects?: { Key?: string; VersionId?: string }[] }).Objects ?? [];
    return objects.flatMap((object) => {
      const resource = `${bucketArn(call)}/${object.Key ?? ''}`;
      return [
        { action: 's3:DeleteObject', resource },
        ...(object.VersionId === undefined ? [] : only('s3:DeleteObjectVersion', resource)),
      ];
    });
  },
  's3 DeleteBucketCommand': (call) => only('s3:DeleteBucket', bucketArn(call)),
  // The S3 state store. Conditional writes (If-None-Match, If-Match) need no action of their own; a GetObject of
  // a missing key answers 404 only with s3:ListBucket on the bucket (403 otherwise, which reads as a denial).
  's3 GetObjectCommand': (call) => [
    { action: 's3:GetObject', resource: `${bucketArn(call)}/${text(call.input.Key)}` },
    { action: 's3:ListBucket', resource: bucketArn(call) },
  ],
  's3 PutObjectCommand': (call) => only('s3:PutObject', `${bucketArn(call)}/${text(call.input.Key)}`),
  's3 DeleteObjectCommand': (call) => only('s3:DeleteObject', `${bucketArn(call)}/${text(call.input.Key)}`),

  'mediastore CreateContainerCommand': (call) => [
    { action: 'mediastore:CreateContainer', resource: '*' },
    ...(hasEntries(call.input.Tags)
      ? only('mediastore:TagResource', containerArn(call, text(call.input.ContainerName)))
      : []),
  ],
  'mediastore DescribeContainerCommand': (call) =>
    only('mediastore:DescribeContainer', containerArn(call, text(call.input.ContainerName))),
  'mediastore ListTagsForResourceCommand': (call) =>
    only('mediastore:ListTagsForResource', text(call.input.Resource)),
  'mediastore TagResourceCommand': (call) => only('mediastore:TagResource', text(call.input.Resource)),
  'mediastore UntagResourceCommand': (call) => only('mediastore:UntagResource', text(call.input.Resource)),
  'mediastore GetContainerPolicyCommand': (call) =>
    only('mediastore:GetContainerPolicy', containerArn(call, text(call.input.ContainerName))),
  'mediastore PutContainerPolicyCommand': (call) =>
    only('mediastore:PutContainerPolicy', containerArn(call, text(call.input.ContainerName))),
  'mediastore DeleteContainerPolicyCommand': (call) =>
    only('mediastore:DeleteContainerPolicy', containerArn(call, text(call.input.ContainerName))),
  'mediastore DeleteContainerCommand': (call) =>
    only('mediastore:DeleteContainer', containerArn(call, text(call.input.ContainerName))),
  'mediastore-data ListItemsCommand': (call) => {
    const folder = text(call.input.Path);
    const container = dataPlaneContainerArn(call);
    return only('mediastore:ListItems', folder ? `${container}/${folder}` : container);
  },
  'mediastore-data DeleteObjectCommand': (call) =>
    only('mediastore:DeleteObject', `${dataPlaneContainerArn(call)}/${text(call.input.Path)}`),

  'ssm PutParameterCommand': (call) => [
    { action: 'ssm:PutParameter', resource: parameterArn(call, call.input.Name) },
    ...(hasEntries(call.input.Tags)
      ? only('ssm:AddTagsToResource', parameterArn(call, call.input.Name))
      : []),
  ],
  'ssm ListTagsForResourceCommand': (call) =>
    only('ssm:ListTagsForResource', parameterArn(call, call.input.ResourceId)),
  'ssm AddTagsToResourceCommand': (call) =>
    only('ssm:AddTagsToResource', parameterArn(call, call.input.ResourceId)),
  'ssm RemoveTagsFromResourceCommand': (call) =>
    only('ssm:RemoveTagsFromResource', parameterArn(call, call.input.ResourceId)),
  'ssm DeleteParameterCommand': (call) => only('ssm:DeleteParameter', parameterArn(call, call.input.Name)),
  // A stream key given as { ssmParameter }: the user's own parameter, anywhere, read only; and refresh's read of
  // an { env } password under /mlds/. SecureString with the AWS managed key aws/ssm: its key policy lets SSM
  // decrypt for the account's principals, so kms:Decrypt is not needed (a customer managed key would need it).
  'ssm GetParameterCommand': (call) => only('ssm:GetParameter', parameterArn(call, call.input.Name)),

  'medialive DescribeChannelCommand': (call) => only('medialive:DescribeChannel', mediaLiveChannelArn(call)),
  'medialive UpdateChannelCommand': (call) => [
    { action: 'medialive:UpdateChannel', resource: mediaLiveChannelArn(call) },
    // Sending the channel's role back passes it to MediaLive.
    ...(call.input.RoleArn === undefined ? [] : only('iam:PassRole', text(call.input.RoleArn))),
  ],
  'medialive StartChannelCommand': (call) => only('medialive:StartChannel', mediaLiveChannelArn(call)),
  'medialive StopChannelCommand': (call) => only('medialive:StopChannel', mediaLiveChannelArn(call)),
};

/** The actions the Service Authorization Reference lists with no resource type: `"Resource": "*"` only. */
const WITHOUT_RESOURCE_TYPE = [
  'mediapackage:CreateChannel',
  'mediapackage:ListOriginEndpoints',
  'mediastore:CreateContainer',
];

function requirementsOf(call: SentCall): Requirement[] {
  const permissions = PERMISSIONS[`${call.service} ${call.command}`];
  if (!permissions)
    throw new Error(`no IAM mapping for ${call.service} ${call.command}: add it to the table`);
  return permissions(call);
}

// --- A small evaluator for the policy document: Allow statements with Action and Resource only ---------------

interface Statement {
  Sid?: string;
  /** Narrows a statement further; never widens it, so the evaluator may ignore it. */
  Condition?: Record<string, unknown>;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

const listOf = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** IAM wildcards: `*` any run of characters (slashes and colons too), `?` one; actions ignore case. */
function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

function allows(statement: Statement, requirement: Requirement): boolean {
  return (
    statement.Effect === 'Allow' &&
    listOf(statement.Action).some((action) => matches(action, requirement.action, true)) &&
    listOf(statement.Resource).some((resource) => matches(resource, requirement.resource, false))
  );
}

/** The requirements no statement allows, each once. */
function denied(policy: PolicyDocument, requirements: Requirement[]): Requirement[] {
  const missing = requirements.filter((requirement) => !policy.Statement.some((s) => allows(s, requirement)));
  return [...new Map(missing.map((r) => [`${r.action} ${r.resource}`, r])).values()];
}

/** `Sid action` for every action a statement grants that no requirement needs through that statement. */
function unused(policy: PolicyDocument, requirements: Requirement[]): string[] {
  return policy.Statement.flatMap((statement) =>
    listOf(statement.Action)
      .filter(
        (action) =>
          !requirements.some(
            (requirement) => matches(action, requirement.action, true) && allows(statement, requirement),
          ),
      )
      .map((action) => `${statement.Sid} ${action}`),
  );
}

/** The actions granted with `"Resource": "*"`, sorted. */
function grantedOnAnyResource(policy: PolicyDocument): string[] {
  return policy.Statement.filter((statement) => listOf(statement.Resource).includes('*'))
    .flatMap((statement) => listOf(statement.Action))
    .sort();
}

function readPolicy(): PolicyDocument {
  return JSON.parse(readFileSync(POLICY_FILE, 'utf8')) as PolicyDocument;
}

// --- What the source can send ---------------------------------------------------------------------------------

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** `service CommandName` for every `new XCommand(` in src/, resolved through the file's SDK imports. */
function commandsInSource(): string[] {
  const commands = new Set<string>();
  for (const file of sourceFiles(SOURCE_DIR)) {
    const code = readFileSync(file, 'utf8');
    const imported = new Map<string, string>();
    // Static imports, and the destructured dynamic ones of modules that load an SDK only when called.
    for (const [, staticNames, dynamicNames, service] of code.matchAll(
      /(?:import\s*\{([^}]*)\}\s*from\s*|const\s*\{([^}]*)\}\s*=\s*await\s+import\()'@aws-sdk\/client-([a-z0-9-]+)'/g,
    )) {
      for (const name of (staticNames ?? dynamicNames ?? '').split(',')) {
        const [original, local] = name
          .replace(/^\s*type\s+/, '')
          .trim()
          .split(/\s+as\s+/);
        if (original?.endsWith('Command')) imported.set(local ?? original, `${service} ${original}`);
      }
    }
    for (const [, local] of code.matchAll(/new\s+(\w+)\s*\(/g)) {
      const command = imported.get(local ?? '');
      if (command) commands.add(command);
    }
  }
  return [...commands].sort();
}

// --- The runs -------------------------------------------------------------------------------------------------

function statePath(workflow: string): string {
  return join(mkdtempSync(join(tmpdir(), 'mlds-iam-')), '.mlds', `${workflow}.state.json`);
}

/** The fake's clients, noting every command the engine sends (with the data-plane endpoint it went to). */
function recording(cloud: FakeCloud, sent: SentCall[]): AwsClients {
  const watch = <T extends object>(client: T, service: FakeService, region: string, endpoint?: string): T =>
    new Proxy(client, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'send') return value;
        return (command: { input: Record<string, unknown> }) => {
          sent.push({
            service,
            region,
            ...(endpoint === undefined ? {} : { endpoint }),
            command: command.constructor.name,
            input: structuredClone(command.input),
          });
          return (value as (command: unknown) => unknown).call(target, command);
        };
      },
    });
  return {
    mediaPackage: (region) => watch(cloud.clients.mediaPackage(region), 'mediapackage', region),
    mediaPackageV2: (region) => watch(cloud.clients.mediaPackageV2(region), 'mediapackagev2', region),
    s3: (region) => watch(cloud.clients.s3(region), 's3', region),
    mediaStore: (region) => watch(cloud.clients.mediaStore(region), 'mediastore', region),
    mediaStoreData: (endpoint, region) =>
      watch(cloud.clients.mediaStoreData(endpoint, region), 'mediastore-data', region, endpoint),
    ssm: (region) => watch(cloud.clients.ssm(region), 'ssm', region),
    mediaLive: (region) => watch(cloud.clients.mediaLive(region), 'medialive', region),
  };
}

function learnEndpoints(cloud: FakeCloud): void {
  for (const container of cloud.inventory().mediastore) {
    if (container.endpoint) containerOfEndpoint.set(container.endpoint, container.name);
  }
}

/** Every example workflow that creates something: applied, then destroyed with --force. */
async function applyEveryExample(cloud: FakeCloud, clients: AwsClients): Promise<string[]> {
  const applied: string[] = [];
  for (const name of exampleNames()) {
    const parsed = parseWorkflow(readExample(name), { filename: `${name}.yaml` });
    if (parsed.workflow === undefined) throw new Error(`example ${name} does not parse`);
    const plan: Plan = planWorkflow(parsed.workflow, { diagnostics: parsed.diagnostics });
    if (plan.resources.length === 0) continue;
    const env: Record<string, string> = {};
    for (const resource of plan.resources) {
      const source = resource.properties.source as { env?: string } | undefined;
      if (source?.env) env[source.env] = `secret-of-${name}`;
      // A channel the workflow names by channelId exists beforehand, made by someone else.
      if (resource.existing && resource.kind === 'mediapackage-channel')
        cloud.seed.mediaPackageChannel(resource.name, resource.region);
      // Likewise a channel group the workflow names by channelGroup.
      if (resource.existing && resource.kind === 'mediapackagev2-channel-group')
        cloud.seed.mediaPackageV2ChannelGroup(resource.name, resource.region);
      // And a bucket the workflow names under buckets.
      if (resource.existing && resource.kind === 's3-bucket')
        cloud.seed.bucket(resource.name, resource.region);
    }
    const store = new FileStateStore(statePath(plan.workflow));
    await apply({ plan, clients, store, env, ...virtualTime() });
    learnEndpoints(cloud);
    await destroy({ clients, store, force: true, ...virtualTime() });
    applied.push(name);
  }
  return applied;
}

function everyKind(
  changes: { tags?: Record<string, string>; role?: boolean; webPassword?: string } = {},
): Partial<WorkflowInput> {
  return {
    workflow: 'curling-live',
    region: REGION,
    channelClass: 'STANDARD',
    ...(changes.role === false ? {} : { mediaLiveRoleArn: ROLE }),
    tags: changes.tags ?? { team: 'sports' },
    downstream: [
      { name: 'packager', system: 'mediapackage', format: 'hls', outputGroup: 'hls' },
      { name: 'archive', system: 's3', format: 'archive' },
      { name: 'store', system: 'mediastore' },
      { name: 'packager-v2', system: 'mediapackage-v2' },
      {
        name: 'web',
        system: 'http-put',
        urls: ['https://ingest-a.example-cdn.com/live/index', 'https://ingest-b.example-cdn.com/live/index'],
        username: 'ingest',
        password: { env: changes.webPassword ?? 'WEB_PASSWORD' },
      },
    ],
  };
}

/**
 * Create (and adopt what a crashed run left, without one of its tags), rotate the ingest credentials, update
 * tags, the MediaLive role and a password's source, refuse a destroy of non-empty resources, then destroy with
 * --force.
 */
async function lifecycle(cloud: FakeCloud, clients: AwsClients): Promise<void> {
  const leftBehind = (downstream: string) => ({
    'mlds:workflow': 'curling-live',
    'mlds:downstream': downstream,
  });
  cloud.seed.mediaPackageChannel('curling-live-packager', REGION, {
    tags: leftBehind('packager'),
    originEndpoints: ['hls-out', 'dash-out'],
  });
  cloud.seed.bucket('curling-live-archive-p1', REGION, {
    tags: leftBehind('archive'),
    versioned: true,
    objects: ['a/1.ts', 'a/2.ts'],
    deleteMarkers: ['a/0.ts'],
  });
  cloud.seed.container('curling-live-store-p1', REGION, {
    tags: leftBehind('store'),
    objects: ['live/index.m3u8', 'live/a/1.ts'],
  });
  cloud.seed.parameter('/mlds/curling-live/web/password', REGION, 'left-behind', { tags: leftBehind('web') });
  cloud.seed.mediaPackageV2ChannelGroup('curling-live', REGION, { tags: leftBehind('packager-v2') });
  cloud.seed.mediaPackageV2Channel('curling-live', 'curling-live-packager-v2', REGION, {
    tags: leftBehind('packager-v2'),
    originEndpoints: ['cmaf-out'],
  });

  const store = new FileStateStore(statePath('curling-live'));
  const first = await apply({
    plan: planOf(everyKind()),
    clients,
    store,
    env: { WEB_PASSWORD: 'web-password-one' },
    ...virtualTime(),
  });
  expect(
    first.outcomes
      .filter((o) => o.outcome === 'adopted')
      .map((o) => o.address)
      .sort(),
  ).toEqual([
    'archive.bucket[1]',
    'packager-v2.channel',
    'packager-v2.channel-group',
    'packager.channel',
    'store.container[1]',
    'web.password',
  ]);
  learnEndpoints(cloud);

  // Refresh reads every kind (a password compared with its parameter included).
  if (first.state === undefined) throw new Error('apply recorded no state');
  const observations = await refresh({
    state: first.state,
    resources: refreshTargets(normalizeWorkflow(aWorkflow(everyKind())), first.state),
    clients,
    env: { WEB_PASSWORD: 'web-password-one' },
    ...virtualTime(),
  });
  const refreshable = new Set([
    'mediapackage-channel',
    's3-bucket',
    'mediastore-container',
    'ssm-parameter',
    'mediapackagev2-channel-group',
    'mediapackagev2-channel',
  ]);
  expect(observations).toHaveLength(
    first.state.resources.filter((r) => refreshable.has(r.kind) && r.existing !== true).length,
  );

  const rotation = await rotateIngestCredentials({
    workflow: 'curling-live',
    downstream: 'packager',
    clients,
    store,
    ...virtualTime(),
  });
  expect(rotation.rotated).toHaveLength(2);

  const second = await apply({
    plan: planOf(
      everyKind({ tags: { owner: 'media' }, role: false, webPassword: 'WEB_PASSWORD_NEXT' }),
      first.state,
    ),
    clients,
    store,
    env: { WEB_PASSWORD_NEXT: 'web-password-two' },
    ...virtualTime(),
  });
  expect(second.outcomes.length).toBeGreaterThan(0);
  expect(second.outcomes.filter((o) => o.outcome !== 'updated')).toEqual([]);

  await expect(destroy({ clients, store, ...virtualTime() })).rejects.toBeInstanceOf(NotEmptyError);
  await destroy({ clients, store, force: true, ...virtualTime() });
}

/** `mlds import` of one resource of each importable kind (found without tags), then apply and destroy. */
async function importEach(cloud: FakeCloud, clients: AwsClients): Promise<void> {
  // ACLs enabled (a bucket from before 2023): the import disables them, as apply's adopt does.
  cloud.seed.bucket('curling-live-archive-p0', REGION, { tags: { owner: 'ops' }, ownership: 'ObjectWriter' });
  cloud.seed.mediaPackageChannel('curling-live-packager', REGION);
  cloud.seed.container('curling-live-store-p0', REGION);
  cloud.seed.parameter('/mlds/curling-live/web/password', REGION, 'web-password-one', {
    type: 'SecureString',
  });
  cloud.seed.mediaPackageV2ChannelGroup('curling-live', REGION);
  cloud.seed.mediaPackageV2Channel('curling-live', 'curling-live-packager-v2', REGION, { inputType: 'CMAF' });
  const store = new FileStateStore(statePath('curling-live'));
  const imports: [string, string][] = [
    ['archive.bucket[0]', 'curling-live-archive-p0'],
    ['packager.channel', 'curling-live-packager'],
    ['store.container[0]', 'curling-live-store-p0'],
    ['web.password', '/mlds/curling-live/web/password'],
    ['packager-v2.channel-group', 'curling-live'],
    ['packager-v2.channel', 'curling-live-packager-v2'],
  ];
  for (const [address, physicalId] of imports) {
    const result = await importResource({
      plan: planOf(everyKind(), await store.read()),
      address,
      physicalId,
      clients,
      store,
      confirm: async () => true,
      ...virtualTime(),
    });
    expect(result.outcome).toBe('imported');
  }
  await apply({
    plan: planOf(everyKind(), await store.read()),
    clients,
    store,
    env: { WEB_PASSWORD: 'web-password-one' },
    ...virtualTime(),
  });
  learnEndpoints(cloud);
  await destroy({ clients, store, force: true, ...virtualTime() });
}

/** A team's state in an existing bucket: apply and destroy through the S3 store, and a leftover lock unlocked. */
async function teamState(cloud: FakeCloud, clients: AwsClients): Promise<void> {
  cloud.seed.bucket('team-state', REGION, { versioned: true });
  const store = () =>
    new S3StateStore({ client: clients.s3(REGION), bucket: 'team-state', key: 'mlds/curling-live.json' });
  const applied = await apply({
    plan: planOf(everyKind()),
    clients,
    store: store(),
    env: { WEB_PASSWORD: 'web-password-one' },
    ...virtualTime(),
  });
  expect(applied.state?.serial).toBe(1);
  learnEndpoints(cloud);
  const leftover = await store().lock('apply');
  // As `state unlock --force`: the lock this very process left stands for a crashed run's.
  await store().forceUnlock(leftover.info.id, { evenIfRunning: true });
  await destroy({ clients, store: store(), force: true, ...virtualTime() });
}

/** A workflow bound to a RUNNING channel: pre-flight, a restart (stop, update, start), then a forced destroy. */
async function boundChannel(cloud: FakeCloud, clients: AwsClients): Promise<void> {
  cloud.seed.mediaLiveChannel(
    '7654321',
    REGION,
    aMediaLiveChannel({
      state: 'RUNNING',
      destinations: [
        { id: 'social', group: 'RTMP' },
        { id: 'archive', group: 'ARCHIVE' },
      ],
    }),
  );
  cloud.seed.parameter('/live/social/stream-key', REGION, 'stream-key-of-the-bound-channel');
  const store = new FileStateStore(statePath('bound-live'));
  const plan = planOf({
    workflow: 'bound-live',
    region: REGION,
    channel: { id: '7654321', whenRunning: 'restart' },
    downstream: [
      {
        name: 'social',
        system: 'rtmp',
        urls: ['rtmp://a.example-social.com/app', 'rtmp://b.example-social.com/app'],
        streamKey: { ssmParameter: '/live/social/stream-key' },
      },
      { name: 'archive', system: 's3', format: 'archive' },
    ],
  });
  await apply({ plan, clients, store, env: {}, ...virtualTime() });
  await destroy({ clients, store, force: true, ...virtualTime() });
}

describe('docs/iam-policy.json', () => {
  const sent: SentCall[] = [];
  let recorded: string[] = [];
  let examples: string[] = [];
  let requirements: Requirement[] = [];

  beforeAll(async () => {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const clients = recording(cloud, sent);
    examples = await applyEveryExample(cloud, clients);
    await lifecycle(cloud, clients);
    await importEach(cloud, clients);
    await teamState(cloud, clients);
    await boundChannel(cloud, clients);
    // Everything mlds made is gone; the channel mediapackage-hls.yaml only uses (channelId) and the buckets
    // s3-hls.yaml only uses (buckets) are left alone, and so is the state bucket, which mlds never creates nor
    // deletes.
    const { mediapackage, mediapackagev2, medialive, s3, ssm, ...rest } = cloud.inventory();
    expect({
      rest,
      s3: s3.map((bucket) => bucket.name),
      channels: mediapackage.map((channel) => channel.id),
      groups: mediapackagev2.map((group) => [group.name, group.channels.length]),
      medialive: medialive.map((channel) => [channel.id, channel.state]),
      ssm: ssm.map((parameter) => parameter.name),
    }).toEqual({
      s3: ['highlights-vod-origin-p0', 'highlights-vod-origin-p1', 'team-state'],
      rest: { mediastore: [] },
      channels: ['regional-news-origin'],
      groups: [['live-events', 0]],
      // The bound channel and the stream key's parameter are the user's: read and written, never deleted.
      medialive: [['7654321', 'RUNNING']],
      ssm: ['/live/social/stream-key'],
    });
    recorded = cloud.calls().map((call) => `${call.service} ${call.command}`);
    requirements = sent.flatMap(requirementsOf);
    // Every example and two lifecycles, on a shared machine: a generous bound, not a speed target.
  }, 120_000);

  it('is checked against every example that creates resources and every command the provisioner can send', () => {
    expect(examples).toEqual([
      'akamai',
      'aws',
      'curling-live',
      'http-put',
      'mediapackage-group',
      'mediapackage-hls',
      'mediapackage-v2-cmaf',
      'mediapackage-v2-hls',
      'mediastore',
      'rtmp',
      's3-archive-frame-capture',
      's3-hls',
      'vpc-delivery',
    ]);
    // The notes taken on the way out are the fake's own record, call for call.
    expect(sent.map((call) => `${call.service} ${call.command}`).sort()).toEqual([...recorded].sort());
    // The credentials pre-flight's GetCallerIdentity needs no IAM permission (STS API reference: "No
    // permissions are required to perform this operation"), so the policy has nothing to grant for it.
    expect([...new Set(recorded)].sort()).toEqual(
      commandsInSource().filter((command) => command !== 'sts GetCallerIdentityCommand'),
    );
    expect(commandsInSource()).toContain('sts GetCallerIdentityCommand');
  });

  it('allows every action on every resource the provisioner touched', () => {
    expect(denied(readPolicy(), requirements)).toEqual([]);
  });

  it('grants no action the provisioner never needs, in any statement', () => {
    expect(unused(readPolicy(), requirements)).toEqual([]);
  });

  it('is a plain identity policy: Version 2012-10-17, a Sid per statement, Allow with exact action names', () => {
    const policy = readPolicy();
    expect(policy.Version).toBe('2012-10-17');
    expect(Object.keys(policy).sort()).toEqual(['Statement', 'Version']);
    for (const statement of policy.Statement) {
      const keys = Object.keys(statement).filter((key) => key !== 'Condition');
      expect(keys.sort()).toEqual(['Action', 'Effect', 'Resource', 'Sid']);
      expect(statement.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(statement.Effect).toBe('Allow');
      for (const action of listOf(statement.Action)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
    }
    expect(new Set(policy.Statement.map((s) => s.Sid)).size).toBe(policy.Statement.length);
  });

  it('uses "Resource": "*" only for the actions AWS authorises on no resource type', () => {
    expect(grantedOnAnyResource(readPolicy())).toEqual([...WITHOUT_RESOURCE_TYPE].sort());
  });

  it('limits Parameter Store to /mlds/*: the names mlds writes, never a parameter the workflow only references', () => {
    // Reading a stream key the workflow references ({ ssmParameter }) is the one exception, and only a read.
    const ssm = readPolicy().Statement.filter((statement) =>
      listOf(statement.Action).some((action) => action.startsWith('ssm:') && action !== 'ssm:GetParameter'),
    );
    expect(ssm.map((statement) => statement.Resource)).toEqual(['arn:aws:ssm:*:*:parameter/mlds/*']);
    const reads = readPolicy().Statement.filter((statement) =>
      listOf(statement.Action).includes('ssm:GetParameter'),
    );
    expect(reads.map((statement) => statement.Action)).toEqual([['ssm:GetParameter']]);
    const ssmResources = requirements
      .filter((r) => r.action.startsWith('ssm:') && r.action !== 'ssm:GetParameter')
      .map((r) => r.resource);
    expect(ssmResources.length).toBeGreaterThan(0);
    expect(ssmResources.filter((resource) => !/:parameter\/mlds\//.test(resource))).toEqual([]);
  });

  describe('the check itself', () => {
    const withStatement = (policy: PolicyDocument, sid: string, change: (s: Statement) => Statement) => ({
      ...policy,
      Statement: policy.Statement.map((statement) => (statement.Sid === sid ? change(statement) : statement)),
    });

    it('reports an action the policy lacks', () => {
      const policy = withStatement(readPolicy(), 'S3Buckets', (s) => ({
        ...s,
        Action: listOf(s.Action).filter((action) => action !== 's3:PutEncryptionConfiguration'),
      }));
      expect(new Set(denied(policy, requirements).map((r) => r.action))).toEqual(
        new Set(['s3:PutEncryptionConfiguration']),
      );
    });

    it('reports a resource outside the statement: parameters elsewhere than /mlds/', () => {
      const policy = withStatement(readPolicy(), 'SsmParametersUnderMlds', (s) => ({
        ...s,
        Resource: 'arn:aws:ssm:*:*:parameter/other/*',
      }));
      expect(new Set(denied(policy, requirements).map((r) => r.action))).toEqual(
        new Set([
          'ssm:PutParameter',
          'ssm:AddTagsToResource',
          'ssm:RemoveTagsFromResource',
          'ssm:ListTagsForResource',
          'ssm:DeleteParameter',
        ]),
      );
    });

    it('reports MediaPackage channels scoped by name, which their ARNs do not carry', () => {
      const policy = withStatement(readPolicy(), 'MediaPackageChannels', (s) => ({
        ...s,
        Resource: 'arn:aws:mediapackage:*:*:channels/curling-live-*',
      }));
      expect(denied(policy, requirements).map((r) => r.action)).toContain('mediapackage:DescribeChannel');
    });

    it('reports an action granted but never needed, and one granted where its resources never match', () => {
      const extra = withStatement(readPolicy(), 'SsmParametersUnderMlds', (s) => ({
        ...s,
        Action: [...listOf(s.Action), 'ssm:GetParameters'],
      }));
      expect(unused(extra, requirements)).toEqual(['SsmParametersUnderMlds ssm:GetParameters']);
      const misplaced = withStatement(readPolicy(), 'MediaPackageChannels', (s) => ({
        ...s,
        Action: [...listOf(s.Action), 'ssm:DeleteParameter'],
      }));
      expect(unused(misplaced, requirements)).toEqual(['MediaPackageChannels ssm:DeleteParameter']);
    });

    it('reports an action granted on every resource although AWS lets a policy scope it', () => {
      const unscoped = withStatement(readPolicy(), 'MediaStoreCreateContainers', (s) => ({
        ...s,
        Action: [...listOf(s.Action), 'mediastore:DeleteContainer'],
      }));
      expect(grantedOnAnyResource(unscoped)).toContain('mediastore:DeleteContainer');
      expect(grantedOnAnyResource(unscoped)).not.toEqual([...WITHOUT_RESOURCE_TYPE].sort());
    });

    it('matches IAM wildcards across slashes and colons, and actions without regard to case', () => {
      expect(matches('arn:aws:s3:::*/*', 'arn:aws:s3:::bucket/a/b.ts', false)).toBe(true);
      expect(matches('arn:aws:s3:::*/*', 'arn:aws:s3:::bucket', false)).toBe(false);
      expect(
        matches('arn:aws:ssm:*:*:parameter/mlds/*', 'arn:aws:ssm:eu-west-1:1:parameter/mlds/x/y', false),
      ).toBe(true);
      expect(
        matches('arn:aws:ssm:*:*:parameter/mlds/*', 'arn:aws:ssm:eu-west-1:1:parameter/mldsx', false),
      ).toBe(false);
      expect(matches('s3:listbucket', 's3:ListBucket', true)).toBe(true);
      expect(matches('s3:ListBucket', 's3:ListBucketVersions', true)).toBe(false);
      expect(matches('arn:aws:s3:::a.b', 'arn:aws:s3:::aXb', false)).toBe(false);
    });

    it('fails on a command nobody mapped to IAM actions', () => {
      expect(() =>
        requirementsOf({
          service: 's3',
          region: REGION,
          command: 'PutObjectAclCommand',
          input: { Bucket: 'b' },
        }),
      ).toThrow('no IAM mapping for s3 PutObjectAclCommand');
    });
  });
});
