import {
  DeleteChannelPolicyCommand,
  GetChannelPolicyCommand,
  PutChannelPolicyCommand,
} from '@aws-sdk/client-mediapackagev2';
import { mediaLiveRoleArnOf, type Runtime, type Target } from '../runtime.js';
import { channelGroupOf, conflictingOperation, getChannel, isNotFound } from './mediapackagev2-calls.js';

// The channel policy lets the MediaLive role write to the channel: written on create, adopt and update, read
// back for refresh and import.

const MEDIALIVE_INGEST_SID = 'AllowMediaLiveChannelToIngestToEmpChannel';

/** AWS's documented channel policy (MP ingest-auth): the MediaLive role may PutObject on this channel only. */
export function channelPolicy(roleArn: string, channelArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: MEDIALIVE_INGEST_SID,
        Effect: 'Allow',
        Principal: { AWS: roleArn },
        Action: 'mediapackagev2:PutObject',
        Resource: channelArn,
      },
    ],
  });
}

/**
 * Grants the workflow's MediaLive role PutObject on the channel; without a role (validation requires one, so
 * only a plan made without it) any grant mlds put before is removed, as for bucket and container policies.
 */
export async function putPolicy(rt: Runtime, target: Target, channelArn: string | undefined): Promise<void> {
  const role = mediaLiveRoleArnOf(target.properties);
  const client = await rt.clients.mediaPackageV2(target.region);
  const names = { ChannelGroupName: channelGroupOf(target), ChannelName: target.name };
  if (!role || !channelArn) {
    try {
      await rt.call(
        target.address,
        () => client.send(new DeleteChannelPolicyCommand(names)),
        conflictingOperation,
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return;
  }
  await rt.call(
    target.address,
    () => client.send(new PutChannelPolicyCommand({ ...names, Policy: channelPolicy(role, channelArn) })),
    conflictingOperation,
  );
}

/**
 * The role of the channel policy's statement as mlds writes it (channelPolicy), when it is there unchanged; null
 * without a policy or with one edited; undefined when the channel was deleted meanwhile.
 */
export async function policyRole(
  rt: Runtime,
  target: Target,
  channelArn: string | undefined,
): Promise<string | null | undefined> {
  const client = await rt.clients.mediaPackageV2(target.region);
  let policy: string | undefined;
  try {
    const output = await rt.call(target.address, () =>
      client.send(
        new GetChannelPolicyCommand({ ChannelGroupName: channelGroupOf(target), ChannelName: target.name }),
      ),
    );
    policy = output.Policy;
  } catch (error) {
    // No policy, or no channel any more: GetChannel says which.
    if (!isNotFound(error)) throw error;
    return (await getChannel(rt, target)) ? null : undefined;
  }
  if (!channelArn || !policy) return null;
  const statements = statementsOf(policy);
  const ours = statements.find((statement) => statement.Sid === MEDIALIVE_INGEST_SID);
  const principal = (ours?.Principal as { AWS?: unknown } | undefined)?.AWS;
  if (ours === undefined || typeof principal !== 'string') return null;
  const expected = statementsOf(channelPolicy(principal, channelArn))[0] ?? {};
  return canonicalStatement(ours) === canonicalStatement(expected) ? principal : null;
}

function statementsOf(policy: string): Record<string, unknown>[] {
  try {
    const statement = (JSON.parse(policy) as { Statement?: unknown }).Statement;
    if (Array.isArray(statement)) return statement as Record<string, unknown>[];
    return statement !== null && typeof statement === 'object' ? [statement as Record<string, unknown>] : [];
  } catch {
    return [];
  }
}

/** Equal as IAM reads them: keys in any order, a lone action or resource equal to a list of one. */
function canonicalStatement(statement: Record<string, unknown>): string {
  return JSON.stringify(statement, (_key, value: unknown) => {
    if (Array.isArray(value)) return value.length === 1 ? value[0] : [...value].sort();
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
    return value;
  });
}
