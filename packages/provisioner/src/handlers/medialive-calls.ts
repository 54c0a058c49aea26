import {
  BadRequestException,
  type ChannelState,
  ConflictException,
  DescribeChannelCommand,
  type DescribeChannelCommandOutput,
  NotFoundException,
  UnprocessableEntityException,
} from '@aws-sdk/client-medialive';
import { ChannelRefusedError, MediaLiveRejectedError } from '../errors.js';
import type { Runtime, Target } from '../runtime.js';

// What the binding's calls share: the channel's read, its edits with MediaLive's refusals as typed errors, and
// the wait for a state.

export type Described = Omit<DescribeChannelCommandOutput, '$metadata'>;

export async function describeChannel(rt: Runtime, target: Target, command: 'apply' | 'destroy') {
  try {
    const output = await rt.call(target.address, async () =>
      (await rt.clients.mediaLive(target.region)).send(
        new DescribeChannelCommand({ ChannelId: target.name }),
      ),
    );
    const { $metadata: _, ...described } = output;
    return described as Described;
  } catch (error) {
    if (error instanceof NotFoundException) {
      throw new ChannelRefusedError(
        command,
        target.name,
        [`there is no channel ${target.name} in ${target.region}`],
        "Check channel.id, and that the workflow's region is the channel's Region.",
        { cause: error },
      );
    }
    throw error;
  }
}

/** An edit of the channel: MediaLive's refusal of it becomes a MediaLiveRejectedError, its message redacted. */
export async function sendToChannel<T>(
  rt: Runtime,
  target: Target,
  operation: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await rt.call(target.address, fn);
  } catch (error) {
    if (
      error instanceof BadRequestException ||
      error instanceof ConflictException ||
      error instanceof UnprocessableEntityException
    ) {
      const validation =
        error instanceof UnprocessableEntityException
          ? (error.ValidationErrors ?? []).map((entry) => ({
              elementPath: entry.ElementPath ?? '',
              message: entry.ErrorMessage ?? '',
            }))
          : [];
      throw new MediaLiveRejectedError(
        operation,
        target.name,
        error.$metadata.httpStatusCode,
        error.name,
        rt.secrets.redact(error.message),
        validation,
        { cause: error },
      );
    }
    throw error;
  }
}

export const RUNNING_STATES: ReadonlySet<ChannelState | undefined> = new Set(['RUNNING', 'RECOVERING']);

/** Polls DescribeChannel until `want`; fails fast on a state that can no longer lead there. */
export async function waitForState(
  rt: Runtime,
  target: Target,
  want: ChannelState,
  failOn: (state: ChannelState | undefined) => Error | undefined,
): Promise<Described> {
  return rt.waitUntil(target.address, `channel ${target.name} ${want}`, async () => {
    const described = await describeChannel(rt, target, 'apply');
    if (described.State === want) return { done: true, value: described };
    const failure = failOn(described.State);
    if (failure) throw failure;
    return { done: false, status: described.State ?? 'unknown' };
  });
}
