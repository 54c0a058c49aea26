import { mediaPackageChannelId } from '../../names.js';
import { mediaPackageChannelIdProblem, regionProblem, unknownRegion } from '../aws-names.js';
import { formatPath } from '../path.js';
import { type CheckedEntry, entryPath, error, type Finding, type Rule, warning } from '../rule.js';

// HLS output group or MediaPackage output group (seed downstream-system-hls.md, ML hls-choosing-hls-vs-emp).

export const mediaPackageRule: Rule = {
  reads: ['channelClass', 'region'],
  entryReads: ['channelId', 'region', 'outputGroup', 'needs'],
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
        } else {
          const unknown = unknownRegion(region);
          if (unknown !== undefined) {
            findings.push(
              warning(unknown.code, path, `\`${formatPath(path)}\` ${region}: ${unknown.problem}.`),
            );
          }
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

/**
 * A MediaPackage v1 channel has one ingest endpoint per pipeline, each fed by one stream: a second output
 * group sending to the same channel would interleave with the first.
 */
export const sharedChannelRule: Rule = {
  reads: ['region', 'workflow'],
  entryReads: ['channelId', 'region', 'name'],
  check({ entries, input }) {
    const findings: Finding[] = [];
    const owners = new Map<string, CheckedEntry>();
    for (const checked of entries) {
      if (checked.system !== 'mediapackage') continue;
      const { channelId, region, name } = checked.entry;
      const channel = channelId ?? mediaPackageChannelId(input.workflow, name);
      const key = `${region ?? input.region} ${channel}`;
      const owner = owners.get(key);
      if (owner === undefined) {
        owners.set(key, checked);
        continue;
      }
      const path = entryPath(checked, channelId === undefined ? 'name' : 'channelId');
      findings.push(
        warning(
          'mediapackage.shared-channel',
          path,
          `\`${formatPath(path)}\` sends to MediaPackage channel ${channel}, as \`downstream[${owner.index}]\` does; a channel takes one stream per pipeline, so the two outputs would collide: give each its own channel, or keep one entry.`,
        ),
      );
    }
    return findings;
  },
};
