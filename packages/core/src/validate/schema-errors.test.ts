import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { describe, expect, test } from 'vitest';
import { validateWorkflow } from '../parse.js';
import type { Diagnostic } from '../types.js';

function diagnose(input: unknown): Diagnostic[] {
  return validateWorkflow(input).diagnostics;
}

function brief(input: unknown): string[] {
  return diagnose(input).map(({ severity, code, path }) => `${severity} ${code} ${path}`);
}

/** A workflow object with one raw (possibly malformed) downstream entry. */
function withEntry(entry: Record<string, unknown>, top: Record<string, unknown> = {}) {
  return { workflow: 'curling-live', region: 'us-west-2', ...top, downstream: [entry] };
}

describe('the whole file', () => {
  test('empty, or not a mapping', () => {
    expect(brief(null)).toEqual(['error file.empty ']);
    expect(brief(undefined)).toEqual(['error file.empty ']);
    expect(brief(['workflow'])).toEqual(['error file.not-mapping ']);
    expect(brief('workflow: x')).toEqual(['error file.not-mapping ']);
  });

  test('missing required fields name what to add', () => {
    const diagnostics = diagnose({ downstream: [{ name: 'packager', system: 'mediapackage' }] });
    expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['field.required ', 'field.required ']);
    expect(diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('`region: us-west-2`'),
      expect.stringContaining('`workflow: curling-live`'),
    ]);
  });

  test('an unknown top-level field suggests the near one', () => {
    const diagnostics = diagnose({ ...aWorkflow(), regoin: 'us-west-2' });
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'field.unknown', path: 'regoin' }),
    ]);
    expect(diagnostics[0]?.message).toBe('`regoin`: unknown field; did you mean `region`?');
  });

  test('a misspelt required field is one problem: the typo, not also the missing field', () => {
    const { region: _region, ...withoutRegion } = aWorkflow();
    expect(brief({ ...withoutRegion, regoin: 'us-west-2' })).toEqual(['error field.unknown regoin']);
    const { downstream, ...withoutDownstream } = aWorkflow();
    expect(brief({ ...withoutDownstream, downstreams: downstream })).toEqual([
      'error field.unknown downstreams',
    ]);
    // Missing, and an unknown field that is not its typo: both.
    expect(brief({ ...withoutRegion, colour: 'blue' })).toEqual([
      'error field.required ',
      'error field.unknown colour',
    ]);
    const entry = {
      name: 'cdn',
      system: 'http-put',
      urls: ['https://a.example.com/l', 'https://b.example.com/l'],
    };
    expect(brief(withEntry({ ...entry, usrnam: 'ingest', password: { env: 'CDN_PASSWORD' } }))).toEqual([
      'error field.unknown downstream[0].usrnam',
    ]);
    // Without the typo, the credentials rule still reports a password without its user name.
    expect(brief(withEntry({ ...entry, password: { env: 'CDN_PASSWORD' } }))).toEqual([
      'error credentials.incomplete downstream[0].password',
    ]);
  });

  test('an unknown field with no near one lists the fields', () => {
    const diagnostics = diagnose({ ...aWorkflow(), colour: 'blue' });
    expect(diagnostics[0]?.message).toContain(
      'remove it; the fields here are workflow, region, channelClass',
    );
  });

  test('`$schema` is allowed for editors and dropped from the input', () => {
    const result = validateWorkflow({ $schema: './workflow.schema.json', ...aWorkflow() });
    expect(result.diagnostics).toEqual([]);
    expect(result.input).toEqual(aWorkflow());
  });

  test('an empty downstream list', () => {
    expect(brief(aWorkflow({ downstream: [] }))).toEqual(['error downstream.empty downstream']);
  });
});

describe('enums and names', () => {
  test('an enum value lists the allowed ones and suggests a near one', () => {
    const diagnostics = diagnose(aWorkflow({ channelClass: 'standard' as never }));
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'field.enum', path: 'channelClass' }),
    ]);
    expect(diagnostics[0]?.message).toBe(
      '`channelClass` (`standard`) is not allowed; use one of: STANDARD, SINGLE_PIPELINE (did you mean STANDARD?).',
    );
  });

  test('an unknown system lists the systems', () => {
    const diagnostics = diagnose(withEntry({ name: 'x', system: 'youtube' }));
    expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['field.enum downstream[0].system']);
    expect(diagnostics[0]?.message).toContain(
      'mediapackage, s3, mediastore, http-put, webdav, akamai, rtmp, mss, udp, srt, aws',
    );
  });

  test('a name outside the character rule suggests a fixed one', () => {
    const diagnostics = diagnose(aWorkflow({ workflow: 'Curling_Live' }));
    expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['name.format workflow']);
    expect(diagnostics[0]?.message).toContain('1-32 of a-z, 0-9 and -');
    expect(diagnostics[0]?.message).toContain('e.g. `curling-live`');
    // Accents dropped, runs of other characters one dash.
    expect(diagnose(aWorkflow({ workflow: 'café-ünï' }))[0]?.message).toContain('e.g. `cafe-uni`');
    expect(diagnose(aWorkflow({ workflow: 'Court #1 / Finals' }))[0]?.message).toContain(
      'e.g. `court-1-finals`',
    );
    expect(brief(withEntry({ name: '-packager', system: 'mediapackage' }))).toEqual([
      'error name.format downstream[0].name',
    ]);
    expect(brief(aWorkflow({ workflow: 'a'.repeat(33) }))).toEqual(['error name.format workflow']);
  });
});

describe('format × system', () => {
  test('a known format the system does not take lists both sides', () => {
    const diagnostics = diagnose(
      withEntry({
        name: 'social',
        system: 'rtmp',
        format: 'hls',
        urls: ['rtmp://a/app', 'rtmp://b/app'],
        streamKey: { env: 'K' },
      }),
    );
    expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual([
      'format.unsupported downstream[0].format',
    ]);
    expect(diagnostics[0]?.message).toBe(
      'System rtmp does not take format hls: rtmp takes rtmp, and format hls goes to mediapackage, s3, mediastore, http-put, webdav, akamai, aws, mediapackage-v2. Change `format` or `system`.',
    );
  });

  test.each([
    ['mediapackage', 'archive'],
    ['mediastore', 'frame-capture'],
    ['udp', 'srt'],
    ['srt', 'ts'],
    ['mss', 'hls'],
    ['aws', 'archive'],
  ])('%s does not take %s', (system, format) => {
    const entry = { ...aDownstream(system as never), format };
    // The rules that do not read `format` still run on the entry.
    const discontinued =
      system === 'mediastore' ? ['warning mediastore.discontinued downstream[0].system'] : [];
    expect(brief(withEntry(entry))).toEqual([
      'error format.unsupported downstream[0].format',
      ...discontinued,
    ]);
  });

  test.each([
    ['s3', 'hls'],
    ['s3', 'archive'],
    ['s3', 'frame-capture'],
    ['udp', 'ts'],
    ['mss', 'mss'],
    ['srt', 'srt'],
  ])('%s takes %s', (system, format) => {
    expect(brief(withEntry({ ...aDownstream(system as never), format }))).toEqual([]);
  });

  test('an unknown format is reported once, with the formats of the system', () => {
    const diagnostics = diagnose(withEntry({ name: 'x', system: 's3', format: 'dash' }));
    expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['field.enum downstream[0].format']);
    expect(diagnostics[0]?.message).toContain('use one of: hls, archive, frame-capture');
  });
});

describe('fields per system', () => {
  test('a typo in a downstream field suggests the right one', () => {
    const diagnostics = diagnose(withEntry({ name: 'vod', system: 's3', bukets: ['a-p0', 'a-p1'] }));
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'field.unknown', path: 'downstream[0].bukets' }),
    ]);
    expect(diagnostics[0]?.message).toBe('`downstream[0].bukets`: unknown field; did you mean `buckets`?');
  });

  test('a typo is matched against the fields of the entry’s own system only', () => {
    const onS3 = diagnose(withEntry({ name: 'vod', system: 's3', usrname: 'ingest' }));
    expect(onS3[0]?.message).toBe(
      '`downstream[0].usrname`: unknown field; remove it; system s3 takes name, system, format, mode, needs, buckets, path.',
    );
    const onPut = diagnose(
      withEntry({ name: 'cdn', system: 'http-put', urls: ['https://a.example.com/x'], usrname: 'ingest' }),
    );
    expect(onPut.map((d) => d.message)).toContain(
      '`downstream[0].usrname`: unknown field; did you mean `username`?',
    );
  });

  test('an unknown field with no near one lists the fields of the system', () => {
    const diagnostics = diagnose(withEntry({ name: 'vod', system: 's3', colour: 'blue' }));
    expect(diagnostics[0]?.message).toContain(
      'remove it; system s3 takes name, system, format, mode, needs, buckets, path',
    );
  });

  test('a field of another system is an error naming the system and who takes the field', () => {
    const diagnostics = diagnose(withEntry({ name: 'vod', system: 's3', streamKey: { env: 'KEY' } }));
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'field.not-for-system',
        path: 'downstream[0].streamKey',
      }),
    ]);
    expect(diagnostics[0]?.message).toContain('does not belong to system s3');
    expect(diagnostics[0]?.message).toContain('`streamKey` is for rtmp');
  });

  test('what is wrong inside a misplaced field is not reported again', () => {
    expect(brief(withEntry({ name: 'vod', system: 's3', urls: 'https://x' }))).toEqual([
      'error field.not-for-system downstream[0].urls',
    ]);
  });

  test.each([
    ['mediapackage', 'urls'],
    ['mediastore', 'buckets'],
    ['udp', 'password'],
    ['srt', 'username'],
    ['http-put', 'streamKey'],
    ['rtmp', 'streamId'],
    ['aws', 'urls'],
    ['s3', 'outputGroup'],
  ])('%s does not take %s', (system, field) => {
    const entry: Record<string, unknown> = { ...aDownstream(system as never) };
    entry[field] =
      field === 'password' || field === 'streamKey' ? { env: 'X' } : field === 'outputGroup' ? 'hls' : ['x'];
    if (field === 'username' || field === 'streamId') entry[field] = 'x';
    const discontinued =
      system === 'mediastore' ? ['warning mediastore.discontinued downstream[0].system'] : [];
    expect(brief(withEntry(entry))).toEqual([
      `error field.not-for-system downstream[0].${field}`,
      ...discontinued,
    ]);
  });

  test('fields a system needs', () => {
    const diagnostics = diagnose(withEntry({ name: 'social', system: 'rtmp' }));
    expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual([
      'field.required-by-system downstream[0]',
      'field.required-by-system downstream[0]',
    ]);
    expect(diagnostics.map((d) => d.message).sort()).toEqual([
      expect.stringContaining('(system rtmp) needs `streamKey`: add `streamKey: { env: NAME }`'),
      expect.stringContaining('(system rtmp) needs `urls`'),
    ]);
    for (const system of ['http-put', 'webdav', 'akamai', 'mss', 'udp', 'srt']) {
      expect(brief(withEntry({ name: 'x', system }))).toEqual([
        'error field.required-by-system downstream[0]',
      ]);
    }
    for (const system of ['mediapackage', 's3', 'mediastore', 'aws']) {
      expect(brief(withEntry({ name: 'x', system })).filter((d) => d.startsWith('error'))).toEqual([]);
    }
  });

  test('entries that are not mappings', () => {
    expect(brief(aWorkflow({ downstream: [null, 'packager', 3, aDownstream('s3')] as never }))).toEqual([
      'error field.type downstream[0]',
      'error field.type downstream[1]',
      'error field.type downstream[2]',
    ]);
  });

  test('a downstream entry needs a name and a system', () => {
    expect(brief(withEntry({}))).toEqual([
      'error field.required downstream[0]',
      'error field.required downstream[0]',
    ]);
  });
});

describe('types and counts', () => {
  test('a wrong type says what was expected and what was found', () => {
    const diagnostics = diagnose(
      withEntry({ name: 'x', system: 'http-put', urls: 'https://a.example.com/x' }),
    );
    expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['field.type downstream[0].urls']);
    expect(diagnostics[0]?.message).toBe(
      '`downstream[0].urls` must be a list, not a string: write one URL per pipeline as a list, e.g. `urls: [first, second]`.',
    );
    expect(brief(aWorkflow({ region: 5 as never }))).toEqual(['error field.type region']);
    expect(brief({ ...aWorkflow(), tags: { team: 1 } })).toEqual(['error field.type tags.team']);
  });

  test('more URLs than pipelines', () => {
    const urls = ['https://a.example.com/x', 'https://b.example.com/x', 'https://c.example.com/x'];
    const diagnostics = diagnose(withEntry({ name: 'x', system: 'http-put', urls }));
    expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['pipelines.count downstream[0].urls']);
    expect(diagnostics[0]?.message).toContain('has 3 entries; give one entry per pipeline');
  });

  test('a need listed twice', () => {
    expect(brief(withEntry({ name: 'x', system: 'mediapackage', needs: ['drm', 'drm'] }))).toEqual([
      'error needs.duplicate downstream[0].needs',
    ]);
  });
});

describe('secret references', () => {
  test('a literal secret is an error that does not repeat it', () => {
    const diagnostics = diagnose(withEntry({ ...aDownstream('rtmp'), streamKey: 'live_abc123' }));
    expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['secret.literal downstream[0].streamKey']);
    expect(diagnostics[0]?.message).toContain('`downstream[0].streamKey` holds the secret itself');
    expect(diagnostics[0]?.message).toContain('`{ env: NAME }`');
    expect(diagnostics[0]?.message).toContain('`{ ssmParameter: /name }`');
    expect(diagnostics[0]?.message).not.toContain('live_abc123');
  });

  test('a number is a literal secret too', () => {
    expect(brief(withEntry({ ...aDownstream('http-put'), username: 'u', password: 123456 }))).toEqual([
      'error secret.literal downstream[0].password',
    ]);
  });

  test('both references at once, none, or something else', () => {
    const base = aDownstream('http-put', { username: 'u' });
    expect(brief(withEntry({ ...base, password: { env: 'A', ssmParameter: '/b' } }))).toEqual([
      'error secret.ref downstream[0].password',
    ]);
    expect(brief(withEntry({ ...base, password: {} }))).toEqual(['error secret.ref downstream[0].password']);
    expect(brief(withEntry({ ...base, password: ['x'] }))).toEqual([
      'error secret.ref downstream[0].password',
    ]);
    expect(brief(withEntry({ ...base, password: null }))).toEqual([
      'error secret.ref downstream[0].password',
    ]);
  });

  test('an unknown key in a reference is not repeated: it may be the secret', () => {
    const diagnostics = diagnose(withEntry({ ...aDownstream('rtmp'), streamKey: { live_abc123: true } }));
    expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['secret.ref downstream[0].streamKey']);
    expect(diagnostics[0]?.message).toContain('takes only `env` or `ssmParameter`');
    expect(diagnostics[0]?.message).not.toContain('live_abc123');
  });
});

describe('one diagnostic per problem', () => {
  test('no diagnostic appears twice', () => {
    const input = {
      workflow: 'Bad Name',
      region: 'us-west-2',
      channelClass: 'TRIPLE',
      downstream: [
        { name: 'a', system: 'rtmp', format: 'hls', bukets: 1, streamKey: 'k', urls: [1, 2, 3] },
        { name: 'b', system: 'nope', format: 'nope' },
        'not an entry',
      ],
    };
    const keys = diagnose(input).map((d) => `${d.path} ${d.code} ${d.message}`);
    expect(keys.length).toBeGreaterThan(5);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('a malformed entry keeps the semantic rules away from it but not from the others', () => {
    const result = validateWorkflow(
      aWorkflow({
        downstream: [
          { name: 'broken', system: 'rtmp', format: 'hls' } as never,
          aDownstream('http-put', { urls: ['ftp://a.example.com/x', 'https://b.example.com/x'] }),
        ],
      }),
    );
    expect(result.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual([
      'field.required-by-system downstream[0]',
      'field.required-by-system downstream[0]',
      'format.unsupported downstream[0].format',
      'url.scheme downstream[1].urls[0]',
    ]);
  });

  test('a number where a listed value belongs is one problem: the list of values, not also its type', () => {
    expect(brief(withEntry({ name: 'a', system: 's3', format: 9 }, { channelClass: 7 }))).toStrictEqual([
      'error field.enum channelClass',
      'error field.enum downstream[0].format',
    ]);
  });
});
