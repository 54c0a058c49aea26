import {
  BadRequestException,
  type ChannelState,
  ConflictException,
  DescribeChannelCommand,
  type DescribeChannelCommandOutput,
  GatewayTimeoutException,
  InternalServerErrorException,
  NotFoundException,
  type OutputDestination,
  StartChannelCommand,
  StopChannelCommand,
  TooManyRequestsException,
  UnprocessableEntityException,
  UpdateChannelCommand,
} from '@aws-sdk/client-medialive';
import { GetParameterCommand, type GetParameterCommandOutput, ParameterNotFound } from '@aws-sdk/client-ssm';
import {
  KNOWN_AFTER_APPLY,
  type OutputDestination as PlannedDestination,
  SENSITIVE,
  type StateResource,
} from '@mlds/core';
import {
  ChannelRefusedError,
  ChannelStartFailedError,
  InvalidPlanError,
  MediaLiveRejectedError,
  MissingEnvironmentError,
} from '../errors.js';
import { type KindHandler, type Observed, type Runtime, type Target, targetOf } from '../runtime.js';
import {
  bindingProblems,
  mergeDestinations,
  sameDestinations,
  stripped,
  withSecrets,
} from './medialive-destinations.js';

// The binding to an existing MediaLive channel. mlds never creates or deletes the channel: it reads it, checks
// it, and writes into it only the destinations of this workflow (plus drops the ones it wrote before and the
// workflow no longer has), with the channel's role sent back. A RUNNING channel is refused, or restarted when the
// workflow says so: stop, wait for IDLE, update, start, wait for RUNNING, with the intent in the state first.

export type Described = Omit<DescribeChannelCommandOutput, '$metadata'>;

/** What the state records for a binding: never a secret. */
export interface BindingOutputs {
  destinationIds: string[];
  pendingStart?: true;
}

export function bindingOutputsOf(outputs: Record<string, unknown> | undefined): BindingOutputs {
  const ids = outputs?.destinationIds;
  return {
    destinationIds: Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [],
    ...(outputs?.pendingStart === true ? { pendingStart: true as const } : {}),
  };
}

type StreamKeyRef = { env: string } | { ssmParameter: string };

function streamKeyRefs(target: Target): Record<string, StreamKeyRef> {
  const refs = target.properties.streamKeys;
  if (refs === null || typeof refs !== 'object') return {};
  const result: Record<string, StreamKeyRef> = {};
  for (const [id, ref] of Object.entries(refs as Record<string, unknown>)) {
    if (ref !== null && typeof ref === 'object') {
      if ('env' in ref && typeof ref.env === 'string') result[id] = { env: ref.env };
      else if ('ssmParameter' in ref && typeof ref.ssmParameter === 'string')
        result[id] = { ssmParameter: ref.ssmParameter };
    }
  }
  return result;
}

/** Reads the stream keys into memory (the vault redacts them everywhere); `{ ssmParameter }` is decrypted. */
export async function readStreamKeys(rt: Runtime, target: Target): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const [id, ref] of Object.entries(streamKeyRefs(target))) {
    let value: string | undefined;
    if ('env' in ref) {
      value = rt.env[ref.env];
      if (!value) throw new MissingEnvironmentError([{ variable: ref.env, address: target.address }]);
    } else {
      let output: GetParameterCommandOutput;
      try {
        const ssm = await rt.clients.ssm(target.region);
        output = await rt.call(target.address, () =>
          ssm.send(new GetParameterCommand({ Name: ref.ssmParameter, WithDecryption: true })),
        );
      } catch (error) {
        if (!(error instanceof ParameterNotFound)) throw error;
        throw new ChannelRefusedError(
          'apply',
          target.name,
          [
            `the stream key of destination ${id} is read from SSM parameter ${ref.ssmParameter}, which does not exist in ${target.region}`,
          ],
          'Create the parameter (a SecureString holding the key), or fix streamKey.ssmParameter in the workflow.',
          { cause: error },
        );
      }
      value = output.Parameter?.Value;
      if (!value) throw new InvalidPlanError(`${target.address}: SSM parameter ${ref.ssmParameter} is empty`);
    }
    rt.secrets.remember(value);
    keys.set(id, value);
  }
  return keys;
}

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

async function send<T>(rt: Runtime, target: Target, operation: string, fn: () => Promise<T>): Promise<T> {
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

const RUNNING_STATES: ReadonlySet<ChannelState | undefined> = new Set(['RUNNING', 'RECOVERING']);

/** Polls DescribeChannel until `want`; fails fast on a state that can no longer lead there. */
async function waitFor(
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

function stateRefusal(target: Target, state: ChannelState | undefined): ChannelRefusedError {
  return new ChannelRefusedError(
    'apply',
    target.name,
    [`it is ${state ?? 'in an unknown state'}; MediaLive edits a channel only while IDLE`],
    'Wait until it is IDLE or RUNNING, then run apply again.',
  );
}

function runningRefusal(target: Target): ChannelRefusedError {
  return new ChannelRefusedError(
    'apply',
    target.name,
    ['it is RUNNING and its destinations must change; MediaLive edits a channel only while IDLE'],
    'Stop it yourself and run apply again, or allow the outage: channel.whenRunning: restart, or apply --restart-channel.',
  );
}

function bindingRefusal(target: Target, problems: string[]): ChannelRefusedError {
  return new ChannelRefusedError(
    'apply',
    target.name,
    problems,
    'Fix the workflow (region, channelClass, downstream) or the channel, then run apply again.',
  );
}

/** The plan only read the channel, yet it holds other destinations than mlds would write. */
function unplannedWriteRefusal(target: Target): ChannelRefusedError {
  return new ChannelRefusedError(
    'apply',
    target.name,
    [
      'its destinations differ from what mlds wrote (changed outside mlds, or a stream key changed), and the plan shown only reads it',
    ],
    'Run apply again without --refresh=false (or plan --refresh): the refresh reads the channel and the plan shows the update.',
  );
}

export interface BindingStep {
  /** Records the binding's outputs in the state (intent before a stop, result after). */
  record(outputs: BindingOutputs): Promise<void>;
}

/**
 * Writes the destinations into the channel: nothing when it already holds them; IDLE → UpdateChannel; RUNNING →
 * refused, or (whenRunning: restart) stop → IDLE → update → start → RUNNING. A restart a crashed run left
 * unfinished (`pendingStart`) is finished. Returns whether anything was written or started.
 */
export async function writeChannel(
  rt: Runtime,
  target: Target,
  wanted: OutputDestination[],
  recorded: BindingOutputs,
  planned: 'read' | 'write',
  step: BindingStep,
): Promise<'updated' | 'read'> {
  let described = await describeChannel(rt, target, 'apply');
  const wantedIds = wanted.map((destination) => destination.Id ?? '');
  const restart = target.properties.whenRunning === 'restart' || recorded.pendingStart === true;
  const settle = async (): Promise<void> => {
    if (described.State === 'STOPPING' || described.State === 'UPDATING' || described.State === 'CREATING') {
      described = await waitFor(rt, target, 'IDLE', (state) =>
        state === 'UPDATE_FAILED' || state === 'CREATE_FAILED' ? stateRefusal(target, state) : undefined,
      );
    }
  };
  if (recorded.pendingStart && described.State === 'STARTING') {
    described = await waitFor(rt, target, 'RUNNING', (state) =>
      state === 'IDLE' ? new ChannelStartFailedError(target.name) : undefined,
    );
  }
  if (recorded.pendingStart) await settle();
  // Checked again: the channel may have changed since the pre-flight, while the resources were made.
  const merged = mergeDestinations(described.Destinations ?? [], wanted, recorded.destinationIds);
  const problems = bindingProblems(target, described, merged);
  if (problems.length > 0) throw bindingRefusal(target, problems);
  const unchanged = sameDestinations(described.Destinations ?? [], merged);
  const roleKept = described.RoleArn;
  const done: BindingOutputs = { destinationIds: wantedIds };

  if (unchanged && !(recorded.pendingStart && described.State === 'IDLE')) {
    await step.record(done);
    return recorded.pendingStart ? 'updated' : 'read';
  }
  // The plan showed a read: a write (and a restart, an outage) it did not show is not made.
  if (planned === 'read') throw unplannedWriteRefusal(target);
  const update = async () => {
    await send(rt, target, 'UpdateChannel', async () =>
      (await rt.clients.mediaLive(target.region)).send(
        new UpdateChannelCommand({
          ChannelId: target.name,
          Destinations: merged,
          // Without it, MediaLive removes the channel's role.
          ...(roleKept === undefined ? {} : { RoleArn: roleKept }),
        }),
      ),
    );
    described = await waitFor(rt, target, 'IDLE', (state) =>
      state === 'UPDATE_FAILED' ? stateRefusal(target, state) : undefined,
    );
  };
  const start = async () => {
    await send(rt, target, 'StartChannel', async () =>
      (await rt.clients.mediaLive(target.region)).send(new StartChannelCommand({ ChannelId: target.name })),
    );
    // MediaLive's own ChannelRunning waiter spins until its limit when a start falls back to IDLE.
    described = await waitFor(rt, target, 'RUNNING', (state) =>
      state === 'IDLE' ? new ChannelStartFailedError(target.name) : undefined,
    );
  };

  if (described.State === 'IDLE') {
    if (!unchanged) {
      rt.progress(target.address, `updating the destinations of channel ${target.name}`);
      await update();
    }
    if (recorded.pendingStart) {
      rt.progress(target.address, `starting channel ${target.name} again (a previous apply stopped it)`);
      await start();
    }
    await step.record(done);
    return 'updated';
  }
  if (!RUNNING_STATES.has(described.State)) throw stateRefusal(target, described.State);
  if (!restart) {
    throw runningRefusal(target);
  }
  // The intent first: a crash between the stop and the start leaves a channel the next apply starts again.
  await step.record({
    destinationIds: [...new Set([...recorded.destinationIds, ...wantedIds])],
    pendingStart: true,
  });
  rt.progress(target.address, `stopping channel ${target.name} to update it (an outage until it runs again)`);
  await send(rt, target, 'StopChannel', async () =>
    (await rt.clients.mediaLive(target.region)).send(new StopChannelCommand({ ChannelId: target.name })),
  );
  described = await waitFor(rt, target, 'IDLE', () => undefined);
  await update();
  rt.progress(target.address, `starting channel ${target.name}`);
  await start();
  await step.record(done);
  return 'updated';
}

/**
 * Before any change to anything: the channel exists in the workflow's Region, has its class, keeps every
 * destination its output groups use, and (unless a restart is allowed or unfinished) is not RUNNING when its
 * destinations must change. `planned` are the destinations as far as they are known now (new resources' values
 * are still placeholders, which count as a change).
 */
export async function preflightChannel(
  rt: Runtime,
  target: Target,
  planned: PlannedDestination[],
  streamKeys: Map<string, string>,
  recorded: BindingOutputs,
  action: 'read' | 'write',
): Promise<void> {
  const described = await describeChannel(rt, target, 'apply');
  const known = !JSON.stringify(planned).includes(KNOWN_AFTER_APPLY);
  const wanted = known
    ? withSecrets(target.address, planned, streamKeys)
    : (structuredClone(planned) as OutputDestination[]);
  const merged = mergeDestinations(described.Destinations ?? [], wanted, recorded.destinationIds);
  const problems = bindingProblems(target, described, merged);
  if (problems.length > 0) throw bindingRefusal(target, problems);
  if (recorded.pendingStart) return;
  const changes = !known || !sameDestinations(described.Destinations ?? [], merged);
  if (changes && action === 'read') throw unplannedWriteRefusal(target);
  if (!changes || described.State === 'IDLE') return;
  if (RUNNING_STATES.has(described.State)) {
    if (target.properties.whenRunning === 'restart') return;
    throw runningRefusal(target);
  }
  throw stateRefusal(target, described.State);
}

/**
 * Refresh's one read of the bound channel (DescribeChannel): the destinations whose ids the last apply wrote,
 * as the channel holds them, so that core can tell which of them were changed or removed outside mlds. A stream
 * key never leaves: it is `(sensitive)`, or, when the workflow's key is an `{ env }` variable that is set and
 * differs from it (compared in memory), `(sensitive, not the workflow's key)`. A channel deleted (or being
 * deleted) is gone.
 */
async function observeBinding(rt: Runtime, resource: StateResource): Promise<Observed> {
  let described: Described;
  try {
    const output = await rt.call(resource.address, async () =>
      (await rt.clients.mediaLive(resource.region)).send(
        new DescribeChannelCommand({ ChannelId: resource.name }),
      ),
    );
    const { $metadata: _, ...rest } = output;
    described = rest;
  } catch (error) {
    if (error instanceof NotFoundException) return { exists: false };
    throw error;
  }
  if (described.State === 'DELETING' || described.State === 'DELETED') return { exists: false };
  const written = new Set(bindingOutputsOf(resource.outputs).destinationIds);
  const keys = await streamKeysToCompare(rt, targetOf(resource));
  const destinations = (described.Destinations ?? [])
    .filter((destination) => written.has(destination.Id ?? ''))
    .map((destination) => masked(rt, destination, keys.get(destination.Id ?? '')));
  return {
    exists: true,
    tags: { ...(described.Tags ?? {}) },
    settings: { destinations: destinations as PlannedDestination[] },
  };
}

/**
 * The stream keys refresh compares with the channel's, in memory: an `{ env }` one when the variable is set, an
 * `{ ssmParameter }` one decrypted (a read). One it cannot get is not compared: refresh is no place to fail on it.
 */
async function streamKeysToCompare(rt: Runtime, target: Target): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  await Promise.all(
    Object.entries(streamKeyRefs(target)).map(async ([id, ref]) => {
      let value: string | undefined;
      if ('env' in ref) {
        value = rt.env[ref.env];
      } else {
        try {
          const ssm = await rt.clients.ssm(target.region);
          const output = await rt.call(target.address, () =>
            ssm.send(new GetParameterCommand({ Name: ref.ssmParameter, WithDecryption: true })),
          );
          value = output.Parameter?.Value;
        } catch (error) {
          if (!(error instanceof ParameterNotFound)) throw error;
        }
      }
      if (value) keys.set(id, value);
    }),
  );
  return keys;
}

/** What refresh reports of a stream key that is not the workflow's: still no secret, yet not `(sensitive)`. */
export const OTHER_STREAM_KEY = `${SENSITIVE.slice(0, -1)}, not the workflow's key)`;

/** A described destination without its empty lists, its stream keys masked (see observeBinding). */
function masked(
  rt: Runtime,
  destination: OutputDestination,
  wantedKey: string | undefined,
): OutputDestination {
  const plain = stripped(destination);
  if (plain.Settings === undefined) return plain;
  rt.secrets.remember(wantedKey);
  return {
    ...plain,
    Settings: plain.Settings.map(({ StreamName, ...settings }) => {
      if (!StreamName) return settings;
      rt.secrets.remember(StreamName);
      const other = wantedKey !== undefined && StreamName !== wantedKey;
      return { ...settings, StreamName: other ? OTHER_STREAM_KEY : SENSITIVE };
    }),
  };
}

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
