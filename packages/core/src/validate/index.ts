import { type SchemaError, validateWorkflowSchema } from '../generated/workflow-validator.js';
import { resolveAwsSystem } from '../normalize.js';
import type { WorkflowInput } from '../types.js';
import { isRecord } from './path.js';
import { type CheckedEntry, type Finding, pipelineCount, type Rule } from './rule.js';
import { controlCharactersRule } from './rules/control-characters.js';
import { credentialsRule } from './rules/credentials.js';
import { mediaStoreDiscontinuedRule, vpcDeliveryRule } from './rules/delivery.js';
import { destinationPathRule } from './rules/destination-path.js';
import { needsRule, vodModeRule } from './rules/formats.js';
import { generatedNamesRule } from './rules/generated-names.js';
import { outputGroupLimitsRule, uniqueNamesRule } from './rules/limits.js';
import { mediaPackageRule, sharedChannelRule } from './rules/mediapackage.js';
import { mediaPackageV2Rule, sharedV2ChannelRule } from './rules/mediapackage-v2.js';
import { pipelineCountRule, sharedLocationRule } from './rules/pipelines.js';
import { s3BucketNamesRule, s3BucketsCreatedHereRule } from './rules/s3-buckets.js';
import { secretRefsRule, srtPassphraseRule, urlCredentialsRule } from './rules/secrets.js';
import { stateUrlRule } from './rules/state-url.js';
import { awsResolvedFieldsRule } from './rules/system-fields.js';
import { tagsRule } from './rules/tags.js';
import { udpFecPortsRule, urlFormatRule } from './rules/urls.js';
import { workflowFieldsRule } from './rules/workflow-fields.js';
import { schemaFindings } from './schema-errors.js';

/** Every rule the schema cannot express, in the order their findings are reported for equal positions. */
export const RULES: readonly Rule[] = [
  controlCharactersRule,
  workflowFieldsRule,
  tagsRule,
  stateUrlRule,
  awsResolvedFieldsRule,
  pipelineCountRule,
  sharedLocationRule,
  urlFormatRule,
  udpFecPortsRule,
  urlCredentialsRule,
  credentialsRule,
  secretRefsRule,
  srtPassphraseRule,
  s3BucketNamesRule,
  s3BucketsCreatedHereRule,
  destinationPathRule,
  generatedNamesRule,
  mediaPackageRule,
  sharedChannelRule,
  mediaPackageV2Rule,
  sharedV2ChannelRule,
  vodModeRule,
  needsRule,
  outputGroupLimitsRule,
  uniqueNamesRule,
  vpcDeliveryRule,
  mediaStoreDiscontinuedRule,
];

export interface Checked {
  findings: Finding[];
  /** The workflow as written, when it matches the schema (it may still break a semantic rule). */
  input: WorkflowInput | undefined;
  /** Its name, when `workflow` passed the schema whatever else did not. */
  name?: string;
}

/** What the schema requires at the top: a missing one is reported at the root, not at its own path. */
const REQUIRED_FIELDS = ['workflow', 'region', 'downstream'] as const;

/**
 * Checks a parsed workflow: first the JSON Schema, then the semantic rules on whatever passed it, so that every
 * problem is reported in one pass. A rule is left out when a top-level field it reads failed the schema (see
 * Rule.reads), and an entry is left out of a rule when a field of it the rule reads failed it (Rule.entryReads);
 * so each problem is reported once. Without a list of downstream entries, no rule runs. Never mutates `data`.
 */
export function checkWorkflow(data: unknown): Checked {
  const valid = validateWorkflowSchema(data);
  const errors = valid ? [] : (validateWorkflowSchema.errors ?? []);
  const findings = schemaFindings(errors, data);
  if (!isRecord(data)) return { findings, input: undefined };
  const named =
    typeof data.workflow === 'string' && !findings.some((finding) => finding.path[0] === 'workflow')
      ? { name: data.workflow }
      : {};
  if (!Array.isArray(data.downstream)) return { findings, input: undefined, ...named };
  const malformedFields = new Set<string>();
  for (const finding of findings) {
    const [first] = finding.path;
    if (first !== undefined && first !== 'downstream') malformedFields.add(String(first));
    else if (first === 'downstream' && finding.path.length === 1) malformedFields.add(first);
  }
  for (const field of REQUIRED_FIELDS) if (data[field] === undefined) malformedFields.add(field);
  if (malformedFields.has('downstream')) return { findings, input: undefined, ...named };

  const input = data as unknown as WorkflowInput;
  const malformed = malformedEntryFields(findings, errors, input.downstream);
  const entries: { checked: CheckedEntry; malformed: ReadonlySet<string> }[] = [];
  for (const [index, entry] of input.downstream.entries()) {
    const fields = malformed.get(index);
    if (fields === WHOLE) continue;
    entries.push({ checked: { index, entry, system: resolveAwsSystem(entry) }, malformed: fields ?? NONE });
  }
  // Whatever else is wrong with its entry, a name is a destination Id: a repeated one is found in the same pass.
  const names = input.downstream.flatMap((entry, index) => {
    const name = isRecord(entry) ? entry.name : undefined;
    const malformedName = findings.some(
      ({ path }) => path[0] === 'downstream' && path[1] === index && path[2] === 'name',
    );
    return typeof name === 'string' && !malformedName ? [{ index, name }] : [];
  });
  const pipelines = pipelineCount(input);
  const runs = (rule: Rule) =>
    rule.reads === 'all'
      ? malformedFields.size === 0 && findings.every((finding) => finding.path.length > 0)
      : rule.reads.every((field) => !malformedFields.has(field));
  const entriesOf = (rule: Rule) =>
    entries
      .filter(({ malformed: fields }) =>
        rule.entryReads === 'all' ? fields.size === 0 : rule.entryReads.every((field) => !fields.has(field)),
      )
      .map(({ checked }) => checked);
  for (const rule of RULES) {
    if (runs(rule)) findings.push(...rule.check({ input, pipelines, entries: entriesOf(rule), names }));
  }
  return { findings, input: valid ? cleanInput(input) : undefined, ...named };
}

const WHOLE = 'whole';
const NONE: ReadonlySet<string> = new Set();

/**
 * Per downstream entry, the fields that failed the schema (a missing required field among them), or WHOLE when
 * the entry itself did: not an object, or its `system` (with `system: aws`, its `needs` too, which pick the
 * service) unusable. Entries with no problem are not in the map.
 */
function malformedEntryFields(
  findings: readonly Finding[],
  errors: readonly SchemaError[],
  downstream: readonly unknown[],
): Map<number, Set<string> | typeof WHOLE> {
  const malformed = new Map<number, Set<string> | typeof WHOLE>();
  const add = (index: number, field: string | typeof WHOLE) => {
    const known = malformed.get(index);
    if (known === WHOLE) return;
    if (field === WHOLE) malformed.set(index, WHOLE);
    else malformed.set(index, (known ?? new Set()).add(field));
  };
  for (const finding of findings) {
    const [first, index, field] = finding.path;
    if (first !== 'downstream' || typeof index !== 'number') continue;
    if (field !== undefined) add(index, String(field));
    else if (!finding.code.startsWith('field.required')) add(index, WHOLE);
    // `usrname:` is the entry's `username`, misspelt: a rule that reads `username` (a password without its user
    // name) would report the same typo again.
    if (finding.meant !== undefined && finding.path.length === 3) add(index, finding.meant);
  }
  // A missing required field is reported at its entry: the schema's error names it.
  for (const error of errors) {
    const at = /^\/downstream\/(\d+)$/.exec(error.instancePath);
    if (at && error.keyword === 'required') add(Number(at[1]), String(error.params.missingProperty));
  }
  for (const [index, fields] of malformed) {
    const entry = downstream[index];
    if (fields === WHOLE) continue;
    if (!isRecord(entry) || fields.has('system') || (entry.system === 'aws' && fields.has('needs')))
      malformed.set(index, WHOLE);
  }
  return malformed;
}

/** A copy the caller owns, without the editor-only `$schema`. */
function cleanInput(input: WorkflowInput): WorkflowInput {
  const { $schema: _schema, ...rest } = input as WorkflowInput & { $schema?: string };
  return structuredClone(rest);
}
