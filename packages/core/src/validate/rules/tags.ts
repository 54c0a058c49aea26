import { TAG_DOWNSTREAM, TAG_WORKFLOW } from '../../names.js';
import { formatPath } from '../path.js';
import { error, type Finding, type Rule } from '../rule.js';

// AWS tag limits (tagging best practices): 50 tags per resource, keys 1-128 and values 0-256 characters of
// letters, digits, spaces and `_ . : / = + - @`; `aws:` is reserved. mlds adds its own two tags.

const MAX_TAGS = 50;
const MLDS_TAGS = [TAG_WORKFLOW, TAG_DOWNSTREAM];
const PRINTABLE_ASCII = /^[ -~]*$/;
// In printable ASCII, the letters (\p{L}), digits (\p{N}) and spaces (\p{Z}) are just these. V8 takes about a
// millisecond to compile the Unicode classes, a good part of a cold `mlds plan`, so only other text uses them.
const ASCII_TAG_CHARS = /^[A-Za-z0-9 _.:/=+\-@]*$/;
let unicodeTagChars: RegExp | undefined;

/** Whether `text` holds only letters, digits, spaces and `_ . : / = + - @`, as AWS tags allow. */
export function hasOnlyTagChars(text: string): boolean {
  if (PRINTABLE_ASCII.test(text)) return ASCII_TAG_CHARS.test(text);
  unicodeTagChars ??= /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
  return unicodeTagChars.test(text);
}

export const tagsRule: Rule = {
  reads: ['tags'],
  entryReads: [],
  check({ input }) {
    const tags = input.tags ?? {};
    const findings: Finding[] = [];
    const keys = Object.keys(tags);
    if (keys.length > MAX_TAGS - MLDS_TAGS.length) {
      findings.push(
        error(
          'tags.count',
          ['tags'],
          `\`tags\` has ${keys.length} tags; a resource takes ${MAX_TAGS} and mlds adds ${MLDS_TAGS.join(' and ')}: keep at most ${MAX_TAGS - MLDS_TAGS.length}.`,
        ),
      );
    }
    for (const key of keys) {
      const value = tags[key] as string;
      const path = ['tags', key];
      const where = `\`${formatPath(path)}\``;
      const keyProblem = tagKeyProblem(key);
      if (keyProblem !== undefined) {
        findings.push({ ...error(keyProblem.code, path, `${where}: ${keyProblem.problem}.`), at: 'key' });
      }
      if (value.length > 256 || !hasOnlyTagChars(value)) {
        findings.push(
          error(
            'tags.value',
            path,
            `${where}: a tag value has at most 256 characters of letters, digits, spaces and \`_ . : / = + - @\`.`,
          ),
        );
      }
    }
    return findings;
  },
};

function tagKeyProblem(key: string): { code: string; problem: string } | undefined {
  if (key.length < 1 || key.length > 128 || !hasOnlyTagChars(key)) {
    return {
      code: 'tags.key',
      problem: 'a tag key has 1 to 128 characters of letters, digits, spaces and `_ . : / = + - @`',
    };
  }
  if (/^aws:/i.test(key)) {
    return {
      code: 'tags.reserved',
      problem: 'tag keys starting with `aws:` are reserved for AWS: rename the key',
    };
  }
  if (/^mlds:/i.test(key)) {
    return {
      code: 'tags.reserved',
      problem: `tag keys starting with \`mlds:\` are mlds's own (it sets ${MLDS_TAGS.join(' and ')} on every resource): rename the key`,
    };
  }
  return undefined;
}
