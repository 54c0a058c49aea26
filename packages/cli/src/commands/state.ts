import { closest, FORMAT_VERSION, type StateDocument, type StateResource } from '@mlds/core';
import type { StateBackend } from '@mlds/provisioner';
import { count, UsageError } from '../errors.js';
import { escapeLine } from '../render/escape.js';
import { writeJson } from '../render/json.js';
import { alignColumns } from '../render/table.js';
import { openStateBackend, type Provisioner, translateStateError } from '../state-backend.js';
import { readStateFile, type StatePath, statePathFor } from '../state-file.js';
import { regionFromEnvironment, regionNeeded, resolveStatePath } from '../state-target.js';
import { loadWorkflow } from '../workflow-file.js';
import type { Command, CommandContext } from './command.js';

export type StateSubcommand =
  | { name: 'list' }
  | { name: 'show'; address: string }
  | { name: 'rm'; addresses: string[] }
  | { name: 'unlock'; lockId: string }
  | { name: 'push'; destination: string };

export interface StateOptions {
  subcommand: StateSubcommand;
  /** `--state`: the state to work on. */
  statePath: string | undefined;
  /** `--file`: a workflow file naming the state (its `state:`, or `.mlds/<workflow>.state.json`). */
  file: string | undefined;
  /** `--region`: the Region of an S3 state's bucket, when no workflow file gives it. */
  region: string | undefined;
  profile: string | undefined;
  json: boolean;
  /** `unlock --force`: remove the lock even when its run still runs on this host. */
  force: boolean;
}

/** What `state list --json` prints. */
export interface StateListDocument {
  formatVersion: typeof FORMAT_VERSION;
  workflow: string | null;
  state: string;
  lineage: string | null;
  serial: number | null;
  /** `existing`: a resource mlds only reads (an existing bucket, `channelId`, `channelGroup`). */
  resources: {
    address: string;
    kind: string;
    name: string;
    region: string;
    status: string;
    existing?: true;
  }[];
}

/**
 * Works on the state itself, as `terraform state` does: lists and shows what it records, forgets resources
 * (`rm`, no AWS call besides the state's own store), removes a lock whose run is gone (`unlock`), and copies the
 * state to another store (`push`, e.g. from the local file to S3 to start sharing it).
 */
export async function state(options: StateOptions, context: CommandContext): Promise<void> {
  if (options.subcommand.name === 'push') await refuseRegionOtherThanTheWorkflows(options, context);
  const { statePath, region } = await resolveStatePath(options, context);
  const { provisioner, backend } = await openStateBackend(statePath, {
    ...context,
    profile: options.profile,
  });
  try {
    await runSubcommand({ ...options, region }, context, statePath, backend, provisioner);
  } catch (error) {
    throw translateStateError(error, provisioner, statePath);
  }
}

/**
 * `push --file f --region r` with r not f's `region:` would put the state in a bucket where f's own runs never
 * look (a workflow's S3 state is read in the workflow's Region), and the "Next: add 'state: …'" that follows would
 * break every command of f: refused before anything is read or written.
 */
async function refuseRegionOtherThanTheWorkflows(
  options: StateOptions,
  context: CommandContext,
): Promise<void> {
  // The name again: it narrows the subcommand to push's, whose destination the messages name.
  if (options.file === undefined || options.region === undefined || options.subcommand.name !== 'push')
    return;
  const own = (
    await loadWorkflow(options.file, { cwd: context.cwd, stdin: context.stdin, region: undefined })
  ).workflow.region;
  if (own === options.region) return;
  throw new UsageError(
    `state push: --region ${options.region} is not the Region of ${options.file} (${own}), where its commands look for an S3 state`,
    {
      hint: `Push to a bucket in ${own}, without --region: 'state: ${options.subcommand.destination}' in ${options.file} would otherwise make every command look for it in ${own}. Nothing was read or written.`,
    },
  );
}

async function runSubcommand(
  options: StateOptions,
  context: CommandContext,
  statePath: StatePath,
  backend: StateBackend,
  provisioner: Provisioner,
): Promise<void> {
  const { stdout, colors } = context;
  const { subcommand } = options;
  // The checks plan and apply make of a local state before reading it (a directory, a FIFO or a device, a file
  // too large), with their errors: the store's own read would fail on them with a bare system error.
  if (statePath.kind === 'file' && subcommand.name !== 'unlock') {
    await readStateFile(statePath.absolute, statePath.shownAs);
  }
  switch (subcommand.name) {
    case 'list': {
      const doc = await backend.read();
      if (options.json) {
        writeJson(stdout, listDocument(statePath, doc));
        return;
      }
      if (doc === undefined) {
        stdout.write(`There is no state at ${statePath.shownAs}.\n`);
        return;
      }
      // A state is data anyone could have edited: every value escaped before it is measured and coloured.
      const rows = doc.resources.map((r) => [
        ...[r.address, r.kind, r.name, r.region].map(escapeLine),
        colors.dim(`${escapeLine(r.status)}${recordNote(r)}`),
      ]);
      stdout.write(`${alignColumns(rows, '').join('\n')}${rows.length > 0 ? '\n' : ''}`);
      stdout.write(
        colors.dim(
          `${statePath.shownAs}: workflow ${doc.workflow}, ${count(doc.resources.length, 'resource')}, serial ${doc.serial}, lineage ${doc.lineage ?? '(none yet)'}\n`,
        ),
      );
      return;
    }
    case 'show': {
      const doc = await backend.read();
      const entries = (doc?.resources ?? []).filter((r) => r.address === subcommand.address);
      if (entries.length === 0) throw notInState([subcommand.address], statePath, doc, 'show');
      if (options.json) {
        writeJson(stdout, { formatVersion: FORMAT_VERSION, resources: entries });
        return;
      }
      stdout.write(entries.map((entry) => showResource(entry)).join('\n'));
      return;
    }
    case 'rm': {
      const lock = await backend.lock('state rm');
      try {
        const doc = await backend.read();
        const missing = subcommand.addresses.filter((a) => !doc?.resources.some((r) => r.address === a));
        if (doc === undefined || missing.length > 0) throw notInState(missing, statePath, doc, 'rm');
        const forgotten = doc.resources.filter((r) => subcommand.addresses.includes(r.address));
        const next: StateDocument = {
          ...doc,
          serial: doc.serial + 1,
          resources: doc.resources.filter((r) => !subcommand.addresses.includes(r.address)),
        };
        await backend.write(next);
        if (options.json) {
          writeJson(stdout, {
            formatVersion: FORMAT_VERSION,
            state: statePath.shownAs,
            serial: next.serial,
            removed: forgotten.map((r) => ({
              address: r.address,
              kind: r.kind,
              name: r.name,
              region: r.region,
            })),
          });
          return;
        }
        for (const entry of forgotten) {
          stdout.write(`Removed ${entry.address} (${entry.kind} ${entry.name}) from the state.\n`);
        }
        stdout.write(
          colors.dim(
            `${forgottenNote(forgotten, next.workflow)} State: ${statePath.shownAs} (serial ${next.serial})\n`,
          ),
        );
      } finally {
        await lock.release();
      }
      return;
    }
    case 'unlock': {
      const holder = await backend.forceUnlock(subcommand.lockId, { evenIfRunning: options.force });
      if (options.json) {
        writeJson(stdout, { formatVersion: FORMAT_VERSION, state: statePath.shownAs, removedLock: holder });
        return;
      }
      stdout.write(
        `Removed the lock ${holder.id} of ${statePath.shownAs}, taken by '${holder.command}' on host ${holder.host} (pid ${holder.pid}) at ${holder.acquiredAt}.\n`,
      );
      return;
    }
    case 'push': {
      const destination = statePathFor(context.cwd, subcommand.destination, '', {
        region:
          statePath.kind === 's3' ? statePath.region : (options.region ?? regionFromEnvironment(context)),
        profile: options.profile,
        optionShownAs: `state push: ${subcommand.destination}`,
      });
      if (destination.kind === 's3' && destination.region === '') throw regionNeeded();
      // Without --file, the state says which Region its workflow reads an S3 state in: its own.
      const recorded = options.file === undefined ? (await backend.read())?.region : undefined;
      if (destination.kind === 's3' && recorded !== undefined && recorded !== destination.region) {
        throw new UsageError(
          `state push: the bucket is asked for in ${destination.region}, and this state's workflow is in ${recorded}, where its commands look for an S3 state`,
          {
            hint: `Push to a bucket in ${recorded} (--region ${recorded}): 'state: ${subcommand.destination}' in the workflow file would otherwise make every command look for it in ${recorded}. Nothing was written.`,
          },
        );
      }
      const target = await openStateBackend(destination, { ...context, profile: options.profile });
      let result: Awaited<ReturnType<Provisioner['pushState']>>;
      try {
        result = await provisioner.pushState(backend, target.backend);
      } catch (error) {
        // Both are locked: a held lock is named at the state it guards.
        const fromSource =
          error instanceof provisioner.StateLockedError && error.lockPath === backend.lockLocation;
        throw translateStateError(error, provisioner, fromSource ? statePath : destination);
      }
      if (options.json) {
        writeJson(stdout, {
          formatVersion: FORMAT_VERSION,
          from: statePath.shownAs,
          to: destination.shownAs,
          written: result.written,
          serial: result.serial,
        });
        return;
      }
      stdout.write(
        result.written
          ? `Pushed ${statePath.shownAs} to ${destination.shownAs} (serial ${result.serial}).\n`
          : `${destination.shownAs} already holds this state (serial ${result.serial}); nothing was written.\n`,
      );
      // The copy stays where it was, and is still what `mlds state` reads without --state or --file: edited
      // there by mistake, it would differ from the state every run now uses, silently.
      if (statePath.kind === 'file') {
        stdout.write(
          `Next: add 'state: ${destination.shownAs}' to the workflow file, so that every command uses it, and move ${statePath.shownAs} aside (mlds leaves it as it was; 'mlds state' without --state or --file still reads it).\n`,
        );
      }
      return;
    }
  }
}

/**
 * What `state rm` leaves in AWS, and what the next apply does about it: what mlds made carries its tag and is
 * adopted again while it does; what it only read, or a bound channel, carries none and is read (or written) again
 * while the workflow names it.
 */
function forgottenNote(forgotten: readonly StateResource[], workflow: string): string {
  const tagged = forgotten.filter((r) => r.existing !== true && r.kind !== 'medialive-channel');
  const untagged = forgotten.filter((r) => !tagged.includes(r));
  const which = (some: readonly StateResource[]) =>
    forgotten.length === some.length
      ? some.length === 1
        ? 'it'
        : 'they'
      : some.map((r) => escapeLine(r.address)).join(', ');
  const sentences = [
    `The state no longer records ${forgotten.length === 1 ? 'it' : 'them'}: nothing was deleted in AWS.`,
  ];
  if (tagged.length > 0) {
    const one = tagged.length === 1;
    sentences.push(
      `While ${which(tagged)} ${one ? 'carries' : 'carry'} the tag mlds:workflow=${escapeLine(workflow)}, the next apply adopts ${one ? 'it' : 'them'} again; remove that tag to let ${one ? 'it' : 'them'} go.`,
    );
  }
  if (untagged.length > 0) {
    const one = untagged.length === 1;
    sentences.push(
      `${forgotten.length === untagged.length ? (one ? 'It' : 'They') : which(untagged)} ${one ? 'carries' : 'carry'} no tag of mlds (it only reads ${one ? 'it' : 'them'}, or writes a bound channel's destinations): the next apply reads ${one ? 'it' : 'them'} again while the workflow names ${one ? 'it' : 'them'}.`,
    );
  }
  return sentences.join(' ');
}

function listDocument(statePath: StatePath, doc: StateDocument | undefined): StateListDocument {
  return {
    formatVersion: FORMAT_VERSION,
    workflow: doc?.workflow ?? null,
    state: statePath.shownAs,
    lineage: doc?.lineage ?? null,
    serial: doc?.serial ?? null,
    resources: (doc?.resources ?? []).map((r) => ({
      address: r.address,
      kind: r.kind,
      name: r.name,
      region: r.region,
      status: r.status,
      ...(r.existing === true ? { existing: true as const } : {}),
    })),
  };
}

function showResource(entry: StateResource): string {
  const rows: string[][] = [
    ['address', entry.address],
    ['kind', entry.kind],
    ['name', entry.name],
    ['region', entry.region],
    ['pipeline', entry.pipeline === null ? '-' : String(entry.pipeline)],
    ['downstream', entry.downstream],
    ['status', `${entry.status}${recordNote(entry)}`],
    ...(entry.existing ? [['existing', 'yes (mlds only reads it)']] : []),
    ...(entry.arn ? [['arn', entry.arn]] : []),
    ...(entry.id ? [['id', entry.id]] : []),
    ...Object.entries(entry.tags ?? {}).map(([key, value]) => [`tag ${key}`, value]),
    ...(entry.outputs && Object.keys(entry.outputs).length > 0
      ? [['outputs', JSON.stringify(entry.outputs)]]
      : []),
    ...(entry.createdAt ? [['created', entry.createdAt]] : []),
    ...(entry.updatedAt ? [['updated', entry.updatedAt]] : []),
  ];
  return `${alignColumns(
    rows.map((row) => row.map(escapeLine)),
    '',
  ).join('\n')}\n`;
}

function notInState(
  addresses: string[],
  statePath: StatePath,
  doc: StateDocument | undefined,
  command: 'show' | 'rm',
): UsageError {
  const known = (doc?.resources ?? []).map((r) => r.address);
  // `rm` refuses all of its addresses when one is unknown; `show` only reads.
  const nothingChanged = command === 'rm' ? ' Nothing was changed.' : '';
  return new UsageError(
    `${addresses.join(', ')} ${addresses.length === 1 ? 'is' : 'are'} not in the state ${statePath.shownAs}`,
    {
      hint:
        doc === undefined
          ? `There is no state there: nothing is applied yet, or the state is elsewhere (--state, --file).${nothingChanged}`
          : known.length === 0
            ? `The state records no resources.${nothingChanged}`
            : `It records: ${[...new Set(known)].join(', ')}.${nothingChanged}`,
    },
  );
}

const usage = 'mlds state list|show <address>|rm <address>...|unlock <lock id>|push <state url> [options]';

const STATE_SUBCOMMANDS = ['list', 'show', 'rm', 'unlock', 'push'];

function subcommandOf(positionals: string[]): StateSubcommand {
  const [name, ...rest] = positionals;
  const exactly = (what: string) => {
    if (rest.length !== 1 || rest[0] === undefined) {
      throw new UsageError(`mlds state ${name} takes one ${what}`, { hint: `Usage: ${usage}` });
    }
    return rest[0];
  };
  switch (name) {
    case 'list':
      if (rest.length > 0)
        throw new UsageError(`unexpected argument '${rest[0]}'`, { hint: `Usage: ${usage}` });
      return { name };
    case 'show':
      return { name, address: exactly('address') };
    case 'rm':
      if (rest.length === 0)
        throw new UsageError('mlds state rm takes one or more addresses', { hint: `Usage: ${usage}` });
      return { name, addresses: rest };
    case 'unlock':
      return { name, lockId: exactly('lock id') };
    case 'push':
      return { name, destination: exactly('state URL') };
    default: {
      const near = name === undefined ? undefined : closest(name, STATE_SUBCOMMANDS);
      throw new UsageError(
        name === undefined
          ? 'missing the state subcommand'
          : `unknown state subcommand '${name}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`,
        { hint: `Usage: ${usage}` },
      );
    }
  }
}

export const command: Command<StateOptions> = {
  usage,
  description: [
    'Works on the state itself, like `terraform state`. `list` prints what it records; `show <address>` one',
    "resource's record; `rm <address>...` forgets resources without deleting them in AWS (with the state",
    'locked); `unlock <lock id>` removes the lock of a run that is gone (the id is in the "locked" error), like',
    '`terraform force-unlock`, and keeps the lock of a run still running on this host unless --force; `push <state url>` copies the state to another store, e.g. the local file to',
    's3://bucket/key to start sharing it, and refuses to overwrite a state of another lineage or a newer one.',
    'The state is --state (a path or s3://bucket/key), or the one named by --file <workflow file>, or the only',
    "one under .mlds/. An S3 state is reached in the workflow's Region, or --region / AWS_REGION.",
  ].join('\n'),
  options: {
    file: {
      type: 'string',
      short: 'f',
      valueName: '<workflow>',
      description: 'The workflow file whose state to use (its state:, or .mlds/<workflow>.state.json)',
    },
    force: {
      type: 'boolean',
      description: 'unlock: remove the lock even when its run still runs on this host',
    },
  },
  examples: [
    {
      command: 'mlds state list --file curling-live.yaml',
      explanation: 'What the state of a workflow records',
    },
    { command: "mlds state show 'archive.bucket[0]' -f curling-live.yaml", explanation: 'One resource' },
    {
      command: "mlds state rm 'archive.bucket[1]' -f curling-live.yaml",
      explanation: 'Forget a resource; it stays in AWS (quote an address with brackets for the shell)',
    },
    {
      command:
        'mlds state unlock 6f1c0e2a9b3d4c5e7f8a9b0c --state s3://team-state/mlds/curling-live.json --region us-west-2',
      explanation: 'Remove the lock of a run that is gone',
    },
    {
      command: 'mlds state push s3://team-state/mlds/curling-live.json -f curling-live.yaml',
      explanation: 'Start sharing a local state; then add state: to the workflow',
    },
  ],
  toOptions: (args) => ({
    subcommand: subcommandOf(args.positionals),
    statePath: args.common.state,
    file: typeof args.values.file === 'string' ? args.values.file : undefined,
    region: args.common.region,
    profile: args.common.profile,
    json: args.common.json,
    force: args.values.force === true,
  }),
  run: state,
};

/**
 * What the state's `created` does not say of a record, as `output` says it: mlds only reads it, or writes a bound
 * channel's destinations (it never created either).
 */
function recordNote(resource: StateResource): string {
  if (resource.existing === true) return ' (read only)';
  return resource.kind === 'medialive-channel' ? ' (bound)' : '';
}
