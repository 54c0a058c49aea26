import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';

test('a workflow name S3 reserves as a prefix makes invalid bucket names: one error, on `workflow`', () => {
  const result = validateWorkflow(
    aWorkflow({
      workflow: 'xn--live',
      downstream: [aDownstream('s3', { name: 'live' }), aDownstream('s3', { name: 'vod', mode: 'vod' })],
    }),
  );
  expect(result.diagnostics).toEqual([
    expect.objectContaining({ severity: 'error', code: 's3.bucket-name.reserved-prefix', path: 'workflow' }),
  ]);
  const message = result.diagnostics[0]?.message ?? '';
  expect(message).toContain('`xn--live-live-p0`');
  expect(message).toContain('`xn--live-vod-p1`');
  expect(message).toContain('Rename the workflow');
  expect(message).toContain('give existing buckets in `buckets`');
});

test.each(['sthree-live', 'amzn-s3-demo-live'])('%s is reserved too', (workflow) => {
  const result = validateWorkflow(aWorkflow({ workflow, downstream: [aDownstream('s3')] }));
  expect(result.diagnostics.map((d) => d.code)).toEqual(['s3.bucket-name.reserved-prefix']);
});

test('the rule applies where mlds creates buckets: not with existing buckets, and for `aws` resolving to s3', () => {
  const existing = aDownstream('s3', { buckets: ['live-p0', 'live-p1'] });
  expect(validateWorkflow(aWorkflow({ workflow: 'xn--live', downstream: [existing] })).diagnostics).toEqual(
    [],
  );
  const aws = aDownstream('aws');
  expect(
    validateWorkflow(aWorkflow({ workflow: 'xn--live', downstream: [aws] })).diagnostics.map((d) => d.code),
  ).toEqual(['s3.bucket-name.reserved-prefix']);
  const packager = aDownstream('mediapackage');
  expect(validateWorkflow(aWorkflow({ workflow: 'xn--live', downstream: [packager] })).diagnostics).toEqual(
    [],
  );
});

test('the longest names still give valid bucket, container, channel and parameter names', () => {
  const workflow = 'w'.repeat(32);
  const name = 'n'.repeat(32);
  const result = validateWorkflow(
    aWorkflow({
      workflow,
      downstream: [
        aDownstream('s3', { name }),
        aDownstream('mediastore', { name: `${'m'.repeat(31)}s` }),
        aDownstream('mediapackage', { name: `${'p'.repeat(31)}k` }),
        aDownstream('http-put', { name: `${'h'.repeat(31)}t`, username: 'u', password: { env: 'P' } }),
      ],
    }),
  );
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
});
