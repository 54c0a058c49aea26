import { SYSTEM_FIELDS } from '../../schema.js';
import type { DownstreamInput } from '../../types.js';
import { entryPath, error, type Finding, type Rule } from '../rule.js';
import { ownFields } from '../schema-errors.js';

// The schema lets `system: aws` carry the fields of both services it may resolve to; once the rules have
// picked one, the other's fields do not apply.
export const awsResolvedFieldsRule: Rule = {
  reads: [],
  entryReads: 'all',
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      if (checked.entry.system !== 'aws') continue;
      const own = new Set<string>(SYSTEM_FIELDS[checked.system]);
      for (const field of SYSTEM_FIELDS.aws) {
        if (own.has(field) || checked.entry[field as keyof DownstreamInput] === undefined) continue;
        const why =
          checked.system === 'mediapackage'
            ? 'because of `needs: [drm]` or `[ad-insertion]`'
            : 'because it needs neither DRM nor ad insertion';
        findings.push({
          ...error(
            'field.not-for-system',
            entryPath(checked, field),
            `\`downstream[${checked.index}].${field}\` does not apply: \`system: aws\` resolves to ${checked.system} here (${why}), which takes ${ownFields(checked.system)}. Remove it, or name the service with \`system:\`.`,
          ),
          at: 'key',
        });
      }
    }
    return findings;
  },
};
