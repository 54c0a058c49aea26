import { defaultFormat } from '../normalize.js';
import type { DownstreamInput, Format, Severity, System, WorkflowInput } from '../types.js';
import type { Path } from './path.js';

/** A diagnostic before it is placed in the source text. */
export interface Finding {
  severity: Severity;
  code: string;
  message: string;
  path: Path;
  /** Point at the mapping key rather than its value (an unknown or misplaced field). */
  at?: 'key';
  /** A missing field's name (field.required…). */
  missing?: string;
  /** The known field an unknown one is likely a typo of (field.unknown's "did you mean"). */
  meant?: string;
}

/** A downstream entry that passed the schema, with its place in the file. */
export interface CheckedEntry {
  readonly index: number;
  readonly entry: DownstreamInput;
  /** `aws` resolved to the service the rules pick; otherwise the system itself. */
  readonly system: Exclude<System, 'aws'>;
}

export interface RuleContext {
  /** The workflow; the top-level fields the rule reads passed the schema (downstream entries may not have). */
  readonly input: WorkflowInput;
  readonly pipelines: 1 | 2;
  /**
   * The downstream entries whose fields the rule reads (Rule.entryReads) passed the schema: a rule never sees
   * a field of the wrong shape, nor an entry whose `system` failed it.
   */
  readonly entries: readonly CheckedEntry[];
  /**
   * The name of every downstream entry whose `name` passed the schema, malformed entries included: a name is a
   * destination Id whatever else is wrong with its entry, so a repeated one is found in the same pass.
   */
  readonly names: readonly { readonly index: number; readonly name: string }[];
}

/** A top-level field of a workflow, its downstream entries aside. */
export type TopLevelField = Exclude<keyof WorkflowInput, 'downstream'>;

/** A field of a downstream entry besides `system`, which every rule reads. */
export type EntryField = Exclude<keyof DownstreamInput, 'system'>;

/** A rule the schema cannot express. */
export interface Rule {
  /**
   * The top-level fields the rule reads (`pipelines` is channelClass's): it is left out when one of them failed
   * the schema, so that it never reads a value of the wrong shape, and runs on when others did. `all`: it walks
   * every top-level field, and runs only when all of them passed.
   */
  reads: readonly TopLevelField[] | 'all';
  /**
   * The fields of a downstream entry the rule reads (besides `system`): an entry where one of them failed the
   * schema is left out of the rule's `entries`, and stays in the others'. `all`: only entries that passed the
   * schema whole.
   */
  entryReads: readonly EntryField[] | 'all';
  check(context: RuleContext): Finding[];
}

export function error(code: string, path: Path, message: string): Finding {
  return { severity: 'error', code, path, message };
}

export function warning(code: string, path: Path, message: string): Finding {
  return { severity: 'warning', code, path, message };
}

export function info(code: string, path: Path, message: string): Finding {
  return { severity: 'info', code, path, message };
}

/** `downstream[2]` as it appears at the start of messages. */
export function entryPath(entry: CheckedEntry, ...rest: (string | number)[]): Path {
  return ['downstream', entry.index, ...rest];
}

export function pipelineCount(input: Pick<WorkflowInput, 'channelClass'>): 1 | 2 {
  return input.channelClass === 'SINGLE_PIPELINE' ? 1 : 2;
}

/** The effective format, as normalizeWorkflow fills it in. */
export function formatOf(entry: CheckedEntry): Format {
  return entry.entry.format ?? defaultFormat(entry.entry.system);
}
