import { TAG_DOWNSTREAM, TAG_WORKFLOW } from '../../names.js';
import { formatPath } from '../path.js';
import { error, type Finding, type Rule } from '../rule.js';

// AWS tag limits (tagging best practices): 50 tags per resource, keys 1-128 and values 0-256 characters of
// letters, digits, spaces and `_ . : / = + - @`; `aws:` is reserved. mlds adds its own two tags.

const MAX_TAGS = 50;
const MLDS_TAGS = [TAG_WORKFLOW, TAG_DOWNSTREAM];
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export const tagsRule: Rule = {
  codes: ['tags.key', 'tags.value', 'tags.reserved', 'tags.count'],
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
      if (value.length > 256 || !TAG_CHARS.test(value)) {
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
  if (key.length < 1 || key.length > 128 || !TAG_CHARS.test(key)) {
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
