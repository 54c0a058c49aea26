import { isDeepStrictEqual } from 'node:util';
import { type Plan, type ResourceChange, resolveDestinations, type StateResource } from '@mlds/core';
import { handlerFor, keep, type Run, stateEntry, tracked } from './engine-run.js';
import { BucketNameTakenError, InvalidPlanError, ResourceNotOursError } from './errors.js';
import type { Outcome } from './events.js';
import type { BindingOutputs } from './handlers/medialive.js';
import { withSecrets } from './handlers/medialive-destinations.js';
import { type Found, foreignReason, type Recorded, type Target, targetOf } from './runtime.js';

// What apply does with each change of the plan that is not a deletion, exactly as the change says. A lookup's
// answer (gone, not ours, already there) decides only the outcome: created, adopted, or refused.

/** Executes one change of the plan that is not a deletion. */
export async function applyResource(run: Run, change: ResourceChange): Promise<void> {
  switch (change.action) {
    case 'noop':
      return keep(run, change, 'unchanged', 'keep');
    case 'read':
      return readResource(run, change);
    case 'update':
      return updateResource(run, change, change.changes);
    case 'create':
      return createResource(run, change);
    case 'delete':
      throw new InvalidPlanError(`${change.address}: a deletion is not applied as a resource`);
  }
}

async function readResource(run: Run, change: ResourceChange): Promise<void> {
  const target = targetOf(change);
  const { handler, rt } = await handlerFor(run, change.kind);
  const read = handler.read;
  if (!read) throw new InvalidPlanError(`${change.address}: a ${change.kind} cannot be used as existing`);
  return tracked(run, target, 'read', async () => {
    const recorded = await read(rt, target);
    const before = run.keeper.get(target);
    const entry = stateEntry(run, target, 'created', before, recorded);
    // Read again as recorded: no write, so a run that changed nothing leaves the serial as it was.
    if (before === undefined || !sameButUpdatedAt(before, entry)) run.keeper.putSoon(entry);
    return 'read';
  });
}

function sameButUpdatedAt(a: StateResource, b: StateResource): boolean {
  const { updatedAt: _a, ...restOfA } = a;
  const { updatedAt: _b, ...restOfB } = b;
  return isDeepStrictEqual(restOfA, restOfB);
}

/**
 * An update, looked up first: since it was recorded someone may have deleted it (it is then made again) or
 * taken it over (its tag removed: refused, neither re-tagged nor opened to the MediaLive role).
 */
async function updateResource(run: Run, change: ResourceChange, changes: string[]): Promise<void> {
  const target = targetOf(change);
  const current = run.keeper.get(target);
  if (current === undefined) throw new InvalidPlanError(`${change.address}: not in the state`);
  const { handler, rt } = await handlerFor(run, change.kind);
  return tracked(run, target, 'update', async () => {
    const found = await handler.find(rt, target);
    if (found.status === 'foreign') {
      throw new ResourceNotOursError(
        target.address,
        target.name,
        rt.workflow,
        foreignReason(found, rt.workflow),
        {
          recorded: current.status === 'created',
        },
      );
    }
    if (found.status === 'absent') return createNew(run, target);
    const recorded = await handler.update(rt, target, current, changes);
    run.keeper.putSoon(stateEntry(run, target, 'created', current, { ...recorded }));
    return 'updated';
  });
}

/**
 * A create. A resource the state already records (a crashed run's intent, or one deleted outside mlds) is
 * looked up by name first: found with this workflow's tag, it is adopted and made whole.
 */
async function createResource(run: Run, change: ResourceChange): Promise<void> {
  const target = targetOf(change);
  const recorded = run.keeper.get(target);
  // `recover` finishes a crashed run's work; one deleted outside mlds is simply created again.
  const action = recorded !== undefined && recorded.status !== 'created' ? 'recover' : 'create';
  await tracked(run, target, action, async () => {
    if (recorded) {
      const { handler, rt } = await handlerFor(run, change.kind);
      const outcome = await adoptOrRefuse(run, target, await handler.find(rt, target), recorded);
      if (outcome) return outcome;
    }
    return createNew(run, target);
  });
}

/**
 * `undefined` when nothing has the name. One that lacks this workflow's tag is refused; a crashed run's entry
 * for it is dropped (never ours, so destroy must not consider it), a resource recorded as made keeps its entry.
 */
async function adoptOrRefuse(
  run: Run,
  target: Target,
  found: Found,
  recorded: StateResource | undefined,
): Promise<Outcome | undefined> {
  if (found.status === 'absent') return undefined;
  const { keeper } = run;
  const { handler, rt } = await handlerFor(run, target.kind);
  if (found.status === 'foreign') {
    if (recorded?.status !== 'created') await keeper.remove(target);
    throw new ResourceNotOursError(
      target.address,
      target.name,
      rt.workflow,
      foreignReason(found, rt.workflow),
      {
        recorded: recorded?.status === 'created',
      },
    );
  }
  await keeper.put(stateEntry(run, target, 'creating', keeper.get(target)));
  const adopted = await handler.adopt(rt, target, found);
  keeper.putSoon(stateEntry(run, target, 'created', keeper.get(target), adopted));
  return 'adopted';
}

/** Creates it, the intent on disk before the call, so a crash right after it leaves a name to look up. */
async function createNew(run: Run, target: Target): Promise<Outcome> {
  const { keeper } = run;
  const { handler, rt } = await handlerFor(run, target.kind);
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
    const outcome = await adoptOrRefuse(run, target, await handler.find(rt, target), keeper.get(target));
    if (outcome) return outcome;
    throw new Error(`${target.name} was reported as existing but cannot be found; run apply again`);
  }
  keeper.putSoon(stateEntry(run, target, 'created', keeper.get(target), created));
  return 'created';
}

/** The binding to a MediaLive channel: after every resource it writes to exists, before any deletion. */
export async function applyChannel(
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
    return writeChannel(rt, target, wanted, recorded, change.action === 'read' ? 'read' : 'write', {
      record: (outputs: BindingOutputs) =>
        keeper.put(stateEntry(run, target, 'created', keeper.get(target), { outputs: { ...outputs } })),
    });
  });
}
