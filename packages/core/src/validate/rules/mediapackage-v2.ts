import { mediaPackageV2ChannelGroupName, mediaPackageV2ChannelName } from '../../names.js';
import { regionProblem, unknownRegion } from '../aws-names.js';
import { formatPath } from '../path.js';
import { type CheckedEntry, entryPath, error, type Finding, formatOf, type Rule, warning } from '../rule.js';

// MediaPackage v2 (ML delivering-to-mediapackage, downstream-system-cmafi-empv2, hls-destinations-emp-info-v2;
// MP channels-create, ingest-auth).

export const mediaPackageV2Rule: Rule = {
  reads: ['mediaLiveRoleArn'],
  entryReads: ['region', 'outputGroup', 'format'],
  check({ entries, input }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      if (checked.system !== 'mediapackage-v2') continue;
      const where = `\`downstream[${checked.index}]\``;
      if (input.mediaLiveRoleArn === undefined) {
        // MP ingest-auth: MediaLive signs its ingest requests with its role, and the channel policy must name it.
        findings.push(
          error(
            'mediapackage-v2.role-required',
            entryPath(checked, 'system'),
            `${where} sends to MediaPackage v2, whose channel policy must allow the MediaLive channel's role to write (mediapackagev2:PutObject): add \`mediaLiveRoleArn: arn:aws:iam::<account>:role/<MediaLive role>\` to the workflow.`,
          ),
        );
      }
      const { region, outputGroup } = checked.entry;
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
      const format = formatOf(checked);
      const path = entryPath(checked, 'outputGroup');
      if (format === 'hls' && (outputGroup === 'mediapackage' || outputGroup === 'cmaf-ingest')) {
        // ML delivering-to-mediapackage: the MediaPackage output group for v2 is CMAF Ingest, as is the CMAF
        // Ingest group; an HLS channel (InputType HLS) takes HLS only (MP channels-create).
        findings.push(
          error(
            'output-group.mediapackage-v2-format',
            path,
            `${where} asks for \`outputGroup: ${outputGroup}\`, which sends CMAF, but \`format: hls\` makes an HLS channel (InputType HLS), which takes an HLS output group only: use \`format: cmaf\`, or \`outputGroup: hls\` (or auto).`,
          ),
        );
      }
      if (format === 'cmaf' && outputGroup === 'hls') {
        findings.push(
          error(
            'output-group.mediapackage-v2-format',
            path,
            `${where} asks for \`outputGroup: hls\`, but \`format: cmaf\` makes a CMAF channel (InputType CMAF), which takes CMAF from a MediaPackage or CMAF Ingest output group: use \`format: hls\`, or \`outputGroup: auto\`, \`mediapackage\` or \`cmaf-ingest\`.`,
          ),
        );
      }
    }
    return findings;
  },
};

/** Two entries naming the same v2 channel would both claim it: each needs its own. */
export const sharedV2ChannelRule: Rule = {
  reads: ['region', 'workflow'],
  entryReads: ['channelGroup', 'channelName', 'region', 'name'],
  check({ entries, input }) {
    const findings: Finding[] = [];
    const owners = new Map<string, CheckedEntry>();
    for (const checked of entries) {
      if (checked.system !== 'mediapackage-v2') continue;
      const { channelGroup, channelName, region, name } = checked.entry;
      const group = channelGroup ?? mediaPackageV2ChannelGroupName(input.workflow);
      const channel = channelName ?? mediaPackageV2ChannelName(input.workflow, name);
      const key = JSON.stringify([region ?? input.region, group, channel]);
      const owner = owners.get(key);
      if (owner === undefined) {
        owners.set(key, checked);
        continue;
      }
      const path = entryPath(checked, channelName === undefined ? 'name' : 'channelName');
      findings.push(
        error(
          'mediapackage-v2.shared-channel',
          path,
          `\`${formatPath(path)}\` names MediaPackage v2 channel ${group}/${channel}, as \`downstream[${owner.index}]\` does; a channel takes one stream per pipeline: give each entry its own \`channelName\`.`,
        ),
      );
    }
    return findings;
  },
};
