import { formatPath } from '../path.js';
import { entryPath, error, type Finding, formatOf, info, type Rule, warning } from '../rule.js';

// Live and VOD per output group and system (ML outputs-supported-containers), and what each system can add.

export const vodModeRule: Rule = {
  codes: ['mode.vod-unsupported'],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      if (checked.entry.mode !== 'vod') continue;
      const path = entryPath(checked, 'mode');
      const where = `\`${formatPath(path)}\``;
      const format = formatOf(checked);
      let problem: string | undefined;
      if (format !== 'hls') {
        problem = `\`mode\` applies to HLS only, and this entry's format is ${format}: remove \`mode: vod\`.`;
      } else if (checked.system === 'mediapackage') {
        problem =
          'MediaPackage takes live streams only: send VOD HLS to S3 (`system: s3`) instead, or use `mode: live`.';
      } else if (checked.system === 'akamai') {
        problem =
          'Akamai takes live HLS only: send VOD HLS to S3 (`system: s3`) or to an HTTP PUT or WebDAV server instead, or use `mode: live`.';
      }
      if (problem !== undefined) findings.push(error('mode.vod-unsupported', path, `${where}: ${problem}`));
    }
    return findings;
  },
};

export const needsRule: Rule = {
  codes: ['needs.unsupported', 'mss.drm'],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      const needs = checked.entry.needs ?? [];
      if (checked.system === 'mediapackage') continue;
      const path = entryPath(checked, 'needs');
      if (checked.system === 'mss' && needs.includes('drm')) {
        findings.push(
          info(
            'mss.drm',
            path,
            `\`downstream[${checked.index}]\` wants Microsoft Smooth with DRM: the user guide advises sending HLS to MediaPackage, which adds the DRM and serves Smooth (\`system: mediapackage\`).`,
          ),
        );
      }
      const missing = needs.filter(
        (need) => (need === 'drm' && checked.system !== 'mss') || need === 'ad-insertion',
      );
      if (missing.length > 0) {
        findings.push(
          warning(
            'needs.unsupported',
            path,
            `\`downstream[${checked.index}]\` needs ${missing.join(' and ')}, which system ${checked.entry.system} does not add: only MediaPackage repackages, so use \`system: mediapackage\` (or \`system: aws\`, which picks it).`,
          ),
        );
      }
    }
    return findings;
  },
};
