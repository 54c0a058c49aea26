import { randomUUID } from 'node:crypto';
import {
  FORMAT_VERSION,
  type Plan,
  type ResourceChange,
  type ResourceKind,
  resolveDestinations,
  type StateDocument,
  type StateResource,
} from '@mlds/core';
import type { AwsClients } from './clients.js';
import { Semaphore } from './concurrency.js';
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
import { loadHandler } from './handlers/index.js';
import type { BindingOutputs } from './handlers/medialive.js';
import { withSecrets } from './handlers/medialive-destinations.js';
import type { DanglingDestinations } from './handlers/medialive-destroy.js';
import type { RequestLimiter } from './rate-limit.js';
import type { RetryPolicy, WaitPolicy } from './retry.js';
import {
  type KindHandler,
  type Recorded,
  type Runtime,
  SecretVault,
  type Seen,
  type Target,
  targetOf,
} from './runtime.js';
import { createRuntime } from './runtime-factory.js';
import { secretSourceOf } from './secret-source.js';
import { identity, StateKeeper } from './state-keeper.js';
import type { StateStore } from './state-store.js';

export interface ApplyOptions {
  plan: Plan;
  clients: AwsClients;
  store: StateStore;
  /** Where `{ env: NAME }` secrets are read (normally process.env). */
  env: Record<string, string | undefined>;
  /**
   * At most this many resources worked on at once. Unset (the default), every resource starts as soon as what
   * it depends on is done: the rate limiter, not a slot count, bounds the calls in flight, and a resource that
   * waits (polling, backoff) holds nothing.
   */
  concurrency?: number;
  /**
   * The AWS request rates, per service and Region, shared by every workflow of the run: pass one instance to
   * every apply/destroy of a fleet. Without it the run gets its own, at the default rates.
   */
  limiter?: RequestLimiter;
  onEvent?: (event: EngineEvent) => void;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The lineage of a state this run creates (default: a random UUID). */
  newLineage?: () => string;
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
  /**
   * destroy with a bound channel: the destination ids in the channel that now point at resources this run
   * deleted (mlds never edits the channel on destroy).
   */
  channel?: DanglingDestinations;
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

/**
 * The handler of `kind` (its module, and with it its AWS SDK, loaded now: right before its first call) with the
 * runtime it calls AWS through, whose retries know the modelled exceptions of the handler's services.
 */
async function handlerFor(run: Run, kind: ResourceKind): Promise<{ handler: KindHandler; rt: Runtime }> {
  const handler = await loadHandler(kind);
  const { rt } = run;
  return {
    handler,
    rt: {
      ...rt,
      call: (address, fn, alsoRetry, modelled = []) =>
        rt.call(address, fn, alsoRetry, [...handler.retryable, ...modelled]),
    },
  };
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
  const { rt, clock, emit } = createRuntime(options, { workflow, env, vault, lookup });
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

/** Runs a task at once, or through a semaphore when the caller capped how many resources run at once. */
function pool(concurrency: number | undefined): <T>(task: () => Promise<T>) => Promise<T> {
  if (concurrency === undefined) return (task) => task();
  const semaphore = new Semaphore(concurrency);
  return (task) => semaphore.run(task);
}

/**
 * Runs every node as soon as all it comes after succeeded (the graph is the only wait). A failure stops only
 * what depends on it: every other branch runs to its end, and every failure is reported together.
 */
async function runGraph(
  nodes: GraphNode[],
  concurrency: number | undefined,
  run: Run,
): Promise<{ failures: Failure[]; skipped: string[] }> {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  assertAcyclic(nodes, byId);
  const slot = pool(concurrency);
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
      return slot(async () => {
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
    // By id: a replacement under the same name has a create and a delete node with one address.
    const mark = state.get(node.id);
    if (mark === 'done') return;
    if (mark === 'visiting') {
      throw new InvalidPlanError(
        `The plan's dependencies form a cycle: ${[...path, node.address].join(' → ')}`,
      );
    }
    state.set(node.id, 'visiting');
    for (const address of node.after) {
      const dependency = byAddress.get(address);
      if (dependency) visit(dependency, [...path, node.address]);
    }
    state.set(node.id, 'done');
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
  const { keeper } = run;
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

  // A resource mlds only reads is read again when the state recorded it as mlds's own (it changed hands).
  const readAgain = change.action === 'read' && current?.existing !== true;
  // A refreshed plan's `create` of a recorded resource (`drift`: deleted outside mlds) is not kept.
  if (
    current?.status === 'created' &&
    change.action !== 'update' &&
    !change.drift &&
    !followsNewChannel &&
    !readAgain
  )
    return keep(run, target, 'unchanged', 'keep');
  const { handler, rt } = await handlerFor(run, change.kind);

  if (target.existing) {
    const read = handler.read;
    if (!read) throw new InvalidPlanError(`${change.address}: a ${change.kind} cannot be used as existing`);
    return tracked(run, target, 'read', async () => {
      const recorded = await read(rt, target);
      keeper.putSoon(stateEntry(run, target, 'created', current, recorded));
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
    keeper.putSoon(stateEntry(run, target, 'created', keeper.get(target), recorded));
    return 'adopted';
  };

  const create = async (): Promise<Outcome> => {
    // The intent goes to disk before the call, so a crash right after it leaves a name to look up.
    const previous = keeper.get(target);
    const intent = stateEntry(run, target, 'creating', previous);
    await keeper.put(intent);
    // A retry of a recorded intent keeps its time, so an idempotency token derived from it stays the same.
    const intentAt =
      previous?.status === 'creating' ? (previous.createdAt ?? intent.updatedAt) : intent.updatedAt;
    let created: Recorded | { exists: true };
    try {
      created = await handler.create(rt, { ...target, ...(intentAt ? { intentAt } : {}) });
    } catch (error) {
      if (error instanceof BucketNameTakenError) await keeper.remove(target);
      throw error;
    }
    if ('exists' in created) {
      const outcome = await adoptOrRefuse(await handler.find(rt, target));
      if (outcome) return outcome;
      throw new Error(`${target.name} was reported as existing but cannot be found; run apply again`);
    }
    keeper.putSoon(stateEntry(run, target, 'created', keeper.get(target), created));
    return 'created';
  };

  if (current?.status === 'created') {
    const recreate = change.action === 'create';
    return tracked(run, target, recreate ? 'create' : 'update', async () => {
      // Since it was recorded, someone may have deleted it or taken it over (removed our tag): an update
      // must neither re-tag nor open to the MediaLive role what is no longer this workflow's.
      const found = await handler.find(rt, target);
      if (found.status === 'foreign') {
        throw new ResourceNotOursError(target.address, target.name, rt.workflow, found.reason);
      }
      if (found.status === 'absent') return create();
      // Planned as deleted outside mlds, yet there again with our tag: made whole as a crashed run's would be.
      if (recreate) return (await adoptOrRefuse(found)) ?? create();
      const recorded = await handler.update(rt, target, current, rewrites);
      keeper.putSoon(stateEntry(run, target, 'created', current, { ...recorded }));
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

/** The binding to a MediaLive channel: after every resource it writes to exists, before any deletion. */
async function applyChannel(
  run: Run,
  plan: Plan,
  change: ResourceChange,
  streamKeys: Map<string, string>,
): Promise<void> {
  const { keeper } = run;
  const target = targetOf(change);
  const { rt } = await handlerFor(run, 'medialive-channel');
  const { bindingOutputsOf, writeChannel } = await import('./handlers/medialive.js');
  await tracked(run, target, change.action === 'read' ? 'read' : 'update', async () => {
    const recorded = bindingOutputsOf(keeper.get(target)?.outputs);
    const resolved = resolveDestinations(plan, keeper.snapshot());
    const wanted = withSecrets(target.address, resolved.destinations, streamKeys);
    return writeChannel(rt, target, wanted, recorded, {
      record: (outputs: BindingOutputs) =>
        keeper.put(stateEntry(run, target, 'created', keeper.get(target), { outputs: { ...outputs } })),
    });
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
    const rewrites =
      change.action === 'update' && (change.changes.includes('source') || change.changes.includes('value'));
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

async function finish(
  command: 'apply' | 'destroy',
  run: Run,
  result: { failures: Failure[]; skipped: string[] },
): Promise<RunResult> {
  // Every completion on disk before the run reports anything; a failed write is the run's failure.
  const written = await run.keeper.drain().then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  if (result.failures.length > 0) throw new ApplyFailedError(command, result.failures, result.skipped);
  if (written) throw written.error;
  if (run.signal?.aborted) {
    throw new RunAbortedError(`${command} was cancelled; not started: ${result.skipped.join(', ')}`, {
      cause: run.signal.reason,
    });
  }
  return { state: run.keeper.snapshot(), outcomes: run.outcomes };
}

/**
 * `delete` carries what the pre-check read (so the delete reads nothing twice); `refuse`: the resource lost this
 * workflow's tag since it was recorded; it stays, and so does its entry. `gone`: recorded as made, deleted
 * outside mlds since: only removed from the state, and said so.
 */
type Disposal = { delete: Seen | undefined } | 'forget' | 'gone' | { refuse: ResourceNotOursError };

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
  concurrency: number | undefined,
): Promise<Map<string, Disposal>> {
  const disposals = new Map<string, Disposal>();
  const blockers: Blocker[] = [];
  const failures: Failure[] = [];
  const slot = pool(concurrency);
  const prepare = async (resource: StateResource): Promise<Disposal> => {
    if (resource.existing) return 'forget';
    const { handler, rt } = await handlerFor(run, resource.kind);
    // Looked up even when the state says `created`: whatever the state claims, mlds deletes only what carries
    // this workflow's tag now.
    const found = await handler.find(rt, targetOf(resource));
    // Recorded as made, now missing: deleted outside mlds, which destroy says as such.
    if (found.status === 'absent') return resource.status === 'created' ? 'gone' : 'forget';
    if (found.status === 'foreign') {
      if (resource.status === 'created') {
        const reason = found.reason ?? 'its tags changed after mlds created it';
        return { refuse: new ResourceNotOursError(resource.address, resource.name, run.rt.workflow, reason) };
      }
      // A crashed run's intent for a name someone else holds: never ours to delete, nor to keep recording.
      run.rt.progress(resource.address, `${resource.name} exists without this workflow's tag: left in place`);
      return 'forget';
    }
    if (force) return { delete: { found } };
    const inspection = await handler.inspect(rt, resource, found);
    if (inspection.gone) return resource.status === 'created' ? 'gone' : 'forget';
    if (inspection.blocker) {
      blockers.push({ address: resource.address, name: resource.name, reason: inspection.blocker });
    }
    return { delete: { found, ...(inspection.learned ? { learned: inspection.learned } : {}) } };
  };
  await Promise.all(
    resources.map((resource) =>
      slot(async () => {
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
  const { keeper } = run;
  if (disposal === 'forget' || disposal === 'gone') {
    keeper.removeSoon(resource);
    return keep(run, resource, disposal === 'gone' ? 'gone' : 'forgotten', 'forget');
  }
  if ('refuse' in disposal) {
    const { refuse } = disposal;
    return tracked(run, resource, 'delete', async () => {
      throw refuse;
    });
  }
  const seen = disposal.delete;
  await tracked(run, resource, 'delete', async () => {
    // destroy announced it already (announceDeletions); apply's deletions are recorded here.
    if (keeper.get(resource)?.status !== 'deleting') {
      await keeper.put({ ...resource, status: 'deleting', updatedAt: new Date(run.clock()).toISOString() });
    }
    const { handler, rt } = await handlerFor(run, resource.kind);
    const result = await handler.delete(rt, resource, { force, ...(seen ? { seen } : {}) });
    keeper.removeSoon(resource);
    return result === 'left' ? 'forgotten' : 'deleted';
  });
}

/** The MediaPackage v2 channels the state records in a channel group: deleted before it. */
function channelsIn(group: StateResource, resources: StateResource[]): StateResource[] {
  if (group.kind !== 'mediapackagev2-channel-group') return [];
  return resources.filter(
    (resource) =>
      resource.kind === 'mediapackagev2-channel' &&
      resource.region === group.region &&
      resource.properties?.channelGroup === group.name,
  );
}

/**
 * Records the intent of every delete destroy is about to make in one write, before the first: a resource whose
 * dependents are deleted first then starts without a write of its own on the critical path. Returns the entries
 * as they were, for those whose delete never starts (what they wait for failed, or the run was cancelled) to
 * get them back.
 */
async function announceDeletions(
  run: Run,
  resources: StateResource[],
  disposals: Map<string, Disposal>,
): Promise<StateResource[]> {
  const announced = resources.filter((resource) => {
    const disposal = disposals.get(identity(resource));
    return typeof disposal === 'object' && 'delete' in disposal;
  });
  const at = new Date(run.clock()).toISOString();
  await Promise.all(
    announced.map((resource) => run.keeper.put({ ...resource, status: 'deleting', updatedAt: at })),
  );
  return announced;
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
  started: Set<string> = new Set(),
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
      ...channelsIn(resource, resources).map((channel) => `-${identity(channel)}`),
      ...(creates.has(resource.address) ? [`+${resource.address}`] : []),
    ],
    run: () => {
      started.add(identity(resource));
      return deleteResource(run, resource, force, disposals.get(identity(resource)) ?? { delete: undefined });
    },
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
    const newLineage = options.newLineage ?? randomUUID;
    const doc: StateDocument = existing ?? {
      formatVersion: FORMAT_VERSION,
      workflow: plan.workflow,
      region: plan.region,
      lineage: newLineage(),
      serial: 0,
      resources: [],
    };
    const vault = new SecretVault();
    checkPlan(plan, doc, options.env, vault);
    const keeper = new StateKeeper(store, doc, newLineage);
    const kept = plan.resources.filter((change) => change.action !== 'delete');
    const planned = new Map(kept.map((change) => [change.address, change]));
    const lookup = (address: string) => {
      const resource = planned.get(address) ?? keeper.byAddress(address);
      return resource ? targetOf(resource) : undefined;
    };
    const run = createRun(options, plan.workflow, options.env, keeper, lookup, vault);
    const { concurrency } = options;

    // The channel is read and checked before any change to anything; its stream keys stay in memory.
    const channel = kept.find((change) => change.kind === 'medialive-channel');
    let streamKeys = new Map<string, string>();
    if (channel) {
      // The binding's code, and MediaLive's SDK with it, load only for a workflow bound to a channel.
      const { bindingOutputsOf, missingStreamKeys, preflightChannel, readStreamKeys } = await import(
        './handlers/medialive.js'
      );
      const { rt } = await handlerFor(run, 'medialive-channel');
      const target = targetOf(channel);
      const missing = missingStreamKeys(target, options.env);
      if (missing.length > 0) throw new MissingEnvironmentError(missing);
      try {
        streamKeys = await readStreamKeys(rt, target);
        const planned = resolveDestinations(plan, keeper.snapshot()).destinations;
        await preflightChannel(
          rt,
          target,
          planned,
          streamKeys,
          bindingOutputsOf(keeper.get(target)?.outputs),
        );
      } catch (error) {
        vault.scrub(error);
        throw error;
      }
    }

    const deletions = plan.resources.flatMap((change) => {
      const recorded = change.action === 'delete' ? keeper.get(change) : undefined;
      return recorded ? [recorded] : [];
    });
    const disposals = await prepareDeletions('apply', run, deletions, false, concurrency);
    // A replacement under the same name (a v2 channel's InputType changed) cannot coexist with the old
    // resource: the old one goes first. Any other replacement creates the new one first.
    const samePlace = new Map(
      deletions
        .filter((resource) => kept.some((change) => identity(change) === identity(resource)))
        .map((resource) => [resource.address, `-${identity(resource)}`]),
    );
    const createdFirst = new Set([...planned.keys()].filter((address) => !samePlace.has(address)));
    const creates: GraphNode[] = kept
      .filter((change) => change !== channel)
      .map((change) => ({
        id: `+${change.address}`,
        address: change.address,
        kind: change.kind,
        after: [
          ...dependenciesOf(change).map((address) => `+${address}`),
          ...(samePlace.has(change.address) ? [samePlace.get(change.address) as string] : []),
        ],
        run: () => applyResource(run, change),
      }));
    const bind: GraphNode[] = channel
      ? [
          {
            id: `+${channel.address}`,
            address: channel.address,
            kind: channel.kind,
            after: creates.map((node) => node.id),
            run: () => applyChannel(run, plan, channel, streamKeys),
          },
        ]
      : [];
    // Nothing the channel may still send to is deleted before the channel sends elsewhere.
    const deletes = deletionNodes(run, deletions, false, disposals, createdFirst).map((node) => ({
      ...node,
      after: [...node.after, ...bind.map((channelNode) => channelNode.id)],
    }));
    return finish('apply', run, await runGraph([...creates, ...bind, ...deletes], concurrency, run));
  });
}

/** Deletes everything the state records, in reverse dependency order; `existing: true` is only forgotten. */
export async function destroy(options: DestroyOptions): Promise<RunResult> {
  const { store } = options;
  return withLock(store, 'destroy', options, async () => {
    const doc = await store.read();
    if (!doc) return { state: undefined, outcomes: [] };
    const keeper = new StateKeeper(store, doc, options.newLineage ?? randomUUID);
    const lookup = (address: string) => {
      const resource = keeper.byAddress(address);
      return resource ? targetOf(resource) : undefined;
    };
    const run = createRun(options, doc.workflow, {}, keeper, lookup, new SecretVault());
    const { concurrency } = options;
    const force = options.force ?? false;
    const binding = keeper.all().find((resource) => resource.kind === 'medialive-channel');
    const resources = keeper.all().filter((resource) => resource !== binding);
    // The binding's code, and MediaLive's SDK with it, load only when the state records a bound channel.
    const teardown = binding ? await import('./handlers/medialive-destroy.js') : undefined;
    const bindingRt = binding ? (await handlerFor(run, 'medialive-channel')).rt : run.rt;
    const described =
      binding && teardown
        ? await teardown.channelBeforeDestroy(bindingRt, binding, resources, force)
        : undefined;
    const disposals = await prepareDeletions('destroy', run, resources, force, concurrency);
    const announced = await announceDeletions(run, resources, disposals);
    const started = new Set<string>();
    const nodes = deletionNodes(run, resources, force, disposals, new Set(), started);
    const result = await runGraph(nodes, concurrency, run);
    for (const resource of announced) {
      if (!started.has(identity(resource))) keeper.putSoon(resource);
    }
    if (!binding || !teardown || result.failures.length > 0) return finish('destroy', run, result);
    const channel = teardown.danglingDestinations(bindingRt, run.outcomes, binding, resources, described);
    await keeper.remove(binding);
    return { ...(await finish('destroy', run, result)), channel };
  });
}
