import { iamRoleArnProblem, regionProblem, unknownRegion } from '../aws-names.js';
import { error, type Finding, type Rule, warning } from '../rule.js';

export const workflowFieldsRule: Rule = {
  reads: ['mediaLiveRoleArn', 'region'],
  entryReads: [],
  check({ input }) {
    const findings: Finding[] = [];
    const region = regionProblem(input.region);
    if (region !== undefined) {
      findings.push(error(region.code, ['region'], `\`region\` is not an AWS Region: ${region.problem}.`));
    } else {
      const unknown = unknownRegion(input.region);
      if (unknown !== undefined) {
        findings.push(warning(unknown.code, ['region'], `\`region\` ${input.region}: ${unknown.problem}.`));
      }
    }
    if (input.mediaLiveRoleArn !== undefined) {
      const role = iamRoleArnProblem(input.mediaLiveRoleArn);
      if (role !== undefined) {
        findings.push(
          error(
            role.code,
            ['mediaLiveRoleArn'],
            `\`mediaLiveRoleArn\` is not an IAM role ARN: ${role.problem}.`,
          ),
        );
      }
    }
    return findings;
  },
};
