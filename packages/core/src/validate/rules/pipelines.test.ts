import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { describe, expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';

function found(input: unknown, prefix = 'pipelines.') {
  return validateWorkflow(input)
    .diagnostics.filter((d) => d.code.startsWith(prefix))
    .map(({ severity, code, path }) => `${severity} ${code} ${path}`);
}

describe('one destination per pipeline', () => {
  test('a STANDARD channel takes two URLs and two buckets', () => {
    const workflow = aWorkflow({
      downstream: [aDownstream('http-put'), aDownstream('s3', { buckets: ['live-p0', 'live-p1'] })],
    });
    expect(found(workflow)).toEqual([]);
    expect(validateWorkflow(workflow).workflow).toBeDefined();
  });

  test('a STANDARD channel with one URL is an error that offers both fixes', () => {
    const result = validateWorkflow(
      aWorkflow({ downstream: [aDownstream('rtmp', { urls: ['rtmp://a.example.com/app'] })] }),
    );
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'pipelines.count', path: 'downstream[0].urls' }),
    ]);
    expect(result.diagnostics[0]?.message).toContain('a STANDARD channel has 2 pipelines');
    expect(result.diagnostics[0]?.message).toContain('channelClass: SINGLE_PIPELINE');
    expect(result.workflow).toBeUndefined();
  });

  test('a SINGLE_PIPELINE channel takes exactly one', () => {
    const one = aDownstream('udp', { urls: ['udp://10.0.0.10:5000'] });
    expect(found(aWorkflow({ channelClass: 'SINGLE_PIPELINE', downstream: [one] }))).toEqual([]);
    expect(found(aWorkflow({ channelClass: 'SINGLE_PIPELINE', downstream: [aDownstream('udp')] }))).toEqual([
      'error pipelines.count downstream[0].urls',
    ]);
  });

  test('buckets count too', () => {
    expect(found(aWorkflow({ downstream: [aDownstream('s3', { buckets: ['live-p0'] })] }))).toEqual([
      'error pipelines.count downstream[0].buckets',
    ]);
  });

  test('the two pipeline URLs or buckets of one destination must differ', () => {
    const url = 'https://ingest.example.com/live/index';
    expect(found(aWorkflow({ downstream: [aDownstream('http-put', { urls: [url, url] })] }))).toEqual([
      'error pipelines.distinct downstream[0].urls[1]',
    ]);
    expect(
      found(aWorkflow({ downstream: [aDownstream('s3', { buckets: ['same-one', 'same-one'] })] })),
    ).toEqual(['error pipelines.distinct downstream[0].buckets[1]']);
  });
});

describe('two destinations writing to one place', () => {
  test('the same URL in two entries is a warning on the later entry', () => {
    const workflow = aWorkflow({
      downstream: [aDownstream('http-put', { name: 'a' }), aDownstream('http-put', { name: 'b' })],
    });
    expect(found(workflow)).toEqual([
      'warning pipelines.shared-location downstream[1].urls[0]',
      'warning pipelines.shared-location downstream[1].urls[1]',
    ]);
  });

  test('the same buckets with the same path collide; the default path (with the entry name) does not', () => {
    const buckets = ['shared-p0', 'shared-p1'];
    const samePath = aWorkflow({
      downstream: [
        aDownstream('s3', { name: 'a', buckets, path: 'x/index' }),
        aDownstream('s3', { name: 'b', buckets, path: 'x/index' }),
      ],
    });
    expect(found(samePath)).toHaveLength(2);
    const defaults = aWorkflow({
      downstream: [aDownstream('s3', { name: 'a', buckets }), aDownstream('s3', { name: 'b', buckets })],
    });
    expect(found(defaults)).toEqual([]);
  });
});
