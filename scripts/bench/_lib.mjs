// What every bench section needs: the CLI built from this working tree, @mlds/core bundled the way the CLI
// bundles it, timers and medians, and a uniform way to print rows and verdicts.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const THREAD_CPU = fileURLToPath(new URL('./_thread-cpu.cjs', import.meta.url));
const cliDir = join(repoRoot, 'packages/cli');

export async function createBench() {
  const build = await import(pathToFileURL(join(cliDir, 'build.mjs')).href);
  await build.ensureBuilt();
  const verdicts = [];
  let scratch;
  let fakeEndpoint;

  const bench = {
    repoRoot,
    /** The built bin, as `pnpm mlds` runs it. */
    cliBin: join(build.defaultOutdir, build.BIN),
    seedWorkflow: join(repoRoot, 'packages/fixtures/workflows/curling-live.yaml'),

    /** A directory for generated files, removed at the end. */
    async scratchDir() {
      scratch ??= await mkdtemp(join(tmpdir(), 'mlds-bench-'));
      return scratch;
    },

    /** @mlds/core's parseWorkflow and planWorkflow, bundled from source exactly as the CLI bundles them. */
    loadCore() {
      return bench.loadBundled('core', "export { parseWorkflow, planWorkflow } from '@mlds/core';");
    },

    /** A module of `contents` (imports of @mlds packages), bundled from source exactly as the CLI bundles them. */
    async loadBundled(name, contents) {
      const file = join(await bench.scratchDir(), `${name}.mjs`);
      await build.bundleLikeTheCli(contents, file);
      return import(pathToFileURL(file).href);
    },

    /** `startFakeAwsEndpoint` of @mlds/fixtures (packages/fixtures/src/fake-endpoint), bundled once. */
    async startFakeAwsEndpoint(options) {
      if (fakeEndpoint === undefined) {
        const loader = join(repoRoot, 'packages/fixtures/scripts/load-fake-endpoint.mjs');
        fakeEndpoint = await (await import(pathToFileURL(loader).href)).loadFakeEndpoint();
      }
      return fakeEndpoint.startFakeAwsEndpoint(options);
    },

    /**
     * Runs the built bin in `cwd` against a fake AWS endpoint, as a user with fake credentials and no AWS config
     * would; once it exited 0, resolves with when it was spawned (on the endpoint's clock, `now`), its wall time
     * in ms and, with `threadCpu`, the CPU its threads used (_thread-cpu.cjs; undefined without /proc); rejects
     * with its stderr otherwise.
     */
    runCli(args, { cwd, endpointUrl, env = {}, nodeArgs = [], threadCpu = false }) {
      const start = now();
      const preload = threadCpu ? ['--require', THREAD_CPU] : [];
      const child = spawn(process.execPath, [...nodeArgs, ...preload, bench.cliBin, ...args], {
        cwd,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: cwd,
          AWS_CONFIG_FILE: join(cwd, 'no-aws-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'no-aws-credentials'),
          AWS_ENDPOINT_URL: endpointUrl,
          AWS_ACCESS_KEY_ID: 'AKIABENCHFAKE',
          AWS_SECRET_ACCESS_KEY: 'bench-fake-secret',
          ...env,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      return new Promise((resolve, reject) => {
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk) => {
          stderr += chunk;
        });
        child.on('error', reject);
        child.on('close', (code) => {
          const cpu = /^mlds-bench-cpu (.*)$/m.exec(stderr)?.[1];
          const threads = cpu === undefined ? undefined : JSON.parse(cpu);
          if (code === 0) resolve({ startedAt: start, elapsed: now() - start, threads });
          else reject(new Error(`mlds ${args.join(' ')} exited ${code}: ${stderr}`));
        });
      });
    },

    /** Wall time of one run of a command, in ms; throws when it fails. */
    timeCommand(command, args) {
      const start = process.hrtime.bigint();
      const result = spawnSync(command, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) {
        throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
      }
      return elapsed;
    },

    /** Time of one call, in ms. */
    timeCall(fn) {
      const start = process.hrtime.bigint();
      fn();
      return Number(process.hrtime.bigint() - start) / 1e6;
    },

    /**
     * Runs every measurement `runs` times, interleaved (a, b, c, a, b, c...) so that a change in the machine's
     * load hits all of them alike, after `warmups` unrecorded rounds. Returns the medians, by name.
     */
    interleaved(measurements, { runs, warmups }) {
      const samples = Object.fromEntries(Object.keys(measurements).map((name) => [name, []]));
      for (let round = 0; round < warmups + runs; round++) {
        for (const [name, measure] of Object.entries(measurements)) {
          const time = measure();
          if (round >= warmups) samples[name].push(time);
        }
      }
      return Object.fromEntries(Object.entries(samples).map(([name, times]) => [name, median(times)]));
    },

    row(label, value) {
      console.log(`  ${label.padEnd(56)} ${value}`);
    },

    /** A target: prints PASS or MISS; never fails the run. */
    verdict(label, ratio, target) {
      const pass = ratio <= target;
      verdicts.push({ label, pass });
      bench.row(label, `${ratio.toFixed(2)}×   target ≤ ${target}×   ${pass ? 'PASS' : 'MISS'}`);
    },

    finish() {
      const missed = verdicts.filter((verdict) => !verdict.pass);
      console.log(
        `\n${verdicts.length - missed.length} of ${verdicts.length} targets met${missed.length === 0 ? '' : ` (missed: ${missed.map((v) => v.label).join('; ')})`}.`,
      );
      if (scratch !== undefined) return rm(scratch, { recursive: true, force: true });
      return undefined;
    },
  };
  return bench;
}

/** Milliseconds on the clock the fake endpoint stamps its log with by default. */
export const now = () => performance.timeOrigin + performance.now();

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function ms(value) {
  return `${value.toFixed(value < 1 ? 3 : 1)} ms`;
}

export async function writeText(path, text) {
  await writeFile(path, text);
  return path;
}
