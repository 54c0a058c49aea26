// What every bench section needs: the CLI built from this working tree, @mlds/core bundled the way the CLI
// bundles it, timers and medians, and a uniform way to print rows and verdicts.

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliDir = join(repoRoot, 'packages/cli');

export async function createBench() {
  const build = await import(pathToFileURL(join(cliDir, 'build.mjs')).href);
  await build.ensureBuilt();
  const verdicts = [];
  let scratch;

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
    async loadCore() {
      const file = join(await bench.scratchDir(), 'core.mjs');
      await build.bundleLikeTheCli("export { parseWorkflow, planWorkflow } from '@mlds/core';", file);
      return import(pathToFileURL(file).href);
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
