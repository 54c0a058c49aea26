import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KNOWN_AFTER_APPLY } from '@mlds/core';
import { createFakeCloud, type FakeCloud, readExample } from '@mlds/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliOptions } from '../src/main.js';
import { expectNoSecrets, runAgainstFake } from './fake-cli.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';
import { withHlsGroup } from './workflow-texts.js';

// `mlds output <file> <destination id>`: one destination, read from the state without calling AWS.

const STATE = '.mlds/curling-live.state.json';

/** The seed example with the packager fed by an HLS group: its URLs and users exist only after apply. */
const WORKFLOW = withHlsGroup(readExample('curling-live'));

let fake: FakeCloud;
let cwd: string;
let printed: string[];

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  printed = [];
  writeFileSync(join(cwd, 'live.yaml'), WORKFLOW);
});

afterEach(() => {
  expectNoSecrets(printed, fake.secretValues());
});

async function mlds(argv: string[], options: Partial<Omit<CliOptions, 'argv'>> = {}): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, fake, printed }, options);
}

describe('mlds output <file> <destination id>', () => {
  it('--json: the OutputDestination alone, equal to its entry in the full output', async () => {
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    const calls = fake.calls().length;
    const all = JSON.parse((await mlds(['output', 'live.yaml', '--json'])).stdout);
    for (const id of ['packager', 'social', 'archive']) {
      const run = await mlds(['output', 'live.yaml', id, '--json']);
      expect(run.code).toBe(0);
      expect(unwrapped(run.stderr)).toBe('');
      const expected = all.destinations.find((destination: { Id: string }) => destination.Id === id);
      expect(JSON.parse(run.stdout)).toStrictEqual(expected);
      expect(run.stdout).toBe(`${JSON.stringify(expected, null, 2)}\n`);
    }
    const channel = fake.inventory().mediapackage[0];
    expect(JSON.parse((await mlds(['output', 'live.yaml', 'packager', '--json'])).stdout)).toStrictEqual({
      Id: 'packager',
      Settings: [0, 1].map((pipeline) => ({
        Url: channel?.ingestEndpoints[pipeline]?.url,
        Username: channel?.ingestEndpoints[pipeline]?.username,
        PasswordParam: `/mlds/curling-live/packager/password-p${pipeline}`,
      })),
    });
    expect(fake.calls()).toHaveLength(calls);
  });

  it('text: that destination and the resources of its downstream entry, nothing else', async () => {
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    const run = await mlds(['output', 'live.yaml', 'archive']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /\nDestinations \(1\)\n {2}archive {2}pipeline 0 {2}s3ssl:\/\/curling-live-archive-p0\//,
    );
    expect(run.stdout).toContain('\nResources (2)\n');
    expect(run.stdout).toMatch(/^ {2}archive\.bucket\[0\] .* arn:aws:s3:::curling-live-archive-p0$/m);
    expect(run.stdout).toMatch(/^ {2}archive\.bucket\[1\] .* arn:aws:s3:::curling-live-archive-p1$/m);
    expect(run.stdout).not.toContain('packager');
    expect(run.stdout).not.toContain('social');
  });

  it('an unknown id: exit 2 listing the ids the workflow has, nothing on stdout', async () => {
    for (const json of [[], ['--json']]) {
      const run = await mlds(['output', 'live.yaml', 'packer', ...json]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(unwrapped(run.stderr)).toBe(
        "error: live.yaml has no destination 'packer'\nIts destinations are: packager, social, archive. Run 'mlds output live.yaml' for all of them.\n",
      );
    }
  });

  it('needs only its own resources applied: after a partial apply, a finished destination prints', async () => {
    fake.seed.bucket('curling-live-archive-p0', 'us-west-2', { ownedByOtherAccount: true });
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(1);
    const packager = await mlds(['output', 'live.yaml', 'packager', '--json']);
    expect(packager.code).toBe(0);
    expect(packager.stdout).not.toContain(KNOWN_AFTER_APPLY);
    const archive = await mlds(['output', 'live.yaml', 'archive', '--json']);
    expect(archive.code).toBe(1);
    expect(unwrapped(archive.stderr)).toMatch(
      /^error: the state .* does not record this resource yet .*: archive\.bucket\[0\]\n/,
    );
  });

  it('a destination that needs no resource prints before any apply; one that does exits 1', async () => {
    const social = await mlds(['output', 'live.yaml', 'social']);
    expect(social.code).toBe(0);
    expect(social.stdout).toContain(`State     ${STATE} (none yet: this destination has no resources)\n`);
    expect(social.stdout).toMatch(
      /^ {2}social {2}pipeline 0 {2}rtmp:\/\/live-a\.example-social\.com\/app {2}stream name \(sensitive\)$/m,
    );
    const packager = await mlds(['output', 'live.yaml', 'packager']);
    expect(packager.code).toBe(1);
    expect(unwrapped(packager.stderr)).toContain(
      `error: nothing is applied yet: there is no state file ${STATE}\n`,
    );
    expect(fake.calls()).toStrictEqual([]);
  });

  it('after a destroy: says the state records nothing (not that an apply stopped midway)', async () => {
    expect((await mlds(['apply', 'live.yaml', '--yes'])).code).toBe(0);
    expect((await mlds(['destroy', 'live.yaml', '--yes'])).code).toBe(0);
    const run = await mlds(['output', 'live.yaml']);
    expect(run.code).toBe(1);
    expect(unwrapped(run.stderr)).toBe(
      `error: nothing is applied: the state ${STATE} records no resources (not applied yet, or destroyed)\nRun 'mlds apply live.yaml' first; then 'mlds output live.yaml' prints what it created.\n`,
    );
  });

  it('a third argument: exit 2', async () => {
    const run = await mlds(['output', 'live.yaml', 'packager', 'social']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain(
      "error: unexpected argument 'social': give the workflow file and at most one destination id\n",
    );
  });
});
