import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Diagnostic, parseWorkflow, planWorkflow } from '@mlds/core';
import { readExample, stateAfterApply } from '@mlds/fixtures';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../build.mjs';
import { buildCliForTest, type CliRun, runCli, tempDir } from './helpers.js';

// A seeded, bounded fuzz of hostile input: workflow files (deep, large, binary, wrongly encoded, with control
// characters, duplicate keys, alias bombs, odd ports), state files and command lines. Every case must exit with
// a code of the contract, print no stack trace and no raw control character, and end well inside the hang
// guards. The bulk runs in-process; a sample runs the built CLI as a process, with a memory cap.

const SEED = 20_261_206;
const HANG_GUARD_MS = 5_000;
const MEMORY_GUARD_MB = 500;
const EXIT_CODES = [0, 1, 2];

/** Characters a file must never get through to a terminal (the line feed is mlds's own). */
function rawUnsafe(text: string): string | undefined {
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code === 0x0a) continue;
    if (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x061c ||
      (code >= 0x200b && code <= 0x200f) ||
      (code >= 0x2028 && code <= 0x202e) ||
      (code >= 0x2060 && code <= 0x2069) ||
      code === 0xfeff
    ) {
      return `U+${code.toString(16).padStart(4, '0')}`;
    }
  }
  return undefined;
}

const UNSAFE_CHARS = [
  '\u0000',
  '\u0007',
  '\u0008',
  '\u000b',
  '\u000d',
  '\u001b',
  '\u001b[31m',
  '\u001b]0;owned\u0007',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u200b',
  '\u200e',
  '\u202e',
  '\u2066',
  '\u2028',
  '\ufeff',
];

const SEEDS = ['curling-live', 'rtmp', 'udp', 'srt', 'http-put', 's3-archive-frame-capture'] as const;

const seedText = fc.constantFrom(...SEEDS).map((name) => readExample(name));

/** A valid example with hostile characters put in at random places. */
const injected = fc
  .tuple(
    seedText,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...UNSAFE_CHARS)), { minLength: 1, maxLength: 4 }),
  )
  .map(([text, inserts]) => {
    let out = text;
    for (const [at, char] of inserts) {
      const position = at % (out.length + 1);
      out = out.slice(0, position) + char + out.slice(position);
    }
    return out;
  });

const deep = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":', '{a: ', '- ', '? ', 'k:\n '))
  .map(([depth, open]) => {
    const close = open === '[' ? ']' : open.startsWith('{') ? '}' : '';
    const indentStep = open === 'k:\n ' ? ' ' : '';
    if (indentStep !== '') {
      return Array.from({ length: Math.min(depth, 1500) }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    }
    return `${open.repeat(depth)}${open.startsWith('{') ? '1' : 'x'}${close.repeat(depth)}`;
  });

const duplicated = fc
  .tuple(seedText, fc.constantFrom('region', 'workflow', 'downstream', 'channelClass'))
  .map(([text, key]) => `${text.trimEnd()}\n${key}: us-east-1\n`);

const ports = fc
  .tuple(
    fc.constantFrom('udp://239.1.1.1', 'rtmps://live.example.com', 'srt://r.example.com'),
    fc.integer({ min: -5, max: 70_000 }),
  )
  .map(([base, port]) => {
    const [scheme] = base.split(':');
    const system = scheme === 'rtmps' ? 'rtmp' : scheme;
    const path = scheme === 'rtmps' ? '/app' : '';
    return `workflow: ports\nregion: us-west-2\nchannelClass: SINGLE_PIPELINE\ndownstream:\n  - name: d\n    system: ${system}\n    urls: ["${base}:${port}${path}"]\n`;
  });

const aliasBomb = fc.integer({ min: 2, max: 12 }).map((levels) => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n');
});

const manyEntries = fc.constantFrom(10, 1000, 1001).map((count) => {
  const entries = Array.from(
    { length: count },
    (_, i) =>
      `  - { name: d${i}, system: udp, urls: ["udp://10.0.0.1:${5000 + 10 * i}", "udp://10.0.0.2:${5000 + 10 * i}"] }`,
  );
  return `workflow: many\nregion: us-west-2\ndownstream:\n${entries.join('\n')}\n`;
});

const randomText = fc.string({ unit: 'binary', maxLength: 400 });

const workflowText = fc.oneof(injected, deep, duplicated, ports, aliasBomb, manyEntries, randomText);

const BOMS = [[0xff, 0xfe], [0xfe, 0xff], [0xff, 0xfe, 0, 0], [0, 0, 0xfe, 0xff], [0xef, 0xbb, 0xbf], []];
const workflowBytes = fc.oneof(
  workflowText.map((text) => new TextEncoder().encode(text)),
  fc
    .tuple(fc.constantFrom(...BOMS), seedText)
    .map(([bom, text]) => Uint8Array.from([...bom, ...new TextEncoder().encode(text)])),
  fc.uint8Array({ maxLength: 400 }),
);

function checkRun(run: CliRun, elapsedMs: number): void {
  expect(EXIT_CODES).toContain(run.code);
  for (const stream of [run.stdout, run.stderr]) {
    expect(stream).not.toContain('unexpected failure');
    expect(stream).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    expect(rawUnsafe(stream)).toBeUndefined();
  }
  expect(elapsedMs).toBeLessThan(HANG_GUARD_MS);
}

/** What a plan that passed validation hands to MediaLive must be free of control characters. */
function checkPlanned(run: CliRun): void {
  if (run.code !== 0) return;
  const document = JSON.parse(run.stdout) as { destinations?: unknown; diagnostics?: Diagnostic[] };
  expect(
    rawUnsafe(JSON.stringify(document.destinations ?? []).replace(/\\u[0-9a-f]{4}/g, '?')),
  ).toBeUndefined();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') expect(rawUnsafe(value)).toBeUndefined();
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
  };
  walk(document.destinations);
}

describe('fuzz, in-process', () => {
  it('workflow files: validate and plan --json', async () => {
    const dir = tempDir();
    await fc.assert(
      fc.asyncProperty(
        workflowBytes,
        fc.constantFrom('validate', 'plan'),
        fc.constantFrom('w.yaml', 'w.json'),
        async (bytes, command, name) => {
          writeFileSync(join(dir, name), bytes);
          const started = Date.now();
          const run = await runCli([command, name, '--json'], { cwd: dir });
          checkRun(run, Date.now() - started);
          checkPlanned(run);
        },
      ),
      { seed: SEED, numRuns: 80 },
    );
  }, 120_000);

  it('workflow files in text form: every error diagnostic exits 2', async () => {
    const dir = tempDir();
    await fc.assert(
      fc.asyncProperty(workflowText, async (text) => {
        writeFileSync(join(dir, 'w.yaml'), text);
        const started = Date.now();
        const run = await runCli(['validate', 'w.yaml'], { cwd: dir });
        checkRun(run, Date.now() - started);
        expect(run.code === 2).toBe(/^error /m.test(run.stderr));
      }),
      { seed: SEED, numRuns: 60 },
    );
  }, 120_000);

  it('state files: corrupt, truncated, foreign, hostile bytes', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'w.yaml'), readExample('curling-live'));
    const parsed = parseWorkflow(readExample('curling-live'));
    if (parsed.workflow === undefined) throw new Error('the seed example is invalid');
    const good = JSON.stringify(stateAfterApply(planWorkflow(parsed.workflow)), null, 2);
    const stateText = fc.oneof(
      fc.tuple(fc.nat(), fc.constantFrom(...UNSAFE_CHARS)).map(([at, char]) => {
        const position = at % good.length;
        return good.slice(0, position) + char + good.slice(position);
      }),
      fc.nat().map((at) => good.slice(0, at % good.length)),
      fc.constantFrom(
        '{"formatVersion": 99}',
        '[]',
        'null',
        `${'['.repeat(50_000)}`,
        good.replace('curling-live', 'x\u001b[2J'),
      ),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(stateText, fc.constantFrom('plan', 'output', 'validate'), async (text, command) => {
        writeFileSync(join(dir, 'state.json'), text);
        const started = Date.now();
        const run = await runCli([command, 'w.yaml', '--state', 'state.json'], { cwd: dir });
        checkRun(run, Date.now() - started);
      }),
      { seed: SEED, numRuns: 60 },
    );
  }, 120_000);

  it('command lines', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'w.yaml'), readExample('curling-live'));
    const token = fc.oneof(
      fc.constantFrom(
        'validate',
        'plan',
        'apply',
        'destroy',
        'output',
        'w.yaml',
        '-',
        '--json',
        '--yes',
        '--state',
        '--region',
        '--profile',
        '--force',
        '--help',
        '--no-color',
        '--',
        '-y',
        '--region=us-west-2',
        '--region=\u001b[31m',
      ),
      fc.constantFrom(...UNSAFE_CHARS).map((char) => `w${char}.yaml`),
      fc.string({ maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 6 }), async (argv) => {
        const started = Date.now();
        // No AWS clients: a command line that gets as far as calling AWS would fail the guard below.
        const run = await runCli(argv, {
          cwd: dir,
          awsClients: () => {
            throw new Error('fuzzed command line reached AWS');
          },
        });
        checkRun(run, Date.now() - started);
      }),
      { seed: SEED, numRuns: 80 },
    );
  }, 120_000);
});

describe('fuzz, the built CLI as a process', () => {
  let outdir = '';
  beforeAll(() => {
    outdir = buildCliForTest();
  }, 60_000);
  afterAll(() => {
    if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
  });

  it('a sample of the same families, each under the hang and memory guards', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'cases'));
    const samples = fc.sample(fc.tuple(workflowBytes, fc.constantFrom('validate', 'plan')), {
      seed: SEED,
      numRuns: 12,
    });
    // And the shapes that once crashed or hung the CLI, every time.
    const known: Array<[Uint8Array, string]> = [
      `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
      `${'- '.repeat(10_000)}x\n`,
      `# ${'x'.repeat(20 * 1024 * 1024)}\n`,
    ].map((text) => [new TextEncoder().encode(text), 'validate']);
    for (const [index, [bytes, command]] of [...known, ...samples].entries()) {
      const file = join('cases', `${index}.json`);
      writeFileSync(join(dir, file), bytes);
      const run = spawnSync(
        process.execPath,
        [`--max-old-space-size=${MEMORY_GUARD_MB}`, join(outdir, BIN), command, file],
        {
          cwd: dir,
          encoding: 'utf8',
          timeout: HANG_GUARD_MS * 4,
          env: { PATH: process.env.PATH ?? '' },
        },
      );
      // A process killed by the guard has no status; one out of memory exits 134.
      expect(run.signal).toBeNull();
      checkRun({ code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr }, 0);
    }
  }, 180_000);

  it('FIFOs and devices end at once', () => {
    const dir = tempDir();
    spawnSync('mkfifo', [join(dir, 'pipe.yaml')]);
    for (const file of ['pipe.yaml', '/dev/zero', '/dev/urandom']) {
      const run = spawnSync(process.execPath, [join(outdir, BIN), 'validate', file], {
        cwd: dir,
        encoding: 'utf8',
        timeout: HANG_GUARD_MS * 4,
        env: { PATH: process.env.PATH ?? '' },
      });
      expect(run.signal).toBeNull();
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('not a regular file');
    }
  }, 60_000);
});
