import { randomUUID } from 'node:crypto';
import {
  type ImportProblem,
  type ImportSettingChange,
  type ImportTagChange,
  importSettingChanges,
  importTagChanges,
  madeBeforeTagging,
  otherOwner,
  type Plan,
  planImport,
  type ResourceKind,
  type StateDocument,
  type StateResource,
} from '@mlds/core';
import type { AwsClients } from './clients.js';
import {
  BucketAclInUseError,
  RunAbortedError,
  StateFencedError,
  StateStoreError,
  StateWorkflowMismatchError,
} from './errors.js';
import type { EngineEvent } from './events.js';
import { loadHandler } from './handlers/index.js';
import type { RequestLimiter } from './rate-limit.js';
import type { RetryPolicy, WaitPolicy } from './retry.js';
import {
  type ForeignFound,
  type KindHandler,
  type OursFound,
  type Runtime,
  SecretVault,
  type Target,
  targetOf,
} from './runtime.js';
import { createRuntime } from './runtime-factory.js';
import { stateEntryOf } from './state-entry.js';
import { emptyState } from './state-keeper.js';
import type { StateStore } from './state-store.js';

// `mlds import`: adopts one existing resource of the plan into the state. Core decides what may be imported
// (planImport), which tags it gets and which settings it changes (importSettingChanges); this looks the resource
// and its settings up with its handler's read calls, lets the caller confirm, and then, under the state's lock,
// records the intent, makes what AWS may refuse (a bucket's ObjectOwnership: a refusal puts the state back and
// changes nothing), tags the resource, makes the other settings apply makes that differ (public access block,
// encryption, the MediaLive role's policy statement, an { env } password's value) and records the result, so
// that the next refresh finds nothing to change. Like Terraform's import it creates nothing else. A run that
// stops between the tag and the record leaves the intent (`creating`): the next import, or apply, finds the
// resource ours by its tag and finishes it.

export interface ImportOptions {
  /** The plan of the workflow, made from the state the caller read under the same lock. */
  plan: Plan;
  address: string;
  physicalId: string;
  clients: AwsClients;
  store: StateStore;
  /** How a refusal's hint names this state for `mlds state` (core's ImportHintOptions). */
  stateArguments?: string;
  /**
   * Where `{ env: NAME }` secrets are read: an imported password parameter's value is compared with its
   * variable in memory (never shown) and set when it differs. Without it, no value is read.
   */
  env?: Record<string, string | undefined>;
  /** Shown what will be tagged and recorded; resolves true to go ahead. Nothing is changed before. */
  confirm(preview: ImportPreview): Promise<boolean>;
  /** The AWS request rates (or --rate-limit's); without it, the default rates. */
  limiter?: RequestLimiter;
  onEvent?: (event: EngineEvent) => void;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  newLineage?: () => string;
  retry?: Partial<RetryPolicy>;
  wait?: Partial<WaitPolicy>;
  signal?: AbortSignal;
  /**
   * SIGINT/SIGTERM: no new AWS call starts; a call in flight finishes. Before the intent is recorded the import
   * ends `interrupted` with nothing changed; after, it fails with the intent in the state (a re-run finishes).
   */
  stopSignal?: AbortSignal;
}

export interface ImportPreview {
  address: string;
  kind: ResourceKind;
  name: string;
  region: string;
  /** The tags the import sets (the plan's that the resource lacks or carries with another value). */
  tags: ImportTagChange[];
  /** The resource already carries this workflow's tag (an import or apply stopped before recording it). */
  alreadyTagged: boolean;
  /** The settings the import makes what apply makes them (those that differ now), in the order they are made. */
  settings: ImportSettingChange[];
}

export interface ImportResult {
  /** `interrupted`: a stop signal came before anything was changed. */
  outcome: 'imported' | 'cancelled' | 'interrupted';
  /** The state as written (as read, when cancelled). */
  state: StateDocument | undefined;
  preview: ImportPreview;
  /** The entry recorded; undefined when cancelled or interrupted. */
  resource: StateResource | undefined;
}

export type ImportRefusal =
  | ImportProblem['code']
  /** No such resource in the Region. */
  | 'not-found'
  /** It carries another workflow's `mlds:workflow` tag. */
  | 'other-workflow'
  /** It exists but cannot be this address's resource (another Region, another account, another InputType). */
  | 'unusable'
  /**
   * AWS refused a setting apply makes for what the resource holds (S3: ObjectOwnership BucketOwnerEnforced while
   * the bucket's ACL grants others); the resource and the state are as they were.
   */
  | 'acl-in-use';

/** The import cannot go ahead; nothing was changed. `addresses`: the plan's importable ones (unknown address). */
export class ImportRefusedError extends Error {
  override readonly name = 'ImportRefusedError';
  constructor(
    readonly refusal: ImportRefusal,
    message: string,
    readonly fix?: string,
    readonly addresses: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An AWS call of the import failed. `intentRecorded`: the state holds the intent, and a re-run finishes it. */
export class ImportFailedError extends Error {
  override readonly name = 'ImportFailedError';
  constructor(
    message: string,
    readonly intentRecorded: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export async function importResource(options: ImportOptions): Promise<ImportResult> {
  const { store, plan } = options;
  const lock = await store.lock('import');
  try {
    const existing = await store.read();
    if (existing && existing.workflow !== plan.workflow) {
      throw new StateWorkflowMismatchError(existing.workflow, plan.workflow);
    }
    const decision = planImport(plan, options.address, options.physicalId, existing, {
      ...(options.stateArguments === undefined ? {} : { stateArguments: options.stateArguments }),
    });
    if ('problem' in decision) {
      const { problem } = decision;
      throw new ImportRefusedError(
        problem.code,
        problem.message,
        'fix' in problem ? problem.fix : undefined,
        problem.code === 'unknown-address' ? problem.addresses : [],
      );
    }
    const target = targetOf(decision.import.resource);
    const handler = await loadHandler(target.kind);
    const tagForImport = handler.tagForImport?.bind(handler);
    if (tagForImport === undefined) {
      throw new ImportRefusedError('not-importable', `mlds cannot import a ${target.kind}`);
    }
    const vault = new SecretVault();
    const rt = runtimeFor(options, plan.workflow, handler, vault);
    const clock = options.clock ?? Date.now;
    let intentRecorded = false;
    try {
      const found = await handler.find(rt, target);
      const tagged = importable(found, target, plan.workflow);
      const observed = handler.importSettings ? await handler.importSettings(rt, target, tagged) : {};
      const settings = importSettingChanges(target, observed);
      const preview: ImportPreview = {
        address: target.address,
        kind: target.kind,
        name: target.name,
        region: target.region,
        tags: importTagChanges(target.tags, tagged.tags),
        alreadyTagged: found.status === 'ours',
        settings,
      };
      const confirmed = await options.confirm(preview);
      // A signal at the question (or during the lookup): nothing was changed, nothing is.
      if (options.stopSignal?.aborted) {
        return { outcome: 'interrupted', state: existing, preview, resource: undefined };
      }
      if (!confirmed) return { outcome: 'cancelled', state: existing, preview, resource: undefined };

      const newLineage = options.newLineage ?? randomUUID;
      const doc: StateDocument = existing ?? emptyState(plan, newLineage());
      const asRead = structuredClone(doc);
      doc.serial += 1;
      doc.lineage ??= newLineage();
      const previous = doc.resources.find((entry) => entry.address === target.address);
      const write = async (entry: StateResource) => {
        doc.resources = [...doc.resources.filter((other) => other.address !== target.address), entry];
        await store.write(structuredClone(doc));
      };
      const settle = async (which: ImportSettingChange['setting'][]) =>
        which.length > 0 && handler.settleForImport
          ? await handler.settleForImport(rt, target, tagged, which)
          : {};
      const made = settings.map((change) => change.setting);
      await write(stateEntryOf(target, 'creating', previous, clock()));
      intentRecorded = true;
      // What AWS may refuse comes before the tag and every other change: a refusal leaves the resource as it
      // was (untagged, so never taken for this workflow's), and the state goes back to what was read.
      const early = await settle(made.filter(madeBeforeTagging)).catch(async (error: unknown) => {
        if (!(error instanceof BucketAclInUseError)) throw error;
        await store.write(asRead);
        intentRecorded = false;
        throw new ImportRefusedError(
          'acl-in-use',
          `${target.address}: ${error.reason}; the bucket and the state are as they were`,
          error.fix,
          [],
          { cause: error },
        );
      });
      if (preview.tags.length > 0) await tagForImport(rt, target, tagged);
      const late = await settle(made.filter((setting) => !madeBeforeTagging(setting)));
      const outputs = { ...early.outputs, ...late.outputs };
      const settled = Object.keys(outputs).length > 0 ? { outputs } : {};
      // Read back through the handler's own lookup: it says the tag took (S3 tags may take a moment to show) and
      // gives what the state records (an ARN, a channel's ingest endpoints, a container's endpoint).
      const ours =
        found.status === 'ours' && preview.tags.length === 0
          ? found
          : await rt.waitUntil(target.address, 'tags visible', async () => {
              const again = await handler.find(rt, target);
              return again.status === 'ours'
                ? { done: true as const, value: again }
                : { done: false as const, status: again.status };
            });
      const resource = stateEntryOf(target, 'created', previous, clock(), {
        ...ours.recorded,
        ...(settled.outputs ? { outputs: { ...ours.recorded.outputs, ...settled.outputs } } : {}),
      });
      await write(resource);
      return { outcome: 'imported', state: structuredClone(doc), preview, resource };
    } catch (error) {
      vault.scrub(error);
      // The state store's own failures keep their classes: the caller maps them as for apply.
      if (
        error instanceof ImportRefusedError ||
        error instanceof StateFencedError ||
        error instanceof StateStoreError ||
        error instanceof RunAbortedError
      )
        throw error;
      const message = vault.redact(error instanceof Error ? error.message : String(error));
      const name = error instanceof Error ? error.name : 'Error';
      throw new ImportFailedError(`${target.address}: ${name}: ${message}`, intentRecorded, {
        cause: error,
      });
    }
  } finally {
    await lock.release();
  }
}

/** What the lookup found, when it can be imported: the resource's tags (and ARN) to tag it with. */
function importable(
  found: Awaited<ReturnType<KindHandler['find']>>,
  target: Target,
  workflow: string,
): ForeignFound & { tags: Record<string, string> } {
  const where = `${target.name} (${target.address})`;
  if (found.status === 'absent') {
    throw new ImportRefusedError(
      'not-found',
      `${where} does not exist in ${target.region}: nothing to import`,
      'Check the name and the Region (the workflow’s, or the downstream entry’s `region`). To have mlds create it, run apply.',
    );
  }
  if (found.status === 'ours') return { status: 'foreign', tags: found.tags, ...arnOf(found) };
  if (found.reason !== undefined) {
    throw new ImportRefusedError('unusable', `${where} cannot be imported: ${found.reason}`);
  }
  const tags = found.tags ?? {};
  const owner = otherOwner(tags, workflow);
  if (owner !== undefined) {
    throw new ImportRefusedError(
      'other-workflow',
      `${where} belongs to the workflow '${owner}' (its mlds:workflow tag): mlds never takes a resource from another workflow`,
      `Run 'mlds state rm' in that workflow and remove its mlds:workflow tag first, if it really is to move.`,
    );
  }
  return { ...found, tags };
}

function arnOf(found: OursFound): { arn?: string } {
  return found.recorded.arn === undefined ? {} : { arn: found.recorded.arn };
}

/** The runtime the handler calls AWS through: rate-limited, retried on its services' modelled errors. */
function runtimeFor(
  options: ImportOptions,
  workflow: string,
  handler: KindHandler,
  vault: SecretVault,
): Runtime {
  // An import looks up nothing but its own resource; an { env } password's variable is read to compare with it.
  const { rt } = createRuntime(options, {
    workflow,
    env: options.env ?? {},
    vault,
    lookup: () => undefined,
  });
  return {
    ...rt,
    call: (address, fn, alsoRetry, modelled = []) =>
      rt.call(address, fn, alsoRetry, [...handler.retryable, ...modelled]),
  };
}
