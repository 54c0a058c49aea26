import type { CommandContext } from './commands/command.js';
import type { LockedFleet } from './fleet-lock.js';
import { type KeyName, listenToKeys } from './keyboard.js';
import { everyWithTimer } from './provisioning.js';
import {
  createFleetProgress,
  type FleetProgress,
  type FleetProgressOptions,
} from './render/fleet-progress.js';

// The fleet's one live display, with its keys. Started once the confirmation is answered (the question reads
// stdin by lines, and must have it first), stopped once the run is over: stdin is in raw mode only in between,
// and only when it is a terminal. In raw mode Ctrl-C raises no SIGINT: its byte goes to the fleet's own signal
// handling, so the first stops starting calls and the second stops at once, as a real SIGINT does. Nor does
// Ctrl-Z raise SIGTSTP: the display suspends the process itself, as Node's readline does for its raw mode.
// The display owns the terminal's bottom lines while it runs: the run's stderr goes through it meanwhile.

export function startFleetDisplay(
  context: CommandContext,
  fleet: Pick<LockedFleet, 'raise' | 'beforeStopAtOnce'>,
  workflows: FleetProgressOptions['workflows'],
  clock: () => number,
): FleetProgress {
  context.stdout.write('\n');
  const live = context.isTTY && context.colors.isColorSupported;
  let progress: FleetProgress | undefined;
  const onKey = (key: KeyName) => {
    if (key === 'interrupt') fleet.raise('SIGINT');
    else if (key === 'suspend') suspend();
    else progress?.key(key);
  };
  const listen = () => (live ? listenToKeys(context.stdin, onKey) : undefined);
  let stopKeys = listen();
  const display = createFleetProgress({
    stream: context.stdout,
    live,
    interactive: stopKeys !== undefined,
    colors: context.colors,
    clock,
    every: context.every ?? everyWithTimer,
    workflows,
  });
  progress = display;

  // Ctrl-Z, as the terminal's own would be with the shell's job control: the live region cleared and the terminal
  // given back (cooked mode, stdin not read) before the process stops, so that the shell finds its prompt as it
  // left it; continued (`fg`), raw mode and the region again. Nothing runs meanwhile: the process is
  // stopped.
  let stopWaitingForContinue: (() => void) | undefined;
  const suspend = () => {
    const signals = context.signals;
    if (signals?.suspend === undefined || signals.onContinue === undefined) return;
    display.suspend();
    stopKeys?.();
    stopKeys = undefined;
    stopWaitingForContinue?.();
    stopWaitingForContinue = signals.onContinue(() => {
      stopWaitingForContinue?.();
      stopWaitingForContinue = undefined;
      stopKeys = listen();
      display.resume();
    });
    signals.suspend();
  };

  // What the run writes to stderr meanwhile (the interrupt's notice, a workflow's failure) goes above the live
  // region: written into the middle of it, the next redraw would erase part of it and leave part of the region.
  const stderr = context.stderr;
  if (live) {
    context.stderr = { write: (chunk: string) => display.above(() => stderr.write(chunk)) };
  }
  const stop = () => {
    stopKeys?.();
    stopKeys = undefined;
    stopWaitingForContinue?.();
    stopWaitingForContinue = undefined;
    forget();
    context.stderr = stderr;
    display.stop();
  };
  // A second Ctrl-C ends the process where it is: the terminal is given back, and the live region cleared, first.
  const forget = live ? fleet.beforeStopAtOnce(stop) : () => {};
  return {
    onEvent: (workflow, event) => display.onEvent(workflow, event),
    finished: (workflow, line) => display.finished(workflow, line),
    key: (key) => display.key(key),
    above: (write) => display.above(write),
    suspend: () => display.suspend(),
    resume: () => display.resume(),
    stop,
  };
}
