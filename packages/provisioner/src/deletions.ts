import type { ResourceChange, StateResource } from '@mlds/core';
import { errorText, handlerFor, keep, type Run, tracked } from './engine-run.js';
import {
  ApplyFailedError,
  type Blocker,
  type Failure,
  NotEmptyError,
  ResourceNotOursError,
} from './errors.js';
import { roundTrips } from './handlers/index.js';
import { type GraphNode, pool } from './run-graph.js';
import { foreignReason, type Seen, targetOf } from './runtime.js';
import { identity } from './state-keeper.js';

// What apply and destroy delete: each resource looked up before anything is deleted (what is gone, what is
// no longer ours, what is not empty), then deleted in the plan's reverse dependency order.

/** A `delete` change of the plan with the state's record of what it deletes. */
export interface Deletion {
  change: ResourceChange;
  record: StateResource;
}

/**
 * `delete` carries what the pre-check read (so the delete reads nothing twice); `refuse`: the resource lost this
 * workflow's tag since it was recorded; it stays, and so does its entry. `gone`: recorded as made, deleted
 * outside mlds since: only removed from the state, and said so. `deleted`: recorded as being deleted (a run
 * stopped after its delete call), and gone: that delete went through, which is what it reports.
 */
export type Disposal =
  | { delete: Seen | undefined }
  | 'forget'
  | 'gone'
  | 'deleted'
  | { refuse: ResourceNotOursError };

/** What a missing resource's record makes of it: see Disposal. A `creating` one was never made. */
function missing(resource: StateResource): 'gone' | 'deleted' | 'forget' {
  if (resource.status === 'created') return 'gone';
  return resource.status === 'deleting' ? 'deleted' : 'forget';
}

/**
 * Decides, before anything is deleted, what each resource's delete will be: `forget` when it is `existing`,
 * already gone, or (for a crashed run's entry) not ours; `refuse` when a recorded resource no longer carries
 * this workflow's tag. Without force, refuses with NotEmptyError when a bucket or container holds objects or a
 * channel has origin endpoints: every resource is checked first.
 */
export async function prepareDeletions(
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
    // this workflow's tag now. With --force nothing is inspected, so only `find` is needed.
    const checked =
      !force && handler.precheck
        ? await handler.precheck(rt, resource)
        : { found: await handler.find(rt, targetOf(resource)) };
    const { found } = checked;
    if (found.status === 'absent') return missing(resource);
    if (found.status === 'foreign') {
      if (resource.status === 'created') {
        const reason = foreignReason(found, run.rt.workflow) ?? 'its tags changed after mlds created it';
        return {
          refuse: new ResourceNotOursError(resource.address, resource.name, run.rt.workflow, reason, {
            recorded: true,
          }),
        };
      }
      // A crashed run's intent for a name someone else holds: never ours to delete, nor to keep recording.
      run.rt.progress(resource.address, `${resource.name} exists without this workflow's tag: left in place`);
      return 'forget';
    }
    if (force) return { delete: { found } };
    const inspection =
      'inspection' in checked ? checked.inspection : await handler.inspect(rt, resource, found);
    if (inspection.gone) return missing(resource);
    if (inspection.blocker) {
      blockers.push({ address: resource.address, name: resource.name, reason: inspection.blocker });
    }
    return { delete: { found, ...(inspection.learned ? { learned: inspection.learned } : {}) } };
  };
  // The kinds whose pre-check takes more round trips start theirs first (see roundTrips).
  const longestFirst = [...resources].sort(
    (a, b) => roundTrips[b.kind].precheck - roundTrips[a.kind].precheck,
  );
  for (const resource of longestFirst) run.urgency.set(resource.address, roundTrips[resource.kind].precheck);
  await Promise.all(
    longestFirst.map((resource) =>
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
  if (disposal === 'deleted') {
    keeper.removeSoon(resource);
    return keep(run, resource, 'deleted', 'delete');
  }
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

/**
 * Records the intent of every delete destroy is about to make in one write, before the first: a resource whose
 * dependents are deleted first then starts without a write of its own on the critical path. Returns the entries
 * as they were, for those whose delete never starts (what they wait for failed, or the run was cancelled) to
 * get them back.
 */
export async function announceDeletions(
  run: Run,
  resources: StateResource[],
  disposals: Map<string, Disposal>,
): Promise<StateResource[]> {
  // Interrupted during the pre-check: no delete will start, so none is announced, and the state (its serial
  // too) stays as it was: the run changed nothing.
  if (run.signal?.aborted || run.stopSignal?.aborted) return [];
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
 * Deletes in reverse dependency order, as the plan's `dependsOn` says: a resource waits for everything that
 * depends on it, and a replaced resource's old entry waits until its successor exists (`creates` holds the
 * addresses apply creates first).
 */
export function deletionNodes(
  run: Run,
  deletions: Deletion[],
  force: boolean,
  disposals: Map<string, Disposal>,
  creates: Set<string> = new Set(),
  started: Set<string> = new Set(),
): GraphNode[] {
  const dependents = new Map<string, string[]>();
  for (const { change, record } of deletions) {
    for (const dependency of change.dependsOn) {
      dependents.set(dependency, [...(dependents.get(dependency) ?? []), `-${identity(record)}`]);
    }
  }
  return deletions.map(({ record }) => ({
    id: `-${identity(record)}`,
    address: record.address,
    kind: record.kind,
    after: [
      ...(dependents.get(record.address) ?? []),
      ...(creates.has(record.address) ? [`+${record.address}`] : []),
    ],
    roundTrips: roundTrips[record.kind].delete,
    run: () => {
      started.add(identity(record));
      return deleteResource(run, record, force, disposals.get(identity(record)) ?? { delete: undefined });
    },
  }));
}
