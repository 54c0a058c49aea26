import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { describe, expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';

describe('delivery via your VPC', () => {
  test('S3 and UDP are fine, with an info on what the VPC needs', () => {
    const result = validateWorkflow(
      aWorkflow({ delivery: 'vpc', downstream: [aDownstream('s3'), aDownstream('udp')] }),
    );
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ severity: 'info', code: 'vpc.requirements', path: 'delivery' }),
    ]);
    const message = result.diagnostics[0]?.message ?? '';
    expect(message).toContain('two subnets in different Availability Zones');
    expect(message).toContain('Elastic IP');
    expect(message).toContain('cannot be changed on an existing channel');
    expect(result.workflow?.delivery).toBe('vpc');
  });

  test('a single-pipeline channel needs no second subnet', () => {
    const result = validateWorkflow(
      aWorkflow({ delivery: 'vpc', channelClass: 'SINGLE_PIPELINE', downstream: [aDownstream('s3')] }),
    );
    expect(result.diagnostics[0]?.message).not.toContain('subnets');
  });

  test('MediaPackage (either output group) and MediaStore cannot go through the VPC', () => {
    const result = validateWorkflow(
      aWorkflow({
        delivery: 'vpc',
        downstream: [
          aDownstream('mediapackage', { name: 'hls' }),
          aDownstream('mediapackage', { name: 'group', outputGroup: 'mediapackage' }),
          aDownstream('mediastore'),
          aDownstream('aws', { name: 'drm', needs: ['drm'] }),
        ],
      }),
    );
    expect(
      result.diagnostics.filter((d) => d.code === 'vpc.unsupported-destination').map((d) => d.path),
    ).toEqual([
      'downstream[0].system',
      'downstream[1].system',
      'downstream[2].system',
      'downstream[3].system',
    ]);
    expect(result.workflow).toBeUndefined();
  });

  test('public delivery says nothing about VPCs', () => {
    expect(validateWorkflow(aWorkflow({ delivery: 'public' })).diagnostics).toEqual([]);
  });
});

test('MediaStore is discontinued: a warning with the migration advice, still valid', () => {
  const result = validateWorkflow(aWorkflow({ downstream: [aDownstream('mediastore')] }));
  expect(result.diagnostics).toEqual([
    expect.objectContaining({
      severity: 'warning',
      code: 'mediastore.discontinued',
      path: 'downstream[0].system',
    }),
  ]);
  const message = result.diagnostics[0]?.message ?? '';
  expect(message).toContain('2025-11-13');
  expect(message).toContain('S3 for simple workflows and MediaPackage for advanced ones');
  expect(message).toContain('system: s3');
  expect(result.workflow).toBeDefined();
});
