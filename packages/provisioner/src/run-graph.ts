import type { ResourceKind } from '@mlds/core';
import { Semaphore } from './concurrency.js';
import { errorText, type Run } from './engine-run.js';
import { type Failure, InvalidPlanError } from './errors.js';

export interface GraphNode {
  /** Unique in the graph: `+address` for what apply creates, `-identity` for what is deleted. */
  id: string;
  address: string;
  kind: ResourceKind;
  /** Node ids that must succeed first (only those in the graph count). */
  after: string[];
  /** The AWS round trips its run takes one after another (see handlers' `roundTrips`): for the start order. */
  roundTrips: number;
  run: () => Promise<void>;
}

/** Runs a task at once, or through a semaphore when the caller capped how many resources run at once. */
export function pool(concurrency: number | undefined): <T>(task: () => Promise<T>) => Promise<T> {
  if (concurrency === undefined) return (task) => task();
  const semaphore = new Semaphore(concurrency);
  return (task) => semaphore.run(task);
}

/**
 * Runs every node as soon as all it comes after succeeded (the graph is the only wait). A failure stops only
 * what depends on it: every other branch runs to its end, and every failure is reported together.
 *
 * Nodes start longest chain first: the calls of a run share one CPU, and the answers come back about in the
 * order the calls left, so the resource whose chain of round trips (its own and its dependents') is longest
 * should not wait behind short ones. Equal chains keep the plan's order. The same chains rank each node's calls
 * for their turn to be sent (run.urgency, SendTurns), so that a long chain's next step also goes first.
 */
export async function runGraph(
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
      // A replacement's two nodes share an address: each named once.
      const failed = [
        ...new Set(before.filter((_, index) => !ok[index]).map((dependency) => dependency.address)),
      ];
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
  const ordered = longestChainFirst(nodes);
  for (const { node, chain, before } of ordered) run.urgency.set(node.address, chain, before);
  await Promise.all(ordered.map(({ node }) => start(node)));
  return { failures, skipped };
}

/**
 * `nodes`, longest chain first, each with the round trips from its start to the end of its longest chain of
 * dependents (`chain`), and those of its longest chain of dependencies, done before it starts (`before`).
 */
export function longestChainFirst(
  nodes: readonly GraphNode[],
): { node: GraphNode; chain: number; before: number }[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const dependents = new Map<string, GraphNode[]>();
  for (const node of nodes) {
    for (const id of node.after) dependents.set(id, [...(dependents.get(id) ?? []), node]);
  }
  const chain = new Map<string, number>();
  const chainOf = (node: GraphNode): number => {
    let known = chain.get(node.id);
    if (known === undefined) {
      known = node.roundTrips + Math.max(0, ...(dependents.get(node.id) ?? []).map(chainOf));
      chain.set(node.id, known);
    }
    return known;
  };
  const before = new Map<string, number>();
  const beforeOf = (node: GraphNode): number => {
    let known = before.get(node.id);
    if (known === undefined) {
      const dependencies = node.after.flatMap((id) => byId.get(id) ?? []);
      known = Math.max(0, ...dependencies.map((dependency) => beforeOf(dependency) + dependency.roundTrips));
      before.set(node.id, known);
    }
    return known;
  };
  return nodes
    .map((node) => ({ node, chain: chainOf(node), before: beforeOf(node) }))
    .sort((a, b) => b.chain - a.chain);
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
