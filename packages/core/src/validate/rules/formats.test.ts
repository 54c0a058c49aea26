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

  test('VOD to MediaPackage: a warning naming both of AWS’s pages; the planner then picks HLS', () => {
    const result = validateWorkflow(
      aWorkflow({ downstream: [aDownstream('mediapackage', { mode: 'vod' })] }),
    );
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'mode.vod-mediapackage',
        path: 'downstream[0].mode',
      }),
    ]);
    expect(result.diagnostics[0]?.message).toContain('Mode VOD');
    expect(result.diagnostics[0]?.message).toContain('live only');
    expect(result.diagnostics[0]?.message).toContain('send VOD HLS to S3 (`system: s3`)');
    expect(result.workflow?.downstream[0]?.mode).toBe('vod');
    expect(found(aDownstream('mediapackage', { mode: 'vod', outputGroup: 'hls' }))).toEqual([
      'warning mode.vod-mediapackage downstream[0].mode',
    ]);
  });

  test('a MediaPackage output group is always live: VOD there is an error', () => {
    const result = validateWorkflow(
      aWorkflow({ downstream: [aDownstream('mediapackage', { mode: 'vod', outputGroup: 'mediapackage' })] }),
    );
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'mode.vod-unsupported',
        path: 'downstream[0].mode',
      }),
    ]);
    expect(result.diagnostics[0]?.message).toContain('use `outputGroup: hls`');
    expect(found(aDownstream('mediapackage', { mode: 'live', outputGroup: 'mediapackage' }))).toEqual([]);
  });

  test('Akamai is live only', () => {
    expect(found(aDownstream('akamai', { mode: 'vod' }))).toEqual([
      'error mode.vod-unsupported downstream[0].mode',
    ]);
  });

  test('`aws` with DRM resolves to MediaPackage, so VOD gets the MediaPackage warning', () => {
    expect(found(aDownstream('aws', { mode: 'vod', needs: ['drm'] }))).toEqual([
      'warning mode.vod-mediapackage downstream[0].mode',
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

  test('Smooth with DRM: a warning with the guide’s advice to send HLS to MediaPackage', () => {
    const result = validateWorkflow(aWorkflow({ downstream: [aDownstream('mss', { needs: ['drm'] })] }));
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'mss.drm', path: 'downstream[0].needs' }),
    ]);
    expect(result.diagnostics[0]?.message).toContain('sending HLS to MediaPackage');
    expect(result.diagnostics[0]?.message).toContain('`system: mediapackage`');
    expect(found(aDownstream('mss', { needs: ['drm', 'ad-insertion'] }))).toEqual([
      'warning mss.drm downstream[0].needs',
      'warning needs.unsupported downstream[0].needs',
    ]);
    expect(found(aDownstream('mss'))).toEqual([]);
  });
});
