import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Plan, parseWorkflow, planWorkflow, type WorkflowInput } from '@mlds/core';
import { createFakeCloud, exampleNames, type FakeCloud, type FakeService, readExample } from '@mlds/fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../src/clients.js';
import { apply, destroy, FileStateStore, NotEmptyError } from '../src/index.js';
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
const containerArn = (call: SentCall, name: string) =>
  `arn:aws:mediastore:${call.region}:${ACCOUNT}:container/${name}`;
const parameterArn = (call: SentCall, name: unknown) =>
  `arn:aws:ssm:${call.region}:${ACCOUNT}:parameter/${text(name).replace(/^\//, '')}`;
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
  'mediastore PutContainerPolicyCommand': (call) =>
    only('mediastore:PutContainerPolicy', containerArn(call, text(call.input.ContainerName))),
  'mediastore GetContainerPolicyCommand': (call) =>
    only('mediastore:GetContainerPolicy', containerArn(call, text(call.input.ContainerName))),
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
    for (const [, names, service] of code.matchAll(
      /import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9-]+)'/g,
    )) {
      for (const name of (names ?? '').split(',')) {
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
    s3: (region) => watch(cloud.clients.s3(region), 's3', region),
    mediaStore: (region) => watch(cloud.clients.mediaStore(region), 'mediastore', region),
    mediaStoreData: (endpoint, region) =>
      watch(cloud.clients.mediaStoreData(endpoint, region), 'mediastore-data', region, endpoint),
    ssm: (region) => watch(cloud.clients.ssm(region), 'ssm', region),
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
 * Create (and adopt what a crashed run left, without one of its tags), update tags, the MediaLive role and a
 * password's source, refuse a destroy of non-empty resources, then destroy with --force.
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
  ).toEqual(['archive.bucket[1]', 'packager.channel', 'store.container[1]', 'web.password']);
  learnEndpoints(cloud);

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
    // Everything mlds made is gone; the channel mediapackage-hls.yaml only uses (channelId) is left alone.
    const { mediapackage, ...rest } = cloud.inventory();
    expect({ rest, channels: mediapackage.map((channel) => channel.id) }).toEqual({
      rest: { s3: [], mediastore: [], ssm: [] },
      channels: ['regional-news-origin'],
    });
    recorded = cloud.calls().map((call) => `${call.service} ${call.command}`);
    requirements = sent.flatMap(requirementsOf);
  });

  it('is checked against every example that creates resources and every command the provisioner can send', () => {
    expect(examples).toEqual([
      'akamai',
      'aws',
      'curling-live',
      'http-put',
      'mediapackage-group',
      'mediapackage-hls',
      'mediastore',
      'rtmp',
      's3-archive-frame-capture',
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
      expect(Object.keys(statement).sort()).toEqual(['Action', 'Effect', 'Resource', 'Sid']);
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
    const ssm = readPolicy().Statement.filter((statement) =>
      listOf(statement.Action).some((action) => action.startsWith('ssm:')),
    );
    expect(ssm.map((statement) => statement.Resource)).toEqual(['arn:aws:ssm:*:*:parameter/mlds/*']);
    const ssmResources = requirements.filter((r) => r.action.startsWith('ssm:')).map((r) => r.resource);
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
        Action: [...listOf(s.Action), 'ssm:GetParameter'],
      }));
      expect(unused(extra, requirements)).toEqual(['SsmParametersUnderMlds ssm:GetParameter']);
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
          command: 'PutObjectCommand',
          input: { Bucket: 'b' },
        }),
      ).toThrow('no IAM mapping for s3 PutObjectCommand');
    });
  });
});
