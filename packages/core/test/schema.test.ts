import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { generateArtifacts } from '../scripts/codegen.mjs';
import { defaultFormat } from '../src/normalize.js';
import { SYSTEM_FORMATS, SYSTEMS, workflowJsonSchema } from '../src/schema.js';

const committedSchema = readFileSync(new URL('../schema/workflow.schema.json', import.meta.url), 'utf8');
const committedValidator = readFileSync(
  new URL('../src/generated/workflow-validator.ts', import.meta.url),
  'utf8',
);

describe('generated files', () => {
  const fresh = generateArtifacts(workflowJsonSchema);

  test('schema/workflow.schema.json is up to date (else: pnpm --filter @mlds/core generate)', () => {
    expect(committedSchema, 'stale: run `pnpm --filter @mlds/core generate`').toBe(fresh.schemaJson);
  });

  test('src/generated/workflow-validator.ts is up to date (else: pnpm --filter @mlds/core generate)', () => {
    expect(committedValidator, 'stale: run `pnpm --filter @mlds/core generate`').toBe(fresh.validatorSource);
  });

  test('the validator imports nothing at run time (ajv is a devDependency)', () => {
    expect(committedValidator).not.toMatch(/\brequire\(/);
    expect(committedValidator).not.toMatch(/^\s*import\s/m);
    expect(committedValidator).not.toMatch(/\bimport\(/);
  });
});

describe('the JSON Schema', () => {
  test('is the exported object, as JSON', () => {
    expect(JSON.parse(committedSchema)).toEqual(workflowJsonSchema);
    expect(workflowJsonSchema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  test('describes every field', () => {
    const undescribed: string[] = [];
    const visit = (node: unknown, where: string): void => {
      if (Array.isArray(node)) {
        for (const [i, item] of node.entries()) visit(item, `${where}[${i}]`);
      }
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'properties' && typeof value === 'object' && value !== null) {
          for (const [field, schema] of Object.entries(value)) {
            // `false` forbids a field in a per-system branch: a constraint, not a field.
            if (schema === false) continue;
            if (
              typeof (schema as { description?: unknown }).description !== 'string' &&
              !where.includes('/if')
            ) {
              undescribed.push(`${where}/properties/${field}`);
            }
          }
        }
        visit(value, `${where}/${key}`);
      }
    };
    visit(workflowJsonSchema, '#');
    expect(undescribed).toEqual([]);
  });

  test('lists the default format of each system first', () => {
    for (const system of SYSTEMS) expect(SYSTEM_FORMATS[system][0]).toBe(defaultFormat(system));
  });
});
