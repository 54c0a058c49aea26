import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { describe, expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';
import type { DownstreamInput, WorkflowInput } from '../../types.js';

function found(entry: DownstreamInput, workflow: Partial<WorkflowInput> = {}) {
  return validateWorkflow(aWorkflow({ ...workflow, downstream: [entry] })).diagnostics.map(
    ({ severity, code, path }) => `${severity} ${code} ${path}`,
  );
}

describe('MediaPackage fields', () => {
  test('an existing channel ID and Region', () => {
    expect(found(aDownstream('mediapackage', { channelId: 'Live_Channel-1', region: 'us-east-1' }))).toEqual(
      [],
    );
  });

  test('an invalid channel ID', () => {
    expect(found(aDownstream('mediapackage', { channelId: 'live.channel' }))).toEqual([
      'error mediapackage.channel-id downstream[0].channelId',
    ]);
  });

  test('an invalid Region', () => {
    expect(found(aDownstream('mediapackage', { region: 'Frankfurt' }))).toEqual([
      'error region.format downstream[0].region',
    ]);
  });
});

describe('outputGroup: mediapackage', () => {
  test('in the same Region, on a STANDARD channel: no diagnostic', () => {
    expect(found(aDownstream('mediapackage', { outputGroup: 'mediapackage' }))).toEqual([]);
    expect(found(aDownstream('mediapackage', { outputGroup: 'mediapackage', region: 'us-west-2' }))).toEqual(
      [],
    );
  });

  test('needs the MediaPackage channel in the workflow Region', () => {
    const result = validateWorkflow(
      aWorkflow({
        downstream: [aDownstream('mediapackage', { outputGroup: 'mediapackage', region: 'eu-west-1' })],
      }),
    );
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'output-group.mediapackage-region',
        path: 'downstream[0].outputGroup',
      }),
    ]);
    expect(result.diagnostics[0]?.message).toContain('`outputGroup: hls`');
  });

  test('another Region with the HLS group (or auto) is fine', () => {
    expect(found(aDownstream('mediapackage', { outputGroup: 'hls', region: 'eu-west-1' }))).toEqual([]);
    expect(found(aDownstream('mediapackage', { region: 'eu-west-1' }))).toEqual([]);
  });

  test('the guide advises HLS on a single-pipeline channel and for ID3: warnings', () => {
    const single = { channelClass: 'SINGLE_PIPELINE' as const };
    expect(found(aDownstream('mediapackage', { outputGroup: 'mediapackage' }), single)).toEqual([
      'warning output-group.mediapackage-single-pipeline downstream[0].outputGroup',
    ]);
    expect(found(aDownstream('mediapackage', { outputGroup: 'mediapackage', needs: ['id3'] }))).toEqual([
      'warning output-group.mediapackage-id3 downstream[0].outputGroup',
    ]);
    expect(found(aDownstream('mediapackage', { outputGroup: 'hls', needs: ['id3'] }), single)).toEqual([]);
  });

  test('applies to `aws` when it resolves to MediaPackage', () => {
    const entry = aDownstream('aws', { needs: ['drm'], outputGroup: 'mediapackage', region: 'eu-west-1' });
    expect(found(entry)).toEqual(['error output-group.mediapackage-region downstream[0].outputGroup']);
  });
});

describe('one MediaPackage channel per destination', () => {
  const codes = (downstream: DownstreamInput[]) =>
    validateWorkflow(aWorkflow({ downstream })).diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`);

  test('two entries naming the same existing channel in the same Region: a warning on the later one', () => {
    const result = validateWorkflow(
      aWorkflow({
        downstream: [
          aDownstream('mediapackage', { name: 'a', channelId: 'Shared' }),
          aDownstream('aws', { name: 'b', needs: ['drm'], channelId: 'Shared' }),
        ],
      }),
    );
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'mediapackage.shared-channel',
        path: 'downstream[1].channelId',
      }),
    ]);
    expect(result.diagnostics[0]?.message).toContain('as `downstream[0]` does');
  });

  test('an existing channel ID equal to the one mlds generates for another entry', () => {
    expect(
      codes([
        aDownstream('mediapackage', { name: 'a' }),
        aDownstream('mediapackage', { name: 'b', channelId: 'curling-live-a' }),
      ]),
    ).toEqual(['warning mediapackage.shared-channel downstream[1].channelId']);
  });

  test('distinct channels, or the same ID in two Regions, are fine', () => {
    expect(
      codes([aDownstream('mediapackage', { name: 'a' }), aDownstream('mediapackage', { name: 'b' })]),
    ).toEqual([]);
    expect(
      codes([
        aDownstream('mediapackage', { name: 'a', channelId: 'Shared' }),
        aDownstream('mediapackage', { name: 'b', channelId: 'Shared', region: 'eu-west-1' }),
      ]),
    ).toEqual([]);
  });
});
