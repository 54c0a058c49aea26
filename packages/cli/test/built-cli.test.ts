import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWorkflow, planWorkflow } from '@mlds/core';
import { examplePath, readExample, stateAfterApply } from '@mlds/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, CLI_BUNDLE, isStale } from '../build.mjs';
import { buildCliForTest, tempDir } from './helpers.js';

// The bundle as users run it: built once here (esbuild takes well under a second), into a directory of this
// package so that its external imports would resolve exactly as from dist/.

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const hook = fileURLToPath(new URL('fixtures/record-modules.mjs', import.meta.url));
const seed = examplePath('curling-live');
const AWS_ONLY = /\/(@aws-sdk|@smithy)\//;
let outdir = '';

beforeAll(() => {
  outdir = buildCliForTest();
}, 60_000);

afterAll(() => {
  if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
});

function runBuilt(
  argv: string[],
  options: { nodeArgs?: string[]; env?: Record<string, string>; cwd?: string } = {},
) {
  const result = spawnSync(process.execPath, [...(options.nodeArgs ?? []), join(outdir, BIN), ...argv], {
    cwd: options.cwd ?? tempDir(),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...options.env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The URLs of every module a run of the built CLI resolved; the run must exit with `code`. */
function modulesLoadedBy(argv: string[], options: { cwd?: string; code?: number } = {}): string[] {
  const log = join(tempDir(), 'modules.log');
  const run = runBuilt(argv, {
    nodeArgs: ['--import', hook],
    env: { MLDS_MODULE_LOG: log },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  if ((options.code ?? 0) === 0) expect(run.stderr).toBe('');
  expect(run.code).toBe(options.code ?? 0);
  return readFileSync(log, 'utf8').trim().split('\n');
}

/** A directory holding the state a successful apply of the seed example would have written. */
function appliedSeedDir(): string {
  const dir = tempDir();
  const parsed = parseWorkflow(readExample('curling-live'), { filename: seed });
  if (parsed.workflow === undefined) throw new Error('the seed example is invalid');
  mkdirSync(join(dir, '.mlds'));
  writeFileSync(
    join(dir, '.mlds/curling-live.state.json'),
    JSON.stringify(stateAfterApply(planWorkflow(parsed.workflow))),
  );
  return dir;
}

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }> }>;
}

function readMeta(): Metafile {
  return JSON.parse(readFileSync(join(outdir, 'meta.json'), 'utf8')) as Metafile;
}

describe('the built CLI', () => {
  it('is fresh right after its build: the build recorded every file it read', async () => {
    expect(await isStale({ outdir })).toBe(false);
  });

  it('is an executable file with a node shebang', () => {
    const bin = join(outdir, BIN);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
  });

  it('prints the version of package.json', () => {
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    expect(runBuilt(['--version'])).toStrictEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('plan --json prints the plan document and nothing else', () => {
    const parsed = parseWorkflow(readExample('curling-live'), { filename: seed });
    if (parsed.workflow === undefined) throw new Error('the seed example is invalid');
    const plan = planWorkflow(parsed.workflow, { diagnostics: parsed.diagnostics });
    expect(runBuilt(['plan', seed, '--json'])).toStrictEqual({
      code: 0,
      stdout: `${JSON.stringify(plan, null, 2)}\n`,
      stderr: '',
    });
  });

  it('stops quietly when the reader of its output goes away (| head)', () => {
    const dir = tempDir();
    const entries = Array.from({ length: 300 }, (_, index) => `  - name: s3-${index}\n    system: s3`);
    writeFileSync(
      join(dir, 'big.yaml'),
      `workflow: big\nregion: us-west-2\ndownstream:\n${entries.join('\n')}\n`,
    );
    const pipeline = `"${process.execPath}" "${join(outdir, BIN)}" plan big.yaml --json 2>err.txt | head -c 10`;
    const run = spawnSync('sh', ['-c', pipeline], { cwd: dir, encoding: 'utf8' });
    expect(run.stdout).toBe('{\n  "forma');
    expect(readFileSync(join(dir, 'err.txt'), 'utf8')).toBe('');
  });

  it("keeps the command's exit code when the reader of its stderr is gone before it writes", async () => {
    for (const [argv, code] of [
      [['validate', 'no-such-file.yaml'], 2],
      [['plan', seed, '--bogus'], 2],
    ] as const) {
      const child = spawn(process.execPath, [join(outdir, BIN), ...argv], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Both readers gone at once: every write of the child meets a closed pipe (EPIPE).
      child.stdout.destroy();
      child.stderr.destroy();
      const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(exit, argv.join(' ')).toBe(code);
    }
  });

  it('exits 2 on an unknown option', () => {
    const run = runBuilt(['plan', seed, '--bogus']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("unknown option '--bogus'");
  });
});

describe('pnpm mlds (scripts/mlds.mjs)', () => {
  const script = join(packageDir, '../../scripts/mlds.mjs');
  const fixturesDir = join(packageDir, '../fixtures');

  function runScript(argv: string[]) {
    // As pnpm runs it: from the workspace root, with the caller's directory in INIT_CWD.
    const result = spawnSync(process.execPath, [script, ...argv], {
      cwd: join(packageDir, '../..'),
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', npm_lifecycle_event: 'mlds', INIT_CWD: fixturesDir },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('runs the CLI with paths relative to the caller, stdout holding only the JSON document', () => {
    const run = runScript(['plan', 'workflows/curling-live.yaml', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).workflow).toBe('curling-live');
    expect(run.stdout.startsWith('{')).toBe(true);
  }, 60_000);

  it('passes the exit code on', () => {
    const run = runScript(['plan', 'workflows/none.yaml']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: workflow file workflows\/none\.yaml not found/);
  }, 60_000);
});

describe('./pnpmw mlds', () => {
  const pnpmw = join(packageDir, '../../pnpmw');

  it('resolves paths and the default state against the caller’s directory, and prints only what mlds prints', () => {
    // A state in the caller's .mlds/ saying everything is created: a plan that read it has nothing to do.
    const dir = appliedSeedDir();
    mkdirSync(join(dir, 'wf'));
    writeFileSync(join(dir, 'wf/x.yaml'), readExample('curling-live'));
    const run = spawnSync('bash', [pnpmw, 'mlds', 'plan', 'wf/x.yaml', '--json'], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? '',
        ...(process.env.MLDS_TOOLCHAIN_DIR ? { MLDS_TOOLCHAIN_DIR: process.env.MLDS_TOOLCHAIN_DIR } : {}),
      },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const plan = JSON.parse(run.stdout) as { resources: { action: string }[] };
    expect(plan.resources.length).toBeGreaterThan(0);
    expect(plan.resources.every((resource) => resource.action === 'noop')).toBe(true);
  }, 120_000);
});

describe('validate, plan and output never load the AWS SDK or the provisioner', () => {
  it.each([
    [['plan', seed]],
    [['plan', seed, '--json']],
    [['validate', seed]],
    [['validate', seed, '--json']],
    [['plan', '--help']],
    [['--help']],
  ])('mlds %j', (argv) => {
    const modules = modulesLoadedBy(argv);
    // The recorder works: it saw the bin being loaded (and, below, the AWS SDK when something loads it).
    expect(modules.some((url) => url.endsWith(`/${BIN}`))).toBe(true);
    expect(modules.filter((url) => AWS_ONLY.test(url))).toStrictEqual([]);
  });

  it.each([[['output', seed]], [['output', seed, '--json']]])('mlds %j, after an apply', (argv) => {
    const modules = modulesLoadedBy(argv, { cwd: appliedSeedDir() });
    expect(modules.some((url) => url.endsWith(`/${BIN}`))).toBe(true);
    expect(modules.filter((url) => AWS_ONLY.test(url))).toStrictEqual([]);
  });

  it('nor does apply when it stops for want of --yes, before any AWS call', () => {
    const modules = modulesLoadedBy(['apply', seed], { code: 2 });
    expect(modules.some((url) => url.endsWith(`/${BIN}`))).toBe(true);
    expect(modules.filter((url) => AWS_ONLY.test(url))).toStrictEqual([]);
  });

  it('(the recorder does see the AWS SDK when something loads it)', () => {
    const log = join(tempDir(), 'modules.log');
    const run = spawnSync(
      process.execPath,
      ['--import', hook, '--input-type=module', '-e', "await import('@aws-sdk/client-s3');"],
      { cwd: packageDir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', MLDS_MODULE_LOG: log } },
    );
    expect(run.status).toBe(0);
    expect(
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((url) => AWS_ONLY.test(url)).length,
    ).toBeGreaterThan(0);
  });

  it('in the bundle, the AWS side is the SDK, required only where the provisioner calls a service', () => {
    const meta = readMeta();
    expect(Object.keys(meta.inputs).filter((input) => AWS_ONLY.test(`/${input}`))).toStrictEqual([]);
    const bin = Object.entries(meta.outputs).find(([path]) => path.endsWith(`/${CLI_BUNDLE}`))?.[1];
    expect(bin).toBeDefined();
    const external = new Set(
      (bin?.imports ?? [])
        .filter((entry) => entry.external && !isBuiltin(entry.path))
        .map((entry) => entry.path),
    );
    expect([...external].every((path) => path.startsWith('@aws-sdk/client-'))).toBe(true);
  });
});
