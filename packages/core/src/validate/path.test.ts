import { expect, test } from 'vitest';
import { comparePaths, formatPath, pointerToPath, valueAt } from './path.js';

test('formatPath writes indexes in brackets and quotes keys that are not plain', () => {
  expect(formatPath([])).toBe('');
  expect(formatPath(['downstream', 2, 'urls', 1])).toBe('downstream[2].urls[1]');
  expect(formatPath(['tags', 'cost-center'])).toBe('tags.cost-center');
  expect(formatPath(['tags', 'mlds:owner'])).toBe('tags["mlds:owner"]');
  expect(formatPath(['tags', 'cost center'])).toBe('tags["cost center"]');
});

test('pointerToPath tells an array index from a numeric key by reading the data', () => {
  const data = { downstream: [{ urls: ['a', 'b'] }], tags: { '0': 'x', 'a/b': 'y' } };
  expect(pointerToPath('/downstream/0/urls/1', data)).toEqual(['downstream', 0, 'urls', 1]);
  expect(pointerToPath('/tags/0', data)).toEqual(['tags', '0']);
  expect(pointerToPath('/tags/a~1b', data)).toEqual(['tags', 'a/b']);
  expect(pointerToPath('', data)).toEqual([]);
});

test('comparePaths orders indexes numerically and parents first', () => {
  const paths = [
    ['downstream', 10],
    ['downstream', 2, 'urls'],
    ['downstream', 2],
    ['region'],
    ['downstream'],
  ];
  expect([...paths].sort(comparePaths)).toEqual([
    ['downstream'],
    ['downstream', 2],
    ['downstream', 2, 'urls'],
    ['downstream', 10],
    ['region'],
  ]);
});

test('valueAt reads own properties only', () => {
  const data = { downstream: [{ name: 'a' }] };
  expect(valueAt(data, ['downstream', 0, 'name'])).toBe('a');
  expect(valueAt(data, ['downstream', 1, 'name'])).toBeUndefined();
  expect(valueAt(data, ['toString'])).toBeUndefined();
});

test('formatPath never goes below a secret field into a key that may be the secret', () => {
  expect(formatPath(['downstream', 0, 'streamKey', 'live_abc123'])).toBe('downstream[0].streamKey');
  expect(formatPath(['downstream', 0, 'password', 'hunter2', 0])).toBe('downstream[0].password');
  expect(formatPath(['downstream', 0, 'password', 'env'])).toBe('downstream[0].password.env');
  expect(formatPath(['downstream', 0, 'password', 'env', 'x'])).toBe('downstream[0].password.env');
  expect(formatPath(['downstream', 0, 'urls', 'x'])).toBe('downstream[0].urls.x');
});
