import type { TextReader } from '../src/terminal.js';

/**
 * A terminal's stdin for tests: lines for the confirmation (its async iterator), and a keyboard in raw mode
 * (`setRawMode`, `data` listeners) that `press` types into. `log` records what was done to it, in order.
 */
export function fakeTerminalStdin(answer: string | undefined) {
  const log: string[] = [];
  const listeners = new Set<(chunk: string | Uint8Array) => void>();
  let raw = false;
  const stdin: TextReader = {
    isTTY: true,
    [Symbol.asyncIterator]() {
      const chunks = answer === undefined ? [] : [answer];
      return {
        next: async () => {
          const value = chunks.shift();
          if (value === undefined) return { done: true as const, value: undefined };
          log.push(`read ${JSON.stringify(value)}`);
          return { done: false as const, value };
        },
        return: async () => {
          log.push('lines done');
          return { done: true as const, value: undefined };
        },
      };
    },
    setRawMode(on: boolean) {
      raw = on;
      log.push(`raw ${on}`);
    },
    on(_event: 'data', listener: (chunk: string | Uint8Array) => void) {
      listeners.add(listener);
      log.push('listen');
    },
    off(_event: 'data', listener: (chunk: string | Uint8Array) => void) {
      listeners.delete(listener);
      log.push('unlisten');
    },
    resume() {
      log.push('resume');
    },
    pause() {
      log.push('pause');
    },
  };
  return {
    stdin,
    log,
    isRaw: () => raw,
    listening: () => listeners.size,
    /** Types `chunk`, as a terminal in raw mode delivers it (bytes). */
    press(chunk: string) {
      for (const listener of [...listeners]) listener(new TextEncoder().encode(chunk));
    },
  };
}

/**
 * A terminal's stdin that a person types `chunks` into, one chunk a read, then nothing more; `returned()` says
 * whether the reader let go of it (called the iterator's `return`).
 */
export function typedStdin(...chunks: string[]) {
  let returned = false;
  return {
    isTTY: true,
    returned: () => returned,
    [Symbol.asyncIterator]() {
      const left = [...chunks];
      return {
        next: async () => {
          const value = left.shift();
          return value === undefined ? { done: true as const, value: undefined } : { done: false, value };
        },
        return: async () => {
          returned = true;
          return { done: true as const, value: undefined };
        },
      };
    },
  };
}

/**
 * A terminal's stdin that nobody answers: each read waits for ever, and `onRead` runs (in a microtask) once the
 * read has begun, e.g. to send a signal while mlds waits. `returned()` as for {@link typedStdin}.
 */
export function unansweredStdin(onRead: () => void) {
  let returned = false;
  return {
    isTTY: true,
    returned: () => returned,
    [Symbol.asyncIterator]() {
      return {
        next: () => {
          queueMicrotask(onRead);
          return new Promise<IteratorResult<string>>(() => {});
        },
        return: async () => {
          returned = true;
          return { done: true as const, value: undefined };
        },
      };
    },
  };
}
