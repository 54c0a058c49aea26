import { describe, expect, it } from 'vitest';
import { colorEnabled, createColors } from '../src/terminal.js';
import { hasColor } from './helpers.js';

describe('colorEnabled', () => {
  it.each([
    ['a terminal', { noColorFlag: false, env: {}, isTTY: true }, true],
    ['a pipe', { noColorFlag: false, env: {}, isTTY: false }, false],
    ['--no-color on a terminal', { noColorFlag: true, env: {}, isTTY: true }, false],
    ['NO_COLOR=1 on a terminal', { noColorFlag: false, env: { NO_COLOR: '1' }, isTTY: true }, false],
    ['an empty NO_COLOR on a terminal', { noColorFlag: false, env: { NO_COLOR: '' }, isTTY: true }, true],
    ['FORCE_COLOR=1 on a pipe', { noColorFlag: false, env: { FORCE_COLOR: '1' }, isTTY: false }, true],
    ['FORCE_COLOR=0 on a terminal', { noColorFlag: false, env: { FORCE_COLOR: '0' }, isTTY: true }, false],
    [
      'FORCE_COLOR=false on a terminal',
      { noColorFlag: false, env: { FORCE_COLOR: 'false' }, isTTY: true },
      false,
    ],
    [
      'NO_COLOR over FORCE_COLOR',
      { noColorFlag: false, env: { NO_COLOR: '1', FORCE_COLOR: '1' }, isTTY: true },
      false,
    ],
    ['--no-color over FORCE_COLOR', { noColorFlag: true, env: { FORCE_COLOR: '1' }, isTTY: false }, false],
    ['TERM=dumb on a terminal', { noColorFlag: false, env: { TERM: 'dumb' }, isTTY: true }, false],
  ])('%s → %s', (_, options, expected) => {
    expect(colorEnabled(options)).toBe(expected);
  });
});

describe('createColors', () => {
  it('writes escape codes only when enabled', () => {
    expect(hasColor(createColors(true).red('x'))).toBe(true);
    expect(createColors(false).red('x')).toBe('x');
  });
});
