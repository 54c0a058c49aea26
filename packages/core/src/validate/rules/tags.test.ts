import { aWorkflow } from '@mlds/fixtures';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';
import { hasOnlyTagChars } from './tags.js';

function found(tags: Record<string, string>) {
  return validateWorkflow(aWorkflow({ tags })).diagnostics.map(
    ({ severity, code, path }) => `${severity} ${code} ${path}`,
  );
}

test('ordinary tags pass', () => {
  expect(
    found({ team: 'sports', 'cost center': '4711', 'app:name': 'a/b=c+d-e@f_g.h', Équipe: 'Überall' }),
  ).toEqual([]);
  expect(found({ empty: '' })).toEqual([]);
});

test('letters, digits and spaces of any script count; other symbols and control characters do not', () => {
  expect(found({ 日本: '東京 ٣', 'a\u00A0b': 'x' })).toEqual([]);
  expect(found({ team: 'price €5' })).toEqual(['error tags.value tags.team']);
  expect(found({ team: 'a\tb' })).toEqual(['error tags.value tags.team']);
  expect(found({ 'café!': 'x' })).toEqual(['error tags.key tags["café!"]']);
});

const documented = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

test('the ASCII shortcut agrees with the Unicode classes AWS documents, for every printable ASCII character', () => {
  // Both sides are a character class repeated, so agreeing on each character is agreeing on every string the
  // shortcut decides (printable ASCII only); any other string goes to the documented classes themselves.
  const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
  expect(printable.filter((char) => hasOnlyTagChars(char) !== documented.test(char))).toEqual([]);
});

test('the ASCII shortcut agrees with the Unicode classes AWS documents, for mixed strings', () => {
  const chars = fc.oneof(
    fc.constantFrom(...' _.:/=+-@#;!\t\u00A0\u2028€ÉéЖ日٣'),
    // Any code point, lone surrogates included. Not fc.string({ unit: 'binary' }): its first use takes seconds.
    fc.integer({ min: 0, max: 0x10ffff }).map((codePoint) => String.fromCodePoint(codePoint)),
  );
  fc.assert(
    fc.property(fc.array(chars, { maxLength: 12 }), (parts) => {
      const text = parts.join('');
      return hasOnlyTagChars(text) === documented.test(text);
    }),
    { numRuns: 500 },
  );
});

test('aws: and mlds: keys are reserved', () => {
  expect(found({ 'aws:team': 'x' })).toEqual(['error tags.reserved tags["aws:team"]']);
  expect(found({ 'AWS:team': 'x' })).toEqual(['error tags.reserved tags["AWS:team"]']);
  expect(found({ 'mlds:workflow': 'other' })).toEqual(['error tags.reserved tags["mlds:workflow"]']);
  expect(found({ awsome: 'x', mldsish: 'y' })).toEqual([]);
});

test('key and value limits', () => {
  expect(found({ ['k'.repeat(128)]: 'v' })).toEqual([]);
  expect(found({ ['k'.repeat(129)]: 'v' })).toEqual([`error tags.key tags.${'k'.repeat(129)}`]);
  expect(found({ 'team#1': 'v' })).toEqual(['error tags.key tags["team#1"]']);
  expect(found({ team: 'v'.repeat(256) })).toEqual([]);
  expect(found({ team: 'v'.repeat(257) })).toEqual(['error tags.value tags.team']);
  expect(found({ team: 'a;b' })).toEqual(['error tags.value tags.team']);
});

test('at most 48 user tags, since mlds adds two of its own to the 50 a resource takes', () => {
  const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`tag${i}`, 'x']));
  expect(found(tags(48))).toEqual([]);
  expect(found(tags(49))).toEqual(['error tags.count tags']);
});
