import { s3BucketNameProblem } from '../aws-names.js';
import { formatPath } from '../path.js';
import { entryPath, error, type Finding, type Rule } from '../rule.js';

export const s3BucketNamesRule: Rule = {
  codes: [
    's3.bucket-name.length',
    's3.bucket-name.chars',
    's3.bucket-name.start-end',
    's3.bucket-name.ip-address',
    's3.bucket-name.reserved-prefix',
    's3.bucket-name.reserved-suffix',
    's3.bucket-name.dots',
  ],
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
