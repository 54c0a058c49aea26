import { arbitraryWorkflowInput } from '@mlds/fixtures';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { validateWorkflowSchema } from '../generated/workflow-validator.js';
import { resolveAwsSystem } from '../normalize.js';
import { WORKFLOW_FIELDS } from '../schema.js';
import type { WorkflowInput } from '../types.js';
import { checkWorkflow, RULES } from './index.js';
import { type Finding, pipelineCount, type TopLevelField } from './rule.js';
import { schemaFindings } from './schema-errors.js';

// Every problem in one pass: a top-level field that fails the schema leaves out only the rules that read it
// (Rule.reads). The law that keeps the declarations honest: every other rule finds exactly what it finds when
// that field is fine, since it never reads it.

const FIELDS = WORKFLOW_FIELDS.filter(
  (field): field is TopLevelField => field !== '$schema' && field !== 'downstream',
);

/** What each rule that runs whatever `field` holds finds in the valid `input`, in the rules' order. */
function findingsOfRulesNotReading(field: TopLevelField, input: WorkflowInput): Finding[] {
  const entries = input.downstream.map((entry, index) => ({ index, entry, system: resolveAwsSystem(entry) }));
  const names = input.downstream.map(({ name }, index) => ({ index, name }));
  const context = { input, pipelines: pipelineCount(input), entries, names };
  return RULES.filter((rule) => rule.reads !== 'all' && !rule.reads.includes(field)).flatMap((rule) =>
    rule.check(context),
  );
}

describe('checkWorkflow with a malformed top-level field', () => {
  test('reports the schema problem and everything the rules that do not read the field find', () => {
    fc.assert(
      fc.property(
        arbitraryWorkflowInput(),
        fc.constantFrom(...FIELDS),
        fc.constantFrom<unknown>(42, 'Not a valid value!', [], { unexpected: true }),
        (input, field, value) => {
          fc.pre(checkWorkflow(input).input !== undefined);
          const broken = { ...input, [field]: value };
          fc.pre(!validateWorkflowSchema(broken));
          const schema = schemaFindings(validateWorkflowSchema.errors ?? [], broken);
          expect(checkWorkflow(broken).findings).toStrictEqual([
            ...schema,
            ...findingsOfRulesNotReading(field, input),
          ]);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a bad name and channel class no longer hide a bad bucket name and a repeated downstream name', () => {
    const { findings } = checkWorkflow({
      workflow: 'Bad Name!',
      region: 'us-west-2',
      channelClass: 'TRIPLE',
      downstream: [
        { name: 'archive', system: 's3', format: 'archive', buckets: ['Not_A_Bucket', 'also-fine-p1'] },
        { name: 'archive', system: 's3', format: 'archive' },
      ],
    });
    // Before, the first two were all: the rest came only once they were fixed.
    expect(findings.map((finding) => [finding.code, finding.path.join('.')])).toStrictEqual([
      ['name.format', 'workflow'],
      ['field.enum', 'channelClass'],
      ['s3.bucket-name.chars', 'downstream.0.buckets.0'],
      ['limits.archive', 'downstream.1.format'],
      ['name.duplicate', 'downstream.1.name'],
    ]);
  });

  test('a bad name hides neither a missing pipeline URL nor a missing role', () => {
    const codes = (downstream: unknown[], extra: Record<string, unknown> = {}) =>
      checkWorkflow({ workflow: 'Bad_Name', region: 'us-west-2', ...extra, downstream }).findings.map(
        (finding) => finding.code,
      );
    expect(
      codes([{ name: 'cdn', system: 'http-put', urls: ['https://a.example.com/live/index'] }]),
    ).toStrictEqual(['name.format', 'pipelines.count']);
    expect(codes([{ name: 'packager', system: 'mediapackage-v2' }])).toContain(
      'mediapackage-v2.role-required',
    );
  });

  test('an entry with a misspelt field still has its name: a later entry repeating it is found in the same pass', () => {
    const { findings } = checkWorkflow({
      workflow: 'curling-live',
      region: 'us-west-2',
      downstream: [
        {
          name: 'cdn',
          system: 'http-put',
          urls: ['https://a.example.com/x', 'https://b.example.com/x'],
          pasword: 'x',
        },
        { name: 'cdn', system: 's3', format: 'archive' },
      ],
    });
    expect(findings.map((finding) => [finding.code, finding.path.join('.')])).toStrictEqual([
      ['field.unknown', 'downstream.0.pasword'],
      ['name.duplicate', 'downstream.1.name'],
    ]);
  });
});
