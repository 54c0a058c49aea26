import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readAtMost } from '../src/workflow-bytes.js';
import { tempDir } from './helpers.js';

// The buffer starts at the size fstat reported; a file that is not that size by the time it is read (it grew
// or shrank in between) is still read whole, or refused once it passes the limit.

function readBack(content: string, limit: number, expectedSize: number) {
  const path = join(tempDir(), 'w.yaml');
  writeFileSync(path, content);
  const fd = openSync(path, 'r');
  try {
    const read = readAtMost(fd, limit, expectedSize);
    return read.tooLarge ? 'too large' : Buffer.from(read.bytes).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

describe('readAtMost', () => {
  test('reads a file of the size fstat gave', () => {
    expect(readBack('workflow: a\n', 100, 12)).toBe('workflow: a\n');
  });

  test('reads a file that grew since fstat, past the first buffer, up to the limit', () => {
    const text = 'x'.repeat(70);
    expect(readBack(text, 100, 3)).toBe(text);
    expect(readBack('x'.repeat(100), 100, 0)).toBe('x'.repeat(100));
  });

  test('reads a file that shrank since fstat', () => {
    expect(readBack('short', 100, 50)).toBe('short');
  });

  test('stops one byte past the limit, whatever fstat said', () => {
    expect(readBack('x'.repeat(101), 100, 10)).toBe('too large');
    expect(readBack('x'.repeat(500), 100, 100)).toBe('too large');
  });
});
