import { expect, test } from 'vitest';
import { closest, editDistance } from './suggest.js';

test('editDistance counts insertions, deletions and substitutions, ignoring case', () => {
  expect(editDistance('bukets', 'buckets')).toBe(1);
  expect(editDistance('urls', 'url')).toBe(1);
  expect(editDistance('kitten', 'sitting')).toBe(3);
  expect(editDistance('STANDARD', 'standard')).toBe(0);
  expect(editDistance('', 'abc')).toBe(3);
});

test('closest suggests a likely typo and nothing for an unrelated word', () => {
  const fields = ['buckets', 'path', 'urls', 'username', 'password', 'streamKey'];
  expect(closest('bukets', fields)).toBe('buckets');
  expect(closest('streamkey', fields)).toBe('streamKey');
  expect(closest('passwrd', fields)).toBe('password');
  expect(closest('colour', fields)).toBeUndefined();
  expect(closest('x', fields)).toBeUndefined();
});
