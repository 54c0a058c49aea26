// How soon a real `mlds apply` process reaches AWS: the time from spawning `mlds apply curling-live.yaml --yes`
// to the first HTTP request the local fake AWS endpoint (AWS_ENDPOINT_URL) receives, against the whole run of
// `node -e 0`. It covers what a user waits for before anything happens: Node's start, the bundle, parsing and
// planning, the state lock, and loading and building the first SDK client.
//
// The endpoint runs in this process (its clock and the spawn time are one clock); this process does nothing
// else while a run is in flight. Each run gets a fresh account and a fresh directory, so each apply creates
// everything.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, ms, now } from './_lib.mjs';

const RUNS = 15;
const WARMUPS = 2;

export const title = `Process start to the first AWS request (wall time, median of ${RUNS} interleaved runs after ${WARMUPS} warm-up rounds)`;

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

async function nodeStart() {
  const start = now();
  await exited(spawn(process.execPath, ['-e', '0'], { stdio: ['ignore', 'ignore', 'pipe'] }), 'node -e 0');
  return now() - start;
}

async function firstRequest(bench) {
  const endpoint = await bench.startFakeAwsEndpoint();
  const cwd = await mkdtemp(join(tmpdir(), 'mlds-bench-first-request-'));
  try {
    const { startedAt } = await bench.runCli(['apply', bench.seedWorkflow, '--yes'], {
      cwd,
      endpointUrl: endpoint.url,
    });
    const [first] = endpoint.requests;
    if (first === undefined) throw new Error('mlds apply made no AWS request');
    return first.receivedAt - startedAt;
  } finally {
    await endpoint.close();
    await rm(cwd, { recursive: true, force: true });
  }
}

export async function run(bench) {
  const samples = { node: [], first: [] };
  for (let round = 0; round < WARMUPS + RUNS; round++) {
    const node = await nodeStart();
    const first = await firstRequest(bench);
    if (round >= WARMUPS) {
      samples.node.push(node);
      samples.first.push(first);
    }
  }
  const node = median(samples.node);
  const first = median(samples.first);
  bench.row('node -e 0', ms(node));
  bench.row('mlds apply curling-live.yaml --yes: spawn → 1st request', ms(first));
  bench.row('first AWS request / node -e 0', `${(first / node).toFixed(2)}×`);
}
