import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { describe, expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';
import type { System } from '../../types.js';

function urlFindings(system: System, urls: string[], extra = {}) {
  const result = validateWorkflow(
    aWorkflow({
      channelClass: urls.length === 1 ? 'SINGLE_PIPELINE' : 'STANDARD',
      downstream: [aDownstream(system, { urls, ...extra })],
    }),
  );
  return result.diagnostics
    .filter((d) => d.code.startsWith('url.'))
    .map(({ severity, code, path }) => `${severity} ${code} ${path}`);
}

describe('URL schemes per system', () => {
  test.each([
    ['http-put', 'https://a.example.com/live/index'],
    ['http-put', 'http://a.example.com/live/index'],
    ['webdav', 'https://a.example.com/live/index'],
    ['akamai', 'https://p-ep1.akamaientrypoint.net/1/live/index'],
    ['mss', 'https://mss.example.com/live/channel.isml'],
    ['mss', 'https://mss.example.com'],
    ['rtmp', 'rtmp://live.example.com/app'],
    ['rtmp', 'rtmps://live.example.com:443/rtmp/'],
    ['rtmp', 'rtmp://b.rtmp.example.com/live2?backup=1'],
    ['udp', 'udp://239.1.1.1:5000'],
    ['udp', 'rtp://10.0.0.1:5000'],
    ['udp', 'udp://[ff02::1]:5000'],
    ['srt', 'srt://receiver.example.com:9000'],
    ['srt', 'srt://10.0.0.1:9000/'],
  ] as const)('%s takes %s', (system, url) => {
    expect(urlFindings(system, [url])).toEqual([]);
  });

  test.each([
    ['http-put', 'rtmp://a.example.com/live/index'],
    ['webdav', 'ftp://a.example.com/live/index'],
    ['akamai', 's3://bucket/live/index'],
    ['mss', 'rtmp://mss.example.com/live'],
    ['rtmp', 'https://live.example.com/app'],
    ['udp', 'http://10.0.0.1:5000'],
    ['udp', 'srt://10.0.0.1:5000'],
    ['srt', 'udp://receiver.example.com:9000'],
  ] as const)('%s refuses %s', (system, url) => {
    expect(urlFindings(system, [url])).toEqual(['error url.scheme downstream[0].urls[0]']);
  });

  test('the scheme error names the schemes the system takes', () => {
    const result = validateWorkflow(
      aWorkflow({
        downstream: [
          aDownstream('rtmp', { urls: ['https://a.example.com/app', 'rtmp://b.example.com/app'] }),
        ],
      }),
    );
    expect(result.diagnostics[0]?.message).toContain('rtmp:// or rtmps://');
  });

  test('a string that is not a URL', () => {
    expect(urlFindings('http-put', ['not a url'])).toEqual(['error url.invalid downstream[0].urls[0]']);
    expect(urlFindings('srt', ['srt://'])).toEqual(['error url.invalid downstream[0].urls[0]']);
  });
});

describe('what the URL must hold', () => {
  test('HLS to an HTTP server needs the folder and base file name', () => {
    expect(urlFindings('http-put', ['https://a.example.com/'])).toEqual([
      'error url.path downstream[0].urls[0]',
    ]);
    expect(urlFindings('akamai', ['https://a.example.com'])).toEqual([
      'error url.path downstream[0].urls[0]',
    ]);
  });

  test('HLS to an HTTP server: no query string or fragment, which would land inside every file name', () => {
    expect(
      urlFindings('http-put', [
        'https://a.example.com/live/index?token=hunter5',
        'https://b.example.com/live/index#f',
      ]),
    ).toEqual(['error url.query downstream[0].urls[0]', 'error url.query downstream[0].urls[1]']);
    expect(urlFindings('webdav', ['https://a.example.com/live/index?x=1'])).toEqual([
      'error url.query downstream[0].urls[0]',
    ]);
    expect(
      urlFindings('akamai', ['https://a.example.com/live/index?', 'https://b.example.com/live/index#']),
    ).toEqual(['error url.query downstream[0].urls[0]', 'error url.query downstream[0].urls[1]']);
    // The message never repeats the URL, which may hold a token.
    const result = validateWorkflow(
      aWorkflow({
        downstream: [aDownstream('http-put', { urls: ['https://a.example.com/live/index?token=hunter5'] })],
      }),
    );
    expect(result.diagnostics.map((d) => d.message).join('\n')).not.toContain('hunter5');
    // RTMP keeps its query (YouTube's backup ingest is rtmp://…/live2?backup=1).
    expect(urlFindings('rtmp', ['rtmp://b.example.com/live2?backup=1'])).toEqual([]);
  });

  test('RTMP needs the application and no stream key', () => {
    expect(urlFindings('rtmp', ['rtmp://live.example.com'])).toEqual([
      'error url.rtmp-app downstream[0].urls[0]',
    ]);
    expect(urlFindings('rtmp', ['rtmp://live.example.com/app/live_abc123'])).toEqual([
      'error url.rtmp-stream-key downstream[0].urls[0]',
    ]);
  });

  test('UDP needs an IP address and a port', () => {
    expect(urlFindings('udp', ['udp://receiver.example.com:5000'])).toEqual([
      'error url.udp-address downstream[0].urls[0]',
    ]);
    expect(urlFindings('udp', ['udp://10.0.0.1'])).toEqual(['error url.udp-address downstream[0].urls[0]']);
    expect(urlFindings('udp', ['udp://10.0.0.300:5000'])).toEqual([
      'error url.udp-address downstream[0].urls[0]',
    ]);
  });

  test('SRT is exactly srt://host:port', () => {
    for (const url of [
      'srt://receiver.example.com',
      'srt://r.example.com:9000/stream',
      'srt://r.example.com:9000?streamid=x',
    ]) {
      expect(urlFindings('srt', [url])).toEqual(['error url.srt-format downstream[0].urls[0]']);
    }
  });
});

describe('UDP ports and FEC', () => {
  test.each([
    [['udp://10.0.0.1:5000', 'udp://10.0.0.1:5002'], true],
    [['udp://10.0.0.1:5000', 'udp://10.0.0.1:5004'], true],
    [['udp://10.0.0.1:5004', 'udp://10.0.0.1:5001'], true],
    [['udp://10.0.0.1:5000', 'udp://10.0.0.1:5005'], false],
    [['udp://10.0.0.1:5000', 'udp://10.0.0.2:5002'], false],
    [['udp://10.0.0.1:5000', 'rtp://10.0.0.2:5000'], false],
  ])('%j warns: %s', (urls, warns) => {
    expect(urlFindings('udp', urls)).toEqual(
      warns ? ['warning url.udp-fec-ports downstream[0].urls[1]'] : [],
    );
  });
});

describe('a port out of range', () => {
  test.each([
    ['srt', 'srt://receiver.example.com:70000', 'port 70000'],
    ['http-put', 'https://a.example.com:99999999999999999999999/live/index', 'port 999999999999…'],
    ['udp', 'udp://239.1.1.1:65536', 'port 65536'],
  ] as const)('%s %s: url.port naming it, not "not a valid URL"', (system, url, named) => {
    expect(urlFindings(system, [url])).toEqual(['error url.port downstream[0].urls[0]']);
    const result = validateWorkflow(
      aWorkflow({ channelClass: 'SINGLE_PIPELINE', downstream: [aDownstream(system, { urls: [url] })] }),
    );
    const message = result.diagnostics.find((d) => d.code === 'url.port')?.message ?? '';
    expect(message).toContain(`has ${named}: a port is 1-65535`);
  });

  test('65535 is a port', () => {
    expect(urlFindings('srt', ['srt://receiver.example.com:65535'])).toEqual([]);
  });
});
