// How close one big apply, and its destroy, come to the wait their dependencies impose: a workflow with 20
// downstream systems, in process against the fake cloud at 50 ms per AWS call, with the request limiter at
// 1,000 per second for every service (what `--rate-limit all=1000` gives) so that it measures mlds's scheduling,
// not AWS's quotas. Also the requests each resource costs, to create and to delete.
//
// The AWS span is the time from the first AWS request's start to the last one's end. Its bound is derived from
// the requests mlds made, not guessed: each request is attributed to its resource by the name in its input, and
// a resource's own time is the time its requests kept it busy (the union of their intervals, about 50 ms per
// step; requests of one resource that run at once, a bucket's three settings, count once). Measured rather than
// counted × 50 ms, so that timers running late on a loaded machine stretch the bound and the span alike. Then
//   apply:   bound = the longest dependency chain of busy time (a password after its channel);
//   destroy: bound = the slowest resource's pre-check (destroy checks everything before deleting anything)
//            + the longest reverse-dependency chain of delete busy time.
// Span / bound is then what scheduling adds on top of what the dependencies force; the goal is ≤ 1.2.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, ms } from './_lib.mjs';

const LATENCY_MS = 50;
const DOWNSTREAMS = 20;
const RUNS = 5;
const GOAL = 1.2;
const ENV = { WEB_PASSWORD: 'bench-web-password' };

export const title = `Scheduling: a ${DOWNSTREAMS}-downstream workflow, in process against the fake cloud at ${LATENCY_MS} ms per AWS call, --rate-limit all=1000 (median of ${RUNS})`;

/** 20 downstream systems, five of each kind that makes apply create something. */
function bigWorkflow() {
  const lines = [
    'workflow: big-live',
    'region: us-west-2',
    'channelClass: STANDARD',
    'mediaLiveRoleArn: arn:aws:iam::111122223333:role/MediaLiveAccessRole',
    'downstream:',
  ];
  for (let i = 0; i < DOWNSTREAMS / 4; i++) {
    lines.push(
      `  - name: packager${i}`,
      '    system: mediapackage',
      '    outputGroup: hls',
      `  - name: archive${i}`,
      '    system: s3',
      // A channel has at most one Archive group: the other buckets take HLS.
      `    format: ${i === 0 ? 'archive' : 'hls'}`,
      `  - name: store${i}`,
      '    system: mediastore',
      `  - name: web${i}`,
      '    system: http-put',
      `    urls: [https://a.example-cdn.com/live${i}/index, https://b.example-cdn.com/live${i}/index]`,
      '    username: ingest',
      '    password: { env: WEB_PASSWORD }',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The engine, the fake cloud and the planner bundled from source, as 30-apply.mjs does (see there why). */
async function loadEngine(repoRoot) {
  const provisionerDir = join(repoRoot, 'packages/provisioner');
  const esbuild = createRequire(join(repoRoot, 'packages/cli/package.json'))('esbuild');
  const outdir = join(provisionerDir, 'node_modules/.cache/mlds-bench');
  await mkdir(outdir, { recursive: true });
  const outfile = join(outdir, `scheduling-${process.pid}.mjs`);
  await esbuild.build({
    stdin: {
      contents: [
        "export { createFakeCloud } from '../fixtures/src/fake-cloud/index.ts';",
        "export { apply, destroy, FileStateStore, RequestLimiter } from './src/index.ts';",
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
  const parsed = engine.parseWorkflow(text, { filename: 'big.yaml' });
  if (parsed.workflow === undefined) {
    throw new Error(`the bench workflow is invalid: ${JSON.stringify(parsed.diagnostics.slice(0, 3))}`);
  }
  const plan = engine.planWorkflow(parsed.workflow, { diagnostics: parsed.diagnostics });
  const errors = plan.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0) throw new Error(`the bench workflow plans with errors: ${JSON.stringify(errors)}`);
  return plan;
}

/** The fake's clients, timing every request and remembering which MediaStore endpoint it went to. */
function timed(clients, requests) {
  return new Proxy(clients, {
    get: (target, property) => {
      const build = Reflect.get(target, property, target);
      if (typeof build !== 'function') return build;
      return (...args) => {
        const client = build.apply(target, args);
        const endpoint = property === 'mediaStoreData' ? args[0] : undefined;
        return new Proxy(client, {
          get: (inner, key) => {
            if (key !== 'send') return Reflect.get(inner, key, inner);
            return async (command) => {
              const request = { command: command.constructor.name, input: command.input, endpoint };
              request.start = performance.now();
              try {
                return await inner.send(command);
              } finally {
                request.end = performance.now();
                requests.push(request);
              }
            };
          },
        });
      };
    },
  });
}

/** The physical name a request acts on. */
function nameOf(request, containerOfEndpoint) {
  if (request.endpoint !== undefined) return containerOfEndpoint.get(request.endpoint);
  const input = request.input ?? {};
  const named =
    input.Bucket ?? input.Id ?? input.ChannelId ?? input.ContainerName ?? input.Name ?? input.ResourceId;
  if (typeof named === 'string') return named;
  const arn = input.ResourceArn ?? input.Resource;
  if (typeof arn === 'string') return arn.replace(/^.*:(channels|container)\//, '');
  return undefined;
}

/** Per resource address: its requests' busy time in ms, before and after `splitAt(address)`. */
function stepsOf(plan, requests, containerOfEndpoint, splitAt = () => Number.POSITIVE_INFINITY) {
  const addressOf = new Map(plan.resources.map((resource) => [resource.name, resource.address]));
  const intervals = new Map(plan.resources.map((resource) => [resource.address, { before: [], after: [] }]));
  for (const request of requests) {
    const address = addressOf.get(nameOf(request, containerOfEndpoint));
    if (address === undefined) throw new Error(`cannot attribute ${request.command} to a resource`);
    const side = request.start < splitAt(address) ? 'before' : 'after';
    intervals.get(address)[side].push([request.start, request.end]);
  }
  const busy = (list) => {
    let total = 0;
    let reach = Number.NEGATIVE_INFINITY;
    for (const [start, end] of list.sort((a, b) => a[0] - b[0])) {
      if (end <= reach) continue;
      total += end - Math.max(start, reach);
      reach = end;
    }
    return total;
  };
  return new Map(
    [...intervals].map(([address, sides]) => [
      address,
      { before: busy(sides.before), after: busy(sides.after) },
    ]),
  );
}

/** The longest chain of `steps` through `after` (what must finish first). */
function longestChain(plan, steps, after) {
  const memo = new Map();
  const chain = (address) => {
    if (!memo.has(address)) {
      memo.set(address, steps(address) + Math.max(0, ...after(address).map(chain)));
    }
    return memo.get(address);
  };
  return Math.max(...plan.resources.map((resource) => chain(resource.address)));
}

function spanOf(requests) {
  return Math.max(...requests.map((r) => r.end)) - Math.min(...requests.map((r) => r.start));
}

/** The engine's StateStore without a file: what is left of the gap once the state file's fsyncs are gone. */
function memoryStore() {
  let doc;
  return {
    lock: async (command) => ({
      info: { host: 'bench', pid: process.pid, acquiredAt: '', command },
      release: async () => {},
    }),
    read: async () => doc,
    write: async (next) => {
      doc = next;
    },
  };
}

async function once(engine, plan, scratch, inMemory = false) {
  const cloud = engine.createFakeCloud({
    latencyMs: LATENCY_MS,
    mediaStoreActivationPolls: 0,
    mediaPackageDeletePolls: 0,
  });
  const limiter = new engine.RequestLimiter({ overrides: { all: 1000 } });
  const applyRequests = [];
  const destroyRequests = [];
  // A real state file: its writes (group-committed) are part of what scheduling costs.
  const dir = await mkdtemp(join(scratch, 'scheduling-'));
  const store = inMemory
    ? memoryStore()
    : new engine.FileStateStore(join(dir, '.mlds', `${plan.workflow}.state.json`));
  await engine.apply({ plan, clients: timed(cloud.clients, applyRequests), store, env: ENV, limiter });
  const doc = await store.read();
  const containerOfEndpoint = new Map(
    doc.resources.filter((r) => r.outputs?.endpoint).map((r) => [r.outputs.endpoint, r.name]),
  );
  const deleteStarted = new Map();
  await engine.destroy({
    clients: timed(cloud.clients, destroyRequests),
    store,
    limiter,
    onEvent: (event) => {
      if (event.type === 'started') deleteStarted.set(event.address, performance.now());
    },
  });
  await rm(dir, { recursive: true, force: true });
  const leftover = cloud.inventory();
  if (Object.values(leftover).some((list) => list.length > 0))
    throw new Error('destroy left resources behind');

  const applySteps = stepsOf(plan, applyRequests, containerOfEndpoint);
  const byAddress = new Map(plan.resources.map((resource) => [resource.address, resource]));
  const applyBound = longestChain(
    plan,
    (address) => applySteps.get(address).before,
    (address) => byAddress.get(address).dependsOn ?? [],
  );
  const destroySteps = stepsOf(
    plan,
    destroyRequests,
    containerOfEndpoint,
    (address) => deleteStarted.get(address) ?? Number.POSITIVE_INFINITY,
  );
  const dependents = new Map();
  for (const resource of plan.resources) {
    for (const dependency of resource.dependsOn ?? []) {
      dependents.set(dependency, [...(dependents.get(dependency) ?? []), resource.address]);
    }
  }
  const precheck = Math.max(...[...destroySteps.values()].map((steps) => steps.before));
  const destroyBound =
    precheck +
    longestChain(
      plan,
      (address) => destroySteps.get(address).after,
      (address) => dependents.get(address) ?? [],
    );
  return {
    resources: plan.resources.length,
    apply: { requests: applyRequests.length, span: spanOf(applyRequests), bound: applyBound },
    destroy: { requests: destroyRequests.length, span: spanOf(destroyRequests), bound: destroyBound },
  };
}

export async function run(bench) {
  const engine = await loadEngine(bench.repoRoot);
  const plan = planOf(engine, bigWorkflow());
  const scratch = await bench.scratchDir();
  await once(engine, plan, scratch); // warm-up
  const samples = [];
  const inMemory = [];
  for (let round = 0; round < RUNS; round++) {
    samples.push(await once(engine, plan, scratch));
    inMemory.push(await once(engine, plan, scratch, true));
  }
  const [first] = samples;
  bench.row(`${DOWNSTREAMS} downstream systems: resources`, String(first.resources));
  for (const phase of ['apply', 'destroy']) {
    const requests = first[phase].requests;
    bench.row(
      `${phase}: AWS requests, per resource`,
      `${requests}, ${(requests / first.resources).toFixed(2)} per resource`,
    );
    const span = median(samples.map((sample) => sample[phase].span));
    const bound = median(samples.map((sample) => sample[phase].bound));
    bench.row(`${phase}: AWS span / dependency-chain bound ${ms(bound)}`, ms(span));
    bench.verdict(
      `${phase}: ${DOWNSTREAMS}-downstream AWS span / its dependency-chain bound`,
      span / bound,
      GOAL,
    );
    // The state writes on the critical path (an intent before each call; each level of dependents after a
    // write) are what separates the two: their cost is the machine's fsync.
    const memorySpan = median(inMemory.map((sample) => sample[phase].span));
    const memoryBound = median(inMemory.map((sample) => sample[phase].bound));
    bench.row(
      `  ${phase} with the state in memory, no file: span / bound`,
      `${(memorySpan / memoryBound).toFixed(2)}×`,
    );
  }
}
