import type { ResourceKind } from '@mlds/core';
import type { EngineAction, EngineEvent } from '@mlds/provisioner';
import type { Provisioner } from './state-backend.js';

// The engine's events as apply and destroy show and count them. On SIGINT the engine refuses every call not yet
// started with InterruptedCallError, and reports each resource that had one left as `failed` with that error's
// text ("not started: the run was interrupted"), whether or not its first calls went through: a bucket whose
// CreateBucket returned before the signal, its settings not yet made, exists and is recorded (as in progress),
// yet was shown as "failed … not started" and counted as a failure. It is neither: the interrupt stopped it
// midway, and the next run finishes it. Such a `failed` is turned into `interrupted` here, in one place, before
// the progress display and the result list see it.

/** A resource the interrupt stopped while it was being worked on: what was done of it is in the state. */
export interface InterruptedEvent {
  type: 'interrupted';
  address: string;
  kind: ResourceKind;
  action: EngineAction;
  elapsedMs: number;
  at: number;
}

export type RunEvent = EngineEvent | InterruptedEvent;

/** Maps the engine's events for the CLI: an InterruptedCallError `failed` becomes `interrupted`. */
export function runEventsOf(provisioner: Provisioner): (event: EngineEvent) => RunEvent {
  // The engine reports an error as `<name>: <message>`; the name is set on the instance, so it survives bundling.
  const probe = new provisioner.InterruptedCallError();
  const interruptedText = `${probe.name}: ${probe.message}`;
  return (event) => {
    if (event.type !== 'failed' || event.error !== interruptedText) return event;
    const { address, kind, action, elapsedMs, at } = event;
    return { type: 'interrupted', address, kind, action, elapsedMs, at };
  };
}
