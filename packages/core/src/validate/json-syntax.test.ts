import { expect, test } from 'vitest';
import { findJsonSyntaxError } from './json-syntax.js';

test.each(['{}', '[]', '{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"], "b": {}}', ' \n{"a":\t1}\n'])(
  'accepts valid JSON %j',
  (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(findJsonSyntaxError(text)).toBeUndefined();
  },
);

test.each([
  ['{"a": 1 "b": 2}', 8, 'comma may be missing'],
  ['{"a": 1,}', 8, 'trailing comma'],
  ['[1, 2,]', 6, 'trailing comma'],
  ['{a: 1}', 1, 'key in double quotes'],
  ["{'a': 1}", 1, 'key in double quotes'],
  ['{"a": \'x\'}', 6, 'not single quotes'],
  ['{"a": "x', 6, 'unterminated string'],
  ['{"a": tru}', 6, 'expected a value'],
  ['{"a": 01}', 7, 'comma may be missing'],
  ['{"a": "\\x"}', 7, 'invalid escape'],
  ['{"a" 1}', 5, 'expected :'],
  ['{"a": 1}}', 8, 'after the end'],
  ['', 0, 'a value is missing'],
  ['{"a": 1', 7, 'a } is missing'],
  ['{"a": "line\nbreak"}', 11, 'line break'],
])('locates the error in %j', (text, offset, problem) => {
  expect(() => JSON.parse(text)).toThrow();
  const found = findJsonSyntaxError(text);
  expect(found?.offset).toBe(offset);
  expect(found?.problem).toContain(problem);
});

test('the description never quotes the text', () => {
  const found = findJsonSyntaxError('{"password": hunter2}');
  expect(found?.offset).toBe(13);
  expect(found?.problem).not.toContain('hunter2');
});
