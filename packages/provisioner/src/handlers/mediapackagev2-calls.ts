import { createHash } from 'node:crypto';
import {
  ConflictException,
  GetChannelCommand,
  InternalServerException,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-mediapackagev2';
import type { ModelledRetryable } from '../retry.js';
import type { Runtime, Target } from '../runtime.js';
import { describedOrAbsent } from './mediapackage-reads.js';

// What the calls of both MediaPackage v2 handlers share: a create's ClientToken, the errors they recognise and
// retry, and a channel's read (the channel policy's reading needs it as much as the channel handler).

/**
 * The ClientToken of a create: the same for every retry of one intent (the state's `createdAt` of the
 * `creating` entry, written before the first attempt), so a create retried after a timeout or a crash returns
 * the first one's resource instead of making two; a new intent (after a destroy) or a changed request gets a new
 * token, so AWS never answers it with a deleted resource or refuses it as a parameter mismatch.
 */
export function clientToken(rt: Runtime, target: Target, request: object): string {
  const seed = JSON.stringify([
    rt.workflow,
    target.kind,
    target.region,
    target.name,
    target.intentAt ?? '',
    request,
  ]);
  return `mlds-${createHash('sha256').update(seed).digest('hex').slice(0, 40)}`;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ResourceNotFoundException;
}

/** A create that met a resource of that name: it may be ours (a crashed run's), so `find` decides. */
export function alreadyExists(error: unknown): boolean {
  return (
    error instanceof ConflictException &&
    (error.ConflictExceptionType === 'RESOURCE_ALREADY_EXISTS' ||
      // The token was used with other parameters: that create happened, the resource exists.
      error.ConflictExceptionType === 'IDEMPOTENT_PARAMETER_MISMATCH')
  );
}

/** Another operation on the same resource is running: worth waiting for. */
export function conflictingOperation(error: unknown): string | undefined {
  return error instanceof ConflictException && error.ConflictExceptionType === 'CONFLICTING_OPERATION'
    ? 'another operation on the resource is in progress (CONFLICTING_OPERATION)'
    : undefined;
}

export function channelGroupOf(target: { properties?: Record<string, unknown> }): string {
  const group = target.properties?.channelGroup;
  if (typeof group !== 'string' || group.length === 0) {
    throw new Error('a MediaPackage v2 channel needs its channelGroup property; plan again');
  }
  return group;
}

// ServiceQuotaExceededException (402) is not retried: the quota stays exceeded until someone acts.
export const mediaPackageV2Retryable: ModelledRetryable = {
  throttled: [ThrottlingException],
  transient: [InternalServerException],
};

export async function getChannel(
  rt: Runtime,
  target: { address: string; name: string; region: string; properties?: Record<string, unknown> },
) {
  const client = await rt.clients.mediaPackageV2(target.region);
  return describedOrAbsent(
    () =>
      rt.call(target.address, () =>
        client.send(
          new GetChannelCommand({ ChannelGroupName: channelGroupOf(target), ChannelName: target.name }),
        ),
      ),
    isNotFound,
  );
}
