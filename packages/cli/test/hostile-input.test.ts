import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readExample } from '@mlds/fixtures';
import { describe, expect, test } from 'vitest';
import { runCli, tempDir, unwrapped } from './helpers.js';

// What the CLI reads before core parses anything: the file's type, its size and its encoding.

function fileWith(name: string, content: string | Uint8Array): { dir: string; path: string } {
  const dir = tempDir();
  const path = join(dir, name);
  writeFileSync(path, content);
  return { dir, path };
}

describe('only regular files are read', () => {
  test('a FIFO is refused at once (exit 2), without waiting for a writer', async () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const run = await runCli(['validate', 'pipe.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('pipe.yaml is a FIFO (named pipe), not a regular file');
    expect(unwrapped(run.stderr)).toContain('use - and redirect it to stdin');
    // Messages and hints wrap as diagnostics do: the hint here is longer than a line.
    for (const line of run.stderr.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(run.stderr.split('\n').length).toBeGreaterThan(3);
  });

  test('/dev/zero is refused at once (exit 2), nothing read', async () => {
    const run = await runCli(['validate', '/dev/zero']);
    expect(run).toStrictEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('/dev/zero is a character device, not a regular file'),
    });
  });

  test('a directory is refused (exit 2)', async () => {
    const run = await runCli(['validate', '.'], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('. is a directory, not a workflow file');
  });
});

describe('size', () => {
  test('a file over 1 MiB is refused from its size, before it is read (exit 2, the limit named)', async () => {
    const { dir } = fileWith('big.yaml', `# ${'x'.repeat(1024 * 1024)}\n`);
    const run = await runCli(['validate', 'big.yaml', '--json'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).diagnostics).toStrictEqual([
      expect.objectContaining({ code: 'limit.file-size', severity: 'error', path: '', line: 1, column: 1 }),
    ]);
    expect(JSON.parse(run.stdout).diagnostics[0].message).toContain('1048576 bytes (1 MiB)');
  });

  test('stdin stops being read once it passes the limit', async () => {
    let served = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          served += 64 * 1024;
          yield Buffer.alloc(64 * 1024, 0x61);
        }
      })(),
    );
    const run = await runCli(['validate', '-'], { stdin: endless });
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('[limit.file-size]');
    expect(served).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('encodings', () => {
  test.each([
    ['UTF-16 (little-endian)', [0xff, 0xfe, 0x77, 0x00]],
    ['UTF-16 (big-endian)', [0xfe, 0xff, 0x00, 0x77]],
    ['UTF-32 (little-endian)', [0xff, 0xfe, 0x00, 0x00, 0x77, 0x00, 0x00, 0x00]],
    ['UTF-32 (big-endian)', [0x00, 0x00, 0xfe, 0xff, 0x00, 0x00, 0x00, 0x77]],
  ])('a %s byte-order mark is named as such (exit 2)', async (name, bytes) => {
    const { dir } = fileWith('wide.yaml', Uint8Array.from(bytes));
    const run = await runCli(['validate', 'wide.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain(
      `The file is ${name} text (it starts with that byte-order mark); mlds reads UTF-8`,
    );
  });

  test('UTF-16 without a byte-order mark (NUL bytes) is named too', async () => {
    const { dir } = fileWith('wide.yaml', Buffer.from('workflow: x\n', 'utf16le'));
    const run = await runCli(['validate', 'wide.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('[encoding]');
    expect(unwrapped(run.stderr)).toContain('UTF-16/UTF-32 text without a byte-order mark');
  });

  test('Latin-1 bytes are not UTF-8 (exit 2)', async () => {
    const { dir } = fileWith('latin.yaml', Uint8Array.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    const run = await runCli(['validate', 'latin.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('The file is not valid UTF-8');
  });

  test('a UTF-8 byte-order mark is accepted', async () => {
    const { dir } = fileWith('bom.yaml', `\uFEFF${readExample('curling-live')}`);
    const run = await runCli(['validate', 'bom.yaml'], { cwd: dir });
    expect(run.code).toBe(0);
  });
});

describe('shapes that would exhaust the stack', () => {
  test.each([
    ['deep.json', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    ['deep.json', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
    ['deep.yaml', `${'- '.repeat(10_000)}x\n`],
  ])('%s 10,000 levels deep: exit 2, one short diagnostic naming the limit', async (name, text) => {
    const { dir } = fileWith(name, text);
    for (const command of ['validate', 'plan']) {
      const run = await runCli([command, name], { cwd: dir });
      expect(run.code).toBe(2);
      expect(unwrapped(run.stderr)).toContain('[limit.depth]');
      expect(unwrapped(run.stderr)).not.toContain('RangeError');
      expect(Math.max(...run.stderr.split('\n').map((line) => line.length))).toBeLessThan(400);
    }
  });
});
