import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketName,
  mediaPackageChannelId,
  mediaStoreContainerName,
  passwordParameterName,
} from './names.js';
import { NAME_PATTERN } from './schema.js';
import {
  mediaPackageChannelIdProblem,
  mediaStoreContainerNameProblem,
  s3BucketNameProblem,
  ssmParameterNameProblem,
} from './validate/aws-names.js';

// Every name the contract allows for `workflow` and `name`, including the longest and those with `--`.
const name = fc.stringMatching(new RegExp(NAME_PATTERN));
const pipeline = fc.constantFrom(0 as const, 1 as const);
const S3_RESERVED_PREFIX = /^(xn--|sthree-|amzn-s3-demo-)/;

describe('the names mlds derives from valid workflow and downstream names', () => {
  it('are valid MediaPackage channel IDs, MediaStore container names and SSM parameter names', () => {
    fc.assert(
      fc.property(name, name, pipeline, (workflow, downstream, p) => {
        expect(mediaPackageChannelIdProblem(mediaPackageChannelId(workflow, downstream))).toBeUndefined();
        expect(
          mediaStoreContainerNameProblem(mediaStoreContainerName(workflow, downstream, p)),
        ).toBeUndefined();
        expect(ssmParameterNameProblem(passwordParameterName(workflow, downstream, p))).toBeUndefined();
        expect(ssmParameterNameProblem(passwordParameterName(workflow, downstream, null))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('are valid bucket names MediaLive can write to, unless the workflow name starts with a prefix S3 reserves', () => {
    fc.assert(
      fc.property(name, name, pipeline, (workflow, downstream, p) => {
        const problem = s3BucketNameProblem(bucketName(workflow, downstream, p));
        if (S3_RESERVED_PREFIX.test(workflow)) expect(problem?.code).toBe('s3.bucket-name.reserved-prefix');
        else expect(problem).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('give each pipeline and each downstream entry of a workflow its own bucket, also when cut to 63 characters', () => {
    // Long names that agree on the part a cut name keeps: only the hash of the full name tells them apart.
    const longName = fc
      .stringMatching(/^[a-z0-9-]{1,11}[a-z0-9]$/)
      .map((tail) => `${'d'.repeat(32 - tail.length)}${tail}`);
    fc.assert(
      fc.property(fc.constantFrom('w'.repeat(32), 'w'), longName, longName, (workflow, first, second) => {
        fc.pre(first !== second);
        const names = [first, second].flatMap((downstream) =>
          ([0, 1] as const).map((p) => bucketName(workflow, downstream, p)),
        );
        expect(new Set(names).size).toBe(4);
      }),
      { numRuns: 500 },
    );
  });

  it('keep the full name while it fits, and cut the longest ones to exactly 63 characters', () => {
    expect(bucketName('curling-live', 'archive', 1)).toBe('curling-live-archive-p1');
    const cut = bucketName('w'.repeat(32), 'd'.repeat(32), 0);
    expect(cut).toHaveLength(63);
    expect(cut).toMatch(/^w{32}-d+-[0-9a-f]{8}-p0$/);
  });
});
