// `mlds apply` against the stateful fake cloud with 50 ms per AWS call: one workflow, and 25 workflows applied
// at once (each its own state file, one account), as a ratio to the lower bound measured in the same run.
//
// The lower bound is derived from the calls the engine itself made, not guessed. A first run without latency
// records every AWS call; each call is attributed to its resource by the name in its input (Bucket, Id,
// ContainerName, Name...). Within one resource the calls are sequential (each handler awaits each call before
// the next), except a bucket's three settings, sent at once after CreateBucket: they count as one step. A
// resource starts only after what it depends on (an ingest-password parameter after its MediaPackage channel).
// So no apply can finish before the longest dependency chain of steps, at 50 ms each:
//   chain(r) = steps(r) + max(chain(d) for d in r.dependsOn);   lower bound = max over r of chain(r) × 50 ms.
// The engine starts every resource whose dependencies are done (no lanes) and its request limiter is set to
// 1,000 per second for every service (what `--rate-limit all=1000` gives), so this measures scheduling.
//
// The fake's only wait is its latency (a real setTimeout, as this is a bench). Its MediaStore containers are
// ACTIVE at once (`mediaStoreActivationPolls: 0`): with polls, the time would be the engine's wait policy
// (2 s first poll), which measures the policy, not the engine. SDK clients are built before the clock starts.
// The last case keeps the state in memory: the difference to the one before is what the state file costs
// (every resource is written twice, creating then created, each an atomic write with fsync).

import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, ms } from './_lib.mjs';

const LATENCY_MS = 50;
const FLEET = 25;
const RUNS = 5;
const WARMUPS = 1;
const ENV = { WEB_PASSWORD: 'bench-web-password', SOCIAL_STREAM_KEY: 'bench-stream-key' };

export const title = `Apply against the fake cloud, ${LATENCY_MS} ms per AWS call, request limiter at 1,000/s (wall time, median of ${RUNS} interleaved runs after ${WARMUPS} warm-up round)`;

/**
 * Every downstream system that makes apply create something: a MediaPackage channel with HLS ingest (and its
 * two password parameters, which wait for the channel), two buckets, two containers, an HTTP PUT password.
 */
export function richWorkflow(name) {
  return [
    `workflow: ${name}`,
    'region: us-west-2',
    'channelClass: STANDARD',
    'mediaLiveRoleArn: arn:aws:iam::111122223333:role/MediaLiveAccessRole',
    'tags: { team: sports }',
    'downstream:',
    '  - name: packager',
    '    system: mediapackage',
    '    outputGroup: hls',
    '  - name: archive',
    '    system: s3',
    '    format: archive',
    '  - name: store',
    '    system: mediastore',
    '  - name: web',
    '    system: http-put',
    '    urls: [https://a.example-cdn.com/live/index, https://b.example-cdn.com/live/index]',
    '    username: ingest',
    '    password: { env: WEB_PASSWORD }',
    '',
  ].join('\n');
}

/**
 * The fake cloud, the engine and the planner bundled from their TypeScript sources (the `mlds-source`
 * condition) with the esbuild the CLI builds with. The AWS SDK and aws-sdk-client-mock stay external and the
 * bundle is written under the provisioner's node_modules, so that they resolve to the very copies the sources
 * use: the engine recognises the fake's errors with `instanceof`.
 */
async function loadEngine(repoRoot) {
  const provisionerDir = join(repoRoot, 'packages/provisioner');
  const esbuild = createRequire(join(repoRoot, 'packages/cli/package.json'))('esbuild');
  const outdir = join(provisionerDir, 'node_modules/.cache/mlds-bench');
  await mkdir(outdir, { recursive: true });
  const outfile = join(outdir, `apply-${process.pid}.mjs`);
  await esbuild.build({
    stdin: {
      contents: [
        "export { createFakeCloud } from '../fixtures/src/fake-cloud/index.ts';",
        "export { apply, FileStateStore, RequestLimiter } from './src/index.ts';",
        "export { parseWorkflow, planWorkflow } from '@mlds/core';",
      ].join('\n'),
      resolveDir: provisionerDir,
      loader: 'ts',
    },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    conditions: ['mlds-source'],
    external: ['@aws-sdk/*', '@smithy/*', 'aws-sdk-client-mock', 'p-retry'],
    // yaml's CommonJS entry calls require(): give the ES module bundle one.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    await rm(outfile, { force: true });
  }
}

function planOf(engine, text) {
  const parsed = engine.parseWorkflow(text, { filename: 'bench.yaml' });
  if (parsed.workflow === undefined) {
    throw new Error(`a bench workflow is invalid: ${JSON.stringify(parsed.diagnostics.slice(0, 3))}`);
  }
  const plan = engine.planWorkflow(parsed.workflow, { diagnostics: parsed.diagnostics });
  const errors = plan.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0) throw new Error(`a bench workflow plans with errors: ${JSON.stringify(errors)}`);
  return plan;
}

const KIND_OF_SERVICE = {
  s3: 's3-bucket',
  mediapackage: 'mediapackage-channel',
  mediastore: 'mediastore-container',
  ssm: 'ssm-parameter',
};

/** The physical name a recorded call acts on, from its input. */
function resourceNameOf(call) {
  const input = call.input ?? {};
  const named = input.Bucket ?? input.Id ?? input.ContainerName ?? input.Name ?? input.ResourceId;
  if (typeof named === 'string') return named;
  const arn = input.ResourceArn ?? input.Resource;
  if (typeof arn === 'string') return arn.replace(/^.*:(channels|container)\//, '');
  return undefined;
}

const keyOf = (kind, region, name) => `${kind} ${region} ${name}`;

/** Calls per resource of the plans, from one run's recorded calls; throws on a call it cannot attribute. */
function callsPerResource(plans, calls) {
  const counts = new Map();
  for (const plan of plans) {
    for (const resource of plan.resources)
      counts.set(keyOf(resource.kind, resource.region, resource.name), 0);
  }
  for (const call of calls) {
    const key = keyOf(KIND_OF_SERVICE[call.service], call.region, resourceNameOf(call));
    if (!counts.has(key)) throw new Error(`cannot attribute ${call.service} ${call.command} to a resource`);
    counts.set(key, counts.get(key) + 1);
  }
  return counts;
}

/**
 * A bucket's settings, sent at once (s3-configure.ts `configure`, when a bucket is adopted): one step, not three.
 * A new bucket gets only its policy (AWS's defaults are the rest), a step of its own.
 */
const SENT_TOGETHER = new Set([
  'PutPublicAccessBlockCommand',
  'PutBucketEncryptionCommand',
  'PutBucketPolicyCommand',
]);

/** Sequential steps per resource: its calls, with the calls sent together counted once. */
function stepsPerResource(plans, calls) {
  const steps = callsPerResource(plans, calls);
  const together = callsPerResource(
    plans,
    calls.filter((call) => SENT_TOGETHER.has(call.command)),
  );
  for (const [key, count] of together) if (count > 1) steps.set(key, steps.get(key) - count + 1);
  return steps;
}

/** The longest chain of sequential calls through the plan's dependencies, in calls. */
function criticalPath(plan, counts) {
  const byAddress = new Map(plan.resources.map((resource) => [resource.address, resource]));
  const memo = new Map();
  const chain = (resource) => {
    if (!memo.has(resource.address)) {
      const before = (resource.dependsOn ?? []).map((address) => chain(byAddress.get(address)));
      memo.set(
        resource.address,
        counts.get(keyOf(resource.kind, resource.region, resource.name)) + Math.max(0, ...before),
      );
    }
    return memo.get(resource.address);
  };
  return Math.max(...plan.resources.map(chain));
}

/** The engine's StateStore without a file: how much of the wall time the state file's atomic writes take. */
class MemoryStateStore {
  doc;
  async lock(command) {
    return { info: { host: 'bench', pid: process.pid, acquiredAt: '', command }, release: async () => {} };
  }
  async read() {
    return this.doc;
  }
  async write(doc) {
    this.doc = doc;
  }
}

/** Applies every plan at once against one fresh fake cloud; each plan has its own state file (or memory). */
async function applyAll(engine, plans, latencyMs, stateRoot, stateInMemory = false) {
  let callsInFlight = 0;
  let maxCallsInFlight = 0;
  const cloud = engine.createFakeCloud({
    latencyMs,
    mediaStoreActivationPolls: 0,
    sleep: (delay) => {
      maxCallsInFlight = Math.max(maxCallsInFlight, ++callsInFlight);
      return new Promise((resolve) =>
        setTimeout(() => {
          callsInFlight--;
          resolve();
        }, delay),
      );
    },
  });
  for (const region of new Set(plans.flatMap((plan) => plan.resources.map((r) => r.region)))) {
    cloud.clients.s3(region);
    cloud.clients.mediaPackage(region);
    cloud.clients.mediaStore(region);
    cloud.clients.ssm(region);
  }
  const dir = await mkdtemp(join(stateRoot, 'run-'));
  const stores = plans.map((plan, index) =>
    stateInMemory
      ? new MemoryStateStore()
      : new engine.FileStateStore(join(dir, String(index), '.mlds', `${plan.workflow}.state.json`)),
  );
  const inFlight = plans.map(() => 0);
  let maxResourcesInFlight = 0;
  // What `--rate-limit all=1000` gives: this measures the engine's scheduling, not AWS's request rates.
  const limiter = new engine.RequestLimiter({ overrides: { all: 1000 } });
  const start = process.hrtime.bigint();
  await Promise.all(
    plans.map((plan, index) =>
      engine.apply({
        limiter,
        plan,
        clients: cloud.clients,
        store: stores[index],
        env: ENV,
        onEvent: (event) => {
          if (event.type === 'started') {
            inFlight[index] += 1;
            maxResourcesInFlight = Math.max(maxResourcesInFlight, inFlight[index]);
          } else if (event.type === 'done' || event.type === 'failed') inFlight[index]--;
        },
      }),
    ),
  );
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  await rm(dir, { recursive: true, force: true });
  return { elapsed, calls: cloud.calls(), maxResourcesInFlight, maxCallsInFlight };
}

function perKind(plans, calls) {
  const resources = {};
  for (const plan of plans) for (const r of plan.resources) resources[r.kind] = (resources[r.kind] ?? 0) + 1;
  const byKind = {};
  for (const call of calls)
    byKind[KIND_OF_SERVICE[call.service]] = (byKind[KIND_OF_SERVICE[call.service]] ?? 0) + 1;
  return Object.keys(resources)
    .sort()
    .map((kind) => `${kind} ${((byKind[kind] ?? 0) / resources[kind]).toFixed(1)}`)
    .join(', ');
}

export async function run(bench) {
  const engine = await loadEngine(bench.repoRoot);
  const seedText = await readFile(bench.seedWorkflow, 'utf8');
  const seedNamed = (name) => seedText.replace(/^workflow: .*$/m, `workflow: ${name}`);
  const fleet = (make) => Array.from({ length: FLEET }, (_, index) => planOf(engine, make(index)));
  const cases = {
    seed: { label: 'curling-live.yaml (the seed)', plans: [planOf(engine, seedText)] },
    seedFleet: {
      label: `${FLEET} × the seed, at once`,
      plans: fleet((index) => seedNamed(`curling-live-${String(index).padStart(2, '0')}`)),
    },
    rich: { label: 'every resource kind (rich)', plans: [planOf(engine, richWorkflow('rich-live'))] },
    richFleet: {
      label: `${FLEET} × rich, at once`,
      plans: fleet((index) => richWorkflow(`rich-live-${String(index).padStart(2, '0')}`)),
    },
    richFleetInMemory: {
      label: `${FLEET} × rich, state in memory, no file`,
      plans: fleet((index) => richWorkflow(`rich-mem-${String(index).padStart(2, '0')}`)),
      stateInMemory: true,
    },
  };
  const stateRoot = await bench.scratchDir();

  for (const measured of Object.values(cases)) {
    const { calls } = await applyAll(engine, measured.plans, 0, stateRoot, measured.stateInMemory);
    const counts = callsPerResource(measured.plans, calls);
    measured.callsPerRun = calls.length;
    measured.resources = counts.size;
    const steps = stepsPerResource(measured.plans, calls);
    measured.chain = Math.max(...measured.plans.map((plan) => criticalPath(plan, steps)));
    measured.perKind = perKind(measured.plans, calls);
    measured.samples = [];
  }

  for (let round = 0; round < WARMUPS + RUNS; round++) {
    for (const measured of Object.values(cases)) {
      const result = await applyAll(engine, measured.plans, LATENCY_MS, stateRoot, measured.stateInMemory);
      if (result.calls.length !== measured.callsPerRun) {
        throw new Error(
          `${measured.label}: ${result.calls.length} calls, ${measured.callsPerRun} without latency`,
        );
      }
      measured.maxResourcesInFlight = result.maxResourcesInFlight;
      measured.maxCallsInFlight = result.maxCallsInFlight;
      if (round >= WARMUPS) measured.samples.push(result.elapsed);
    }
  }

  const concurrency = Math.max(...Object.values(cases).map((measured) => measured.maxResourcesInFlight));
  bench.row('resources at once (no cap: as soon as what they need is done)', `at most ${concurrency}`);
  for (const measured of Object.values(cases)) {
    const wall = median(measured.samples);
    const lowerBound = measured.chain * LATENCY_MS;
    bench.row(`${measured.label}: ${measured.resources} resources`, ms(wall));
    bench.row(
      `  lower bound: a chain of ${measured.chain} steps × ${LATENCY_MS} ms`,
      `${ms(lowerBound)}   wall / bound ${(wall / lowerBound).toFixed(2)}×`,
    );
    bench.row(
      `  AWS calls: ${measured.callsPerRun}, per resource`,
      `${(measured.callsPerRun / measured.resources).toFixed(2)}   (${measured.perKind})`,
    );
    bench.row('  most AWS calls in flight at once', String(measured.maxCallsInFlight));
  }
}
