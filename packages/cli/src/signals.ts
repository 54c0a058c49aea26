// The process's signals as the commands see them: injected, so that tests interrupt a run in-process, and
// suspend and continue one without stopping the test's own process.

export type SignalName = 'SIGINT' | 'SIGTERM';

export interface Signals {
  /** Calls `listener` on each SIGINT or SIGTERM until the returned function is called. */
  subscribe(listener: (name: SignalName) => void): () => void;
  /** Ends the process at once with `code`: a second signal does not wait for anything. */
  exitNow(code: number): void;
  /**
   * Stops the process as Ctrl-Z on a terminal in cooked mode does: SIGTSTP to itself, so that the shell's job
   * control (`fg`, `bg`) takes over. Absent where there is no such signal (Windows): Ctrl-Z is then a key like
   * any other the display does not use.
   */
  suspend?(): void;
  /** Calls `listener` each time the process is continued after a stop (SIGCONT), until the returned function is called. */
  onContinue?(listener: () => void): () => void;
}

/** The process's own signals. While subscribed, a signal no longer kills the process: the listener decides. */
export function processSignals(): Signals {
  const signals: Signals = {
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
  if (process.platform === 'win32') return signals;
  return {
    ...signals,
    // Nothing listens for SIGTSTP, so its default action stops the process; it goes on from here on SIGCONT.
    suspend() {
      process.kill(process.pid, 'SIGTSTP');
    },
    onContinue(listener) {
      const onSignal = () => listener();
      process.on('SIGCONT', onSignal);
      return () => {
        process.off('SIGCONT', onSignal);
      };
    },
  };
}
