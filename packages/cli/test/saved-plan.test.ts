import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Plan, parseWorkflow, planWorkflow, type StateDocument } from '@mlds/core';
import { createFakeCloud, type FakeCloud, type RecordedCall } from '@mlds/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planHasChanges } from '../src/commands/plan.js';
import type { CliOptions } from '../src/main.js';
import { CLOCK_START, expectNoSecrets, runAgainstFake } from './fake-cli.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';
import { archiveDownstream, cdnDownstream } from './workflow-texts.js';

// `plan --out`, `apply <planfile>` and `plan --detailed-exitcode`, in-process through main(), against the fake
// cloud of @mlds/fixtures and real files in a temporary directory.

const STATE = '.mlds/tonight.state.json';
const ENV = { CDN_PASSWORD: 'pa55-w0rd-for-the-cdn' };

/** Two buckets and a password from the environment: every call's input is known in advance. */
const WORKFLOW = [
  'workflow: tonight',
  'region: eu-west-1',
  'tags: { team: sports }',
  'downstream:',
  ...archiveDownstream(),
  ...cdnDownstream(),
  '',
].join('\n');

let fake: FakeCloud;
let cwd: string;
let now: number;
/** Every run's output and every plan file, scanned for secrets after each test. */
let printed: string[];

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  now = CLOCK_START;
  printed = [];
  writeFileSync(join(cwd, 'tonight.yaml'), WORKFLOW);
});

afterEach(() => {
  expectNoSecrets(printed, [...fake.secretValues(), ...Object.values(ENV)]);
});

async function mlds(argv: string[], options: Partial<Omit<CliOptions, 'argv'>> = {}): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, fake, env: ENV, clock: () => (now += 250), printed }, options);
}

function readText(file: string): string {
  return readFileSync(join(cwd, file), 'utf8');
}

function readState(): StateDocument {
  return JSON.parse(readText(STATE)) as StateDocument;
}

/** A saved plan's planSha256, as `plan --out` makes it: of every other member, in the file's order. */
function digestOf(saved: Record<string, unknown>): string {
  const members = Object.fromEntries(Object.entries(saved).filter(([key]) => key !== 'planSha256'));
  return createHash('sha256').update(JSON.stringify(members)).digest('hex');
}

function readPlanFile(file = 'tonight.plan'): Record<string, unknown> & { plan: Plan } {
  const text = readText(file);
  printed.push(text);
  return JSON.parse(text);
}

function editState(change: (state: Record<string, unknown>) => void): void {
  const state = JSON.parse(readText(STATE)) as Record<string, unknown>;
  change(state);
  writeFileSync(join(cwd, STATE), JSON.stringify(state));
}

/** The mutating calls made since `from`, as command and the input's name-like member. */
function mutatingSince(from: number): RecordedCall[] {
  return fake
    .calls()
    .slice(from)
    .filter((call) => call.mutating);
}

function tags(downstream: string) {
  return [
    { Key: 'team', Value: 'sports' },
    { Key: 'mlds:workflow', Value: 'tonight' },
    { Key: 'mlds:downstream', Value: downstream },
  ];
}

describe('plan --detailed-exitcode', () => {
  it('exits 4 when the plan has changes, with the plan printed as usual', async () => {
    const run = await mlds(['plan', 'tonight.yaml', '--detailed-exitcode']);
    expect(run.code).toBe(4);
    expect(run.stdout).toContain('Plan: 3 to create, 0 to update, 0 to delete, 0 unchanged.\n');
    const json = await mlds(['plan', 'tonight.yaml', '--detailed-exitcode', '--json']);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout).resources).toHaveLength(3);
    expect(fake.calls()).toStrictEqual([]);
  });

  it('exits 0 when nothing would change, and without the flag 0 either way', async () => {
    expect((await mlds(['plan', 'tonight.yaml'])).code).toBe(0);
    expect((await mlds(['apply', 'tonight.yaml', '--yes'])).code).toBe(0);
    const run = await mlds(['plan', 'tonight.yaml', '--detailed-exitcode']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Plan: 0 to create, 0 to update, 0 to delete, 3 unchanged.\n');
  });

  it('a deletion is a change', async () => {
    expect((await mlds(['apply', 'tonight.yaml', '--yes'])).code).toBe(0);
    writeFileSync(join(cwd, 'tonight.yaml'), WORKFLOW.replace(/ {2}- name: cdn[\s\S]*$/, ''));
    const run = await mlds(['plan', 'tonight.yaml', '--detailed-exitcode']);
    expect(run.stdout).toContain('Plan: 0 to create, 0 to update, 1 to delete, 2 unchanged.\n');
    expect(run.code).toBe(4);
  });

  it('reading a channel mlds does not own is not a change', () => {
    const parsed = parseWorkflow(
      'workflow: tonight\nregion: eu-west-1\ndownstream:\n  - name: packager\n    system: mediapackage\n    channelId: their-channel\n    outputGroup: hls\n',
    );
    if (parsed.workflow === undefined) throw new Error('invalid test workflow');
    const plan = planWorkflow(parsed.workflow);
    expect(plan.resources.map((r) => [r.address, r.action, r.existing])).toStrictEqual([
      ['packager.channel', 'read', true],
      ['packager.password[0]', 'create', undefined],
      ['packager.password[1]', 'create', undefined],
    ]);
    const onlyRead = {
      ...plan,
      resources: plan.resources.map((r) => (r.existing ? r : { ...r, action: 'noop' as const })),
    };
    expect(planHasChanges(onlyRead)).toBe(false);
    expect(planHasChanges(plan)).toBe(true);
  });

  it('an invalid file still exits 2', async () => {
    writeFileSync(join(cwd, 'bad.yaml'), 'workflow: tonight\nregion: eu-west-1\n');
    const run = await mlds(['plan', 'bad.yaml', '--detailed-exitcode']);
    expect(run.code).toBe(2);
  });
});

describe('a saved plan given where a workflow file goes', () => {
  it('plan, validate, output and destroy say what it is, the command that takes it and its workflow file', async () => {
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    const calls = fake.calls().length;
    for (const argv of [
      ['plan', 'tonight.plan'],
      ['validate', 'tonight.plan'],
      ['output', 'tonight.plan'],
      ['destroy', 'tonight.plan', '--yes'],
    ]) {
      const run = await mlds(argv);
      expect(run.code).toBe(2);
      expect(unwrapped(run.stderr)).toBe(
        "error: tonight.plan is a plan saved by 'mlds plan --out', not a workflow file\nApply it alone with 'mlds apply tonight.plan'; every other command takes the workflow file it was made from, tonight.yaml. Nothing was called.\n",
      );
    }
    expect(fake.calls()).toHaveLength(calls);
  });
});

describe('plan --out', () => {
  it('saves the plan with the workflow file, its hash, and the state it was made against', async () => {
    const shown = await mlds(['plan', 'tonight.yaml', '--json']);
    const run = await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "Plan: 3 to create, 0 to update, 0 to delete, 0 unchanged.\n\nSaved the plan to tonight.plan. To apply exactly this plan: 'mlds apply tonight.plan'\n",
    );
    const saved = readPlanFile();
    expect(Object.keys(saved)).toStrictEqual([
      'kind',
      'formatVersion',
      'createdAt',
      'workflowFile',
      'region',
      'state',
      'plan',
      'planSha256',
    ]);
    expect(saved).toStrictEqual({
      kind: 'mlds-saved-plan',
      formatVersion: 1,
      createdAt: new Date(now).toISOString(),
      workflowFile: {
        path: join(cwd, 'tonight.yaml'),
        sha256: createHash('sha256').update(WORKFLOW).digest('hex'),
      },
      region: null,
      state: { path: join(cwd, STATE), lineage: null, serial: null },
      plan: JSON.parse(shown.stdout),
      // Of every other member, as written.
      planSha256: digestOf(saved),
    });
    expect(fake.calls()).toStrictEqual([]);
  });

  it("records the state's serial and lineage (null for a state written before states had one)", async () => {
    expect((await mlds(['apply', 'tonight.yaml', '--yes'])).code).toBe(0);
    const { serial, lineage } = readState();
    expect(lineage).toMatch(/^[0-9a-f-]{36}$/);
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'a.plan'])).code).toBe(0);
    expect(readPlanFile('a.plan').state).toStrictEqual({ path: join(cwd, STATE), lineage, serial });
    editState((state) => {
      delete state.lineage;
    });
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'old.plan'])).code).toBe(0);
    expect(readPlanFile('old.plan').state).toStrictEqual({ path: join(cwd, STATE), lineage: null, serial });
    editState((state) => {
      state.lineage = '5f0c6d1e-lineage';
    });
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'b.plan'])).code).toBe(0);
    expect(readPlanFile('b.plan').state).toStrictEqual({
      path: join(cwd, STATE),
      lineage: '5f0c6d1e-lineage',
      serial,
    });
  });

  it('holds no secret: not the environment password, not an ingest password from MediaPackage', async () => {
    const withChannel = `${WORKFLOW}  - name: packager\n    system: mediapackage\n    outputGroup: hls\n`;
    writeFileSync(join(cwd, 'tonight.yaml'), withChannel);
    expect((await mlds(['apply', 'tonight.yaml', '--yes'])).code).toBe(0);
    writeFileSync(join(cwd, 'tonight.yaml'), withChannel.replace('team: sports', 'team: news'));
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    const text = readText('tonight.plan');
    const secrets = [...fake.secretValues(), ENV.CDN_PASSWORD];
    // Two ingest passwords from MediaPackage and the CDN password: the check below is not vacuous.
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toContain('"CDN_PASSWORD"');
  });

  it('with --json: stdout holds the plan document alone, the note goes to stderr', async () => {
    const run = await mlds(['plan', 'tonight.yaml', '--json', '--out', 'tonight.plan']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toStrictEqual(readPlanFile().plan);
    expect(unwrapped(run.stderr)).toContain('Saved the plan to tonight.plan.');
  });

  it('needs a workflow file, not stdin', async () => {
    const run = await mlds(['plan', '-', '--out', 'tonight.plan'], {
      stdin: (async function* () {
        yield WORKFLOW;
      })(),
    });
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('error: --out needs a workflow file, not stdin\n');
    expect(existsSync(join(cwd, 'tonight.plan'))).toBe(false);
  });

  it('never replaces a file that is not a saved plan: the workflow, the state, anything else (exit 2)', async () => {
    expect((await mlds(['apply', 'tonight.yaml', '--yes'])).code).toBe(0);
    const state = readText(STATE);
    writeFileSync(join(cwd, 'notes.txt'), 'keep me\n');
    for (const out of ['tonight.yaml', STATE, 'notes.txt']) {
      const run = await mlds(['plan', 'tonight.yaml', '--out', out]);
      expect(run.code).toBe(2);
      expect(unwrapped(run.stderr)).toContain(
        `error: --out ${out}: the file exists and is not a saved plan; mlds does not replace it`,
      );
    }
    expect(readText('tonight.yaml')).toBe(WORKFLOW);
    expect(readText(STATE)).toBe(state);
    expect(readText('notes.txt')).toBe('keep me\n');
    // An earlier saved plan is replaced, as Terraform's plan -out does.
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
  });

  it('a plan file that cannot be written: exit 1, nothing left behind', async () => {
    mkdirSync(join(cwd, 'tonight.plan'));
    const run = await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan']);
    expect(run.code).toBe(1);
    expect(unwrapped(run.stderr)).toContain('error: cannot write the plan file tonight.plan: ');
    // The reason, without the temporary file's name.
    expect(run.stderr).not.toContain('.tmp');
    expect(existsSync(join(cwd, 'tonight.plan.tmp'))).toBe(false);
  });

  it('a plan file in a directory that does not exist yet: made, as --state makes its own', async () => {
    const run = await mlds(['plan', 'tonight.yaml', '--out', 'plans tonight/tonight.plan']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(readText('plans tonight/tonight.plan')).kind).toBe('mlds-saved-plan');
  });
});

describe('apply <planfile>', () => {
  it('applies the saved plan without asking, with exactly the calls its resources need', async () => {
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    const run = await mlds(['apply', 'tonight.plan']);
    expect(unwrapped(run.stderr)).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Applying the plan saved in tonight\.plan, made from tonight\.yaml\.\nPlan: 3 to create, 0 to update, 0 to delete, 0 unchanged\.\n/,
    );
    expect(run.stdout).toContain('Apply complete: 3 created, 0 updated, 0 deleted.\n');

    const calls = mutatingSince(0);
    const create = (bucket: string) => ({
      Bucket: bucket,
      ObjectOwnership: 'BucketOwnerEnforced',
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1', Tags: tags('archive') },
    });
    const bucketsCreated = calls
      .filter((call) => call.command === 'CreateBucketCommand')
      .map((call) => call.input as { Bucket: string })
      .sort((a, b) => a.Bucket.localeCompare(b.Bucket));
    expect(bucketsCreated).toStrictEqual([create('tonight-archive-p0'), create('tonight-archive-p1')]);
    expect(calls.filter((call) => call.command === 'PutParameterCommand').map((c) => c.input)).toStrictEqual([
      {
        Name: '/mlds/tonight/cdn/password',
        Value: ENV.CDN_PASSWORD,
        Type: 'SecureString',
        Tier: 'Standard',
        Tags: tags('cdn'),
      },
    ]);
    // Nothing outside the plan's three resources, in the plan's Region.
    const touched = calls.map((call) => {
      const input = call.input as { Bucket?: string; Name?: string };
      return `${call.region} ${input.Bucket ?? input.Name}`;
    });
    expect([...new Set(touched)].sort()).toStrictEqual([
      'eu-west-1 /mlds/tonight/cdn/password',
      'eu-west-1 tonight-archive-p0',
      'eu-west-1 tonight-archive-p1',
    ]);
    expect(readState().resources.map((r) => [r.address, r.status])).toStrictEqual([
      ['archive.bucket[0]', 'created'],
      ['archive.bucket[1]', 'created'],
      ['cdn.password', 'created'],
    ]);
    expect(existsSync(join(cwd, `${STATE}.lock`))).toBe(false);
  });

  it('runs the plan in the file, not a new one: a resource taken out of the saved plan is not created', async () => {
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    const saved = readPlanFile();
    saved.plan.resources = saved.plan.resources.filter((r) => r.address !== 'archive.bucket[1]');
    // Its digest made again, as a plan that was saved so: the file's plan runs, whatever the workflow plans now.
    saved.planSha256 = digestOf(saved);
    writeFileSync(join(cwd, 'tonight.plan'), JSON.stringify(saved));
    const run = await mlds(['apply', 'tonight.plan']);
    expect(run.code).toBe(0);
    expect(fake.inventory().s3.map((bucket) => bucket.name)).toStrictEqual(['tonight-archive-p0']);
    expect(readState().resources.map((r) => r.address)).not.toContain('archive.bucket[1]');
  });

  it.each([
    [
      'its plan edited after it was saved (the digest no longer matches)',
      (saved: ReturnType<typeof readPlanFile>) => {
        const [first] = saved.plan.resources;
        if (first !== undefined) first.name = 'evil-bucket-x';
      },
      'error: tonight.plan is not a plan this mlds can apply: it was edited after it was saved (planSha256 does not match)',
    ],
    [
      'its state path edited (the digest covers every member)',
      (saved: ReturnType<typeof readPlanFile>) => {
        saved.state = { ...(saved.state as object), path: join(cwd, 'elsewhere.state.json') };
      },
      'error: tonight.plan is not a plan this mlds can apply: it was edited after it was saved (planSha256 does not match)',
    ],
    [
      "its workflowFile pointed at another workflow's file",
      (saved: ReturnType<typeof readPlanFile>) => {
        const other = WORKFLOW.replace(/^workflow: .*$/m, 'workflow: another-show');
        writeFileSync(join(cwd, 'other.yaml'), other);
        saved.workflowFile = {
          path: join(cwd, 'other.yaml'),
          sha256: createHash('sha256').update(other).digest('hex'),
        };
        // With its digest made again: the workflow's own name still tells it apart.
        saved.planSha256 = digestOf(saved);
      },
      "error: tonight.plan is a plan of the workflow 'tonight', and its workflow file other.yaml is the workflow 'another-show'; nothing was changed",
    ],
  ])('refuses a plan with %s: exit 2, nothing called', async (_case, edit, message) => {
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    const saved = readPlanFile();
    edit(saved);
    writeFileSync(join(cwd, 'tonight.plan'), JSON.stringify(saved));
    const run = await mlds(['apply', 'tonight.plan']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain(message);
    expect(fake.calls()).toStrictEqual([]);
    expect(existsSync(join(cwd, STATE))).toBe(false);
  });

  it('replays the Region the plan was made with', async () => {
    expect(
      (await mlds(['plan', 'tonight.yaml', '--region', 'eu-central-1', '--out', 'tonight.plan'])).code,
    ).toBe(0);
    expect(readPlanFile().region).toBe('eu-central-1');
    expect((await mlds(['apply', 'tonight.plan'])).code).toBe(0);
    expect(fake.inventory().s3.map((bucket) => bucket.region)).toStrictEqual([
      'eu-central-1',
      'eu-central-1',
    ]);
  });

  it('after an apply: the plan made against that state applies (a deletion), and --json prints the result', async () => {
    expect((await mlds(['apply', 'tonight.yaml', '--yes'])).code).toBe(0);
    writeFileSync(join(cwd, 'tonight.yaml'), WORKFLOW.replace(/ {2}- name: cdn[\s\S]*$/, ''));
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    const from = fake.calls().length;
    const run = await mlds(['apply', 'tonight.plan', '--json']);
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout);
    expect(document.result).toBe('ok');
    expect(document.resources).toContainEqual({
      address: 'cdn.password',
      kind: 'ssm-parameter',
      outcome: 'deleted',
    });
    expect(mutatingSince(from).map((call) => [call.command, call.input])).toStrictEqual([
      ['DeleteParameterCommand', { Name: '/mlds/tonight/cdn/password' }],
    ]);
  });

  it('a saved plan is applied once: the second time the state has moved on', async () => {
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    expect((await mlds(['apply', 'tonight.plan'])).code).toBe(0);
    const from = fake.calls().length;
    const run = await mlds(['apply', 'tonight.plan']);
    expect(run.code).toBe(1);
    expect(unwrapped(run.stderr)).toContain(
      `error: the saved plan tonight.plan is stale: the state ${STATE} was created (serial ${readState().serial}) since the plan was made; nothing was changed\n`,
    );
    expect(fake.calls()).toHaveLength(from);
  });
});

describe('apply <planfile> refuses a stale plan: exit 1, no AWS call, the state untouched', () => {
  /** Applies the workflow, then saves a plan for a changed tag, so that the saved plan has work to do. */
  async function appliedThenPlanned(): Promise<void> {
    expect((await mlds(['apply', 'tonight.yaml', '--yes'])).code).toBe(0);
    writeFileSync(join(cwd, 'tonight.yaml'), WORKFLOW.replace('team: sports', 'team: news'));
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    expect(readPlanFile().plan.resources.map((r) => r.action)).toStrictEqual(['update', 'update', 'update']);
  }

  async function expectRefused(reason: string): Promise<void> {
    const from = fake.calls().length;
    const before = existsSync(join(cwd, STATE)) ? readText(STATE) : undefined;
    const run = await mlds(['apply', 'tonight.plan', '--json']);
    expect(run.code).toBe(1);
    // As a locked run's: a script reading stdout gets a document that says why.
    expect(JSON.parse(run.stdout)).toStrictEqual({
      formatVersion: 1,
      workflow: 'tonight',
      result: 'failed',
      error: `the saved plan tonight.plan is stale: ${reason}; nothing was changed`,
    });
    expect(unwrapped(run.stderr)).toContain(
      `error: the saved plan tonight.plan is stale: ${reason}; nothing was changed\n`,
    );
    expect(unwrapped(run.stderr)).toContain(
      "Make a new plan with 'mlds plan tonight.yaml --out tonight.plan'",
    );
    // Not one call, not even a read.
    expect(fake.calls().slice(from)).toStrictEqual([]);
    expect(existsSync(join(cwd, STATE)) ? readText(STATE) : undefined).toBe(before);
    expect(existsSync(join(cwd, `${STATE}.lock`))).toBe(false);
  }

  it('another apply ran in between (serial differs)', async () => {
    await appliedThenPlanned();
    const { serial } = readState();
    // A concurrent run: someone applies the edited workflow directly.
    expect((await mlds(['apply', 'tonight.yaml', '--yes'])).code).toBe(0);
    await expectRefused(
      `the state ${STATE} changed since the plan was made (serial ${readState().serial}, the plan's ${serial})`,
    );
  });

  it('the state was replaced by another one with the same serial (lineage differs)', async () => {
    await appliedThenPlanned();
    const planned = readState().lineage;
    editState((state) => {
      state.lineage = 'another-lineage';
    });
    await expectRefused(
      `the state ${STATE} is another state (lineage another-lineage, the plan's ${planned})`,
    );
  });

  it('a state created since a plan made without one', async () => {
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    expect((await mlds(['apply', 'tonight.yaml', '--yes'])).code).toBe(0);
    await expectRefused(
      `the state ${STATE} was created (serial ${readState().serial}) since the plan was made`,
    );
  });

  it('the state file is gone', async () => {
    await appliedThenPlanned();
    rmSync(join(cwd, STATE));
    await expectRefused(`the state ${STATE} is gone since the plan was made`);
  });

  it('the workflow file changed', async () => {
    await appliedThenPlanned();
    writeFileSync(join(cwd, 'tonight.yaml'), WORKFLOW.replace('team: sports', 'team: weather'));
    await expectRefused('the workflow file tonight.yaml changed since the plan was made');
  });

  it('the workflow file is gone', async () => {
    await appliedThenPlanned();
    rmSync(join(cwd, 'tonight.yaml'));
    await expectRefused(
      `its workflow file tonight.yaml cannot be read (ENOENT: no such file or directory, open '${join(cwd, 'tonight.yaml')}')`,
    );
  });
});

describe('apply <planfile>: bad input exits 2 with nothing called', () => {
  it('--state and --region: the plan records its own', async () => {
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    for (const [flag, value] of [
      ['--state', 'other.json'],
      ['--region', 'us-east-1'],
    ] as const) {
      const run = await mlds(['apply', 'tonight.plan', flag, value]);
      expect(run.code).toBe(2);
      expect(unwrapped(run.stderr)).toContain(
        `error: ${flag} cannot be used with a saved plan: tonight.plan records its own\nApply it without ${flag}, or make a new plan with ${flag}: 'mlds plan tonight.yaml ${flag} ${value} --out tonight.plan'.\n`,
      );
    }
    expect(fake.calls()).toStrictEqual([]);
  });

  it('a state locked by another run: exit 3 before the state is read, nothing called', async () => {
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    mkdirSync(join(cwd, '.mlds'), { recursive: true });
    const lock = {
      host: 'build-host-7',
      pid: 4242,
      acquiredAt: new Date(now).toISOString(),
      command: 'apply',
    };
    writeFileSync(join(cwd, `${STATE}.lock`), JSON.stringify({ ...lock, token: 't' }));
    const run = await mlds(['apply', 'tonight.plan']);
    expect(run.code).toBe(3);
    expect(unwrapped(run.stderr)).toContain(
      `error: the state ${STATE} is locked by 'apply' on host build-host-7 (pid 4242)`,
    );
    expect(fake.calls()).toStrictEqual([]);
    expect(existsSync(join(cwd, `${STATE}.lock`))).toBe(true);
  });

  it('a missing { env } secret', async () => {
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    const run = await mlds(['apply', 'tonight.plan'], { env: {} });
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('  CDN_PASSWORD (for cdn.password)\n');
    expect(fake.calls()).toStrictEqual([]);
    expect(existsSync(join(cwd, STATE))).toBe(false);
  });

  it('a saved plan of another format version', async () => {
    expect((await mlds(['plan', 'tonight.yaml', '--out', 'tonight.plan'])).code).toBe(0);
    const saved = readPlanFile();
    writeFileSync(join(cwd, 'tonight.plan'), JSON.stringify({ ...saved, formatVersion: 2 }));
    const run = await mlds(['apply', 'tonight.plan', '--yes']);
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain(
      "error: tonight.plan is not a plan this mlds can apply: formatVersion 2 is not 1 (made by another version of mlds?)\nMake it again with 'mlds plan tonight.yaml --out tonight.plan'. Nothing was called.\n",
    );
    expect(fake.calls()).toStrictEqual([]);
    const { formatVersion: _, ...unversioned } = saved;
    writeFileSync(join(cwd, 'tonight.plan'), JSON.stringify(unversioned));
    const bare = await mlds(['apply', 'tonight.plan', '--yes']);
    expect(bare.code).toBe(2);
    expect(unwrapped(bare.stderr)).toContain(
      'error: tonight.plan is not a plan this mlds can apply: it has no formatVersion (mlds writes 1)\n',
    );
  });

  it('a JSON workflow file is still a workflow file', async () => {
    writeFileSync(
      join(cwd, 'tonight.json'),
      JSON.stringify({
        workflow: 'tonight',
        region: 'eu-west-1',
        downstream: [{ name: 'archive', system: 's3', format: 'archive' }],
      }),
    );
    const run = await mlds(['apply', 'tonight.json', '--yes']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Apply complete: 2 created, 0 updated, 0 deleted.\n');
  });
});
