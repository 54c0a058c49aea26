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

test('a Region of the right form that AWS does not list: a warning naming the nearest ones', () => {
  const result = validateWorkflow(aWorkflow({ region: 'us-weast-2' }));
  expect(result.diagnostics).toStrictEqual([
    {
      severity: 'warning',
      code: 'region.unknown',
      path: 'region',
      message:
        '`region` us-weast-2: it is not one of the Regions AWS lists (did you mean `us-east-2` or `us-west-2`?); if it is a Region that opened after this mlds was released, ignore this warning.',
    },
  ]);
  // A warning: the workflow is still valid.
  expect(result.workflow).toBeDefined();
  const far = validateWorkflow(aWorkflow({ region: 'xx-nowhere-9' })).diagnostics[0]?.message;
  expect(far).toBe(
    '`region` xx-nowhere-9: it is not one of the Regions AWS lists; if it is a Region that opened after this mlds was released, ignore this warning.',
  );
});

test('a MediaPackage channel in a Region AWS does not list: the same warning at the entry', () => {
  const result = validateWorkflow(
    aWorkflow({ downstream: [{ name: 'packager', system: 'mediapackage', region: 'eu-centrl-1' }] }),
  );
  expect(result.diagnostics).toStrictEqual([
    expect.objectContaining({
      severity: 'warning',
      code: 'region.unknown',
      path: 'downstream[0].region',
    }),
  ]);
  expect(result.diagnostics[0]?.message).toContain('did you mean `eu-central-1`?');
});

test('mediaLiveRoleArn must be an IAM role ARN', () => {
  const role = 'arn:aws:iam::111122223333:role/MediaLiveAccessRole';
  expect(validateWorkflow(aWorkflow({ mediaLiveRoleArn: role })).diagnostics).toEqual([]);
  const result = validateWorkflow(aWorkflow({ mediaLiveRoleArn: 'MediaLiveAccessRole' }));
  expect(result.diagnostics).toEqual([
    expect.objectContaining({ severity: 'error', code: 'iam.role-arn', path: 'mediaLiveRoleArn' }),
  ]);
});
