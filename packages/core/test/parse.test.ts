import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exampleNames, examplePath, readExample, seedWorkflow } from '@mlds/fixtures';
import { describe, expect, test } from 'vitest';
import { normalizeWorkflow } from '../src/normalize.js';
import { parseWorkflow, placeDiagnostics, validateWorkflow } from '../src/parse.js';

const MULTI_LINE = `# a comment first
workflow: curling-live
region: us-west-2
downstream:
  - name: packager
    system: mediapackage
  - name: social
    system: rtmp
    urls:
      - rtmp://live-a.example-social.com/app
      - ftp://live-b.example-social.com/app
    streamKey: { env: SOCIAL_KEY }
    bukets: []
  - name: archive
    system: s3
    format: archive
    buckets: [good-bucket-p0, bad.bucket.p1]
`;

describe('positions', () => {
  test('each diagnostic carries the line and column of its node; an unknown field hides nothing else', () => {
    const { diagnostics, workflow, input } = parseWorkflow(MULTI_LINE);
    expect(workflow).toBeUndefined();
    expect(input).toBeUndefined();
    // The entry with the unknown field still has its URL checked, and the other entries theirs.
    expect(diagnostics.map(({ code, path, line, column }) => ({ code, path, line, column }))).toEqual([
      { code: 'url.scheme', path: 'downstream[1].urls[1]', line: 11, column: 9 },
      { code: 'field.unknown', path: 'downstream[1].bukets', line: 13, column: 5 },
      { code: 's3.bucket-name.dots', path: 'downstream[2].buckets[1]', line: 17, column: 31 },
    ]);
  });

  test('semantic findings are placed too: list items, flow sequences, nested keys', () => {
    const text = MULTI_LINE.replace('    bukets: []\n', '');
    const { diagnostics } = parseWorkflow(text);
    expect(diagnostics.map(({ code, path, line, column }) => ({ code, path, line, column }))).toEqual([
      { code: 'url.scheme', path: 'downstream[1].urls[1]', line: 11, column: 9 },
      { code: 's3.bucket-name.dots', path: 'downstream[2].buckets[1]', line: 16, column: 31 },
    ]);
  });

  test('names the workflow whenever `workflow` passed the schema, whatever else failed', () => {
    const broken = parseWorkflow(MULTI_LINE);
    expect([broken.workflow, broken.input, broken.name]).toStrictEqual([
      undefined,
      undefined,
      'curling-live',
    ]);
    expect(parseWorkflow(MULTI_LINE.replace('workflow: curling-live', 'workflow: Curling Live')).name).toBe(
      undefined,
    );
    expect(parseWorkflow('workflow: curling-live\nregion: [').name).toBe(undefined);
  });

  test('a missing field points at the entry that lacks it', () => {
    const text = 'workflow: a\nregion: us-west-2\ndownstream:\n  - name: social\n    system: udp\n';
    const { diagnostics } = parseWorkflow(text);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'field.required-by-system',
        path: 'downstream[0]',
        line: 4,
        column: 5,
      }),
    ]);
  });

  test('a missing top-level field points at the document', () => {
    const { diagnostics } = parseWorkflow(
      '\n\nworkflow: a\ndownstream: [{ name: p, system: mediapackage }]\n',
    );
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'field.required', path: '', line: 3, column: 1 }),
    ]);
  });

  test('a key with no value is placed at the key', () => {
    const text =
      'workflow: a\nregion: us-west-2\ndownstream:\n  - name: p\n    system: http-put\n    urls:\n';
    const { diagnostics } = parseWorkflow(text);
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'field.type', path: 'downstream[0].urls', line: 6, column: 5 }),
    ]);
  });

  test('JSON text is placed the same way', () => {
    const text =
      '{\n  "workflow": "a",\n  "region": "us-west-2",\n  "downstream": [\n    { "name": "p", "system": "mediapackage", "mode": "vod" }\n  ]\n}\n';
    const { diagnostics } = parseWorkflow(text, { filename: 'a.json' });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'mode.vod-mediapackage',
        path: 'downstream[0].mode',
        line: 5,
        column: 54,
      }),
    ]);
  });

  test('an alias is placed at its anchor', () => {
    const text = [
      'workflow: a',
      'region: us-west-2',
      'downstream:',
      '  - name: p',
      '    system: http-put',
      '    urls: &urls [ftp://a.example.com/x, https://b.example.com/x]',
      '  - name: q',
      '    system: http-put',
      '    urls: *urls',
    ].join('\n');
    expect(parseWorkflow(text).diagnostics.map((d) => `${d.code} ${d.path} ${d.line}:${d.column}`)).toEqual([
      'url.scheme downstream[0].urls[0] 6:18',
      'url.scheme downstream[1].urls[0] 6:18',
      'pipelines.shared-location downstream[1].urls[0] 6:18',
      'pipelines.shared-location downstream[1].urls[1] 6:41',
    ]);
  });
});

describe('merge keys (<<: *anchor)', () => {
  test("an entry takes the anchored entry's fields, its own winning; still one workflow's checks", () => {
    const text = [
      'workflow: merged',
      'region: us-west-2',
      'downstream:',
      '  - &archive',
      '    name: archive-a',
      '    system: s3',
      '    format: archive',
      '  - <<: *archive',
      '    name: archive-b',
      '    format: hls',
      '  - <<: *archive',
      '    name: archive-c',
      '    format: frame-capture',
      '    urls: [rtmp://not-for-s3.example.com/app]',
      '',
    ].join('\n');
    const parsed = parseWorkflow(text);
    const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
    // The merged fields are checked as the entry's own: a field S3 does not take is an error where it is.
    expect(errors.map((d) => [d.path, d.line])).toContainEqual(['downstream[2].urls', 14]);
    expect(errors.filter((d) => d.path.includes('<<'))).toStrictEqual([]);
    const valid = parseWorkflow(text.replace(/ {4}urls: .*\n/, ''));
    expect(valid.workflow?.downstream.map((d) => [d.name, d.system, d.format])).toStrictEqual([
      ['archive-a', 's3', 'archive'],
      ['archive-b', 's3', 'hls'],
      ['archive-c', 's3', 'frame-capture'],
    ]);
    expect(valid.diagnostics.filter((d) => d.severity === 'error')).toStrictEqual([]);
  });
});

describe("placeDiagnostics: the planner's diagnostics placed in the file", () => {
  const TEXT = [
    'workflow: placed',
    'region: us-west-2',
    'tags: { "mlds:owner": media }',
    'channel:',
    '  id: "1234567"',
    'downstream:',
    '  - name: a',
    '    system: s3',
    '  - name: b',
    '    system: rtmp',
    '    urls: [rtmp://x.example.com/app]',
    '',
  ].join('\n');
  const at = (path: string, line?: number) => ({
    severity: 'warning' as const,
    code: 'x',
    message: 'm',
    path,
    ...(line === undefined ? {} : { line, column: 1 }),
  });

  test('each path at its node; one not in the file at its nearest ancestor; the whole file and the placed kept', () => {
    const placed = placeDiagnostics(TEXT, [
      at('downstream[1].urls[0]'),
      at('channel.whenRunning'),
      at('channel.id'),
      at('tags["mlds:owner"]'),
      at(''),
      at('region', 40),
    ]);
    expect(placed.map((d) => [d.path, d.line, d.column])).toStrictEqual([
      ['downstream[1].urls[0]', 11, 12],
      ['channel.whenRunning', 5, 3],
      ['channel.id', 5, 7],
      ['tags["mlds:owner"]', 3, 23],
      ['', undefined, undefined],
      ['region', 40, 1],
    ]);
  });

  test('nothing to place, or a text that does not parse: the diagnostics as they are', () => {
    const given = [at('region', 2)];
    expect(placeDiagnostics(TEXT, given)).toStrictEqual(given);
    expect(placeDiagnostics('a: [', [at('region')])).toStrictEqual([at('region')]);
    expect(placeDiagnostics(TEXT, [at('not a path!')])).toStrictEqual([at('not a path!')]);
  });
});

describe('syntax', () => {
  test('a YAML syntax error is `syntax` with its position and stops there', () => {
    const text =
      'workflow: a\nregion: us-west-2\ndownstream:\n  - name: p\n    system: mediapackage\n   - name: q\n';
    const { diagnostics, workflow, input } = parseWorkflow(text);
    expect(workflow).toBeUndefined();
    expect(input).toBeUndefined();
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics[0]).toEqual(
      expect.objectContaining({ severity: 'error', code: 'syntax', line: 6, column: 4 }),
    );
    expect(diagnostics[0]?.message).toContain('YAML syntax error');
    expect(diagnostics.every((d) => d.code === 'syntax')).toBe(true);
  });

  test('a duplicate key is an error naming the key', () => {
    const text =
      'workflow: a\nregion: us-west-2\ndownstream:\n  - name: p\n    system: mediapackage\n    name: q\n';
    expect(parseWorkflow(text).diagnostics).toEqual([
      {
        severity: 'error',
        code: 'syntax.duplicate-key',
        message: '`downstream[0].name` appears twice in the same mapping: keep one.',
        path: 'downstream[0].name',
        line: 6,
        column: 5,
      },
    ]);
  });

  test('a duplicate key in JSON too, with the other problems of the file', () => {
    const text = '{"workflow": "a", "workflow": "b", "region": "us-west-2", "downstream": []}';
    const { diagnostics, workflow, input } = parseWorkflow(text, { filename: 'w.json' });
    expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual([
      'syntax.duplicate-key workflow',
      'downstream.empty downstream',
    ]);
    expect(workflow).toBeUndefined();
    expect(input).toBeUndefined();
  });

  test('a duplicate key hides none of the other problems: every one comes in one pass, each at its place', () => {
    const text = [
      'workflow: a',
      'region: us-west-2',
      'region: us-east-1',
      'downstream:',
      '  - name: p',
      '    system: udp',
      '    urls: ["udp://10.0.0.1:99999"]',
      '  - name: p',
      '    system: rtmp',
      '    format: hls',
      '    format: hls',
      '',
    ].join('\n');
    const { diagnostics, workflow } = parseWorkflow(text);
    expect(workflow).toBeUndefined();
    expect(
      diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.path} ${d.line}`),
    ).toEqual([
      'syntax.duplicate-key region 3',
      'pipelines.count downstream[0].urls 7',
      'url.port downstream[0].urls[0] 7',
      'field.required-by-system downstream[1] 8',
      'field.required-by-system downstream[1] 8',
      'name.duplicate downstream[1].name 8',
      'format.unsupported downstream[1].format 10',
      'syntax.duplicate-key downstream[1].format 11',
    ]);
  });

  test('more than one document', () => {
    const { diagnostics } = parseWorkflow('workflow: a\n---\nworkflow: b\n');
    expect(diagnostics.map((d) => d.code)).toEqual(['syntax']);
    expect(diagnostics[0]?.message).toContain('keep one workflow per file');
  });

  test('a JSON syntax error is described as JSON, with its position', () => {
    const text = '{\n  "workflow": "a",\n  "region": "us-west-2"\n  "downstream": []\n}\n';
    const { diagnostics } = parseWorkflow(text, { filename: 'workflow.json' });
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        code: 'syntax',
        message: 'JSON syntax error: expected , or } after a value (a comma may be missing).',
        path: '',
        line: 4,
        column: 3,
      },
    ]);
  });

  test('JSON that YAML would accept is still refused in a .json file', () => {
    const { diagnostics } = parseWorkflow('{"workflow": "a", "region": "us-west-2", "downstream": [],}', {
      filename: 'w.JSON',
    });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'syntax',
        line: 1,
        column: 59,
        message: expect.stringContaining('trailing comma'),
      }),
    ]);
  });

  test('text starting with { that YAML cannot read is reported as JSON without a file name', () => {
    const { diagnostics } = parseWorkflow('{"workflow": "a" "region": "us-west-2"}');
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'syntax', message: expect.stringContaining('JSON syntax error') }),
    ]);
  });

  test('an empty file', () => {
    expect(parseWorkflow('').diagnostics).toEqual([
      expect.objectContaining({ code: 'file.empty', path: '', line: 1, column: 1 }),
    ]);
    expect(parseWorkflow('# only a comment\n').diagnostics.map((d) => d.code)).toEqual(['file.empty']);
  });

  test('an alias to no anchor is named, at its place', () => {
    const { diagnostics } = parseWorkflow('workflow: a\nregion: *nothing\ndownstream: []\n');
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        code: 'syntax.alias',
        message:
          'YAML error: the alias *nothing refers to no anchor: define &nothing on a value before it, or write the value here.',
        path: 'region',
        line: 2,
        column: 9,
      },
    ]);
  });

  test('a duplicate key at the end of the file is reported at its own path', () => {
    const text = [
      'workflow: dup',
      'region: us-west-2',
      'downstream:',
      '  - name: cdn',
      '    system: http-put',
      '    urls:',
      '      - https://a.example.com/live/index',
      '      - https://b.example.com/live/index',
      'region: us-east-1',
      '',
    ].join('\n');
    expect(parseWorkflow(text).diagnostics).toEqual([
      {
        severity: 'error',
        code: 'syntax.duplicate-key',
        message: '`region` appears twice in the same mapping: keep one.',
        path: 'region',
        line: 9,
        column: 1,
      },
    ]);
  });

  test('an alias bomb is refused, not expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `${'a'.repeat(i + 1)}: &${'a'.repeat(i + 1)} [${Array(10)
          .fill(`*${'a'.repeat(i)}`)
          .join(', ')}]`,
      );
    const { diagnostics } = parseWorkflow(lines.join('\n'));
    expect(diagnostics.map((d) => d.code)).toEqual(['syntax.alias']);
    expect(diagnostics[0]?.message).toContain('the aliases expand to too many copies (the first is *a)');
  });

  test('a YAML warning (an unknown tag) is a warning, and the message does not quote the tag', () => {
    const text =
      'workflow: a\nregion: us-west-2\ndownstream:\n  - name: p\n    system: !secret-tag mediapackage\n';
    const { diagnostics, workflow } = parseWorkflow(text);
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'syntax', line: 5, column: 13 }),
    ]);
    expect(diagnostics[0]?.message).not.toContain('secret-tag');
    expect(workflow).toBeDefined();
  });
});

describe('the result', () => {
  test('workflow is the normalized input when there is no error', () => {
    const result = parseWorkflow(readExample('curling-live'));
    expect(result.diagnostics).toEqual([]);
    expect(result.input).toEqual(seedWorkflow());
    expect(result.workflow).toEqual(normalizeWorkflow(seedWorkflow()));
  });

  test('warnings and infos keep the workflow; a semantic error keeps the input but not the workflow', () => {
    const warned = parseWorkflow(
      'workflow: a\nregion: us-west-2\ndownstream:\n  - { name: m, system: mediastore }\n',
    );
    expect(warned.diagnostics.map((d) => d.severity)).toEqual(['warning']);
    expect(warned.workflow?.downstream[0]?.resolvedSystem).toBe('mediastore');

    const failed = parseWorkflow('workflow: a\nregion: mars-1\ndownstream:\n  - { name: m, system: s3 }\n');
    expect(failed.diagnostics.map((d) => d.code)).toEqual(['region.format']);
    expect(failed.workflow).toBeUndefined();
    expect(failed.input).toEqual({
      workflow: 'a',
      region: 'mars-1',
      downstream: [{ name: 'm', system: 's3' }],
    });
  });

  test('parsing the same text twice gives the same result', () => {
    const text = readExample('curling-live').replace(
      'format: archive',
      'format: hls\n    mode: vod\n    buckets: [A, b.c]',
    );
    expect(parseWorkflow(text)).toStrictEqual(parseWorkflow(text));
    expect(parseWorkflow(text).diagnostics.length).toBeGreaterThan(1);
  });

  test('validateWorkflow gives the same diagnostics without positions, sorted by path', () => {
    const input = {
      ...seedWorkflow(),
      region: 'nowhere',
      downstream: [
        { name: 'packager', system: 'mediapackage', mode: 'vod' },
        { name: 'archive', system: 's3', format: 'archive', buckets: ['a.b', 'c.d'] },
      ],
    };
    const result = validateWorkflow(input);
    expect(result.diagnostics.map(({ code, path, line }) => ({ code, path, line }))).toEqual([
      { code: 'mode.vod-mediapackage', path: 'downstream[0].mode', line: undefined },
      { code: 's3.bucket-name.dots', path: 'downstream[1].buckets[0]', line: undefined },
      { code: 's3.bucket-name.dots', path: 'downstream[1].buckets[1]', line: undefined },
      { code: 'region.format', path: 'region', line: undefined },
    ]);
    expect(result.diagnostics.every((d) => !('line' in d) && !('column' in d))).toBe(true);
  });

  test('validateWorkflow returns its own copy of the input', () => {
    const input = seedWorkflow();
    const result = validateWorkflow(input);
    expect(result.input).toEqual(input);
    expect(result.input).not.toBe(input);
    expect(result.input?.downstream).not.toBe(input.downstream);
  });
});

describe('the region option (--region)', () => {
  const text = [
    'workflow: packaged',
    'region: us-west-2',
    'downstream:',
    '  - name: packager',
    '    system: mediapackage',
    '    region: us-west-2',
    '    outputGroup: mediapackage',
    '',
  ].join('\n');

  test('replaces the region before the rules run, so they judge the Region the channel will have', () => {
    expect(parseWorkflow(text).diagnostics).toEqual([]);
    const moved = parseWorkflow(text, { region: 'eu-west-1' });
    expect(moved.workflow).toBeUndefined();
    expect(moved.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path} ${d.line}:${d.column}`)).toEqual([
      'error output-group.mediapackage-region downstream[0].outputGroup 7:18',
    ]);
  });

  test('the planned workflow has the region given', () => {
    const workflow = parseWorkflow(text.replace('    region: us-west-2\n', ''), {
      region: 'eu-west-1',
    }).workflow;
    expect(workflow?.region).toBe('eu-west-1');
  });

  test('does not stand in for a file without region', () => {
    const result = parseWorkflow(text.replace('region: us-west-2\n', ''), { region: 'eu-west-1' });
    expect(result.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['field.required ']);
  });
});

describe('the example workflow files', () => {
  const invalidDir = join(dirname(examplePath('curling-live')), 'invalid');
  const invalid = readdirSync(invalidDir).filter((file) => /\.(ya?ml|json)$/.test(file));

  test('there is one per downstream system, a JSON one and a single-pipeline one', () => {
    const all = exampleNames().map((name) =>
      parseWorkflow(readExample(name), { filename: examplePath(name) }),
    );
    const systems = new Set(all.flatMap((r) => r.workflow?.downstream.map((d) => d.system) ?? []));
    expect([...systems].sort()).toEqual([
      'akamai',
      'aws',
      'http-put',
      'mediapackage',
      'mediapackage-v2',
      'mediastore',
      'mss',
      'rtmp',
      's3',
      'srt',
      'udp',
      'webdav',
    ]);
    const formats = new Set(all.flatMap((r) => r.workflow?.downstream.map((d) => d.format) ?? []));
    expect(formats).toEqual(new Set(['hls', 'archive', 'frame-capture', 'rtmp', 'mss', 'ts', 'srt', 'cmaf']));
    const groups = new Set(all.flatMap((r) => r.workflow?.downstream.map((d) => d.outputGroup) ?? []));
    expect(groups).toEqual(new Set(['auto', 'hls', 'mediapackage', 'cmaf-ingest']));
    expect(exampleNames().some((name) => examplePath(name).endsWith('.json'))).toBe(true);
    expect(all.some((r) => r.workflow?.channelClass === 'SINGLE_PIPELINE')).toBe(true);
  });

  test.each(exampleNames())('%s parses with no error', (name) => {
    const result = parseWorkflow(readExample(name), { filename: examplePath(name) });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.workflow).toBeDefined();
  });

  test('there are invalid examples', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(3);
  });

  test.each(invalid)('invalid/%s has at least one error', (file) => {
    const result = parseWorkflow(readFileSync(join(invalidDir, file), 'utf8'), { filename: file });
    expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
    expect(result.workflow).toBeUndefined();
  });
});
