import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { describe, expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';

function found(workflow: unknown) {
  return validateWorkflow(workflow)
    .diagnostics.filter((d) => d.severity === 'error')
    .map(({ code, path }) => `${code} ${path}`);
}

const UNSAFE = [
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u200e',
  '\u202e',
  '\u2066',
  '\u2028',
  '\ufeff',
];

describe('control and formatting characters', () => {
  test.each(UNSAFE)(
    'U+%s inside an https URL is an error at its path, and the URL is not copied anywhere',
    (char) => {
      const workflow = aWorkflow({
        channelClass: 'SINGLE_PIPELINE',
        downstream: [aDownstream('http-put', { urls: [`https://cdn.example.com/li${char}ve/index`] })],
      });
      const result = validateWorkflow(workflow);
      expect(result.workflow).toBeUndefined();
      expect(found(workflow)).toStrictEqual(['text.control-character downstream[0].urls[0]']);
      const message = result.diagnostics[0]?.message ?? '';
      expect(message).toContain(`U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
      expect(message).not.toContain('cdn.example.com');
    },
  );

  test('in a path, a username, a tag value and a tag key', () => {
    const workflow = aWorkflow({
      channelClass: 'SINGLE_PIPELINE',
      tags: { team: 'spo\u202erts', 'o\u0007k': 'x' },
      downstream: [
        aDownstream('http-put', {
          urls: ['https://cdn.example.com/live/index'],
          username: 'us\u001b[31mer',
          password: { env: 'CDN_PASSWORD' },
        }),
        aDownstream('mediastore', { name: 'store', path: 'a/b\u0000/index' }),
      ],
    });
    expect(found(workflow).sort()).toStrictEqual(
      [
        'tags.value tags.team',
        'tags.key tags["o\\u0007k"]',
        'text.control-character downstream[0].username',
        'text.control-character downstream[1].path',
      ].sort(),
    );
  });

  test('a line separator in a tag (a \\p{Z} character AWS allows) is refused here', () => {
    const workflow = aWorkflow({ tags: { team: 'a\u2028b' } });
    expect(found(workflow)).toStrictEqual(['text.control-character tags.team']);
  });

  test('ordinary Unicode passes', () => {
    const workflow = aWorkflow({ tags: { équipe: 'Sport éé 日本' } });
    expect(found(workflow)).toStrictEqual([]);
  });
});

describe('ports', () => {
  test.each([
    ['udp', 'udp://239.1.1.1:0'],
    ['rtmp', 'rtmps://live.example.com:0/app'],
    ['srt', 'srt://receiver.example.com:0'],
    ['http-put', 'https://cdn.example.com:0/live/index'],
  ] as const)('%s: port 0 in %s is refused', (system, url) => {
    const workflow = aWorkflow({
      channelClass: 'SINGLE_PIPELINE',
      downstream: [aDownstream(system, { urls: [url] })],
    });
    expect(found(workflow)).toStrictEqual(['url.port downstream[0].urls[0]']);
  });

  test.each([
    ['udp', 'udp://239.1.1.1:65536'],
    ['srt', 'srt://receiver.example.com:99999'],
  ] as const)('%s: %s is past 65535', (system, url) => {
    const workflow = aWorkflow({
      channelClass: 'SINGLE_PIPELINE',
      downstream: [aDownstream(system, { urls: [url] })],
    });
    expect(found(workflow)).toStrictEqual(['url.port downstream[0].urls[0]']);
  });

  test.each([
    ['udp', 'udp://239.1.1.1:1'],
    ['udp', 'udp://239.1.1.1:65535'],
  ] as const)('%s: %s is the edge, accepted', (system, url) => {
    const workflow = aWorkflow({
      channelClass: 'SINGLE_PIPELINE',
      downstream: [aDownstream(system, { urls: [url] })],
    });
    expect(found(workflow)).toStrictEqual([]);
  });
});
