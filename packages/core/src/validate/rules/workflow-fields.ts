import { iamRoleArnProblem, regionProblem } from '../aws-names.js';
import { error, type Finding, type Rule } from '../rule.js';

export const workflowFieldsRule: Rule = {
  reads: ['mediaLiveRoleArn', 'region'],
  entryReads: [],
  check({ input }) {
    const findings: Finding[] = [];
    const region = regionProblem(input.region);
    if (region !== undefined) {
      findings.push(error(region.code, ['region'], `\`region\` is not an AWS Region: ${region.problem}.`));
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
