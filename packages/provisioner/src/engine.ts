import { randomUUID } from 'node:crypto';
import {
  environmentProblems,
  lastBinding,
  type Plan,
  planTeardown,
  type ResourceChange,
  resolveDestinations,
  type StateDocument,
  type StateResource,
} from '@mlds/core';
import { applyChannel, applyResource } from './apply-resource.js';
import type { AwsClients } from './clients.js';
import { announceDeletions, type Deletion, deletionNodes, prepareDeletions } from './deletions.js';
import { createRun, handlerFor, keep, type Run } from './engine-run.js';
import {
  ApplyFailedError,
  type Failure,
  InvalidPlanError,
  MissingEnvironmentError,
  RunAbortedError,
  StateWorkflowMismatchError,
} from './errors.js';
import type { EngineEvent, ResourceOutcome } from './events.js';
import { buildClients, loadHandlers, namesAcrossRegions, roundTrips } from './handlers/index.js';
import type { DanglingDestinations } from './handlers/medialive-destroy.js';
import type { RequestLimiter } from './rate-limit.js';
import type { RetryPolicy, WaitPolicy } from './retry.js';
import { type GraphNode, runGraph } from './run-graph.js';
import { SecretVault, targetOf } from './runtime.js';
import { secretSourceOf } from './secret-source.js';
import { emptyState, identity, StateKeeper } from './state-keeper.js';
import type { StateStore } from './state-store.js';

// The engine executes core's plan as shown: each change's action, in the order its `dependsOn` gives. What it
// learns only at run time (a lookup's answer: gone, not ours, already there) is a typed outcome, not a new plan.

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
  /**
   * The deletions the user was shown: core's `planTeardown` of the state. destroy runs exactly these, and
   * refuses (nothing deleted) when the state it reads under its lock tears down otherwise. Without it, destroy
   * runs `planTeardown` of the state it reads.
   */
  teardown?: ResourceChange[];
  /** The channel the workflow binds now (`channel.id`, its Region): the binding destroy checks (core's lastBinding). */
  boundChannel?: { id: string; region: string } | undefined;
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

/**
 * Refuses, before anything is called, a plan this state cannot be executed against (it keeps, updates or
 * deletes what the state does not record: it was made for another state), a parameter with no source, and a
 * plan whose secrets the environment lacks or holds empty (core's `environmentProblems`).
 */
function checkPlan(
  plan: Plan,
  doc: StateDocument,
  env: Record<string, string | undefined>,
  vault: SecretVault,
): void {
  assertPlannedAgainst(plan, doc);
  const known = new Set([...plan.resources.map((r) => r.address), ...doc.resources.map((r) => r.address)]);
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
    vault.remember(env[source.env]);
  }
  const missing = environmentProblems(plan, env);
  if (missing.length > 0) throw new MissingEnvironmentError(missing);
}

/**
 * A plan keeps, updates and deletes only what the state it was made from records (a `noop` or `update` as
 * created): against any other state it would act on what is not there. A bound channel is planned apart.
 */
function assertPlannedAgainst(plan: Plan, doc: StateDocument): void {
  const recorded = new Map(doc.resources.map((resource) => [identity(resource), resource]));
  for (const change of plan.resources) {
    if (change.kind === 'medialive-channel') continue;
    const record = recorded.get(identity(change));
    const asCreated = change.action === 'noop' || change.action === 'update';
    const missing =
      change.action === 'delete' ? record === undefined : asCreated && record?.status !== 'created';
    if (missing) {
      throw new InvalidPlanError(
        `${change.address}: the plan says ${change.action}, but the state does not record it${asCreated ? ' as created' : ''}: the plan was made for another state; make a new plan`,
      );
    }
  }
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
 * Executes the plan: creates, reads, updates and deletes what it lists, as it lists it, recording intent before
 * every mutating call and the result right after. A plan made for another state is refused before any call.
 */
export async function apply(options: ApplyOptions): Promise<RunResult> {
  const { plan, store } = options;
  return withLock(store, 'apply', options, async () => {
    const existing = await store.read();
    if (existing && existing.workflow !== plan.workflow) {
      throw new StateWorkflowMismatchError(existing.workflow, plan.workflow);
    }
    const newLineage = options.newLineage ?? randomUUID;
    // A plan for another Region (apply --region) moves the workflow there: the state says so from its first write
    // on (each resource keeps its own Region, so one left behind by a failure is still found where it is).
    const doc: StateDocument = existing
      ? { ...existing, region: plan.region }
      : emptyState(plan, newLineage());
    const vault = new SecretVault();
    checkPlan(plan, doc, options.env, vault);
    const toRun = plan.resources.filter((change) => change.action !== 'noop');
    await Promise.all([
      loadHandlers(toRun.map((change) => change.kind)),
      buildClients(options.clients, recordedWherePossible(toRun, doc)),
    ]);
    const keeper = new StateKeeper(store, doc, newLineage, {
      order: plan.resources.map((change) => change.address),
    });
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
      const { bindingOutputsOf, preflightChannel, readStreamKeys } = await import('./handlers/medialive.js');
      const { rt } = await handlerFor(run, 'medialive-channel');
      const target = targetOf(channel);
      try {
        streamKeys = await readStreamKeys(rt, target);
        const planned = resolveDestinations(plan, keeper.snapshot()).destinations;
        await preflightChannel(
          rt,
          target,
          planned,
          streamKeys,
          bindingOutputsOf(keeper.get(target)?.outputs),
          channel.action === 'read' ? 'read' : 'write',
        );
      } catch (error) {
        vault.scrub(error);
        throw error;
      }
    }

    const deletions = plan.resources.flatMap((change): Deletion[] => {
      const record = change.action === 'delete' ? keeper.get(change) : undefined;
      return record ? [{ change, record }] : [];
    });
    const records = deletions.map(({ record }) => record);
    const disposals = await prepareDeletions('apply', run, records, false, concurrency);
    // A replacement under the same name (a v2 channel's InputType changed; a bucket moved to another Region,
    // whose name S3 holds in every Region) cannot coexist with the old resource: the old one goes first. Any
    // other replacement creates the new one first.
    const samePlace = new Map(
      records
        .filter((resource) => kept.some((change) => sameName(change, resource)))
        .map((resource) => [resource.address, `-${identity(resource)}`]),
    );
    const createdFirst = new Set([...planned.keys()].filter((address) => !samePlace.has(address)));
    // What mlds only reads (an existing bucket, channel or channel group) is read before any change, as the
    // bound channel is: one that is missing stops the run with nothing changed, not after the rest was made.
    // Not a read that waits for a deletion under its name (a bucket moved Regions): that would be a cycle.
    const readsFirst = kept
      .filter((change) => change.action === 'read' && change !== channel && !samePlace.has(change.address))
      .map((change) => `+${change.address}`);
    const creates: GraphNode[] = kept
      .filter((change) => change !== channel)
      .map((change) => ({
        id: `+${change.address}`,
        address: change.address,
        kind: change.kind,
        after: [
          ...change.dependsOn.map((address) => `+${address}`),
          ...(samePlace.has(change.address) ? [samePlace.get(change.address) as string] : []),
          ...(change.action === 'read' ? [] : readsFirst),
        ],
        roundTrips: roundTrips[change.kind].create,
        run: () => applyResource(run, change),
      }));
    const bind: GraphNode[] = channel
      ? [
          {
            id: `+${channel.address}`,
            address: channel.address,
            kind: channel.kind,
            after: creates.map((node) => node.id),
            roundTrips: roundTrips[channel.kind].create,
            run: () => applyChannel(run, plan, channel, streamKeys),
          },
        ]
      : [];
    // Nothing the channel may still send to is deleted before the channel sends elsewhere.
    // A forget too waits for the reads: a run a missing read stops leaves the state as it was.
    const deletes = deletionNodes(run, deletions, false, disposals, createdFirst).map((node) => ({
      ...node,
      after: [...node.after, ...bind.map((channelNode) => channelNode.id), ...readsFirst],
    }));
    return finish('apply', run, await runGraph([...creates, ...bind, ...deletes], concurrency, run));
  });
}

/** Each change as the state records it, when it does (what a deletion's pre-check reads, a container's endpoint). */
function recordedWherePossible(
  changes: ResourceChange[],
  doc: StateDocument,
): (ResourceChange | StateResource)[] {
  const recorded = new Map(doc.resources.map((resource) => [identity(resource), resource]));
  return changes.map((change) => recorded.get(identity(change)) ?? change);
}

/** The plan's resource and a recorded one hold the same name: in one Region, or in any for a global name. */
function sameName(change: ResourceChange, recorded: StateResource): boolean {
  return (
    change.address === recorded.address &&
    change.kind === recorded.kind &&
    change.name === recorded.name &&
    (change.region === recorded.region || namesAcrossRegions.has(change.kind))
  );
}

/**
 * Runs the teardown: core's `planTeardown` of the state (the one the user was shown, when given), in its reverse
 * dependency order. What mlds only read (`existing`) is forgotten, never deleted; a bound channel is read and
 * checked first, never deleted.
 */
export async function destroy(options: DestroyOptions): Promise<RunResult> {
  const { store } = options;
  return withLock(store, 'destroy', options, async () => {
    const doc = await store.read();
    if (!doc) return { state: undefined, outcomes: [] };
    const changes = teardownToRun(doc, options.teardown);
    await Promise.all([
      loadHandlers(changes.map((change) => change.kind)),
      buildClients(options.clients, recordedWherePossible(changes, doc)),
    ]);
    const keeper = new StateKeeper(store, doc, options.newLineage ?? randomUUID);
    const lookup = (address: string) => {
      const resource = keeper.byAddress(address);
      return resource ? targetOf(resource) : undefined;
    };
    const run = createRun(options, doc.workflow, {}, keeper, lookup, new SecretVault());
    const { concurrency } = options;
    const force = options.force ?? false;
    const deletions = changes.flatMap((change): Deletion[] => {
      const record = keeper.get(change);
      return record ? [{ change, record }] : [];
    });
    const records = deletions.map(({ record }) => record);
    const binding = lastBinding(keeper.snapshot(), options.boundChannel);
    const bindings = keeper.all().filter((resource) => resource.kind === 'medialive-channel');
    // The binding's code, and MediaLive's SDK with it, load only when the state records a bound channel.
    const channelTeardown = binding ? await import('./handlers/medialive-destroy.js') : undefined;
    const bindingRt = binding ? (await handlerFor(run, 'medialive-channel')).rt : run.rt;
    const described =
      binding && channelTeardown
        ? await channelTeardown.channelBeforeDestroy(bindingRt, binding, records, force)
        : undefined;
    const disposals = await prepareDeletions('destroy', run, records, force, concurrency);
    const announced = await announceDeletions(run, records, disposals);
    const started = new Set<string>();
    const nodes = deletionNodes(run, deletions, force, disposals, new Set(), started);
    const result = await runGraph(nodes, concurrency, run);
    for (const resource of announced) {
      if (!started.has(identity(resource))) keeper.putSoon(resource);
    }
    if (result.failures.length === 0 && !run.signal?.aborted) {
      // What mlds only read was never its to delete: its entries go, with no call.
      for (const resource of keeper.all()) {
        if (resource.existing === true) {
          keeper.removeSoon(resource);
          keep(run, resource, 'forgotten', 'forget');
        }
      }
    }
    if (!binding || !channelTeardown || result.failures.length > 0) return finish('destroy', run, result);
    const channel = channelTeardown.danglingDestinations(
      bindingRt,
      run.outcomes,
      binding,
      records,
      described,
    );
    // Every binding goes with the workflow: the one checked, and any the workflow was bound to before it.
    for (const recorded of bindings) await keeper.remove(recorded);
    return { ...(await finish('destroy', run, result)), channel };
  });
}

/**
 * The teardown destroy runs: the one shown, when it is still what the state read under the lock tears down;
 * otherwise (another run changed the state since it was shown) nothing is deleted.
 */
function teardownToRun(doc: StateDocument, shown: ResourceChange[] | undefined): ResourceChange[] {
  const planned = planTeardown(doc);
  if (shown === undefined) return planned;
  const key = (changes: ResourceChange[]) =>
    JSON.stringify(changes.map((change) => [change.action, change.address, identity(change)]));
  if (key(shown) !== key(planned)) {
    throw new InvalidPlanError(
      'the state changed since the teardown was shown (another run wrote it); nothing was deleted. Run destroy again to see what it deletes now',
    );
  }
  return shown;
}
