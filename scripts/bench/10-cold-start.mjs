// The cold start of `mlds plan` on the user guide's example, against Node's own start (`node -e 0`).

import { ms } from './_lib.mjs';

export const title = 'Cold start (wall time, median of 30 interleaved runs after 3 warm-up rounds)';

const TARGET = 1.5;

export async function run(bench) {
  const { cliBin, seedWorkflow } = bench;
  const medians = bench.interleaved(
    {
      node: () => bench.timeCommand(process.execPath, ['-e', '0']),
      version: () => bench.timeCommand(process.execPath, [cliBin, '--version']),
      plan: () => bench.timeCommand(process.execPath, [cliBin, 'plan', seedWorkflow, '--json']),
    },
    { runs: 30, warmups: 3 },
  );
  bench.row('node -e 0', ms(medians.node));
  bench.row('mlds --version (the CLI alone)', ms(medians.version));
  bench.row('mlds plan curling-live.yaml --json > /dev/null', ms(medians.plan));
  bench.verdict('mlds plan / node -e 0', medians.plan / medians.node, TARGET);
}
