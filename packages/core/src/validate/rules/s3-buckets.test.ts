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
