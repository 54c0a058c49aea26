// How close one big apply, and its destroy, come to the wait their dependencies impose: `mlds apply` and
// `mlds destroy` of a workflow with 20 downstream systems, the real built CLI as a child process against the
// local fake AWS endpoint at 50 ms per call, with `--rate-limit all=1000` so that it measures mlds's
// scheduling, not AWS's quotas. Also the requests each resource costs, to create and to delete.
//
// Everything is read from the endpoint's own request log: when each request arrived and was answered (its
// clock), and what it acted on (a bucket, a parameter, a channel...), which attributes it to a resource of the
// plan. The credentials pre-flight (STS GetCallerIdentity, before the question) acts on no resource and is
// left out. The AWS span is from the first attributed request's arrival to the last one's answer.
//
// Its bound is derived from the requests mlds made, not guessed: a resource's own time is the time its requests
// kept it busy (the union of their intervals, about 50 ms per step; requests of one resource that run at once,
// a bucket's three settings, count once). Measured rather than counted × 50 ms, so that timers running late on
// a loaded machine stretch the bound and the span alike. Then
//   apply:   bound = the longest dependency chain of busy time (a password after its channel);
//   destroy: bound = the slowest resource's pre-check (destroy checks everything before deleting anything)
//            + the longest reverse-dependency chain of delete busy time.
// Destroy's pre-check ends before its first change (Delete*, Put*...): a request answered by then is the
// pre-check's, any later one the delete's. Span / bound is what scheduling, and the CPU and state writes
// between two requests, add on top of what the dependencies force; the goal is ≤ 1.2.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { median, ms } from './_lib.mjs';

const LATENCY_MS = 50;
const DOWNSTREAMS = 20;
const RUNS = 5;
const WARMUPS = 1;
const GOAL = 1.2;
const WORKFLOW = 'big-live';
const ENV = { WEB_PASSWORD: 'bench-web-password' };

export const title = `Scheduling: a ${DOWNSTREAMS}-downstream workflow, the real CLI against the fake AWS endpoint at ${LATENCY_MS} ms per call, --rate-limit all=1000 (median of ${RUNS} runs after ${WARMUPS} warm-up)`;

/** 20 downstream systems, five of each kind that makes apply create something. */
function bigWorkflow() {
  const lines = [
    `workflow: ${WORKFLOW}`,
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

/** The plan the CLI makes of the workflow (same core, same input): its resources' names and dependencies. */
function planOf(core, text) {
  const parsed = core.parseWorkflow(text, { filename: 'big.yaml' });
  if (parsed.workflow === undefined) {
    throw new Error(`the bench workflow is invalid: ${JSON.stringify(parsed.diagnostics.slice(0, 3))}`);
  }
  const plan = core.planWorkflow(parsed.workflow, { diagnostics: parsed.diagnostics });
  const errors = plan.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0) throw new Error(`the bench workflow plans with errors: ${JSON.stringify(errors)}`);
  return plan;
}

const READ = /^(Describe|Get|List|Head)/;

/**
 * The resource address each logged request acted on: by name, by ARN (tags), or by a container's data endpoint
 * (`containerOfEndpoint`, from the state: the endpoint as the CLI saw it).
 */
function attribute(plan, requests, containerOfEndpoint) {
  const addressOf = new Map(plan.resources.map((resource) => [resource.name, resource.address]));
  const nameOf = (target) => {
    if (target.startsWith('https://')) {
      const host = target.slice('https://'.length);
      return [...containerOfEndpoint].find(([endpoint]) => endpoint.endsWith(`/${host}`))?.[1];
    }
    return target.replace(/^arn:.*:(channels|container|parameter)\//, '');
  };
  return requests
    .filter((request) => request.service !== 'sts')
    .map((request) => {
      const address = request.target === undefined ? undefined : addressOf.get(nameOf(request.target));
      if (address === undefined || request.answeredAt === undefined) {
        throw new Error(
          `cannot attribute ${request.service} ${request.operation} (${request.target}) to a resource`,
        );
      }
      return { ...request, address };
    });
}

/** Per address, the time its requests kept it busy: the union of their [arrival, answer] intervals. */
function busyTime(plan, requests) {
  const intervals = new Map(plan.resources.map((resource) => [resource.address, []]));
  for (const request of requests)
    intervals.get(request.address).push([request.receivedAt, request.answeredAt]);
  const busy = new Map();
  for (const [address, list] of intervals) {
    let total = 0;
    let reach = Number.NEGATIVE_INFINITY;
    for (const [start, end] of list.sort((a, b) => a[0] - b[0])) {
      if (end <= reach) continue;
      total += end - Math.max(start, reach);
      reach = end;
    }
    busy.set(address, total);
  }
  return busy;
}

/** The longest chain of `steps` through `after` (what must finish first). */
function longestChain(plan, steps, after) {
  const memo = new Map();
  const chain = (address) => {
    if (!memo.has(address)) {
      memo.set(address, steps.get(address) + Math.max(0, ...after(address).map(chain)));
    }
    return memo.get(address);
  };
  return Math.max(...plan.resources.map((resource) => chain(resource.address)));
}

function spanOf(requests) {
  return Math.max(...requests.map((r) => r.answeredAt)) - Math.min(...requests.map((r) => r.receivedAt));
}

/** One apply and one destroy of the workflow, each a CLI process against a fresh fake account. */
async function once(bench, plan, text) {
  const endpoint = await bench.startFakeAwsEndpoint({ latencyMs: LATENCY_MS });
  const cwd = await mkdtemp(join(await bench.scratchDir(), 'scheduling-'));
  try {
    await writeFile(join(cwd, 'big.yaml'), text);
    const run = { cwd, endpointUrl: endpoint.url, env: ENV };
    await bench.runCli(['apply', 'big.yaml', '--yes', '--rate-limit', 'all=1000'], run);
    const applied = endpoint.requests.length;
    const state = JSON.parse(await readFile(join(cwd, '.mlds', `${WORKFLOW}.state.json`), 'utf8'));
    const containerOfEndpoint = new Map(
      state.resources.filter((r) => r.outputs?.endpoint).map((r) => [r.outputs.endpoint, r.name]),
    );
    await bench.runCli(['destroy', 'big.yaml', '--yes', '--rate-limit', 'all=1000'], run);
    const leftover = endpoint.cloud.inventory();
    if (Object.values(leftover).some((list) => list.length > 0)) {
      throw new Error(`destroy left resources behind: ${JSON.stringify(leftover)}`);
    }

    const applyRequests = attribute(plan, endpoint.requests.slice(0, applied), containerOfEndpoint);
    const destroyRequests = attribute(plan, endpoint.requests.slice(applied), containerOfEndpoint);
    const byAddress = new Map(plan.resources.map((resource) => [resource.address, resource]));
    const applyBound = longestChain(
      plan,
      busyTime(plan, applyRequests),
      (address) => byAddress.get(address).dependsOn ?? [],
    );

    const firstChange = Math.min(
      ...destroyRequests.filter((r) => !READ.test(r.operation)).map((r) => r.receivedAt),
    );
    const precheck = busyTime(
      plan,
      destroyRequests.filter((r) => r.answeredAt <= firstChange),
    );
    const deletes = busyTime(
      plan,
      destroyRequests.filter((r) => r.answeredAt > firstChange),
    );
    const dependents = new Map();
    for (const resource of plan.resources) {
      for (const dependency of resource.dependsOn ?? []) {
        dependents.set(dependency, [...(dependents.get(dependency) ?? []), resource.address]);
      }
    }
    const destroyBound =
      Math.max(...precheck.values()) +
      longestChain(plan, deletes, (address) => dependents.get(address) ?? []);
    return {
      resources: plan.resources.length,
      apply: { requests: applyRequests.length, span: spanOf(applyRequests), bound: applyBound },
      destroy: { requests: destroyRequests.length, span: spanOf(destroyRequests), bound: destroyBound },
    };
  } finally {
    await endpoint.close();
    await rm(cwd, { recursive: true, force: true });
  }
}

export async function run(bench) {
  const text = bigWorkflow();
  const plan = planOf(await bench.loadCore(), text);
  const samples = [];
  for (let round = 0; round < WARMUPS + RUNS; round++) {
    const sample = await once(bench, plan, text);
    if (round >= WARMUPS) samples.push(sample);
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
  }
}
