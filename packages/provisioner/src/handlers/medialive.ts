import {
  GatewayTimeoutException,
  InternalServerErrorException,
  TooManyRequestsException,
} from '@aws-sdk/client-medialive';
import { InvalidPlanError } from '../errors.js';
import type { KindHandler } from '../runtime.js';
import { observeBinding } from './medialive-refresh.js';

// The binding to an existing MediaLive channel. mlds never creates or deletes the channel: it reads it, checks
// it, and writes into it only the destinations of this workflow (plus drops the ones it wrote before and the
// workflow no longer has), with the channel's role sent back. A RUNNING channel is refused, or restarted when the
// workflow says so: stop, wait for IDLE, update, start, wait for RUNNING, with the intent in the state first.

export { type BindingOutputs, bindingOutputsOf } from './medialive-binding-outputs.js';
export { type Described, describeChannel } from './medialive-calls.js';
export { readStreamKeys } from './medialive-stream-keys.js';
export { type BindingStep, preflightChannel, writeChannel } from './medialive-write.js';

const neverManaged = (what: string) => async (): Promise<never> => {
  throw new InvalidPlanError(
    `mlds never ${what} a MediaLive channel: the engine binds it (see writeChannel)`,
  );
};

/** The bound channel is never created, adopted or deleted: the engine handles it apart from the resources. */
export const mediaLiveChannelHandler: KindHandler = {
  retryable: [
    {
      throttled: [TooManyRequestsException],
      transient: [InternalServerErrorException, GatewayTimeoutException],
    },
  ],
  find: neverManaged('looks up'),
  observe: observeBinding,
  create: neverManaged('creates'),
  adopt: neverManaged('adopts'),
  update: neverManaged('updates as a resource'),
  inspect: neverManaged('inspects'),
  delete: neverManaged('deletes'),
};
