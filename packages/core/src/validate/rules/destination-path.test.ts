import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';

function found(path: string) {
  return validateWorkflow(aWorkflow({ downstream: [aDownstream('s3', { path })] })).diagnostics.map(
    (d) => `${d.code} ${d.path}`,
  );
}

test.each(['sports/curling/index', 'index', 'a-b_c.d/e', 'x'.repeat(960)])('accepts %s', (path) => {
  expect(found(path)).toEqual([]);
});

test.each([
  ['', 'empty'],
  ['/sports/index', 'leading or trailing'],
  ['sports/index/', 'leading or trailing'],
  ['s3://bucket/sports/index', 'without a scheme'],
  ['s3ssl://bucket/sports/index', 'without a scheme'],
  ['sports//index', 'empty folder'],
  ['sports/../index', '`..`'],
  ['./index', '`..`'],
  ['sports/my index', 'spaces'],
  ['a/'.repeat(481).slice(0, 961), 'is 961 bytes long; an S3 object key is at most 1024 bytes'],
  ['é'.repeat(600), 'is 1200 bytes long'],
])('refuses %j (%s)', (path, problem) => {
  const result = validateWorkflow(aWorkflow({ downstream: [aDownstream('mediastore', { path })] }));
  const diagnostic = result.diagnostics.find((d) => d.code === 'path.format');
  expect(diagnostic?.path).toBe('downstream[0].path');
  expect(diagnostic?.message).toContain(problem);
  expect(diagnostic?.message).toContain('folders/baseFilename');
});
