import { aWorkflow } from '@mlds/fixtures';
import { expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';

test('the workflow Region must look like a Region', () => {
  expect(validateWorkflow(aWorkflow({ region: 'cn-north-1' })).diagnostics).toEqual([]);
  const result = validateWorkflow(aWorkflow({ region: 'Oregon' }));
  expect(result.diagnostics).toEqual([
    expect.objectContaining({ severity: 'error', code: 'region.format', path: 'region' }),
  ]);
  expect(result.diagnostics[0]?.message).toContain('`us-west-2`');
});

test('mediaLiveRoleArn must be an IAM role ARN', () => {
  const role = 'arn:aws:iam::111122223333:role/MediaLiveAccessRole';
  expect(validateWorkflow(aWorkflow({ mediaLiveRoleArn: role })).diagnostics).toEqual([]);
  const result = validateWorkflow(aWorkflow({ mediaLiveRoleArn: 'MediaLiveAccessRole' }));
  expect(result.diagnostics).toEqual([
    expect.objectContaining({ severity: 'error', code: 'iam.role-arn', path: 'mediaLiveRoleArn' }),
  ]);
});
