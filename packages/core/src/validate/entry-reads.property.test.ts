import { arbitraryWorkflowInput } from '@mlds/fixtures';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { validateWorkflowSchema } from '../generated/workflow-validator.js';
import { resolveAwsSystem } from '../normalize.js';
import { DOWNSTREAM_FIELDS } from '../schema.js';
import type { WorkflowInput } from '../types.js';
import { checkWorkflow, RULES } from './index.js';
import { type EntryField, type Finding, pipelineCount } from './rule.js';
import { schemaFindings } from './schema-errors.js';

// Every problem of an entry in one pass: a field of a downstream entry that fails the schema leaves the entry
// out of the rules that read that field (Rule.entryReads) only. The law that keeps the declarations honest:
// every other rule finds exactly what it finds when the field is fine, since it never reads it; a rule that
// reads it finds what it finds without the entry.

const FIELDS = DOWNSTREAM_FIELDS.filter((field): field is EntryField => field !== 'system');

/** What the rules find in the valid `input` when entry `index` is left out of those that read `field`. */
function expectedRuleFindings(input: WorkflowInput, index: number, field: EntryField): Finding[] {
  const entries = input.downstream.map((entry, at) => ({
    index: at,
    entry,
    system: resolveAwsSystem(entry),
  }));
  const names = input.downstream
    .map(({ name }, at) => ({ index: at, name }))
    .filter((name) => field !== 'name' || name.index !== index);
  const context = { input, pipelines: pipelineCount(input), names };
  return RULES.flatMap((rule) => {
    const reads = rule.entryReads === 'all' || rule.entryReads.includes(field);
    const seen = reads ? entries.filter((entry) => entry.index !== index) : entries;
    return rule.check({ ...context, entries: seen });
  });
}

/**
 * Adds to `input` copies of some of its entries under other names: what rules that compare entries find (a
 * shared location or channel, a second Archive group) then depends on fields of both.
 */
function withTwins(input: WorkflowInput): fc.Arbitrary<WorkflowInput> {
  const indexes = [...input.downstream.keys()];
  return fc.subarray(indexes, { maxLength: Math.min(2, indexes.length) }).map((twinned) => ({
    ...input,
    downstream: [
      ...input.downstream,
      ...twinned.map((index) => {
        const entry = input.downstream[index] as WorkflowInput['downstream'][number];
        return { ...entry, name: `${entry.name.slice(0, 40)}-twin` };
      }),
    ],
  }));
}

describe('checkWorkflow with a malformed field of a downstream entry', () => {
  test('reports the schema problem and what every rule finds, the entry left out only where it reads the field', () => {
    fc.assert(
      fc.property(
        arbitraryWorkflowInput().chain(withTwins),
        fc.nat(),
        fc.nat(),
        fc.constantFrom<unknown>(42, 'Not a valid value!', [], { unexpected: true }, undefined),
        (input, pickEntry, pickField, value) => {
          fc.pre(checkWorkflow(input).input !== undefined);
          const index = pickEntry % input.downstream.length;
          // A field the entry has, mostly (one it lacks is mostly foreign to its system); now and then another.
          const own = Object.keys(input.downstream[index] ?? {}).filter((key) => key !== 'system');
          const fields = pickField % 4 === 0 ? FIELDS : (own as EntryField[]);
          const field = fields[pickField % fields.length] as EntryField;
          const entry: Record<string, unknown> = { ...input.downstream[index], [field]: value };
          if (value === undefined) delete entry[field];
          // `system: aws` picks its service from `needs`: the entry is then unusable to every rule.
          fc.pre(!(entry.system === 'aws' && field === 'needs'));
          const downstream = input.downstream.map((original, at) => (at === index ? entry : original));
          const broken = { ...input, downstream };
          fc.pre(!validateWorkflowSchema(broken));
          const schema = schemaFindings(validateWorkflowSchema.errors ?? [], broken);
          // Only the field itself failed: at its path, or as missing from its entry.
          fc.pre(
            schema.every(
              ({ path, code }) =>
                path[0] === 'downstream' &&
                path[1] === index &&
                (path[2] === field || (path.length === 2 && code.startsWith('field.required'))),
            ),
          );
          expect(checkWorkflow(broken).findings).toStrictEqual([
            ...schema,
            ...expectedRuleFindings(input, index, field),
          ]);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('a misspelt field and a wrong URL in one entry are both reported, with the bucket problem of another', () => {
    const { findings } = checkWorkflow({
      workflow: 'curling-live',
      region: 'us-west-2',
      downstream: [
        {
          name: 'cdn',
          system: 'http-put',
          urls: ['https://a.example.com/live/index', 'ftp://b.example.com/live/index'],
          usrname: 'ingest',
        },
        { name: 'archive', system: 's3', format: 'archive', buckets: ['Not_A_Bucket', 'fine-p1'] },
      ],
    });
    // Before, the misspelt field was all that was said of its entry: the URL came only once it was fixed.
    expect(findings.map((finding) => [finding.code, finding.path.join('.')])).toStrictEqual([
      ['field.unknown', 'downstream.0.usrname'],
      ['url.scheme', 'downstream.0.urls.1'],
      ['s3.bucket-name.chars', 'downstream.1.buckets.0'],
    ]);
  });

  test('a missing field hides only the checks that read it', () => {
    const codes = checkWorkflow({
      workflow: 'curling-live',
      region: 'us-west-2',
      downstream: [{ name: 'social', system: 'rtmp', urls: ['rtmp://a.example.com/app'] }],
    }).findings.map((finding) => `${finding.code} ${finding.path.join('.')}`);
    expect(codes).toStrictEqual([
      'field.required-by-system downstream.0',
      'pipelines.count downstream.0.urls',
    ]);
  });

  test('an entry whose system failed the schema is left out of every rule', () => {
    const codes = checkWorkflow({
      workflow: 'curling-live',
      region: 'us-west-2',
      downstream: [{ name: 'social', system: 'rtmpp', urls: ['ftp://a.example.com/app'] }],
    }).findings.map((finding) => finding.code);
    expect(codes).toStrictEqual(['field.enum']);
  });
});
