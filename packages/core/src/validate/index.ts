import { validateWorkflowSchema } from '../generated/workflow-validator.js';
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
import { s3BucketNamesRule } from './rules/s3-buckets.js';
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
}

/** What the schema requires at the top: a missing one is reported at the root, not at its own path. */
const REQUIRED_FIELDS = ['workflow', 'region', 'downstream'] as const;

/**
 * Checks a parsed workflow: first the JSON Schema, then the semantic rules on whatever passed it, so that every
 * problem is reported in one pass. A rule is left out when a top-level field it reads failed the schema (see
 * Rule.reads); a malformed downstream entry is left out of every rule; so each problem is reported once. Without
 * a list of downstream entries, no rule runs. Never mutates `data`.
 */
export function checkWorkflow(data: unknown): Checked {
  const valid = validateWorkflowSchema(data);
  const findings = valid ? [] : schemaFindings(validateWorkflowSchema.errors ?? [], data);
  if (!isRecord(data) || !Array.isArray(data.downstream)) return { findings, input: undefined };
  const malformedEntries = new Set<number>();
  const malformedFields = new Set<string>();
  for (const finding of findings) {
    const [first, index] = finding.path;
    if (first === 'downstream' && typeof index === 'number') malformedEntries.add(index);
    else if (first !== undefined) malformedFields.add(String(first));
  }
  for (const field of REQUIRED_FIELDS) if (data[field] === undefined) malformedFields.add(field);
  if (malformedFields.has('downstream')) return { findings, input: undefined };

  const input = data as unknown as WorkflowInput;
  const entries: CheckedEntry[] = [];
  for (const [index, entry] of input.downstream.entries()) {
    if (!malformedEntries.has(index)) entries.push({ index, entry, system: resolveAwsSystem(entry) });
  }
  const names = input.downstream.flatMap((entry, index) => {
    const name = isRecord(entry) ? entry.name : undefined;
    const malformed = findings.some(
      ({ path }) => path[0] === 'downstream' && path[1] === index && path[2] === 'name',
    );
    return typeof name === 'string' && !malformed ? [{ index, name }] : [];
  });
  const context = { input, pipelines: pipelineCount(input), entries, names };
  const runs = (rule: Rule) =>
    rule.reads === 'all'
      ? malformedFields.size === 0 && findings.every((finding) => finding.path.length > 0)
      : rule.reads.every((field) => !malformedFields.has(field));
  for (const rule of RULES) if (runs(rule)) findings.push(...rule.check(context));
  return { findings, input: valid ? cleanInput(input) : undefined };
}

/** A copy the caller owns, without the editor-only `$schema`. */
function cleanInput(input: WorkflowInput): WorkflowInput {
  const { $schema: _schema, ...rest } = input as WorkflowInput & { $schema?: string };
  return structuredClone(rest);
}
