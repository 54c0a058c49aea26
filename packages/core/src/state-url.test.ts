import { describe, expect, it } from 'vitest';
import { parseWorkflow } from './parse.js';
import { parseStateUrl } from './state-url.js';

describe('parseStateUrl', () => {
  it('reads s3://bucket/key, keeping folders in the key', () => {
    expect(parseStateUrl('s3://team-state/mlds/curling-live.json')).toStrictEqual({
      url: { kind: 's3', bucket: 'team-state', key: 'mlds/curling-live.json' },
    });
    expect(parseStateUrl('S3://team-state/k')).toStrictEqual({
      url: { kind: 's3', bucket: 'team-state', key: 'k' },
    });
  });

  it('takes anything without a scheme as a local path', () => {
    expect(parseStateUrl('.mlds/w.state.json')).toStrictEqual({
      url: { kind: 'file', path: '.mlds/w.state.json' },
    });
    expect(parseStateUrl('/abs/s3:/not-a-url')).toStrictEqual({
      url: { kind: 'file', path: '/abs/s3:/not-a-url' },
    });
  });

  it.each([
    ['s3://', 'names no bucket'],
    ['s3:///key', 'names no bucket'],
    ['s3://team-state', 'names no object key'],
    ['s3://team-state/', 'names no object key'],
    ['s3://team-state/folder/', 'names no object key'],
    ['s3://Team_State/key', 'invalid bucket'],
    ['s3://ab/key', 'invalid bucket'],
    ['s3://xn--bucket/key', 'invalid bucket'],
    ['s3://AKIAEXAMPLE:secret@team-state/key', 'credentials'],
    ['s3://user@team-state/key', 'credentials'],
    ['s3://team-state/a//b', 'empty'],
    ['s3://team-state/../b', '`..`'],
    ['s3://team-state/key?versionId=1', 'query'],
    ['s3://team-state/ke\ny', 'control character'],
    ['.mlds/st\u0000ate.json', 'control character'],
    ['https://team-state.s3.amazonaws.com/key', 'scheme https://'],
    ['', 'is empty'],
  ])('refuses %j (%s)', (text, problem) => {
    const result = parseStateUrl(text);
    expect('problem' in result && result.problem).toContain(problem);
  });

  it('never repeats credentials found in a URL', () => {
    const result = parseStateUrl('s3://AKIAEXAMPLE:wJalrXUtnFEMI@team-state/key');
    expect(JSON.stringify(result)).not.toContain('wJalrXUtnFEMI');
    expect(JSON.stringify(result)).not.toContain('AKIAEXAMPLE');
  });
});

describe('the workflow file: state', () => {
  const workflow = (state: string) =>
    JSON.stringify({
      workflow: 'w',
      region: 'us-west-2',
      state,
      downstream: [{ name: 'cdn', system: 'udp', urls: ['udp://10.0.0.1:5000', 'udp://10.0.0.2:5000'] }],
    });

  it('keeps a valid s3:// state in the workflow', () => {
    const parsed = parseWorkflow(workflow('s3://team-state/w.json'));
    expect(parsed.workflow?.state).toBe('s3://team-state/w.json');
  });

  it('is an error naming the field when the URL is malformed', () => {
    const parsed = parseWorkflow(workflow('s3://team-state'));
    expect(parsed.workflow).toBeUndefined();
    expect(parsed.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'state.url', path: 'state' }),
    );
  });
});
