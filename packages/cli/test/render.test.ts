import { stripVTControlCharacters } from 'node:util';
import { KNOWN_AFTER_APPLY, type Plan, type ResourceChange, SENSITIVE } from '@mlds/core';
import { describe, expect, it } from 'vitest';
import { shellArg } from '../src/render/command-line.js';
import { formatDiagnostic, renderDiagnostics, wrap } from '../src/render/diagnostics.js';
import { escapeLine, escapeText, isUnsafeCharCode } from '../src/render/escape.js';
import { renderPlan, renderPlanSummary } from '../src/render/plan.js';
import { alignColumns } from '../src/render/table.js';
import { createColors } from '../src/terminal.js';
import { hasColor } from './helpers.js';

const plain = createColors(false);
const colored = createColors(true);

function resource(
  address: string,
  kind: ResourceChange['kind'],
  name: string,
  pipeline: 0 | 1 | null,
): Omit<ResourceChange, 'action'> {
  return {
    address,
    kind,
    name,
    region: 'us-west-2',
    pipeline,
    downstream: address.split('.')[0] ?? '',
    properties: {},
    dependsOn: [],
  };
}

function aPlan(overrides: Partial<Plan> = {}): Plan {
  return {
    formatVersion: 1,
    workflow: 'curling-live',
    region: 'us-west-2',
    channelClass: 'STANDARD',
    pipelines: 2,
    outputGroups: [
      {
        name: 'packager',
        type: 'HLS',
        destinationId: 'packager',
        reasons: [
          { rule: 'hls-vs-mediapackage.id3', text: 'ID3 metadata needs an HLS output group.' },
          { rule: 'other', text: 'A second reason.' },
        ],
      },
      {
        name: 'social',
        type: 'RTMP',
        destinationId: 'social',
        reasons: [{ rule: 'rtmp', text: 'RTMP push.' }],
      },
    ],
    resources: [
      {
        action: 'create',
        ...resource('packager.channel', 'mediapackage-channel', 'curling-live-packager', null),
      },
      { action: 'noop', ...resource('archive.bucket[0]', 's3-bucket', 'curling-live-archive-p0', 0) },
      {
        action: 'update',
        changes: ['tags'],
        ...resource('archive.bucket[1]', 's3-bucket', 'curling-live-archive-p1', 1),
      },
      { action: 'delete', ...resource('old.bucket[0]', 's3-bucket', 'curling-live-old-p0', 0) },
    ],
    destinations: [
      {
        Id: 'packager',
        Settings: [
          {
            Url: KNOWN_AFTER_APPLY,
            Username: KNOWN_AFTER_APPLY,
            PasswordParam: '/mlds/curling-live/packager/password-p0',
          },
          {
            Url: KNOWN_AFTER_APPLY,
            Username: KNOWN_AFTER_APPLY,
            PasswordParam: '/mlds/curling-live/packager/password-p1',
          },
        ],
      },
      {
        Id: 'social',
        Settings: [
          { Url: 'rtmp://live-a.example-social.com/app', StreamName: SENSITIVE },
          { Url: 'rtmp://live-b.example-social.com/app', StreamName: SENSITIVE },
        ],
      },
      { Id: 'mp', MediaPackageSettings: [{ ChannelId: 'curling-live-mp' }] },
      { Id: 'srt-out', SrtSettings: [{ Url: 'srt://srt-a.example.com:9000', StreamId: 'live-a' }] },
    ],
    diagnostics: [],
    ...overrides,
  };
}

const where = { file: 'curling-live.yaml', state: { path: '.mlds/curling-live.state.json', serial: 7 } };

function linesOf(text: string): string[] {
  return text.split('\n');
}

describe('shellArg', () => {
  it('leaves a plain path as it is and double-quotes one a shell would split or expand', () => {
    expect(shellArg('workflows/curling-live.yaml')).toBe('workflows/curling-live.yaml');
    expect(shellArg('s3://team-state/mlds/a.json')).toBe('s3://team-state/mlds/a.json');
    expect(shellArg('My Workflows/live.yaml')).toBe('"My Workflows/live.yaml"');
    expect(shellArg('it\'s $HOME/"a"`b`\\.yaml')).toBe('"it\'s \\$HOME/\\"a\\"\\`b\\`\\\\.yaml"');
    expect(shellArg('')).toBe('""');
  });
});

describe('renderPlan', () => {
  it('starts with the workflow, Region, channel class, pipelines and state', () => {
    const lines = linesOf(renderPlan(aPlan(), where, plain));
    expect(lines.slice(0, 4)).toStrictEqual([
      'Workflow  curling-live (curling-live.yaml)',
      'Region    us-west-2',
      'Channel   STANDARD, 2 pipelines',
      'State     .mlds/curling-live.state.json (serial 7)',
    ]);
  });

  it('says when there is no state yet', () => {
    const text = renderPlan(
      aPlan({ channelClass: 'SINGLE_PIPELINE', pipelines: 1 }),
      { ...where, state: { path: 's.json', serial: undefined } },
      plain,
    );
    expect(text).toContain('Channel   SINGLE_PIPELINE, 1 pipeline\n');
    expect(text).toContain('State     s.json (none yet: every resource is new)\n');
  });

  it('lists the output groups with their type, destination and first reason', () => {
    const lines = linesOf(renderPlan(aPlan(), where, plain));
    const start = lines.indexOf('Output groups (2)');
    expect(lines.slice(start + 1, start + 4)).toStrictEqual([
      '  NAME      TYPE  DESTINATION  WHY',
      '  packager  HLS   packager     ID3 metadata needs an HLS output group. (+1 more reason in --json)',
      '  social    RTMP  social       RTMP push.',
    ]);
  });

  it('wraps a long reason at 100 columns, under WHY', () => {
    const plan = aPlan();
    const long =
      'An RTMP(S) server takes an RTMP output group with ONE output for this destination; the destination holds one URL per pipeline.';
    const [packager, social] = plan.outputGroups;
    const groups = [packager, { ...social, reasons: [{ rule: 'rtmp', text: long }] }];
    const lines = linesOf(renderPlan({ ...plan, outputGroups: groups } as typeof plan, where, plain));
    const start = lines.indexOf('Output groups (2)');
    expect(lines.slice(start + 3, start + 6)).toStrictEqual([
      '  social    RTMP  social       An RTMP(S) server takes an RTMP output group with ONE output for this',
      '                               destination; the destination holds one URL per pipeline.',
      '',
    ]);
  });

  it('lists every resource with its action symbol, name, Region and pipeline, in aligned columns', () => {
    const lines = linesOf(renderPlan(aPlan(), where, plain));
    const start = lines.indexOf('Resources (4)');
    expect(lines.slice(start + 1, start + 6)).toStrictEqual([
      '  ACTION    ADDRESS            KIND                  NAME                     REGION     PIPELINE  NOTE',
      '  + create  packager.channel   mediapackage-channel  curling-live-packager    us-west-2  -',
      '    noop    archive.bucket[0]  s3-bucket             curling-live-archive-p0  us-west-2  0',
      '  ~ update  archive.bucket[1]  s3-bucket             curling-live-archive-p1  us-west-2  1         changes: tags',
      '  - delete  old.bucket[0]      s3-bucket             curling-live-old-p0      us-west-2  0',
    ]);
  });

  it('marks a resource mlds only reads', () => {
    const existing = {
      action: 'read' as const,
      ...resource('mp.channel', 'mediapackage-channel', 'their-channel', null),
      existing: true as const,
    };
    const text = renderPlan(aPlan({ resources: [existing] }), where, plain);
    expect(text).toContain(
      '\n  <= read  mp.channel  mediapackage-channel  their-channel  us-west-2  -         existing, read only\n',
    );
  });

  it('says so when there is no resource to manage', () => {
    const text = renderPlan(aPlan({ resources: [] }), where, plain);
    expect(text).toContain('Resources (0)\n  none: mlds creates nothing for this workflow\n');
  });

  it('lists the destinations per pipeline, with references but never a secret value', () => {
    const lines = linesOf(renderPlan(aPlan(), where, plain));
    const start = lines.indexOf('Destinations (4)');
    expect(lines.slice(start + 1, start + 8)).toStrictEqual([
      '  packager  pipeline 0            (known after apply)                   user (known after apply), password in SSM /mlds/curling-live/packager/password-p0',
      '            pipeline 1            (known after apply)                   user (known after apply), password in SSM /mlds/curling-live/packager/password-p1',
      '  social    pipeline 0            rtmp://live-a.example-social.com/app  stream name (sensitive)',
      '            pipeline 1            rtmp://live-b.example-social.com/app  stream name (sensitive)',
      '  mp        MediaPackage channel  curling-live-mp',
      '  srt-out   pipeline 0            srt://srt-a.example.com:9000          stream id live-a',
      '',
    ]);
  });

  it('colours only when asked, and colour never shifts a column', () => {
    const text = renderPlan(aPlan(), where, colored);
    expect(hasColor(text)).toBe(true);
    expect(text).toContain(colored.green('+ create'));
    expect(text).toContain(colored.red('- delete'));
    expect(text).toContain(colored.yellow('~ update'));
    expect(stripVTControlCharacters(text)).toBe(renderPlan(aPlan(), where, plain));
    expect(hasColor(renderPlan(aPlan(), where, plain))).toBe(false);
  });
});

describe('renderPlanSummary', () => {
  it('counts each action', () => {
    expect(renderPlanSummary(aPlan(), plain)).toBe(
      'Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged.\n',
    );
    expect(renderPlanSummary(aPlan({ resources: [] }), plain)).toBe(
      'Plan: 0 to create, 0 to update, 0 to delete, 0 unchanged.\n',
    );
  });

  it('shows a resource mlds only reads (action read: an existing channelId) as read', () => {
    const existing = {
      action: 'read' as const,
      ...resource('origin.channel', 'mediapackage-channel', 'their-channel', null),
      existing: true as const,
    };
    const plan = aPlan({ resources: [existing] });
    expect(renderPlanSummary(plan, plain)).toBe(
      'Plan: 0 to create, 1 to read, 0 to update, 0 to delete, 0 unchanged.\n',
    );
    expect(renderPlan(plan, where, plain)).toMatch(
      /\n {2}<= read {2}origin\.channel .* existing, read only\n/,
    );
  });
});

describe('diagnostics', () => {
  it('print file:line:column, the path in backticks, the message and the code', () => {
    expect(
      formatDiagnostic(
        {
          severity: 'warning',
          code: 'mediastore.discontinued',
          message: 'MediaStore is discontinued.',
          path: 'downstream[1].system',
          line: 14,
          column: 13,
        },
        'w.yaml',
        plain,
      ),
    ).toBe(
      'warning w.yaml:14:13: `downstream[1].system`: MediaStore is discontinued. [mediastore.discontinued]',
    );
  });

  it('leave out what they do not know', () => {
    expect(
      formatDiagnostic(
        { severity: 'error', code: 'c', message: 'm.', path: 'downstream[0]' },
        'w.yaml',
        plain,
      ),
    ).toBe('error w.yaml: `downstream[0]`: m. [c]');
    expect(
      formatDiagnostic({ severity: 'info', code: 'c', message: 'm.', path: '', line: 1 }, '<stdin>', plain),
    ).toBe('info <stdin>:1: m. [c]');
  });

  it('are one per line, none for none', () => {
    const diagnostic = { severity: 'error' as const, code: 'c', message: 'm.', path: 'p' };
    expect(renderDiagnostics([diagnostic, diagnostic], 'f', plain)).toBe(
      'error f: `p`: m. [c]\nerror f: `p`: m. [c]\n',
    );
    expect(renderDiagnostics([], 'f', plain)).toBe('');
  });

  it('does not repeat a path the message opens with, and keeps one it does not', () => {
    const at = { severity: 'error', code: 'c', path: 'downstream[0].urls[1]', line: 9, column: 9 } as const;
    expect(
      formatDiagnostic({ ...at, message: '`downstream[0].urls[1]` uses https://.' }, 'w.yaml', plain),
    ).toBe('error w.yaml:9:9: `downstream[0].urls[1]` uses https://. [c]');
    expect(formatDiagnostic({ ...at, message: '`downstream[0].urls` holds one URL.' }, 'w.yaml', plain)).toBe(
      'error w.yaml:9:9: `downstream[0].urls[1]`: `downstream[0].urls` holds one URL. [c]',
    );
  });

  it('have one layout whether or not the message opens with its path', () => {
    const layout = /^error w\.yaml:9:9: `downstream\[0\]\.urls\[1\]`:? \S/;
    const at = { severity: 'error', code: 'c', path: 'downstream[0].urls[1]', line: 9, column: 9 } as const;
    expect(
      formatDiagnostic({ ...at, message: '`downstream[0].urls[1]` uses https://.' }, 'w.yaml', plain),
    ).toMatch(layout);
    expect(formatDiagnostic({ ...at, message: 'Uses https://.' }, 'w.yaml', plain)).toMatch(layout);
  });

  it('escape control and bidi characters of the file name, the path and the message', () => {
    const text = formatDiagnostic(
      {
        severity: 'error',
        code: 'c',
        message: 'name \u001b[31mred\u202e\u0007 here.',
        path: 'tags["\u202e"]',
        line: 1,
      },
      '\u001b]0;title\u0007.yaml',
      plain,
    );
    expect(text).toBe(
      'error \\u001b]0;title\\u0007.yaml:1: `tags["\\u202e"]`: name \\u001b[31mred\\u202e\\u0007 here. [c]',
    );
  });

  it('wrap past 100 columns, continuation lines indented', () => {
    const message = `${'word '.repeat(60)}end.`;
    const text = formatDiagnostic(
      { severity: 'error', code: 'c', message, path: '', line: 1 },
      'w.yaml',
      plain,
    );
    const lines = text.split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    for (const line of lines.slice(1)) expect(line.startsWith('    word')).toBe(true);
    expect(text.replace(/\n {4}/g, ' ')).toBe(`error w.yaml:1: ${message} [c]`);
  });

  it('never break a command a message suggests, so that it pastes whole', () => {
    const path = `/srv/broadcast/${'season-2027/'.repeat(4)}curling-live.yaml`;
    const hint = `Empty them yourself, or run 'mlds destroy ${path} --force': it first stops new writes.`;
    const lines = wrap(hint, 100, '    ').split('\n');
    // Longer than the width, it keeps a line of its own, as a long word does.
    expect(lines).toStrictEqual([
      'Empty them yourself, or run',
      `    'mlds destroy ${path} --force':`,
      '    it first stops new writes.',
    ]);
    // An apostrophe in the prose is no quote: the words around it wrap as before.
    expect(
      wrap(`${"it's ".repeat(30)}done`, 100, '    ')
        .split('\n')
        .every((line) => line.length <= 100),
    ).toBe(true);
  });

  it('colour the severity when colour is on', () => {
    const text = formatDiagnostic({ severity: 'error', code: 'c', message: 'm.', path: 'p' }, 'f', colored);
    expect(text).toContain(colored.red(colored.bold('error')));
  });
});

describe('alignColumns', () => {
  it('pads every column but the last to its widest cell, ignoring colour codes', () => {
    expect(
      alignColumns(
        [
          ['a', colored.red('bb'), 'x'],
          ['ccc', 'd', 'yy'],
        ],
        '',
      ),
    ).toStrictEqual([`a    ${colored.red('bb')}  x`, 'ccc  d   yy']);
  });

  it('leaves no trailing spaces', () => {
    expect(
      alignColumns([
        ['a', ''],
        ['bbb', 'c'],
      ]),
    ).toStrictEqual(['  a', '  bbb  c']);
  });

  it('measures a cell as the terminal gets it: a control character escaped, colour kept', () => {
    expect(
      alignColumns(
        [
          ['a\x07b', colored.dim('created'), 'x'],
          ['plain', 'created', 'y'],
        ],
        '',
      ),
    ).toStrictEqual([`a\\u0007b  ${colored.dim('created')}  x`, 'plain     created  y']);
  });
});

describe('escapeText and escapeLine', () => {
  it('escape exactly the characters isUnsafeCharCode names, every UTF-16 code unit checked', () => {
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      const escaped = `\\u${code.toString(16).padStart(4, '0')}`;
      const unsafe = isUnsafeCharCode(code);
      expect(escapeLine(`a${char}b`)).toBe(unsafe ? `a${escaped}b` : `a${char}b`);
      expect(escapeText(`a${char}b`)).toBe(unsafe && code !== 0x0a ? `a${escaped}b` : `a${char}b`);
    }
  });

  it('keep a text with nothing to escape as it is, and escape each unsafe character of a longer one', () => {
    const plain = 'bucket curling-live-archive-p0 — créé ✓';
    expect(escapeLine(plain)).toBe(plain);
    expect(escapeText('one\ntwo\u001b[2J\u202e')).toBe('one\ntwo\\u001b[2J\\u202e');
    expect(escapeLine('one\ntwo')).toBe('one\\u000atwo');
  });
});
