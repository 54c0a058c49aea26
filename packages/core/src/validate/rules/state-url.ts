import { parseStateUrl } from '../../state-url.js';
import { error, type Rule } from '../rule.js';

/** `state:` is a local path or a well-formed `s3://bucket/key`; a malformed URL never becomes a path. */
export const stateUrlRule: Rule = {
  reads: ['state'],
  entryReads: [],
  check({ input }) {
    if (input.state === undefined) return [];
    const parsed = parseStateUrl(input.state);
    if (!('problem' in parsed)) return [];
    return [
      error(
        'state.url',
        ['state'],
        `\`state\` ${parsed.problem}. Give a local path, or s3://bucket/key in a bucket that exists.`,
      ),
    ];
  },
};
