// What a command costs as a whole process, as users run it:
//   - a re-apply with nothing to change against `plan` of the same file, in CPU (user + system of the child,
//     read by a preloaded hook at its exit): apply must load no AWS SDK client and make no AWS call then, so it
//     should cost about what plan costs (the lock file and the state read are its only extras);
//   - `./pnpmw mlds plan` against the bin's own `plan`, in wall time: what the wrapper adds when nothing needs
//     installing (goal: at most 1.5 s).

import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ms } from './_lib.mjs';

export const title =
  'Process cost (median of 15 interleaved runs after 2 warm-up rounds; CPU is user + system of the child)';

const NOOP_APPLY_TARGET = 1.5;
const PNPMW_BUDGET_MS = 1500;

/** A preloaded hook that writes the process's own CPU time, in ms, to $MLDS_BENCH_CPU_FILE when it exits. */
const CPU_HOOK = `'use strict';
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  require('node:fs').writeFileSync(process.env.MLDS_BENCH_CPU_FILE, String((user + system) / 1000));
});
`;

/** The seed example with a state in which apply has created everything: apply then has nothing to do. */
async function appliedSeed(bench) {
  const dir = join(await bench.scratchDir(), 'applied');
  await mkdir(join(dir, '.mlds'), { recursive: true });
  const helpers = join(await bench.scratchDir(), 'state-helpers.mjs');
  const { bundleLikeTheCli } = await import(
    pathToFileURL(join(bench.repoRoot, 'packages/cli/build.mjs')).href
  );
  await bundleLikeTheCli(
    [
      "export { stateAfterApply } from '../fixtures/src/builders.ts';",
      "export { parseWorkflow, planWorkflow } from '@mlds/core';",
    ].join('\n'),
    helpers,
  );
  const { stateAfterApply, parseWorkflow, planWorkflow } = await import(pathToFileURL(helpers).href);
  const file = join(dir, 'curling-live.yaml');
  await copyFile(bench.seedWorkflow, file);
  const parsed = parseWorkflow(await readFile(file, 'utf8'), { filename: 'curling-live.yaml' });
  const state = stateAfterApply(planWorkflow(parsed.workflow, { diagnostics: parsed.diagnostics }));
  await writeFile(join(dir, '.mlds/curling-live.state.json'), JSON.stringify(state, null, 2), {
    mode: 0o600,
  });
  return dir;
}

export async function run(bench) {
  const scratch = await bench.scratchDir();
  const hook = join(scratch, 'cpu-hook.cjs');
  await writeFile(hook, CPU_HOOK);
  const cpuFile = join(scratch, 'cpu.txt');
  const dir = await appliedSeed(bench);

  // Once apply refreshes by default (reads AWS), the no-op is measured without the refresh: that is AWS reads,
  // measured on its own.
  const help = spawnSync(process.execPath, [bench.cliBin, 'apply', '--help'], { encoding: 'utf8' });
  const noRefresh = help.stdout.includes('--refresh') ? ['--refresh=false'] : [];

  /** CPU ms of one run of the bin; throws when it fails or does not print `expect`. */
  const cpuOf = (args, expect) => () => {
    const result = spawnSync(process.execPath, ['--require', hook, bench.cliBin, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, MLDS_BENCH_CPU_FILE: cpuFile, NO_COLOR: '1' },
    });
    if (result.status !== 0 || !result.stdout.includes(expect)) {
      throw new Error(`mlds ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
    }
    return Number(spawnSync('cat', [cpuFile], { encoding: 'utf8' }).stdout);
  };
  const cpu = bench.interleaved(
    {
      plan: cpuOf(['plan', 'curling-live.yaml'], 'curling-live'),
      noopApply: cpuOf(['apply', 'curling-live.yaml', '--yes', ...noRefresh], 'No changes.'),
    },
    { runs: 15, warmups: 2 },
  );
  bench.row('mlds plan curling-live.yaml (CPU)', ms(cpu.plan));
  bench.row(
    `mlds apply curling-live.yaml --yes${noRefresh.map((flag) => ` ${flag}`).join('')}, nothing to do (CPU)`,
    ms(cpu.noopApply),
  );
  bench.verdict('no-op apply CPU / plan CPU', cpu.noopApply / cpu.plan, NOOP_APPLY_TARGET);

  const pnpmw = join(bench.repoRoot, 'pnpmw');
  const wall = bench.interleaved(
    {
      bin: () => bench.timeCommand(process.execPath, [bench.cliBin, 'plan', bench.seedWorkflow, '--json']),
      pnpmw: () => bench.timeCommand('bash', [pnpmw, 'mlds', 'plan', bench.seedWorkflow, '--json']),
    },
    { runs: 15, warmups: 2 },
  );
  bench.row('mlds plan curling-live.yaml --json (the bin, wall)', ms(wall.bin));
  bench.row('./pnpmw mlds plan curling-live.yaml --json (wall)', ms(wall.pnpmw));
  bench.row('./pnpmw mlds plan / the bin’s plan', `${(wall.pnpmw / wall.bin).toFixed(2)}×`);
  bench.verdict(
    `what ./pnpmw adds (${ms(wall.pnpmw - wall.bin)}) / ${PNPMW_BUDGET_MS} ms`,
    (wall.pnpmw - wall.bin) / PNPMW_BUDGET_MS,
    1,
  );
}
