import type { SignalName, Signals } from '../src/signals.js';

export interface FakeSignalSource {
  /** What main() is given in place of the process's signals. */
  signals: Signals;
  /** The codes it asked to exit with at once (by default `exitNow` records them here). */
  exits: number[];
  /** How many listeners are subscribed now. */
  listening: () => number;
  /** Delivers `name` to every listener, as the process would on SIGINT or SIGTERM. */
  fire: (name?: SignalName) => void;
  /** How many times it asked to be suspended (SIGTSTP to itself); the test process itself never stops. */
  suspends: () => number;
  /** Delivers SIGCONT to every listener, as the process would once the shell's `fg` continues it. */
  continueProcess: () => void;
  /** How many SIGCONT listeners are subscribed now. */
  waitingForContinue: () => number;
}

/**
 * An injected signal source that a test fires itself. `onFire` runs just before each delivery; `exitNow`
 * replaces the default, which records the exit code in `exits`; `onSuspend` runs as the process would stop.
 */
export function signalSource(
  options: { onFire?: () => void; exitNow?: (code: number) => void; onSuspend?: () => void } = {},
): FakeSignalSource {
  const listeners = new Set<(name: SignalName) => void>();
  const continueListeners = new Set<() => void>();
  const exits: number[] = [];
  let suspends = 0;
  const signals: Signals = {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    exitNow:
      options.exitNow ??
      ((code) => {
        exits.push(code);
      }),
    suspend() {
      suspends += 1;
      options.onSuspend?.();
    },
    onContinue(listener) {
      // Its own function each time: one listener subscribed twice is two subscriptions, as with process.on.
      const onContinue = () => listener();
      continueListeners.add(onContinue);
      return () => continueListeners.delete(onContinue);
    },
  };
  return {
    signals,
    exits,
    listening: () => listeners.size,
    fire(name: SignalName = 'SIGINT') {
      options.onFire?.();
      for (const listener of [...listeners]) listener(name);
    },
    suspends: () => suspends,
    continueProcess() {
      for (const listener of [...continueListeners]) listener();
    },
    waitingForContinue: () => continueListeners.size,
  };
}
