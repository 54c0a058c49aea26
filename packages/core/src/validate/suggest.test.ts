import { expect, test } from 'vitest';
import { closest, editDistance } from './suggest.js';

test('editDistance counts insertions, deletions, substitutions and swaps of adjacent letters, ignoring case', () => {
  expect(editDistance('bukets', 'buckets')).toBe(1);
  expect(editDistance('urls', 'url')).toBe(1);
  expect(editDistance('kitten', 'sitting')).toBe(3);
  expect(editDistance('STANDARD', 'standard')).toBe(0);
  expect(editDistance('', 'abc')).toBe(3);
  // Two letters typed the wrong way round are one slip, not two substitutions.
  expect(editDistance('destory', 'destroy')).toBe(1);
  expect(editDistance('plna', 'plan')).toBe(1);
  expect(editDistance('ab', 'ba')).toBe(1);
  expect(editDistance('ca', 'abc')).toBe(3);
});

test('closest suggests a likely typo and nothing for an unrelated word', () => {
  const fields = ['buckets', 'path', 'urls', 'username', 'password', 'streamKey'];
  expect(closest('bukets', fields)).toBe('buckets');
  expect(closest('streamkey', fields)).toBe('streamKey');
  expect(closest('passwrd', fields)).toBe('password');
  expect(closest('ulrs', fields)).toBe('urls');
  expect(closest('colour', fields)).toBeUndefined();
  expect(closest('x', fields)).toBeUndefined();
});
