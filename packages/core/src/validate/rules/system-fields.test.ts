import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';
import type { DownstreamInput } from '../../types.js';

function found(entry: DownstreamInput) {
  return validateWorkflow(aWorkflow({ downstream: [entry] })).diagnostics.map(
    ({ severity, code, path }) => `${severity} ${code} ${path}`,
  );
}

test('`aws` resolving to MediaPackage takes the MediaPackage fields only', () => {
  expect(found(aDownstream('aws', { needs: ['drm'], channelId: 'live', outputGroup: 'hls' }))).toEqual([]);
  expect(
    found(aDownstream('aws', { needs: ['ad-insertion'], buckets: ['a-p0', 'a-p1'], path: 'a/index' })),
  ).toEqual([
    'error field.not-for-system downstream[0].buckets',
    'error field.not-for-system downstream[0].path',
  ]);
});

test('`aws` resolving to S3 takes the S3 fields only', () => {
  expect(found(aDownstream('aws', { path: 'a/index', buckets: ['a-p0', 'a-p1'] }))).toEqual([]);
  const result = validateWorkflow(
    aWorkflow({ downstream: [aDownstream('aws', { outputGroup: 'mediapackage' })] }),
  );
  expect(result.diagnostics).toEqual([
    expect.objectContaining({
      severity: 'error',
      code: 'field.not-for-system',
      path: 'downstream[0].outputGroup',
    }),
  ]);
  expect(result.diagnostics[0]?.message).toContain('resolves to s3');
});
