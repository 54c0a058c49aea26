import {
  FORMAT_VERSION,
  type Plan,
  type ResourceChange,
  type ResourceKind,
  type StateDocument,
  type StateResource,
} from '@mlds/core';
import { boundedClients, DEFAULT_OPERATION_TIMEOUT_MS, withDeadline } from './bounded-calls.js';
import type { AwsClients } from './clients.js';
import { RateLimiter, Semaphore } from './concurrency.js';
import {
  ApplyFailedError,
  type Blocker,
  BucketNameTakenError,
  type Failure,
  InvalidPlanError,
  MissingEnvironmentError,
  NotEmptyError,
  ResourceNotOursError,
  RunAbortedError,
  StateWorkflowMismatchError,
} from './errors.js';
import type { EngineAction, EngineEvent, Outcome, ResourceOutcome } from './events.js';
import { handlers } from './handlers/index.js';
import { secretSourceOf } from './handlers/ssm.js';
import {
  DEFAULT_RETRY_POLICY,
  DEFAULT_WAIT_POLICY,
  type RetryPolicy,
  type Timing,
  type WaitPolicy,
  waitUntil,
  withRetry,
} from './retry.js';
import { type Recorded, type Runtime, SecretVault, type Target, targetOf } from './runtime.js';
import type { StateStore } from './state-store.js';

export interface ApplyOptions {
  plan: Plan;
  clients: AwsClients;
  store: StateStore;
  /** Where `{ env: NAME }` secrets are read (normally process.env). */
  env: Record<string, string | undefined>;
  /** Resources worked on at once (default 4). */
  concurrency?: number;
  onEvent?: (event: EngineEvent) => void;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  wait?: Partial<WaitPolicy>;
  /** Cancels the run: no resource starts, and retries and waits stop at once. */
  signal?: AbortSignal;
  /**
   * Interrupts the run (SIGINT): no new AWS call starts (each fails with InterruptedCallError) and no resource
   * starts, while calls in flight finish and their results are recorded.
   */
  stopSignal?: AbortSignal;
  /** The most one AWS operation (all its attempts and retries) may take; default 5 minutes. */
  operationTimeoutMs?: number;
}

export interface DestroyOptions extends Omit<ApplyOptions, 'plan' | 'env'> {
  /** Empty buckets and containers and delete origin endpoints instead of refusing. */
  force?: boolean;
}

export interface RunResult {
  /** The state as written at the end; undefined when destroy found no state at all. */
  state: StateDocument | undefined;
  outcomes: ResourceOutcome[];
}

const DEFAULT_CONCURRENCY = 4;

function defaultSleep(signal: AbortSignal | undefined) {
  return (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
}

/** A resource's identity in the state: a replaced resource has two entries with one address until apply ends. */
function identity(resource: { address: string; kind: string; region: string; name: string }): string {
  return JSON.stringify([resource.address, resource.kind, resource.region, resource.name]);
}

/** Serialises state writes: every change is written (serial + 1) before the engine goes on. */
class StateKeeper {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: StateStore,
    private readonly doc: StateDocument,
  ) {}

  get(resource: { address: string; kind: string; region: string; name: string }): StateResource | undefined {
    const key = identity(resource);
    return this.doc.resources.find((entry) => identity(entry) === key);
  }

  /** By address alone, a `created` entry first: how an ingest-password parameter finds its channel. */
  byAddress(address: string): StateResource | undefined {
    const entries = this.doc.resources.filter((entry) => entry.address === address);
    return entries.find((entry) => entry.status === 'created') ?? entries[0];
  }

  all(): StateResource[] {
    return [...this.doc.resources];
  }

  snapshot(): StateDocument {
    return structuredClone(this.doc);
  }

  put(resource: StateResource): Promise<void> {
    return this.commit(() => {
      const key = identity(resource);
      const index = this.doc.resources.findIndex((entry) => identity(entry) === key);
      if (index === -1) this.doc.resources.push(resource);
      else this.doc.resources[index] = resource;
    });
  }

  remove(resource: { address: string; kind: string; region: string; name: string }): Promise<void> {
    const key = identity(resource);
    return this.commit(() => {
      this.doc.resources = this.doc.resources.filter((entry) => identity(entry) !== key);
    });
  }

  private commit(change: () => void): Promise<void> {
    const write = this.tail.then(async () => {
      change();
      this.doc.serial += 1;
      await this.store.write(structuredClone(this.doc));
    });
    this.tail = write.catch(() => {});
    return write;
  }
}

interface Run {
  rt: Runtime;
  keeper: StateKeeper;
  vault: SecretVault;
  clock: () => number;
  emit: (event: EngineEvent) => void;
  outcomes: ResourceOutcome[];
  signal: AbortSignal | undefined;
  stopSignal: AbortSignal | undefined;
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message ? `${error.name}: ${error.message}` : error.name;
}

function createRun(
  options: Omit<ApplyOptions, 'plan' | 'env'>,
  workflow: string,
  env: Record<string, string | undefined>,
  keeper: StateKeeper,
  lookup: (address: string) => Target | undefined,
  vault: SecretVault,
): Run {
  const clock = options.clock ?? Date.now;
  const timing: Timing = {
    clock,
    sleep: options.sleep ?? defaultSleep(options.signal),
    random: options.random ?? Math.random,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const retryPolicy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const waitPolicy: WaitPolicy = { ...DEFAULT_WAIT_POLICY, ...options.wait };
  const emit = (event: EngineEvent) => options.onEvent?.(event);
  const limiters = new Map<string, RateLimiter>();
  const waiting = (address: string) => (reason: string, attempt: number, delayMs: number) =>
    emit({ type: 'waiting', address, reason: vault.redact(reason), attempt, delayMs, at: clock() });
  const operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  const rt: Runtime = {
    clients: boundedClients(options.clients, options.stopSignal),
    workflow,
    env,
    timing,
    retryPolicy,
    waitPolicy,
    secrets: vault,
    emit,
    call: (address, fn, alsoRetry) =>
      withDeadline(address, operationTimeoutMs, undefined, () =>
        withRetry(fn, {
          ...timing,
          policy: retryPolicy,
          ...(alsoRetry ? { alsoRetry } : {}),
          onWait: waiting(address),
        }),
      ),
    waitUntil: (address, what, probe) =>
      waitUntil(probe, { ...timing, policy: waitPolicy, address, what, onWait: waiting(address) }),
    progress: (address, detail) =>
      emit({ type: 'progress', address, detail: vault.redact(detail), at: clock() }),
    limiter: (key, perSecond) => {
      let limiter = limiters.get(key);
      if (!limiter) {
        limiter = new RateLimiter(perSecond, clock, timing.sleep);
        limiters.set(key, limiter);
      }
      return limiter;
    },
    lookup,
  };
  return {
    rt,
    keeper,
    vault,
    clock,
    emit,
    outcomes: [],
    signal: options.signal,
    stopSignal: options.stopSignal,
  };
}

interface GraphNode {
  /** Unique in the graph: `+address` for what apply creates, `-identity` for what is deleted. */
  id: string;
  address: string;
  kind: ResourceKind;
  /** Node ids that must succeed first (only those in the graph count). */
  after: string[];
  run: () => Promise<void>;
}

/**
 * Runs every node once all it comes after succeeded, `concurrency` at a time. A failure stops only what depends
 * on it: every other branch runs to its end, and every failure is reported together.
 */
async function runGraph(
  nodes: GraphNode[],
  concurrency: number,
  run: Run,
): Promise<{ failures: Failure[]; skipped: string[] }> {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  assertAcyclic(nodes, byId);
  const semaphore = new Semaphore(concurrency);
  const results = new Map<string, Promise<boolean>>();
  const failures: Failure[] = [];
  const skipped: string[] = [];
  const skip = (node: GraphNode, reason: string) => {
    skipped.push(node.address);
    run.emit({ type: 'skipped', address: node.address, kind: node.kind, reason, at: run.clock() });
    return false;
  };
  const start = (node: GraphNode): Promise<boolean> => {
    const known = results.get(node.id);
    if (known) return known;
    const result = (async () => {
      const before = node.after.flatMap((id) => {
        const dependency = byId.get(id);
        return dependency ? [dependency] : [];
      });
      const ok = await Promise.all(before.map(start));
      const failed = before.filter((_, index) => !ok[index]).map((dependency) => dependency.address);
      if (failed.length > 0) return skip(node, `${failed.join(', ')} did not succeed`);
      return semaphore.run(async () => {
        if (run.signal?.aborted) return skip(node, 'the run was cancelled');
        if (run.stopSignal?.aborted) return skip(node, 'the run was interrupted');
        try {
          await node.run();
          return true;
        } catch (error) {
          run.vault.scrub(error);
          failures.push({ address: node.address, error: run.vault.redact(errorText(error)), cause: error });
          return false;
        }
      });
    })();
    results.set(node.id, result);
    return result;
  };
  await Promise.all(nodes.map(start));
  return { failures, skipped };
}

function assertAcyclic(nodes: GraphNode[], byAddress: Map<string, GraphNode>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: GraphNode, path: string[]) => {
    const mark = state.get(node.address);
    if (mark === 'done') return;
    if (mark === 'visiting') {
      throw new InvalidPlanError(
        `The plan's dependencies form a cycle: ${[...path, node.address].join(' → ')}`,
      );
    }
    state.set(node.address, 'visiting');
    for (const address of node.after) {
      const dependency = byAddress.get(address);
      if (dependency) visit(dependency, [...path, node.address]);
    }
    state.set(node.address, 'done');
  };
  for (const node of nodes) visit(node, []);
}

/** What a resource needs first: the plan's `dependsOn`, or (from the state) the channel behind a password. */
function dependenciesOf(resource: ResourceChange | StateResource): string[] {
  const declared = 'dependsOn' in resource ? resource.dependsOn : [];
  const source = secretSourceOf(resource.properties ?? {});
  const channel = source && 'ingestEndpointOf' in source ? [source.ingestEndpointOf] : [];
  return [...new Set([...declared, ...channel])];
}

function stateEntry(
  run: Run,
  target: Target,
  status: StateResource['status'],
  previous: StateResource | undefined,
  recorded?: Recorded,
): StateResource {
  const now = new Date(run.clock()).toISOString();
  return {
    address: target.address,
    kind: target.kind,
    name: target.name,
    region: target.region,
    pipeline: target.pipeline,
    downstream: target.downstream,
    status,
    ...(target.existing ? { existing: true as const } : {}),
    ...(recorded?.arn ? { arn: recorded.arn } : {}),
    ...(recorded?.id ? { id: recorded.id } : {}),
    ...(Object.keys(target.tags).length > 0 ? { tags: target.tags } : {}),
    properties: target.properties,
    ...(recorded?.outputs ? { outputs: recorded.outputs } : {}),
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
}

/** Reports start/done/failed with timings around one resource's work. */
async function tracked(
  run: Run,
  target: { address: string; kind: ResourceKind },
  action: EngineAction,
  work: () => Promise<Outcome>,
): Promise<void> {
  const startedAt = run.clock();
  run.emit({ type: 'started', address: target.address, kind: target.kind, action, at: startedAt });
  try {
    const outcome = await work();
    run.outcomes.push({ address: target.address, kind: target.kind, outcome });
    const at = run.clock();
    run.emit({
      type: 'done',
      address: target.address,
      kind: target.kind,
      action,
      outcome,
      elapsedMs: at - startedAt,
      at,
    });
  } catch (error) {
    run.vault.scrub(error);
    const at = run.clock();
    run.emit({
      type: 'failed',
      address: target.address,
      kind: target.kind,
      action,
      error: run.vault.redact(errorText(error)),
      elapsedMs: at - startedAt,
      at,
    });
    throw error;
  }
}

function keep(
  run: Run,
  target: { address: string; kind: ResourceKind },
  outcome: Outcome,
  action: EngineAction,
) {
  run.outcomes.push({ address: target.address, kind: target.kind, outcome });
  const at = run.clock();
  run.emit({ type: 'done', address: target.address, kind: target.kind, action, outcome, elapsedMs: 0, at });
}

async function applyResource(run: Run, change: ResourceChange): Promise<void> {
  const { rt, keeper } = run;
  const handler = handlers[change.kind];
  const target = targetOf(change);
  const current = keeper.get(change);
  // A parameter holding an ingest password follows its channel: a channel this run created (or a crashed run
  // did) has new passwords, and a parameter already written holds the old channel's, which MediaLive would send.
  const source = change.kind === 'ssm-parameter' ? secretSourceOf(change.properties) : undefined;
  const channel = source && 'ingestEndpointOf' in source ? source.ingestEndpointOf : undefined;
  const followsNewChannel = run.outcomes.some(
    (done) => done.address === channel && (done.outcome === 'created' || done.outcome === 'adopted'),
  );
  const changes = change.action === 'update' ? change.changes : [];
  const rewrites = followsNewChannel && !changes.includes('source') ? [...changes, 'source'] : changes;

  if (current?.status === 'created' && change.action !== 'update' && !followsNewChannel)
    return keep(run, target, 'unchanged', 'keep');

  if (target.existing) {
    const read = handler.read;
    if (!read) throw new InvalidPlanError(`${change.address}: a ${change.kind} cannot be used as existing`);
    return tracked(run, target, 'read', async () => {
      const recorded = await read(rt, target);
      await keeper.put(stateEntry(run, target, 'created', current, recorded));
      return 'read';
    });
  }

  const adoptOrRefuse = async (
    found: Awaited<ReturnType<typeof handler.find>>,
  ): Promise<Outcome | undefined> => {
    if (found.status === 'absent') return undefined;
    if (found.status === 'foreign') {
      // Never ours: the state must not claim it, or destroy would consider it.
      await keeper.remove(target);
      throw new ResourceNotOursError(target.address, target.name, rt.workflow, found.reason);
    }
    const entry = stateEntry(run, target, 'creating', keeper.get(target));
    await keeper.put(entry);
    const recorded = await handler.adopt(rt, target, found);
    if (followsNewChannel) await handler.update(rt, target, entry, ['source']);
    await keeper.put(stateEntry(run, target, 'created', keeper.get(target), recorded));
    return 'adopted';
  };

  const create = async (): Promise<Outcome> => {
    // The intent goes to disk before the call, so a crash right after it leaves a name to look up.
    await keeper.put(stateEntry(run, target, 'creating', keeper.get(target)));
    let created: Recorded | { exists: true };
    try {
      created = await handler.create(rt, target);
    } catch (error) {
      if (error instanceof BucketNameTakenError) await keeper.remove(target);
      throw error;
    }
    if ('exists' in created) {
      const outcome = await adoptOrRefuse(await handler.find(rt, target));
      if (outcome) return outcome;
      throw new Error(`${target.name} was reported as existing but cannot be found; run apply again`);
    }
    await keeper.put(stateEntry(run, target, 'created', keeper.get(target), created));
    return 'created';
  };

  if (current?.status === 'created') {
    return tracked(run, target, 'update', async () => {
      // Since it was recorded, someone may have deleted it or taken it over (removed our tag): an update
      // must neither re-tag nor open to the MediaLive role what is no longer this workflow's.
      const found = await handler.find(rt, target);
      if (found.status === 'foreign') {
        throw new ResourceNotOursError(target.address, target.name, rt.workflow, found.reason);
      }
      if (found.status === 'absent') return create();
      const recorded = await handler.update(rt, target, current, rewrites);
      await keeper.put(stateEntry(run, target, 'created', current, { ...recorded }));
      return 'updated';
    });
  }

  await tracked(run, target, current ? 'recover' : 'create', async () => {
    if (current) {
      const outcome = await adoptOrRefuse(await handler.find(rt, target));
      if (outcome) return outcome;
    }
    return create();
  });
}

function checkPlan(
  plan: Plan,
  doc: StateDocument,
  env: Record<string, string | undefined>,
  vault: SecretVault,
): void {
  const known = new Set([...plan.resources.map((r) => r.address), ...doc.resources.map((r) => r.address)]);
  const missing: { variable: string; address: string }[] = [];
  for (const change of plan.resources) {
    if (change.kind !== 'ssm-parameter' || change.action === 'delete') continue;
    const source = secretSourceOf(change.properties);
    if (!source) {
      throw new InvalidPlanError(
        `${change.address}: an SSM parameter needs a source ({ env } or { ingestEndpointOf })`,
      );
    }
    if ('ingestEndpointOf' in source) {
      if (!known.has(source.ingestEndpointOf)) {
        throw new InvalidPlanError(
          `${change.address}: no channel ${source.ingestEndpointOf} in the plan or the state`,
        );
      }
      continue;
    }
    const value = env[source.env];
    vault.remember(value);
    const key = identity(change);
    const written = doc.resources.find((r) => identity(r) === key)?.status === 'created';
    const rewrites = change.action === 'update' && change.changes.includes('source');
    if (!value && (!written || rewrites)) missing.push({ variable: source.env, address: change.address });
  }
  if (missing.length > 0) throw new MissingEnvironmentError(missing);
}

async function withLock<T>(
  store: StateStore,
  command: string,
  options: Pick<ApplyOptions, 'onEvent' | 'clock'>,
  work: () => Promise<T>,
): Promise<T> {
  const lock = await store.lock(command);
  if (lock.takenOverFrom) {
    options.onEvent?.({
      type: 'lock-taken-over',
      previous: lock.takenOverFrom,
      at: (options.clock ?? Date.now)(),
    });
  }
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

function finish(
  command: 'apply' | 'destroy',
  run: Run,
  result: { failures: Failure[]; skipped: string[] },
): RunResult {
  if (result.failures.length > 0) throw new ApplyFailedError(command, result.failures, result.skipped);
  if (run.signal?.aborted) {
    throw new RunAbortedError(`${command} was cancelled; not started: ${result.skipped.join(', ')}`, {
      cause: run.signal.reason,
    });
  }
  return { state: run.keeper.snapshot(), outcomes: run.outcomes };
}

/** `refuse`: the resource lost this workflow's tag since it was recorded; it stays, and so does its entry. */
type Disposal = 'delete' | 'forget' | { refuse: ResourceNotOursError };

/**
 * Decides, before anything is deleted, what each resource's delete will be: `forget` when it is `existing`,
 * already gone, or (for a crashed run's entry) not ours; `refuse` when a recorded resource no longer carries
 * this workflow's tag. Without force, refuses with NotEmptyError when a bucket or container holds objects or a
 * channel has origin endpoints: every resource is checked first.
 */
async function prepareDeletions(
  command: 'apply' | 'destroy',
  run: Run,
  resources: StateResource[],
  force: boolean,
  concurrency: number,
): Promise<Map<string, Disposal>> {
  const disposals = new Map<string, Disposal>();
  const blockers: Blocker[] = [];
  const failures: Failure[] = [];
  const semaphore = new Semaphore(concurrency);
  const prepare = async (resource: StateResource): Promise<Disposal> => {
    if (resource.existing) return 'forget';
    const handler = handlers[resource.kind];
    // Looked up even when the state says `created`: whatever the state claims, mlds deletes only what carries
    // this workflow's tag now.
    const found = await handler.find(run.rt, targetOf(resource));
    if (found.status === 'absent') return 'forget';
    if (found.status === 'foreign') {
      if (resource.status === 'created') {
        const reason = found.reason ?? 'its tags changed after mlds created it';
        return { refuse: new ResourceNotOursError(resource.address, resource.name, run.rt.workflow, reason) };
      }
      // A crashed run's intent for a name someone else holds: never ours to delete, nor to keep recording.
      run.rt.progress(resource.address, `${resource.name} exists without this workflow's tag: left in place`);
      return 'forget';
    }
    if (force) return 'delete';
    const inspection = await handler.inspect(run.rt, resource);
    if (inspection.gone) return 'forget';
    if (inspection.blocker) {
      blockers.push({ address: resource.address, name: resource.name, reason: inspection.blocker });
    }
    return 'delete';
  };
  await Promise.all(
    resources.map((resource) =>
      semaphore.run(async () => {
        try {
          disposals.set(identity(resource), await prepare(resource));
        } catch (error) {
          run.vault.scrub(error);
          failures.push({
            address: resource.address,
            error: run.vault.redact(errorText(error)),
            cause: error,
          });
        }
      }),
    ),
  );
  if (failures.length > 0) throw new ApplyFailedError(command, failures, []);
  if (blockers.length > 0) {
    blockers.sort((a, b) => a.address.localeCompare(b.address));
    throw new NotEmptyError(blockers);
  }
  return disposals;
}

async function deleteResource(
  run: Run,
  resource: StateResource,
  force: boolean,
  disposal: Disposal,
): Promise<void> {
  const { rt, keeper } = run;
  if (disposal === 'forget') {
    await keeper.remove(resource);
    return keep(run, resource, 'forgotten', 'forget');
  }
  if (typeof disposal === 'object') {
    return tracked(run, resource, 'delete', async () => {
      throw disposal.refuse;
    });
  }
  await tracked(run, resource, 'delete', async () => {
    await keeper.put({ ...resource, status: 'deleting', updatedAt: new Date(run.clock()).toISOString() });
    await handlers[resource.kind].delete(rt, resource, { force });
    await keeper.remove(resource);
    return 'deleted';
  });
}

/**
 * Deletes in reverse dependency order: a resource waits for everything that depends on it, and a replaced
 * resource's old entry waits until its successor exists (`creates` holds the addresses apply creates).
 */
function deletionNodes(
  run: Run,
  resources: StateResource[],
  force: boolean,
  disposals: Map<string, Disposal>,
  creates: Set<string> = new Set(),
): GraphNode[] {
  const dependents = new Map<string, string[]>();
  for (const resource of resources) {
    for (const dependency of dependenciesOf(resource)) {
      dependents.set(dependency, [...(dependents.get(dependency) ?? []), `-${identity(resource)}`]);
    }
  }
  return resources.map((resource) => ({
    id: `-${identity(resource)}`,
    address: resource.address,
    kind: resource.kind,
    after: [
      ...(dependents.get(resource.address) ?? []),
      ...(creates.has(resource.address) ? [`+${resource.address}`] : []),
    ],
    run: () => deleteResource(run, resource, force, disposals.get(identity(resource)) ?? 'delete'),
  }));
}

/**
 * Creates, adopts, updates and deletes what the plan lists, recording intent before every mutating call and the
 * result right after. The plan's action is a hint: the state decides (a `created` entry is kept without a call,
 * a `creating` one is looked up by name and finished).
 */
export async function apply(options: ApplyOptions): Promise<RunResult> {
  const { plan, store } = options;
  return withLock(store, 'apply', options, async () => {
    const existing = await store.read();
    if (existing && existing.workflow !== plan.workflow) {
      throw new StateWorkflowMismatchError(existing.workflow, plan.workflow);
    }
    const doc: StateDocument = existing ?? {
      formatVersion: FORMAT_VERSION,
      workflow: plan.workflow,
      region: plan.region,
      serial: 0,
      resources: [],
    };
    const vault = new SecretVault();
    checkPlan(plan, doc, options.env, vault);
    const keeper = new StateKeeper(store, doc);
    const kept = plan.resources.filter((change) => change.action !== 'delete');
    const planned = new Map(kept.map((change) => [change.address, change]));
    const lookup = (address: string) => {
      const resource = planned.get(address) ?? keeper.byAddress(address);
      return resource ? targetOf(resource) : undefined;
    };
    const run = createRun(options, plan.workflow, options.env, keeper, lookup, vault);
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;

    const deletions = plan.resources.flatMap((change) => {
      const recorded = change.action === 'delete' ? keeper.get(change) : undefined;
      return recorded ? [recorded] : [];
    });
    const disposals = await prepareDeletions('apply', run, deletions, false, concurrency);
    const deletes = deletionNodes(run, deletions, false, disposals, new Set(planned.keys()));
    const creates: GraphNode[] = kept.map((change) => ({
      id: `+${change.address}`,
      address: change.address,
      kind: change.kind,
      after: dependenciesOf(change).map((address) => `+${address}`),
      run: () => applyResource(run, change),
    }));
    return finish('apply', run, await runGraph([...creates, ...deletes], concurrency, run));
  });
}

/** Deletes everything the state records, in reverse dependency order; `existing: true` is only forgotten. */
export async function destroy(options: DestroyOptions): Promise<RunResult> {
  const { store } = options;
  return withLock(store, 'destroy', options, async () => {
    const doc = await store.read();
    if (!doc) return { state: undefined, outcomes: [] };
    const keeper = new StateKeeper(store, doc);
    const lookup = (address: string) => {
      const resource = keeper.byAddress(address);
      return resource ? targetOf(resource) : undefined;
    };
    const run = createRun(options, doc.workflow, {}, keeper, lookup, new SecretVault());
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    const force = options.force ?? false;
    const resources = keeper.all();
    const disposals = await prepareDeletions('destroy', run, resources, force, concurrency);
    return finish(
      'destroy',
      run,
      await runGraph(deletionNodes(run, resources, force, disposals), concurrency, run),
    );
  });
}
