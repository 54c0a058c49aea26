import type { Path } from '../path.js';
import { formatPath, isRecord } from '../path.js';
import { error, type Finding, type Rule } from '../rule.js';
import { hasOnlyTagChars } from './tags.js';

// No value or key of a workflow may hold a control character or an invisible formatting mark: a NUL or a BEL
// inside a URL would be copied into MediaLive's Destinations, and a right-to-left override makes a name read as
// another. Messages name the character by its code point, never repeat the text (it may be a secret).

/** C0 and C1 controls, DEL, bidi and zero-width formatting marks, line and paragraph separators, the BOM. */
export function firstUnsafeCharacter(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x061c ||
      (code >= 0x200b && code <= 0x200f) ||
      (code >= 0x2028 && code <= 0x202e) ||
      (code >= 0x2060 && code <= 0x2069) ||
      code === 0xfeff
    ) {
      return code;
    }
  }
  return undefined;
}

export const controlCharactersRule: Rule = {
  reads: 'all',
  entryReads: 'all',
  check({ input, entries }) {
    const findings: Finding[] = [];
    const { downstream: _downstream, ...topLevel } = input;
    // Entries that failed the schema are reported by it; the rest are walked with the top-level fields.
    const stack: Array<{ value: unknown; path: Path }> = [{ value: topLevel, path: [] }];
    for (const checked of entries) stack.push({ value: checked.entry, path: ['downstream', checked.index] });
    while (stack.length > 0) {
      const { value, path } = stack.pop() as { value: unknown; path: Path };
      if (typeof value === 'string') {
        const code = firstUnsafeCharacter(value);
        if (code !== undefined && !reportedByTagsRule(path, value))
          findings.push(finding(path, code, 'value'));
      } else if (Array.isArray(value)) {
        value.forEach((item, index) => {
          stack.push({ value: item, path: [...path, index] });
        });
      } else if (isRecord(value)) {
        for (const [key, item] of Object.entries(value)) {
          const code = firstUnsafeCharacter(key);
          if (code !== undefined && !reportedByTagsRule([...path, key], key)) {
            findings.push({ ...finding([...path, key], code, 'key'), at: 'key' });
          }
          stack.push({ value: item, path: [...path, key] });
        }
      }
    }
    return findings;
  },
};

function reportedByTagsRule(path: Path, text: string): boolean {
  return path.length === 2 && path[0] === 'tags' && !hasOnlyTagChars(text);
}

function finding(path: Path, code: number, what: 'key' | 'value'): Finding {
  const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return error(
    'text.control-character',
    path,
    `\`${formatPath(path)}\`: the ${what} holds an invisible control or formatting character (${name}): delete it and type the ${what} again (it may have come in with a copy and paste).`,
  );
}
