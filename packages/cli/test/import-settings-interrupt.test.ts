import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters as plain } from 'node:util';
import { PutBucketEncryptionCommand, PutPublicAccessBlockCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Plan, StateDocument } from '@mlds/core';
import { createFakeCloud, type FakeCloud } from '@mlds/fixtures';
import type { AwsClients } from '@mlds/provisioner';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CliOptions } from '../src/main.js';
import { aroundSends, runAgainstFake } from './fake-cli.js';
import { signalSource } from './fake-signals.js';
import { typedStdin, unansweredStdin } from './fake-terminal.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';
import { archiveWorkflow } from './workflow-texts.js';

// `mlds import` brings a resource to what apply sets (shown first), so that `plan --refresh` right after is a
// noop for it; and import takes SIGINT/SIGTERM as apply does (injected signals, in-process, fake cloud).

const REGION = 'us-west-2';
const ROLE = 'arn:aws:iam::111122223333:role/MediaLiveAccessRole';
const STATE = '.mlds/curling-live.state.json';
const BUCKET = 'curling-live-archive-p0';
const WORKFLOW = archiveWorkflow('curling-live', REGION, ROLE);

let fake: FakeCloud;
let cwd: string;

beforeEach(async () => {
  fake = createFakeCloud();
  cwd = tempDir();
  writeFileSync(join(cwd, 'live.yaml'), WORKFLOW);
  // Made by hand: public access allowed and KMS encryption, as someone set it up before mlds.
  fake.seed.bucket(BUCKET, REGION, { tags: { owner: 'ops' } });
  const s3 = fake.clients.s3(REGION) as S3Client;
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: BUCKET,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: false,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: BUCKET,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
      },
    }),
  );
});

function mlds(argv: string[], options: Partial<Omit<CliOptions, 'argv'>> = {}): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, fake }, options);
}

function state(): StateDocument {
  return JSON.parse(readFileSync(join(cwd, STATE), 'utf8')) as StateDocument;
}

const commands = (from: number) =>
  fake
    .mutatingCalls()
    .slice(from)
    .map((call) => call.command);

describe('import brings the resource to what apply sets', () => {
  it('shows the settings it changes with the tags, asks, makes them; plan --refresh is then a noop for it', async () => {
    const before = fake.mutatingCalls().length;
    const run = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET], {
      stdin: typedStdin('yes\n'),
    });
    expect(unwrapped(run.stderr)).toBe('');
    expect(run.code).toBe(0);
    expect(plain(run.stdout)).toContain(
      [
        'It makes these settings what apply makes them:',
        '  ~ publicAccessBlock: not all four public access block settings are on → all four on (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets)',
        '  ~ encryption: default encryption aws:kms → default encryption SSE-S3 (AES256)',
        `  ~ policy: the bucket policy has no statement for the MediaLive role as mlds writes it → the bucket policy gets mlds's statement for ${ROLE} (its other statements are kept)`,
        'Nothing is created.',
      ].join('\n'),
    );
    const question = run.stdout.indexOf("Import it? Only 'yes' is accepted:");
    expect(question).toBeGreaterThan(run.stdout.indexOf('It makes these settings'));
    expect(commands(before)[0]).toBe('PutBucketTaggingCommand');
    expect(commands(before).slice(1).sort()).toStrictEqual([
      'PutBucketEncryptionCommand',
      'PutBucketPolicyCommand',
      'PutPublicAccessBlockCommand',
    ]);

    const mutating = fake.mutatingCalls().length;
    const plan = await mlds(['plan', 'live.yaml', '--refresh', '--json', '--detailed-exitcode']);
    const resources = (JSON.parse(plan.stdout) as Plan).resources;
    expect(resources.find((r) => r.address === 'archive.bucket[0]')).toMatchObject({ action: 'noop' });
    expect(resources.find((r) => r.address === 'archive.bucket[0]')?.drift).toBeUndefined();
    expect(fake.mutatingCalls()).toHaveLength(mutating);
  });

  it('--json names the settings it made', async () => {
    const run = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes', '--json']);
    expect(run.code).toBe(0);
    expect(
      (JSON.parse(run.stdout) as { settings: { setting: string }[] }).settings.map((s) => s.setting),
    ).toStrictEqual(['publicAccessBlock', 'encryption', 'policy']);
  });
});

/** The fake cloud's clients; `afterMutating` runs as the first mutating call returns (while it is in flight). */
function watched(afterMutating: () => void): { clients: AwsClients; sentAfter: () => number } {
  let fired = false;
  let sentAfter = 0;
  const start = fake.mutatingCalls().length;
  const clients = aroundSends(fake, async (send) => {
    if (fired) sentAfter += 1;
    const result = await send();
    if (!fired && fake.mutatingCalls().length > start) {
      fired = true;
      afterMutating();
    }
    return result;
  });
  return { clients, sentAfter: () => sentAfter };
}

describe('SIGINT/SIGTERM during import', () => {
  it('at the question: exit 130, nothing changed, no state, no lock left', async () => {
    const source = signalSource();
    const before = fake.mutatingCalls().length;
    // Nobody answers; the signal comes while mlds waits.
    const stdin = unansweredStdin(() => source.fire('SIGINT'));
    const run = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET], {
      stdin,
      signals: source.signals,
    });
    expect(run.code).toBe(130);
    expect(unwrapped(run.stderr)).toContain('import interrupted: nothing was changed; the lock is released');
    // Nothing is in flight at the question: not the line for a run under way.
    expect(run.stderr).not.toContain('no new AWS call starts');
    expect(fake.mutatingCalls()).toHaveLength(before);
    expect(existsSync(join(cwd, STATE))).toBe(false);
    expect(existsSync(join(cwd, `${STATE}.lock`))).toBe(false);
    expect(source.exits).toStrictEqual([]);
  });

  it('while the tag is in flight: it finishes, no other call starts, the intent is in the state, exit 130; import again finishes', async () => {
    const source = signalSource();
    const before = fake.mutatingCalls().length;
    const { clients, sentAfter } = watched(() => source.fire('SIGTERM'));
    const run = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes'], {
      awsClients: () => clients,
      signals: source.signals,
    });
    expect(run.code).toBe(130);
    expect(unwrapped(run.stderr)).toContain('Terminated: no new AWS call starts');
    expect(unwrapped(run.stderr)).toContain(
      `import interrupted: the import is recorded in the state ${STATE} as started; the lock is released`,
    );
    expect(unwrapped(run.stderr)).toContain(
      `Run 'mlds import live.yaml "archive.bucket[0]" ${BUCKET}' again (or apply) to finish it.`,
    );
    expect(commands(before)).toStrictEqual(['PutBucketTaggingCommand']);
    expect(sentAfter()).toBe(0);
    expect(state().resources.map((r) => [r.address, r.status])).toStrictEqual([
      ['archive.bucket[0]', 'creating'],
    ]);
    expect(existsSync(join(cwd, `${STATE}.lock`))).toBe(false);

    const again = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET, '--yes']);
    expect(again.code).toBe(0);
    expect(plain(again.stdout)).toContain('nothing to tag');
    expect(commands(before + 1).sort()).toStrictEqual([
      'PutBucketEncryptionCommand',
      'PutBucketPolicyCommand',
      'PutPublicAccessBlockCommand',
    ]);
    expect(state().resources.map((r) => [r.address, r.status])).toStrictEqual([
      ['archive.bucket[0]', 'created'],
    ]);
    const plan = JSON.parse((await mlds(['plan', 'live.yaml', '--refresh', '--json'])).stdout) as Plan;
    expect(plan.resources.find((r) => r.address === 'archive.bucket[0]')?.action).toBe('noop');
  });

  it('a second signal exits at once (130) and says the lock stays', async () => {
    const source = signalSource();
    const stdin = unansweredStdin(() => {
      source.fire('SIGINT');
      source.fire('SIGINT');
    });
    const run = await mlds(['import', 'live.yaml', 'archive.bucket[0]', BUCKET], {
      stdin,
      signals: source.signals,
    });
    expect(source.exits).toStrictEqual([130]);
    expect(unwrapped(run.stderr)).toContain(`Stopped at once: the lock ${STATE}.lock stays`);
    expect(unwrapped(run.stderr)).toContain(
      `run 'mlds import live.yaml "archive.bucket[0]" ${BUCKET}' again on this host (it takes over a lock whose process is gone)`,
    );
  });
});
