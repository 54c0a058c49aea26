// `pnpm --filter @mlds/core generate`: writes schema/workflow.schema.json and the standalone validator from
// src/schema.ts (loaded through Node's type stripping: that module imports types only).
import { writeFileSync } from 'node:fs';
import { workflowJsonSchema } from '../src/schema.ts';
import { generateArtifacts } from './codegen.mjs';

const { schemaJson, validatorSource } = generateArtifacts(workflowJsonSchema);
const targets = [
  [new URL('../schema/workflow.schema.json', import.meta.url), schemaJson],
  [new URL('../src/generated/workflow-validator.ts', import.meta.url), validatorSource],
];
for (const [url, text] of targets) {
  writeFileSync(url, text);
  process.stdout.write(`wrote ${url.pathname}\n`);
}
