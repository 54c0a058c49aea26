import { formatPath } from '../path.js';
import { entryPath, error, type Finding, formatOf, type Rule, warning } from '../rule.js';

// Live and VOD per output group and system (ML outputs-supported-containers), and what each system can add.

export const vodModeRule: Rule = {
  reads: [],
  entryReads: ['mode', 'format', 'outputGroup'],
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
      } else if (checked.system === 'mediapackage' && checked.entry.outputGroup === 'mediapackage') {
        problem =
          'a MediaPackage output group is always live: use `outputGroup: hls` (or auto), or `mode: live`.';
      } else if (checked.system === 'mediapackage-v2') {
        // ML outputs-supported-containers: HLS to MediaPackage v2 over Basic PUT is live only.
        problem =
          'MediaPackage v2 takes live HLS only: send VOD HLS to S3 (`system: s3`), or use `mode: live`.';
      } else if (checked.system === 'akamai') {
        problem =
          'Akamai takes live HLS only: send VOD HLS to S3 (`system: s3`) or to an HTTP PUT or WebDAV server instead, or use `mode: live`.';
      }
      if (problem !== undefined) {
        findings.push(error('mode.vod-unsupported', path, `${where}: ${problem}`));
      } else if (checked.system === 'mediapackage') {
        // AWS's pages disagree: the HLS-or-MediaPackage page lets an HLS output to MediaPackage be VOD (so the
        // planner picks HLS), the supported-containers table lists HLS to MediaPackage as live only.
        findings.push(
          warning(
            'mode.vod-mediapackage',
            path,
            `${where}: the user guide lets an HLS output to MediaPackage be VOD, so mlds plans an HLS output group with Mode VOD, but its supported-containers table lists MediaPackage ingest as live only: check that your MediaPackage channel takes it, or send VOD HLS to S3 (\`system: s3\`).`,
          ),
        );
      }
    }
    return findings;
  },
};

export const needsRule: Rule = {
  reads: [],
  entryReads: ['needs'],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      if (checked.system === 'mediapackage' || checked.system === 'mediapackage-v2') continue;
      const needs = checked.entry.needs ?? [];
      const path = entryPath(checked, 'needs');
      if (checked.system === 'mss' && needs.includes('drm')) {
        findings.push(
          warning(
            'mss.drm',
            path,
            `\`downstream[${checked.index}]\` needs DRM, which a Microsoft Smooth output group cannot add: the user guide advises sending HLS to MediaPackage, which adds DRM and serves Microsoft Smooth. Add a downstream entry with \`system: mediapackage\` and point the Smooth players at its endpoint.`,
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
