import {
  type Container,
  GetContainerPolicyCommand,
  PolicyNotFoundException,
  PutContainerPolicyCommand,
} from '@aws-sdk/client-mediastore';
import { mediaLiveRoleArnOf, type Runtime, type Target } from '../runtime.js';

// The container policy: the statement mlds writes for the MediaLive role, and the policy as MediaStore has it.

export const MEDIALIVE_CONTAINER_SID = 'MldsMediaLiveWrite';

export function mediaLiveContainerPolicy(containerArn: string, roleArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: MEDIALIVE_CONTAINER_SID,
        Effect: 'Allow',
        Principal: { AWS: roleArn },
        Action: [
          'mediastore:PutObject',
          'mediastore:GetObject',
          'mediastore:DeleteObject',
          'mediastore:DescribeObject',
          'mediastore:ListItems',
        ],
        Resource: `${containerArn}/*`,
        Condition: { Bool: { 'aws:SecureTransport': 'true' } },
      },
    ],
  };
}

export async function putPolicy(rt: Runtime, target: Target, container: Container): Promise<void> {
  const roleArn = mediaLiveRoleArnOf(target.properties);
  if (!roleArn || !container.ARN) return;
  const policy = JSON.stringify(mediaLiveContainerPolicy(container.ARN, roleArn));
  const client = await rt.clients.mediaStore(target.region);
  await rt.call(target.address, () =>
    client.send(new PutContainerPolicyCommand({ ContainerName: target.name, Policy: policy })),
  );
}

/** The role of the statement mlds writes, when it is there as mlds writes it; null otherwise. */
export async function mediaLiveRoleOf(
  rt: Runtime,
  target: Target,
  containerArn: string,
): Promise<string | null> {
  const client = await rt.clients.mediaStore(target.region);
  let policy: string | undefined;
  try {
    const output = await rt.call(target.address, () =>
      client.send(new GetContainerPolicyCommand({ ContainerName: target.name })),
    );
    policy = output.Policy;
  } catch (error) {
    if (error instanceof PolicyNotFoundException) return null;
    throw error;
  }
  const statements =
    (JSON.parse(policy ?? '{}') as { Statement?: Record<string, unknown>[] }).Statement ?? [];
  const ours = statements.find((statement) => statement.Sid === MEDIALIVE_CONTAINER_SID);
  const principal = (ours?.Principal as { AWS?: unknown } | undefined)?.AWS;
  if (ours === undefined || typeof principal !== 'string') return null;
  const [expected] = mediaLiveContainerPolicy(containerArn, principal).Statement;
  return canonicalStatement(ours) === canonicalStatement(expected ?? {}) ? principal : null;
}

/** Keys sorted, action lists sorted: what IAM would read as the same statement. */
function canonicalStatement(statement: Record<string, unknown>): string {
  return JSON.stringify(statement, (_key, value: unknown) => {
    if (Array.isArray(value)) return [...value].sort();
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
    return value;
  });
}

/** The container policy's statements; none when it has no policy. */
export async function readContainerPolicy(
  rt: Runtime,
  resource: { address: string; name: string; region: string },
): Promise<{ statements: Array<Record<string, unknown>>; version: string }> {
  const client = await rt.clients.mediaStore(resource.region);
  let statements: Array<Record<string, unknown>> = [];
  let version = '2012-10-17';
  try {
    const current = await rt.call(resource.address, () =>
      client.send(new GetContainerPolicyCommand({ ContainerName: resource.name })),
    );
    const parsed: unknown = current?.Policy ? JSON.parse(current.Policy) : undefined;
    if (typeof parsed === 'object' && parsed !== null) {
      const document = parsed as { Version?: unknown; Statement?: unknown };
      if (typeof document.Version === 'string') version = document.Version;
      if (Array.isArray(document.Statement)) statements = document.Statement;
      else if (typeof document.Statement === 'object' && document.Statement !== null)
        statements = [document.Statement as Record<string, unknown>];
    }
  } catch (error) {
    if (!(error instanceof PolicyNotFoundException)) throw error;
  }
  return { statements, version };
}
