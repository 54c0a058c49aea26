import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';

function found(buckets: string[]) {
  return validateWorkflow(aWorkflow({ downstream: [aDownstream('s3', { buckets })] })).diagnostics;
}

test('valid bucket names pass', () => {
  expect(found(['sports-live-p0', 'sports-live-p1'])).toEqual([]);
});

test('a bucket with dots is refused, naming MediaLive and the fix', () => {
  const diagnostics = found(['sports-live-p0', 'sports.live.p1']);
  expect(diagnostics).toEqual([
    expect.objectContaining({
      severity: 'error',
      code: 's3.bucket-name.dots',
      path: 'downstream[0].buckets[1]',
    }),
  ]);
  expect(diagnostics[0]?.message).toContain('MediaLive cannot write to a bucket whose name contains dots');
  expect(diagnostics[0]?.message).toContain('3-63 lowercase letters, digits and hyphens');
});

test('each S3 naming rule applies to each bucket', () => {
  const codes = found(['Sports-Live', 'xn--sports']).map((d) => `${d.code} ${d.path}`);
  expect(codes).toEqual([
    's3.bucket-name.chars downstream[0].buckets[0]',
    's3.bucket-name.reserved-prefix downstream[0].buckets[1]',
  ]);
});

test('a bucket the workflow itself creates, named under buckets of another entry, is an error naming both', () => {
  const diagnostics = validateWorkflow(
    aWorkflow({
      downstream: [
        aDownstream('s3', { name: 'arc', format: 'archive' }),
        aDownstream('s3', { name: 'vod', buckets: ['curling-live-arc-p0', 'their-vod-p1'] }),
      ],
    }),
  ).diagnostics;
  expect(diagnostics.map((d) => [d.severity, d.code, d.path])).toStrictEqual([
    ['error', 's3.bucket-name.created-here', 'downstream[1].buckets[0]'],
  ]);
  expect(diagnostics[0]?.message).toBe(
    '`downstream[1].buckets[0]` names curling-live-arc-p0, the bucket this workflow creates for `downstream[0]` (arc): mlds would read it as a bucket it does not own while it creates, and on destroy deletes, the same bucket. Name a bucket mlds does not create; for both entries to write to one bucket, create it yourself and name it under `buckets` in both.',
  );
});

test('a bucket named like one another workflow would create is no concern of this one', () => {
  expect(found(['other-live-arc-p0', 'other-live-arc-p1'])).toEqual([]);
});
