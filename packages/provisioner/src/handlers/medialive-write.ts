import {
  type ChannelState,
  type OutputDestination,
  StartChannelCommand,
  StopChannelCommand,
  UpdateChannelCommand,
} from '@aws-sdk/client-medialive';
import { KNOWN_AFTER_APPLY, type OutputDestination as PlannedDestination } from '@mlds/core';
import { ChannelRefusedError, ChannelStartFailedError } from '../errors.js';
import type { Runtime, Target } from '../runtime.js';
import type { BindingOutputs } from './medialive-binding-outputs.js';
import { describeChannel, RUNNING_STATES, sendToChannel, waitForState } from './medialive-calls.js';
import {
  bindingProblems,
  mergeDestinations,
  sameDestinations,
  withSecrets,
} from './medialive-destinations.js';

// apply's writes into the bound channel: the pre-flight check before any change, then the destinations written,
// with the stop and start a RUNNING channel needs when the workflow allows the outage.

/** When a refusal comes: in the pre-flight, before any change; or when writing, after the run's other changes. */
type Stage = { atWrite?: boolean };

function stateRefusal(
  target: Target,
  state: ChannelState | undefined,
  stage: Stage = {},
): ChannelRefusedError {
  return new ChannelRefusedError(
    'apply',
    target.name,
    [`it is ${state ?? 'in an unknown state'}; MediaLive edits a channel only while IDLE`],
    'Wait until it is IDLE or RUNNING, then run apply again.',
    stage,
  );
}

function runningRefusal(target: Target, stage: Stage = {}): ChannelRefusedError {
  return new ChannelRefusedError(
    'apply',
    target.name,
    ['it is RUNNING and its destinations must change; MediaLive edits a channel only while IDLE'],
    'Stop it yourself and run apply again, or allow the outage: channel.whenRunning: restart, or apply --restart-channel.',
    stage,
  );
}

function bindingRefusal(target: Target, problems: string[], stage: Stage = {}): ChannelRefusedError {
  return new ChannelRefusedError(
    'apply',
    target.name,
    problems,
    'Fix the workflow (region, channelClass, downstream) or the channel, then run apply again.',
    stage,
  );
}

/** The plan only read the channel, yet it holds other destinations than mlds would write. */
function unplannedWriteRefusal(target: Target, stage: Stage = {}): ChannelRefusedError {
  return new ChannelRefusedError(
    'apply',
    target.name,
    [
      'its destinations differ from what mlds wrote (changed outside mlds, or a stream key changed), and the plan shown only reads it',
    ],
    'Run apply again without --refresh=false (or plan --refresh): the refresh reads the channel and the plan shows the update.',
    stage,
  );
}

const AT_WRITE: Stage = { atWrite: true };

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
      described = await waitForState(rt, target, 'IDLE', (state) =>
        state === 'UPDATE_FAILED' || state === 'CREATE_FAILED'
          ? stateRefusal(target, state, AT_WRITE)
          : undefined,
      );
    }
  };
  if (recorded.pendingStart && described.State === 'STARTING') {
    described = await waitForState(rt, target, 'RUNNING', (state) =>
      state === 'IDLE' ? new ChannelStartFailedError(target.name) : undefined,
    );
  }
  if (recorded.pendingStart) await settle();
  // Checked again: the channel may have changed since the pre-flight, while the resources were made.
  const merged = mergeDestinations(described.Destinations ?? [], wanted, recorded.destinationIds);
  const problems = bindingProblems(target, described, merged);
  if (problems.length > 0) throw bindingRefusal(target, problems, AT_WRITE);
  const unchanged = sameDestinations(described.Destinations ?? [], merged);
  const roleKept = described.RoleArn;
  const done: BindingOutputs = { destinationIds: wantedIds };

  if (unchanged && !(recorded.pendingStart && described.State === 'IDLE')) {
    await step.record(done);
    return recorded.pendingStart ? 'updated' : 'read';
  }
  // The plan showed a read: a write (and a restart, an outage) it did not show is not made.
  if (planned === 'read') throw unplannedWriteRefusal(target, AT_WRITE);
  const update = async () => {
    await sendToChannel(rt, target, 'UpdateChannel', async () =>
      (await rt.clients.mediaLive(target.region)).send(
        new UpdateChannelCommand({
          ChannelId: target.name,
          Destinations: merged,
          // Without it, MediaLive removes the channel's role.
          ...(roleKept === undefined ? {} : { RoleArn: roleKept }),
        }),
      ),
    );
    described = await waitForState(rt, target, 'IDLE', (state) =>
      state === 'UPDATE_FAILED' ? stateRefusal(target, state, AT_WRITE) : undefined,
    );
  };
  const start = async () => {
    await sendToChannel(rt, target, 'StartChannel', async () =>
      (await rt.clients.mediaLive(target.region)).send(new StartChannelCommand({ ChannelId: target.name })),
    );
    // MediaLive's own ChannelRunning waiter spins until its limit when a start falls back to IDLE.
    described = await waitForState(rt, target, 'RUNNING', (state) =>
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
  if (!RUNNING_STATES.has(described.State)) throw stateRefusal(target, described.State, AT_WRITE);
  if (!restart) {
    throw runningRefusal(target, AT_WRITE);
  }
  // The intent first: a crash between the stop and the start leaves a channel the next apply starts again.
  await step.record({
    destinationIds: [...new Set([...recorded.destinationIds, ...wantedIds])],
    pendingStart: true,
  });
  rt.progress(target.address, `stopping channel ${target.name} to update it (an outage until it runs again)`);
  await sendToChannel(rt, target, 'StopChannel', async () =>
    (await rt.clients.mediaLive(target.region)).send(new StopChannelCommand({ ChannelId: target.name })),
  );
  described = await waitForState(rt, target, 'IDLE', () => undefined);
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
