import type { KeyboardInput, TextReader } from './terminal.js';

// The keys of the fleet's live display, read in raw mode: only while the display runs, only from a terminal,
// and always given back (cooked mode, stdin paused) when it stops, however the run ends.

/**
 * What a key press means to the display; j/k/h/l are the arrows, `a` is all, Ctrl-C is the interrupt, Ctrl-Z
 * suspends (in raw mode neither raises its signal: the display does what the terminal would have done).
 */
export type KeyName = 'up' | 'down' | 'left' | 'right' | 'enter' | 'space' | 'all' | 'interrupt' | 'suspend';

const SEQUENCES: ReadonlyArray<readonly [string, KeyName]> = [
  // Arrows as terminals send them, in normal and in application cursor mode.
  ['\x1b[A', 'up'],
  ['\x1b[B', 'down'],
  ['\x1b[C', 'right'],
  ['\x1b[D', 'left'],
  ['\x1bOA', 'up'],
  ['\x1bOB', 'down'],
  ['\x1bOC', 'right'],
  ['\x1bOD', 'left'],
  ['\x03', 'interrupt'],
  ['\x1a', 'suspend'],
  ['\r', 'enter'],
  ['\n', 'enter'],
  [' ', 'space'],
  ['k', 'up'],
  ['j', 'down'],
  ['l', 'right'],
  ['h', 'left'],
  ['a', 'all'],
];

/** The keys in what a terminal sent at once (a paste, or keys typed faster than read); others are dropped. */
export function decodeKeys(chunk: string): KeyName[] {
  const keys: KeyName[] = [];
  let rest = chunk;
  while (rest.length > 0) {
    const match = SEQUENCES.find(([sequence]) => rest.startsWith(sequence));
    if (match !== undefined) {
      keys.push(match[1]);
      rest = rest.slice(match[0].length);
      continue;
    }
    // An unknown escape sequence (F-keys, Home, …) is skipped whole, so its letters are not read as keys.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: an escape sequence starts with ESC
    const unknown = /^\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O.)?/.exec(rest);
    rest = rest.slice(unknown?.[0].length || 1);
  }
  return keys;
}

/**
 * Puts a terminal stdin in raw mode and calls `onKey` for each key, until the returned function is called; it
 * restores cooked mode and pauses stdin (so that the process can exit), and may be called more than once. Keys
 * read at once after it was called (by `onKey` itself, e.g. for Ctrl-Z) are dropped, as a terminal drops what
 * was typed ahead of a suspend.
 * Undefined, with stdin untouched, when stdin is not a terminal that has a raw mode.
 */
export function listenToKeys(
  stdin: TextReader | undefined,
  onKey: (key: KeyName) => void,
): (() => void) | undefined {
  if (stdin?.isTTY !== true || !hasKeyboard(stdin)) return undefined;
  const decoder = new TextDecoder();
  let listening = true;
  const listener = (chunk: string | Uint8Array) => {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (const key of decodeKeys(text)) {
      if (!listening) return;
      onKey(key);
    }
  };
  stdin.setRawMode(true);
  stdin.on('data', listener);
  stdin.resume();
  return () => {
    if (!listening) return;
    listening = false;
    stdin.off('data', listener);
    stdin.setRawMode(false);
    stdin.pause();
  };
}

function hasKeyboard(stdin: Partial<KeyboardInput>): stdin is KeyboardInput {
  return (
    typeof stdin.setRawMode === 'function' &&
    typeof stdin.on === 'function' &&
    typeof stdin.off === 'function' &&
    typeof stdin.resume === 'function' &&
    typeof stdin.pause === 'function'
  );
}
