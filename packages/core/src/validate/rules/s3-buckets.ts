import { s3BucketNameProblem } from '../aws-names.js';
import { formatPath } from '../path.js';
import { entryPath, error, type Finding, type Rule } from '../rule.js';

export const s3BucketNamesRule: Rule = {
  reads: [],
  entryReads: ['buckets'],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      (checked.entry.buckets ?? []).forEach((bucket, index) => {
        const problem = s3BucketNameProblem(bucket);
        if (problem === undefined) return;
        const path = entryPath(checked, 'buckets', index);
        findings.push(
          error(
            problem.code,
            path,
            `\`${formatPath(path)}\` is not a bucket name MediaLive can write to: ${problem.problem}. Name a bucket of 3-63 lowercase letters, digits and hyphens.`,
          ),
        );
      });
    }
    return findings;
  },
};
