import { test } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { parseWorkflow } from './index.js';
import { exampleNames, examplePath, readExample } from '@mlds/fixtures';

test('scratch', () => {
  for (const name of exampleNames()) {
    const r = parseWorkflow(readExample(name), { filename: examplePath(name) });
    console.log(name, r.workflow ? 'OK' : 'FAIL', JSON.stringify(r.diagnostics.map(d => [d.severity, d.code, d.path, d.line, d.column, d.message])));
  }
  const dir = examplePath('curling-live').replace(/[^/]*$/, 'invalid/');
  for (const f of readdirSync(dir)) {
    const r = parseWorkflow(readFileSync(dir + f, 'utf8'), { filename: f });
    console.log(f, JSON.stringify(r.diagnostics, null, 1));
  }
});
