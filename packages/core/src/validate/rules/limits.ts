import { formatPath, type Path } from '../path.js';
import { entryPath, error, type Finding, formatOf, type Rule } from '../rule.js';

// Per-channel limits (ML): at most 1 Archive and 3 Frame Capture output groups; destination Ids are unique.

const MAX_GROUPS = { archive: 1, 'frame-capture': 3 } as const;

export const outputGroupLimitsRule: Rule = {
  reads: [],
  entryReads: ['format'],
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
  entryReads: ['name'],
  check({ names }) {
    const findings: Finding[] = [];
    const first = new Map<string, number>();
    for (const { index, name } of names) {
      const owner = first.get(name);
      if (owner === undefined) {
        first.set(name, index);
        continue;
      }
      const path: Path = ['downstream', index, 'name'];
      findings.push(
        error(
          'name.duplicate',
          path,
          `\`${formatPath(path)}\` repeats the name \`${name}\` of \`downstream[${owner}]\`; names are MediaLive destination Ids and must be unique: rename one.`,
        ),
      );
    }
    return findings;
  },
};
