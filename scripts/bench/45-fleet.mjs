// A fleet at AWS's pace: 25 workflows in one `mlds apply` process against one workflow's apply, both the real
// built CLI against the local fake AWS endpoint at 50 ms per call, with `--rate-limit all=1000` so that it
// measures mlds's scheduling rather than AWS's quotas. The workflows are copies of curling-live.yaml (a
// MediaPackage v1 channel, an RTMP destination, two S3 buckets: kinds the fake endpoint speaks) with distinct
// `workflow:` names. Before fleets, 25 workflows took 25 processes, 19.5× one; the goal is ≤ 1.5×.
//
// Then the same 25 workflows with the default limits (no --rate-limit), against their floor as the issue
// defines it: the busiest limiter's calls ÷ its rate (a limiter: a service in a Region, or an operation AWS
// documents a rate of its own for), counted from the endpoint's log with the limiter's own rates. The window
// lets a limiter's first second of calls start at once, so a run can end up to a second under that floor.
//
// Then the same 25 workflows (--rate-limit all=1000) on a disk that takes 3 ms to flush (_slow-disk.cjs, preloaded
// into the CLI), against the runs above: the state's flushes must not hold the thread the AWS calls run on.
//
// Each run gets a fresh endpoint (a fresh account) and a fresh directory, so each apply creates everything. The
// endpoint runs in this process, which does nothing else while a run is in flight.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, ms } from './_lib.mjs';

const WORKFLOWS = 25;
const LATENCY_MS = 50;
const RUNS = 3;
const WARMUPS = 1;
const GOAL = 1.5;
const ENV = { SOCIAL_STREAM_KEY: 'bench-stream-key' };
const FLUSH_MS = 3;
const SLOW_DISK = fileURLToPath(new URL('./_slow-disk.cjs', import.meta.url));

export const title = `A fleet: ${WORKFLOWS} workflows in one apply against one workflow's apply, the real CLI against the fake AWS endpoint at ${LATENCY_MS} ms per call (wall time, median of ${RUNS} interleaved runs after ${WARMUPS} warm-up)`;

/** Writes `count` copies of the seed workflow, named court-01…, into a fresh directory; returns it and the files. */
async function fleetDir(bench, seed, count) {
  const cwd = await mkdtemp(join(await bench.scratchDir(), 'fleet-'));
  const files = [];
  for (let i = 1; i <= count; i++) {
    const name = `court-${String(i).padStart(2, '0')}`;
    const file = `${name}.yaml`;
    await writeFile(join(cwd, file), seed.replace('workflow: curling-live', `workflow: ${name}`));
    files.push(file);
  }
  return { cwd, files };
}

/**
 * Wall time of `mlds apply <files> --yes [...flags]`, the AWS requests it made (from the endpoint's log), and the
 * CPU used: by the CLI's main thread and its other threads (_thread-cpu.cjs, undefined without /proc), and by
 * this process, where the endpoint runs, while the CLI ran.
 */
async function timeApply(bench, seed, count, flags, slowDisk = false) {
  const endpoint = await bench.startFakeAwsEndpoint({ latencyMs: LATENCY_MS });
  const { cwd, files } = await fleetDir(bench, seed, count);
  try {
    const before = process.cpuUsage();
    const { elapsed, threads } = await bench.runCli(['apply', ...files, '--yes', ...flags], {
      cwd,
      endpointUrl: endpoint.url,
      env: slowDisk ? { ...ENV, MLDS_BENCH_FLUSH_MS: String(FLUSH_MS) } : ENV,
      nodeArgs: slowDisk ? ['--require', SLOW_DISK] : [],
      threadCpu: true,
    });
    const used = process.cpuUsage(before);
    const cpu =
      threads === undefined ? undefined : { ...threads, endpoint: (used.user + used.system) / 1000 };
    return { elapsed, cpu, requests: [...endpoint.requests] };
  } finally {
    await endpoint.close();
    await rm(cwd, { recursive: true, force: true });
  }
}

/** The least time `requests` can take at the limiter's rates: the busiest limiter's calls ÷ its rate. */
function floorOf(limiter, requests) {
  const calls = new Map();
  for (const request of requests) {
    // The data plane counts with its service, as the limiter names it (rate-limit.ts serviceNameOf).
    const service = request.service === 'mediastore-data' ? 'mediastore' : request.service;
    const { key, perSecond } = limiter.rateOf(service, request.region, request.operation);
    const entry = calls.get(key) ?? { calls: 0, perSecond };
    entry.calls += 1;
    calls.set(key, entry);
  }
  const [key, busiest] = [...calls].sort(([, a], [, b]) => b.calls / b.perSecond - a.calls / a.perSecond)[0];
  return { key, ...busiest, ms: (busiest.calls / busiest.perSecond) * 1000 };
}

export async function run(bench) {
  const seed = await readFile(bench.seedWorkflow, 'utf8');
  const { RequestLimiter } = await bench.loadBundled(
    'rates',
    "export { RequestLimiter } from '@mlds/provisioner';",
  );
  const scheduling = ['--rate-limit', 'all=1000'];
  const samples = { one: [], fleet: [], slowDisk: [], defaults: [], cpuOne: [], cpuFleet: [] };
  const requests = {};
  for (let round = 0; round < WARMUPS + RUNS; round++) {
    const one = await timeApply(bench, seed, 1, scheduling);
    const fleet = await timeApply(bench, seed, WORKFLOWS, scheduling);
    const slowDisk = await timeApply(bench, seed, WORKFLOWS, scheduling, true);
    // Seconds of waiting for the limiters: no warm-up needed, and it is not repeated in the warm-up round.
    const defaults = round >= WARMUPS ? await timeApply(bench, seed, WORKFLOWS, []) : undefined;
    if (round >= WARMUPS) {
      samples.one.push(one.elapsed);
      samples.fleet.push(fleet.elapsed);
      samples.slowDisk.push(slowDisk.elapsed);
      samples.defaults.push(defaults.elapsed);
      if (one.cpu !== undefined && fleet.cpu !== undefined) {
        samples.cpuOne.push(one.cpu);
        samples.cpuFleet.push(fleet.cpu);
      }
      requests.defaults = defaults.requests;
    }
    requests.one = one.requests.length;
    requests.fleet = fleet.requests.length;
  }
  const one = median(samples.one);
  const fleet = median(samples.fleet);
  bench.row(`mlds apply 1 workflow (${requests.one} AWS requests)`, ms(one));
  bench.row(`mlds apply ${WORKFLOWS} workflows in one run (${requests.fleet} AWS requests)`, ms(fleet));
  bench.verdict(`${WORKFLOWS} workflows in one apply / one workflow`, fleet / one, GOAL);
  // What each workflow past the first adds, against what one costs: the ratio above also falls when one
  // workflow's apply gets slower, and rises when it gets faster, this one does not.
  const perWorkflow = (fleet - one) / (WORKFLOWS - 1);
  bench.row(
    `  each workflow past the first adds`,
    `${ms(perWorkflow)}   ${((perWorkflow / one) * 100).toFixed(1)}% of one workflow's apply`,
  );

  if (samples.cpuOne.length > 0) {
    // Where the time each workflow adds goes: on two CPUs, the CLI's main thread, its other threads and the fake
    // endpoint (which AWS would not run on this machine) share them, and the main thread is the run's critical path.
    const added = (thread) =>
      (median(samples.cpuFleet.map((cpu) => cpu[thread])) -
        median(samples.cpuOne.map((cpu) => cpu[thread]))) /
      (WORKFLOWS - 1);
    const [main, helpers, endpoint] = [added('main'), added('helpers'), added('endpoint')];
    bench.row(
      `    CPU: CLI main thread + its other threads + endpoint`,
      `${ms(main)} + ${ms(helpers)} + ${ms(endpoint)} = ${ms(main + helpers + endpoint)} on ${cpus().length} CPUs`,
    );
  }

  const slowDisk = median(samples.slowDisk);
  bench.row(
    `${WORKFLOWS} workflows, every flush to disk ${FLUSH_MS} ms slower`,
    `${ms(slowDisk)}   ${(slowDisk / fleet).toFixed(2)}× this disk's`,
  );

  const defaults = median(samples.defaults);
  const floor = floorOf(new RequestLimiter(), requests.defaults);
  bench.row(
    `${WORKFLOWS} workflows with the default limits (${requests.defaults.length} AWS requests)`,
    ms(defaults),
  );
  bench.row(
    `  floor: ${floor.key}, ${floor.calls} calls ÷ ${floor.perSecond}/s`,
    `${ms(floor.ms)}   time / floor ${(defaults / floor.ms).toFixed(2)}×`,
  );
}
