// A fleet at AWS's pace: 25 workflows in one `mlds apply` process against one workflow's apply, both the real
// built CLI against the local fake AWS endpoint at 50 ms per call, with `--rate-limit all=1000` so that it
// measures mlds's scheduling rather than AWS's quotas. The workflows are copies of curling-live.yaml (a
// MediaPackage v1 channel, an RTMP destination, two S3 buckets: kinds the fake endpoint speaks) with distinct
// `workflow:` names. Before fleets, 25 workflows took 25 processes, 19.5× one; the goal is ≤ 1.5×.
//
// Each run gets a fresh endpoint (a fresh account) and a fresh directory, so each apply creates everything. The
// endpoint runs in this process, which does nothing else while a run is in flight.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, ms } from './_lib.mjs';

const WORKFLOWS = 25;
const LATENCY_MS = 50;
const RUNS = 3;
const WARMUPS = 1;
const GOAL = 1.5;

export const title = `A fleet: ${WORKFLOWS} workflows in one apply against one workflow's apply, the real CLI against the fake AWS endpoint at ${LATENCY_MS} ms per call, --rate-limit all=1000 (wall time, median of ${RUNS} interleaved runs after ${WARMUPS} warm-up)`;

const now = () => performance.timeOrigin + performance.now();

function exited(child, label) {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${label} exited ${code}: ${stderr}`));
    });
  });
}

/** Writes `count` copies of the seed workflow, named court-01…, into a fresh directory; returns it and the files. */
async function fleetDir(seed, count) {
  const cwd = await mkdtemp(join(tmpdir(), 'mlds-bench-fleet-'));
  const files = [];
  for (let i = 1; i <= count; i++) {
    const name = `court-${String(i).padStart(2, '0')}`;
    const file = `${name}.yaml`;
    await writeFile(join(cwd, file), seed.replace('workflow: curling-live', `workflow: ${name}`));
    files.push(file);
  }
  return { cwd, files };
}

/** Wall time of `mlds apply <files> --yes --rate-limit all=1000`, and the AWS requests it made. */
async function timeApply(bench, startFakeAwsEndpoint, seed, count) {
  const endpoint = await startFakeAwsEndpoint({ latencyMs: LATENCY_MS });
  const { cwd, files } = await fleetDir(seed, count);
  try {
    const start = now();
    const child = spawn(
      process.execPath,
      [bench.cliBin, 'apply', ...files, '--yes', '--rate-limit', 'all=1000'],
      {
        cwd,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: cwd,
          AWS_CONFIG_FILE: join(cwd, 'no-aws-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'no-aws-credentials'),
          AWS_ENDPOINT_URL: endpoint.url,
          AWS_ACCESS_KEY_ID: 'AKIABENCHFAKE',
          AWS_SECRET_ACCESS_KEY: 'bench-fake-secret',
          SOCIAL_STREAM_KEY: 'bench-stream-key',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    await exited(child, `mlds apply (${count} workflows)`);
    return { elapsed: now() - start, requests: endpoint.requests.length };
  } finally {
    await endpoint.close();
    await rm(cwd, { recursive: true, force: true });
  }
}

export async function run(bench) {
  const loader = pathToFileURL(join(bench.repoRoot, 'packages/fixtures/scripts/load-fake-endpoint.mjs')).href;
  const { startFakeAwsEndpoint } = await (await import(loader)).loadFakeEndpoint();
  const seed = await readFile(bench.seedWorkflow, 'utf8');
  const samples = { one: [], fleet: [] };
  const requests = { one: 0, fleet: 0 };
  for (let round = 0; round < WARMUPS + RUNS; round++) {
    const one = await timeApply(bench, startFakeAwsEndpoint, seed, 1);
    const fleet = await timeApply(bench, startFakeAwsEndpoint, seed, WORKFLOWS);
    if (round >= WARMUPS) {
      samples.one.push(one.elapsed);
      samples.fleet.push(fleet.elapsed);
    }
    requests.one = one.requests;
    requests.fleet = fleet.requests;
  }
  const one = median(samples.one);
  const fleet = median(samples.fleet);
  bench.row(`mlds apply 1 workflow (${requests.one} AWS requests)`, ms(one));
  bench.row(`mlds apply ${WORKFLOWS} workflows in one run (${requests.fleet} AWS requests)`, ms(fleet));
  bench.verdict(`${WORKFLOWS} workflows in one apply / one workflow`, fleet / one, GOAL);
}
