import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { StateDocument } from '@mlds/core';
import { createFakeCloud, type FakeCloud } from '@mlds/fixtures';
import { beforeEach, describe, expect, it } from 'vitest';
import { runAgainstFake } from './fake-cli.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';

// `--state` naming a symbolic link: mlds follows it. The target is read, locked (`<target>.lock`) and replaced
// atomically; the link stays a link, so every later run through the link or the target sees the same state.

const S3 = 'workflow: linked\nregion: us-west-2\ndownstream:\n  - name: archive\n    system: s3\n';

let fake: FakeCloud;
let cwd: string;

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  writeFileSync(join(cwd, 's3.yaml'), S3);
  mkdirSync(join(cwd, 'shared'));
});

function mlds(argv: string[]): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, fake });
}

function resourcesIn(path: string): string[] {
  return (JSON.parse(readFileSync(join(cwd, path), 'utf8')) as StateDocument).resources.map((r) => r.address);
}

describe('--state through a symbolic link', () => {
  it('apply and destroy write the target; the link stays a link; a later apply through the target sees the truth', async () => {
    symlinkSync('shared/real.state.json', join(cwd, 'link.state.json'));
    const applied = await mlds(['apply', 's3.yaml', '--state', 'link.state.json', '--yes']);
    expect(applied.code).toBe(0);
    expect(lstatSync(join(cwd, 'link.state.json')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(cwd, 'link.state.json'))).toBe('shared/real.state.json');
    expect(resourcesIn('shared/real.state.json').length).toBeGreaterThan(0);
    expect(applied.stdout).toContain('State: shared/real.state.json');

    const destroyed = await mlds(['destroy', 's3.yaml', '--state', 'link.state.json', '--yes']);
    expect({ code: destroyed.code, stderr: destroyed.stderr }).toStrictEqual({ code: 0, stderr: '' });
    expect(lstatSync(join(cwd, 'link.state.json')).isSymbolicLink()).toBe(true);
    expect(resourcesIn('shared/real.state.json')).toStrictEqual([]);
    expect(existsSync(join(cwd, 'shared/real.state.json.lock'))).toBe(false);

    // Before: the target kept the deleted buckets and this said "No changes".
    const again = await mlds(['plan', 's3.yaml', '--state', 'shared/real.state.json']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Plan: [1-9]\d* to create/);
  });

  it('a chain of links is followed; a loop of links is refused (exit 1) before anything is called', async () => {
    symlinkSync('b.json', join(cwd, 'a.json'));
    symlinkSync('a.json', join(cwd, 'b.json'));
    const run = await mlds(['apply', 's3.yaml', '--state', 'a.json', '--yes']);
    expect(run.code).toBe(1);
    expect(unwrapped(run.stderr)).toContain('is a loop of symbolic links');
    expect(fake.calls()).toStrictEqual([]);
  });
});

describe('--state that is no regular file', () => {
  it('/dev/zero is refused at once (exit 1), not read', async () => {
    const run = await mlds(['plan', 's3.yaml', '--state', '/dev/zero']);
    expect(run.code).toBe(1);
    expect(unwrapped(run.stderr)).toContain('the state file /dev/zero is not a regular file');
  });
});
