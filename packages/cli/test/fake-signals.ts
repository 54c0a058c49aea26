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
}

/**
 * An injected SIGINT/SIGTERM source that a test fires itself. `onFire` runs just before each delivery;
 * `exitNow` replaces the default, which records the exit code in `exits`.
 */
export function signalSource(
  options: { onFire?: () => void; exitNow?: (code: number) => void } = {},
): FakeSignalSource {
  const listeners = new Set<(name: SignalName) => void>();
  const exits: number[] = [];
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
  };
  return {
    signals,
    exits,
    listening: () => listeners.size,
    fire(name: SignalName = 'SIGINT') {
      options.onFire?.();
      for (const listener of [...listeners]) listener(name);
    },
  };
}
