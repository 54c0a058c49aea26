// `pnpm bench`: measures, in one run, what the issue sets targets for, and prints a report. It exits 0 when a
// target is missed (machines are noisy: the report says PASS or MISS), and non-zero only when something it
// measures fails to run.
//
// Each file scripts/bench/<NN>-<name>.mjs is a section, run in file-name order:
//   export const title = 'cold start';
//   export async function run(bench) { bench.row(...); bench.verdict(...); }
// where `bench` is the helper of scripts/bench/_lib.mjs (timers, medians, the built CLI, the core API).
// Files whose names start with `_` are helpers, not sections. `node scripts/bench.mjs 40 fleet` runs only the
// sections whose file names contain one of the words given.

import { readdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBench } from './bench/_lib.mjs';

const sectionsDir = fileURLToPath(new URL('./bench/', import.meta.url));
const bench = await createBench();
const only = process.argv.slice(2);
const sections = (await readdir(sectionsDir))
  .filter((file) => /^[^_].*\.mjs$/.test(file))
  .filter((file) => only.length === 0 || only.some((word) => file.includes(word)))
  .sort();

console.log(
  `mlds bench: Node.js ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
for (const file of sections) {
  const section = await import(pathToFileURL(`${sectionsDir}${file}`).href);
  console.log(`\n${section.title}`);
  await section.run(bench);
}
bench.finish();
