import { describe, expect, it } from 'vitest';
import type { KeyName } from '../src/keyboard.js';
import { decodeKeys, listenToKeys } from '../src/keyboard.js';
import { fakeTerminalStdin } from './fake-terminal.js';

describe('decodeKeys', () => {
  it('reads arrows (normal and application mode), vi keys, enter, space, a and Ctrl-C; several in one chunk', () => {
    expect(decodeKeys('\x1b[A\x1b[B\x1b[C\x1b[D')).toStrictEqual(['up', 'down', 'right', 'left']);
    expect(decodeKeys('\x1bOA\x1bOB\x1bOC\x1bOD')).toStrictEqual(['up', 'down', 'right', 'left']);
    expect(decodeKeys('kjlh')).toStrictEqual(['up', 'down', 'right', 'left']);
    expect(decodeKeys('\r\n a\x03')).toStrictEqual(['enter', 'enter', 'space', 'all', 'interrupt']);
    expect(decodeKeys('\x1aj')).toStrictEqual(['suspend', 'down']);
  });

  it('drops other keys, and skips an unknown escape sequence whole (its letters are no keys)', () => {
    expect(decodeKeys('x\x1b[15~\x1b[1;5Aq\x1bOPj')).toStrictEqual(['down']);
    expect(decodeKeys('\x1b')).toStrictEqual([]);
  });
});

describe('listenToKeys', () => {
  it('on a terminal: raw mode on and reading while listening; cooked mode back and paused after, once', () => {
    const terminal = fakeTerminalStdin(undefined);
    const keys: KeyName[] = [];
    const stop = listenToKeys(terminal.stdin, (key) => keys.push(key));
    expect(terminal.isRaw()).toBe(true);
    terminal.press('j\x1b[A');
    terminal.press('\x03');
    expect(keys).toStrictEqual(['down', 'up', 'interrupt']);
    stop?.();
    stop?.();
    expect(terminal.isRaw()).toBe(false);
    expect(terminal.listening()).toBe(0);
    expect(terminal.log).toStrictEqual(['raw true', 'listen', 'resume', 'unlisten', 'raw false', 'pause']);
    terminal.press('j');
    expect(keys).toHaveLength(3);
  });

  it('keys read at once after it was stopped (Ctrl-Z typed ahead of others) are dropped, as a suspend drops them', () => {
    const terminal = fakeTerminalStdin(undefined);
    const keys: KeyName[] = [];
    const stop = listenToKeys(terminal.stdin, (key) => {
      keys.push(key);
      if (key === 'suspend') stop?.();
    });
    terminal.press('j\x1ajk');
    expect(keys).toStrictEqual(['down', 'suspend']);
    expect(terminal.log).toStrictEqual(['raw true', 'listen', 'resume', 'unlisten', 'raw false', 'pause']);
  });

  it('not a terminal, or no raw mode: stdin untouched', () => {
    const terminal = fakeTerminalStdin(undefined);
    const piped = { ...terminal.stdin, isTTY: false };
    expect(listenToKeys(piped, () => {})).toBeUndefined();
    const { setRawMode: _none, ...noRawMode } = terminal.stdin;
    expect(listenToKeys(noRawMode, () => {})).toBeUndefined();
    expect(listenToKeys(undefined, () => {})).toBeUndefined();
    expect(terminal.log).toStrictEqual([]);
  });
});
