import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RATE_LIMITED_SERVICES } from '@mlds/core';
import { createFakeCloud, type FakeCloud } from '@mlds/fixtures';
import { beforeEach, describe, expect, it } from 'vitest';
import { RATE_LIMIT_OPTION } from '../src/rate-limit-option.js';
import { CLOCK_START, runAgainstFake } from './fake-cli.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';
import { archiveWorkflow } from './workflow-texts.js';

// --rate-limit on apply and destroy (contract section 7): refused before anything runs when malformed, and
// handed to the engine's request limiter when not.

const ARCHIVE = archiveWorkflow(
  'archive-live',
  'us-west-2',
  'arn:aws:iam::111122223333:role/MediaLiveAccessRole',
);

let fake: FakeCloud;
let cwd: string;
let now: number;
let sleeps: number[];

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  now = CLOCK_START;
  sleeps = [];
  writeFileSync(join(cwd, 'archive.yaml'), ARCHIVE);
});

/** A clock that moves only when something sleeps: the limiter's waits are the only time that passes. */
function mlds(argv: string[]): Promise<CliRun> {
  return runAgainstFake(
    argv,
    { cwd, fake, env: {}, clock: () => now },
    {
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    },
  );
}

describe('--rate-limit', () => {
  it('names exactly the services core knows in its help (spelled out so that --help does not run core)', () => {
    const listed = /\(services: ([^)]*), or all\)/.exec(RATE_LIMIT_OPTION['rate-limit'].description)?.[1];
    expect(listed?.split(', ')).toStrictEqual([...RATE_LIMITED_SERVICES]);
  });

  it.each([
    ['apply', 's3=fast', /--rate-limit: s3=fast must be a whole number of requests per second/],
    ['apply', 'ec2=5', /--rate-limit: unknown service 'ec2'.*services s3, ssm, mediapackage/],
    ['destroy', 's3', /--rate-limit: 's3' is not <service>=<tps>/],
    ['destroy', 'all=0', /--rate-limit: all=0 must be a whole number of requests per second from 1/],
  ])(
    '%s --rate-limit %s: exit 2 naming the flag and the fix, before any AWS call',
    async (command, value, message) => {
      const run = await mlds([command, 'archive.yaml', '--yes', '--rate-limit', value]);
      expect(run.code).toBe(2);
      expect(unwrapped(run.stderr)).toMatch(message);
      expect(run.stdout).toBe('');
      expect(fake.calls()).toStrictEqual([]);
      expect(existsSync(join(cwd, '.mlds'))).toBe(false);
    },
  );

  it.each([
    [['apply', 'archive.yaml', '--yes', '--rate-limit'], ''],
    [
      ['destroy', 'archive.yaml', '--rate-limit', '--yes'],
      " A value that starts with '-' is written --rate-limit=<value>.",
    ],
    [['apply', 'archive.yaml', 'other.yaml', '--rate-limit'], ''],
  ])(
    '%j, no value: exit 2 naming the flag and what its value looks like, before any AWS call',
    async (argv, more) => {
      const run = await mlds(argv);
      expect(run.code).toBe(2);
      expect(unwrapped(run.stderr)).toBe(
        `error: --rate-limit needs a value: --rate-limit <service>=<tps>,…, e.g. --rate-limit s3=100,ssm=10\nRun 'mlds ${argv[0]} --help' for its options.${more}\n`,
      );
      expect(run.stdout).toBe('');
      expect(fake.calls()).toStrictEqual([]);
      expect(existsSync(join(cwd, '.mlds'))).toBe(false);
    },
  );

  it('the value its message shows is one it takes', async () => {
    const { example } = RATE_LIMIT_OPTION['rate-limit'];
    const run = await mlds(['apply', 'archive.yaml', '--yes', '--rate-limit', example]);
    expect(run.code).toBe(0);
    expect(fake.mutatingCalls().length).toBeGreaterThan(0);
  });

  it('is listed in apply’s and destroy’s help', async () => {
    for (const command of ['apply', 'destroy']) {
      const run = await mlds([command, '--help']);
      expect(run.stdout).toMatch(/--rate-limit <service>=<tps>,…/);
    }
  });

  it('keeps to the default rates unless told otherwise: s3=1 spaces the bucket calls a second apart', async () => {
    const fast = await mlds(['apply', 'archive.yaml', '--yes']);
    expect(fast.code).toBe(0);
    expect(sleeps).toStrictEqual([]);
    const requests = fake.calls().length;
    expect(requests).toBeGreaterThanOrEqual(2);

    const destroyed = await mlds(['destroy', 'archive.yaml', '--yes', '--rate-limit', 's3=1']);
    expect(destroyed.code).toBe(0);
    const starts = fake.calls().slice(requests);
    expect(starts.length).toBeGreaterThan(2);
    // One S3 request a second: the limiter waited before every request but the first.
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual((starts.length - 1) * 1000);
  });
});
