import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';
import type { DownstreamInput } from '../../types.js';

function found(downstream: DownstreamInput[]) {
  return validateWorkflow(aWorkflow({ downstream })).diagnostics.map(
    ({ severity, code, path }) => `${severity} ${code} ${path}`,
  );
}

const archive = (name: string) => aDownstream('s3', { name, format: 'archive' });
const frames = (name: string) => aDownstream('s3', { name, format: 'frame-capture' });

test('one Archive output group per channel', () => {
  expect(found([archive('a1')])).toEqual([]);
  expect(found([archive('a1'), aDownstream('rtmp'), archive('a2')])).toEqual([
    'error limits.archive downstream[2].format',
  ]);
});

test('three Frame Capture output groups per channel', () => {
  expect(found([frames('f1'), frames('f2'), frames('f3')])).toEqual([]);
  const result = validateWorkflow(
    aWorkflow({ downstream: [frames('f1'), frames('f2'), frames('f3'), frames('f4')] }),
  );
  expect(result.diagnostics).toEqual([
    expect.objectContaining({
      severity: 'error',
      code: 'limits.frame-capture',
      path: 'downstream[3].format',
    }),
  ]);
  expect(result.diagnostics[0]?.message).toContain('at most 3 Frame Capture output groups');
});

test('names are unique: the later entry is the error', () => {
  expect(found([aDownstream('rtmp', { name: 'out' }), aDownstream('udp', { name: 'out' })])).toEqual([
    'error name.duplicate downstream[1].name',
  ]);
  expect(found([aDownstream('rtmp', { name: 'out-a' }), aDownstream('udp', { name: 'out-b' })])).toEqual([]);
});
