import { formatPath } from '../path.js';
import { type CheckedEntry, entryPath, error, type Finding, formatOf, type Rule } from '../rule.js';

// Per-channel limits (ML): at most 1 Archive and 3 Frame Capture output groups; destination Ids are unique.

const MAX_GROUPS = { archive: 1, 'frame-capture': 3 } as const;

export const outputGroupLimitsRule: Rule = {
  reads: [],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const format of ['archive', 'frame-capture'] as const) {
      const groups = entries.filter((checked) => formatOf(checked) === format);
      const max = MAX_GROUPS[format];
      const label = format === 'archive' ? 'Archive' : 'Frame Capture';
      for (const extra of groups.slice(max)) {
        const path = entryPath(extra, 'format');
        const kept = groups
          .slice(0, max)
          .map((c) => `downstream[${c.index}]`)
          .join(', ');
        findings.push(
          error(
            `limits.${format}`,
            path,
            `\`${formatPath(path)}\`: a MediaLive channel has at most ${max} ${label} output group${max > 1 ? 's' : ''} (${kept} already ${max > 1 ? 'are' : 'is'}): remove this entry or merge it with another.`,
          ),
        );
      }
    }
    return findings;
  },
};

export const uniqueNamesRule: Rule = {
  reads: [],
  check({ entries }) {
    const findings: Finding[] = [];
    const first = new Map<string, CheckedEntry>();
    for (const checked of entries) {
      const owner = first.get(checked.entry.name);
      if (owner === undefined) {
        first.set(checked.entry.name, checked);
        continue;
      }
      const path = entryPath(checked, 'name');
      findings.push(
        error(
          'name.duplicate',
          path,
          `\`${formatPath(path)}\` repeats the name \`${checked.entry.name}\` of \`downstream[${owner.index}]\`; names are MediaLive destination Ids and must be unique: rename one.`,
        ),
      );
    }
    return findings;
  },
};
