import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { describe, expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';
import type { DownstreamInput } from '../../types.js';

function found(entry: DownstreamInput) {
  return validateWorkflow(aWorkflow({ downstream: [entry] })).diagnostics.map(
    ({ severity, code, path }) => `${severity} ${code} ${path}`,
  );
}

describe('mode: vod', () => {
  test.each(['s3', 'http-put', 'webdav'] as const)('VOD HLS to %s is fine', (system) => {
    expect(found(aDownstream(system, { mode: 'vod' }))).toEqual([]);
  });

  test('MediaPackage is live only; the fix is S3', () => {
    const result = validateWorkflow(
      aWorkflow({ downstream: [aDownstream('mediapackage', { mode: 'vod' })] }),
    );
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'mode.vod-unsupported',
        path: 'downstream[0].mode',
      }),
    ]);
    expect(result.diagnostics[0]?.message).toContain('send VOD HLS to S3 (`system: s3`)');
  });

  test('Akamai is live only', () => {
    expect(found(aDownstream('akamai', { mode: 'vod' }))).toEqual([
      'error mode.vod-unsupported downstream[0].mode',
    ]);
  });

  test('`aws` with DRM resolves to MediaPackage, so no VOD', () => {
    expect(found(aDownstream('aws', { mode: 'vod', needs: ['drm'] }))).toEqual([
      'error mode.vod-unsupported downstream[0].mode',
    ]);
    expect(found(aDownstream('aws', { mode: 'vod' }))).toEqual([]);
  });

  test.each([
    ['rtmp', {}],
    ['udp', {}],
    ['s3', { format: 'archive' }],
  ] as const)('mode applies to HLS only: %s %j', (system, extra) => {
    expect(found(aDownstream(system, { ...extra, mode: 'vod' }))).toEqual([
      'error mode.vod-unsupported downstream[0].mode',
    ]);
    expect(found(aDownstream(system, { ...extra, mode: 'live' }))).toEqual([]);
  });
});

describe('needs', () => {
  test('MediaPackage adds DRM and ad insertion', () => {
    expect(found(aDownstream('mediapackage', { needs: ['drm', 'ad-insertion', 'id3'] }))).toEqual([]);
  });

  test('a plain origin adds neither: a warning pointing to MediaPackage', () => {
    const result = validateWorkflow(aWorkflow({ downstream: [aDownstream('s3', { needs: ['drm'] })] }));
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'needs.unsupported',
        path: 'downstream[0].needs',
      }),
    ]);
    expect(result.diagnostics[0]?.message).toContain('system: mediapackage');
    expect(found(aDownstream('rtmp', { needs: ['ad-insertion'] }))).toEqual([
      'warning needs.unsupported downstream[0].needs',
    ]);
  });

  test('Smooth with DRM: the guide advises HLS to MediaPackage (info)', () => {
    expect(found(aDownstream('mss', { needs: ['drm'] }))).toEqual(['info mss.drm downstream[0].needs']);
    expect(found(aDownstream('mss', { needs: ['drm', 'ad-insertion'] }))).toEqual([
      'warning needs.unsupported downstream[0].needs',
      'info mss.drm downstream[0].needs',
    ]);
    expect(found(aDownstream('mss'))).toEqual([]);
  });
});
