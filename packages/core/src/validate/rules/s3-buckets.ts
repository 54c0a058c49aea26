import { bucketName } from '../../names.js';
import type { Pipeline } from '../../types.js';
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

/**
 * A bucket under `buckets` that this workflow itself creates for another entry: mlds would read as a bucket it
 * does not own what it creates, and on destroy deletes, as its own.
 */
export const s3BucketsCreatedHereRule: Rule = {
  reads: ['workflow', 'channelClass'],
  entryReads: ['name', 'buckets'],
  check({ entries, input, pipelines }) {
    const created = new Map<string, { index: number; name: string }>();
    for (const { entry, index, system } of entries) {
      if (system !== 's3' || entry.buckets !== undefined) continue;
      for (let pipeline = 0; pipeline < pipelines; pipeline++) {
        created.set(bucketName(input.workflow, entry.name, pipeline as Pipeline), {
          index,
          name: entry.name,
        });
      }
    }
    return entries.flatMap((checked) =>
      (checked.entry.buckets ?? []).flatMap((bucket, index): Finding[] => {
        const creator = created.get(bucket);
        if (creator === undefined) return [];
        const path = entryPath(checked, 'buckets', index);
        return [
          error(
            's3.bucket-name.created-here',
            path,
            `\`${formatPath(path)}\` names ${bucket}, the bucket this workflow creates for \`downstream[${creator.index}]\` (${creator.name}): mlds would read it as a bucket it does not own while it creates, and on destroy deletes, the same bucket. Name a bucket mlds does not create; for both entries to write to one bucket, create it yourself and name it under \`buckets\` in both.`,
          ),
        ];
      }),
    );
  },
};
