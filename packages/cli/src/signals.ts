// SIGINT and SIGTERM as the commands see them: injected, so that tests interrupt a run in-process.

export type SignalName = 'SIGINT' | 'SIGTERM';

export interface Signals {
  /** Calls `listener` on each SIGINT or SIGTERM until the returned function is called. */
  subscribe(listener: (name: SignalName) => void): () => void;
  /** Ends the process at once with `code`: a second signal does not wait for anything. */
  exitNow(code: number): void;
}

/** The process's own signals. While subscribed, a signal no longer kills the process: the listener decides. */
export function processSignals(): Signals {
  return {
    subscribe(listener) {
      const onSignal = (name: SignalName) => listener(name);
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      return () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
    },
    exitNow(code) {
      process.exit(code);
    },
  };
}
