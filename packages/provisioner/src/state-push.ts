import { StatePushRefusedError } from './errors.js';
import type { StateBackend } from './state-store.js';

export interface PushResult {
  /** The serial now in the destination. */
  serial: number;
  /** False when the destination already held this very state. */
  written: boolean;
}

/**
 * Copies the state of `from` into `to` with both locked (`mlds state push`, e.g. a local state to S3 to start
 * sharing it): a run holding `from` (an apply under way) is reported (StateLockedError) instead of its state
 * being copied halfway. Refuses to overwrite a state of another history (another lineage), a newer one of the
 * same, or one at the same serial that differs (each changed by a run of its own).
 */
export async function pushState(from: StateBackend, to: StateBackend): Promise<PushResult> {
  const sourceLock = await from.lock('state push');
  try {
    return await pushLocked(from, to);
  } finally {
    await sourceLock.release();
  }
}

async function pushLocked(from: StateBackend, to: StateBackend): Promise<PushResult> {
  const source = await from.read();
  if (source === undefined) {
    throw new StatePushRefusedError(`There is no state at ${from.location} to push.`);
  }
  const lock = await to.lock('state push');
  try {
    const target = await to.read();
    if (target !== undefined) {
      if (target.workflow !== source.workflow) {
        throw new StatePushRefusedError(
          `${to.location} holds the state of workflow '${target.workflow}', not '${source.workflow}'; nothing was overwritten.`,
        );
      }
      if (target.lineage !== source.lineage) {
        throw new StatePushRefusedError(
          `${to.location} holds another state of '${target.workflow}' (lineage ${target.lineage ?? 'none'}, not ${source.lineage ?? 'none'}): two histories of one workflow; nothing was overwritten.`,
        );
      }
      if (target.serial > source.serial) {
        throw new StatePushRefusedError(
          `${to.location} is newer (serial ${target.serial}) than ${from.location} (serial ${source.serial}); nothing was overwritten.`,
        );
      }
      if (JSON.stringify(target) === JSON.stringify(source)) return { serial: target.serial, written: false };
      // One serial, two contents: both moved on from a common state, each with its own run (Terraform refuses
      // this too). Overwriting would lose the records of what the other run made.
      if (target.serial === source.serial) {
        throw new StatePushRefusedError(
          `${to.location} and ${from.location} are both at serial ${source.serial}, with different contents: each has changes the other lacks; nothing was overwritten.`,
        );
      }
    }
    await to.write(source);
    return { serial: source.serial, written: true };
  } finally {
    await lock.release();
  }
}
