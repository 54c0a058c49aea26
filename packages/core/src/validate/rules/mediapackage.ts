import { mediaPackageChannelIdProblem, regionProblem } from '../aws-names.js';
import { formatPath } from '../path.js';
import { entryPath, error, type Finding, type Rule, warning } from '../rule.js';

// HLS output group or MediaPackage output group (seed downstream-system-hls.md, ML hls-choosing-hls-vs-emp).

export const mediaPackageRule: Rule = {
  codes: [
    'mediapackage.channel-id',
    'region.format',
    'output-group.mediapackage-region',
    'output-group.mediapackage-single-pipeline',
    'output-group.mediapackage-id3',
  ],
  check({ entries, input }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      if (checked.system !== 'mediapackage') continue;
      const { channelId, region, outputGroup, needs } = checked.entry;
      if (channelId !== undefined) {
        const problem = mediaPackageChannelIdProblem(channelId);
        const path = entryPath(checked, 'channelId');
        if (problem !== undefined) {
          findings.push(
            error(
              problem.code,
              path,
              `\`${formatPath(path)}\` is not a MediaPackage channel ID: ${problem.problem} (copy it from the MediaPackage console).`,
            ),
          );
        }
      }
      if (region !== undefined) {
        const problem = regionProblem(region);
        const path = entryPath(checked, 'region');
        if (problem !== undefined) {
          findings.push(
            error(problem.code, path, `\`${formatPath(path)}\` is not an AWS Region: ${problem.problem}.`),
          );
        }
      }
      if (outputGroup !== 'mediapackage') continue;
      const path = entryPath(checked, 'outputGroup');
      const where = `\`downstream[${checked.index}]\``;
      if (region !== undefined && region !== input.region) {
        findings.push(
          error(
            'output-group.mediapackage-region',
            path,
            `${where} asks for a MediaPackage output group, which needs the MediaPackage channel in the channel's Region (${input.region}), but \`region\` is ${region}: use \`outputGroup: hls\` (or auto), or put the MediaPackage channel in ${input.region}.`,
          ),
        );
      }
      if (input.channelClass === 'SINGLE_PIPELINE') {
        findings.push(
          warning(
            'output-group.mediapackage-single-pipeline',
            path,
            `${where} asks for a MediaPackage output group on a single-pipeline channel; the user guide advises an HLS output group there, so you control the behaviour when output is lost: consider \`outputGroup: auto\` or \`hls\`.`,
          ),
        );
      }
      if (needs?.includes('id3')) {
        findings.push(
          warning(
            'output-group.mediapackage-id3',
            path,
            `${where} needs ID3 metadata, which a MediaPackage output group restricts; the user guide advises an HLS output group to control ID3: consider \`outputGroup: auto\` or \`hls\`.`,
          ),
        );
      }
    }
    return findings;
  },
};
