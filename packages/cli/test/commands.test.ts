import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Diagnostic,
  environmentDiagnostics,
  type Plan,
  parseWorkflow,
  planWorkflow,
  type StateDocument,
  type Workflow,
} from '@mlds/core';
import { exampleNames, examplePath, readExample } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { hasColor, runCli, tempDir, unwrapped } from './helpers.js';
import { cdnDownstream } from './workflow-texts.js';

const SEED = 'curling-live';

function parsed(name: string): { workflow: Workflow; diagnostics: Diagnostic[] } {
  const result = parseWorkflow(readExample(name), { filename: examplePath(name) });
  if (result.workflow === undefined) throw new Error(`${name} is not valid`);
  return { workflow: result.workflow, diagnostics: result.diagnostics };
}

function expectedPlan(name: string, options: { state?: StateDocument; region?: string } = {}): Plan {
  const { workflow, diagnostics } = parsed(name);
  return planWorkflow(options.region === undefined ? workflow : { ...workflow, region: options.region }, {
    ...(options.state === undefined ? {} : { state: options.state }),
    diagnostics,
  });
}

/** The state apply would record for `plan`: every resource created as planned. */
function stateAfterApplying(plan: Plan, extra: StateDocument['resources'] = []): StateDocument {
  return {
    formatVersion: 1,
    workflow: plan.workflow,
    region: plan.region,
    serial: 4,
    resources: [
      ...plan.resources.map((resource) => ({
        address: resource.address,
        kind: resource.kind,
        name: resource.name,
        region: resource.region,
        pipeline: resource.pipeline,
        downstream: resource.downstream,
        status: 'created' as const,
        ...(resource.tags === undefined ? {} : { tags: resource.tags }),
        ...(resource.existing === true ? { existing: true as const } : {}),
        properties: resource.properties,
      })),
      ...extra,
    ],
  };
}

function writeState(cwd: string, relativePath: string, state: unknown): void {
  const path = join(cwd, relativePath);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof state === 'string' ? state : JSON.stringify(state));
}

const INVALID_WORKFLOW = [
  'workflow: curling-live',
  'region: us-west-2',
  'downstream:',
  '  - name: packager',
  '    system: mediapackge',
  '',
].join('\n');

describe('plan --json and validate --json print the plan document, byte for byte', () => {
  it('finds the seed example among the examples', () => {
    expect(exampleNames()).toContain(SEED);
  });

  it.each(exampleNames())('%s', async (name) => {
    const cwd = tempDir();
    const result = parseWorkflow(readExample(name), { filename: examplePath(name) });
    const plan =
      result.workflow === undefined
        ? undefined
        : planWorkflow(result.workflow, { diagnostics: result.diagnostics });
    const valid =
      plan !== undefined && !plan.diagnostics.some((diagnostic) => diagnostic.severity === 'error');
    for (const command of ['plan', 'validate']) {
      const run = await runCli([command, examplePath(name), '--json'], { cwd });
      if (valid) {
        // plan adds what apply would refuse of the secrets, from its environment (none set here).
        const document =
          command === 'plan' && result.workflow !== undefined
            ? {
                ...plan,
                diagnostics: [
                  ...plan.diagnostics,
                  ...environmentDiagnostics(plan, result.workflow, {}, readExample(name)),
                ],
              }
            : plan;
        expect(run).toStrictEqual({ code: 0, stdout: `${JSON.stringify(document, null, 2)}\n`, stderr: '' });
      } else {
        expect(run.code).toBe(2);
        expect(JSON.parse(run.stdout).diagnostics).toStrictEqual(plan?.diagnostics ?? result.diagnostics);
      }
    }
  });
});

describe('mlds plan (text)', () => {
  it('prints the header, a table of output groups, resources and destinations, and the summary', async () => {
    const cwd = tempDir();
    const plan = expectedPlan(SEED);
    const { code, stdout, stderr } = await runCli(['plan', examplePath(SEED)], { cwd });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      /^Workflow {2}curling-live \(.*curling-live\.yaml\)\nRegion {4}us-west-2\nChannel {3}STANDARD, 2 pipelines\n/,
    );
    expect(stdout).toContain('State     .mlds/curling-live.state.json (none yet: every resource is new)\n');
    for (const group of plan.outputGroups) {
      expect(stdout).toMatch(
        new RegExp(`^ {2}${group.name} +${group.type} +${group.destinationId} +\\S`, 'm'),
      );
    }
    expect(plan.resources.length).toBeGreaterThan(0);
    for (const resource of plan.resources) {
      const pipeline = resource.pipeline === null ? '-' : String(resource.pipeline);
      const row = `^ {2}\\+ create +${escapeRegExp(resource.address)} +${resource.kind} +${escapeRegExp(resource.name)} +${resource.region} +${pipeline}$`;
      expect(stdout).toMatch(new RegExp(row, 'm'));
    }
    for (const destination of plan.destinations)
      expect(stdout).toMatch(new RegExp(`^ {2}${destination.Id} `, 'm'));
    expect(
      stdout.endsWith(`Plan: ${plan.resources.length} to create, 0 to update, 0 to delete, 0 unchanged.\n`),
    ).toBe(true);
  });

  it('compares with the state: unchanged resources are noop, recorded ones no longer wanted are deleted', async () => {
    const cwd = tempDir();
    const wanted = expectedPlan(SEED);
    const gone = {
      address: 'old.bucket[0]',
      kind: 's3-bucket' as const,
      name: 'curling-live-old-p0',
      region: 'us-west-2',
      pipeline: 0 as const,
      downstream: 'old',
      status: 'created' as const,
      tags: { 'mlds:workflow': 'curling-live', 'mlds:downstream': 'old' },
      properties: {},
    };
    const state = stateAfterApplying(wanted, [gone]);
    writeState(cwd, '.mlds/curling-live.state.json', state);

    const { code, stdout } = await runCli(['plan', examplePath(SEED)], { cwd });
    expect(code).toBe(0);
    expect(stdout).toContain('State     .mlds/curling-live.state.json (serial 4)\n');
    for (const resource of wanted.resources)
      expect(stdout).toMatch(new RegExp(`^ {4}noop +${escapeRegExp(resource.address)} `, 'm'));
    expect(stdout).toMatch(
      /^ {2}- delete {2}old\.bucket\[0\] +s3-bucket +curling-live-old-p0 +us-west-2 +0$/m,
    );
    expect(stdout).toContain(
      `Plan: 0 to create, 0 to update, 1 to delete, ${wanted.resources.length} unchanged.\n`,
    );

    const json = await runCli(['plan', examplePath(SEED), '--json'], { cwd });
    expect(JSON.parse(json.stdout)).toStrictEqual(jsonOf(expectedPlan(SEED, { state })));
  });

  it('reads the state named by --state, relative to the current directory', async () => {
    const cwd = tempDir();
    const state = stateAfterApplying(expectedPlan(SEED));
    writeState(cwd, 'states/prod.json', state);
    const { code, stdout } = await runCli(['plan', examplePath(SEED), '--state', 'states/prod.json'], {
      cwd,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('State     states/prod.json (serial 4)\n');
    expect(stdout).toContain(
      `Plan: 0 to create, 0 to update, 0 to delete, ${state.resources.length} unchanged.\n`,
    );
  });

  it.each([
    [
      'not JSON',
      '{"formatVersion": 1,',
      /^error: the state file \.mlds\/curling-live\.state\.json is not valid JSON: /,
    ],
    [
      'a newer format',
      { formatVersion: 2, workflow: 'curling-live', region: 'us-west-2', serial: 1, resources: [] },
      /is not an mlds state: formatVersion is 2, this mlds reads 1\n/,
    ],
    ['not a state', [1, 2], /is not an mlds state: not a JSON object\n/],
  ])(
    'fails with exit 1 on a state file that is %s, printing nothing on stdout',
    async (_, content, message) => {
      const cwd = tempDir();
      writeState(cwd, '.mlds/curling-live.state.json', content);
      for (const json of [[], ['--json']]) {
        const { code, stdout, stderr } = await runCli(['plan', examplePath(SEED), ...json], { cwd });
        expect(code).toBe(1);
        expect(stdout).toBe('');
        expect(unwrapped(stderr)).toMatch(message);
      }
    },
  );

  it('plans for the Region given by --region', async () => {
    const cwd = tempDir();
    const { code, stdout } = await runCli(['plan', examplePath(SEED), '--json', '--region', 'eu-west-1'], {
      cwd,
    });
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan).toStrictEqual(jsonOf(expectedPlan(SEED, { region: 'eu-west-1' })));
    expect(plan.region).toBe('eu-west-1');
    expect(plan.resources.map((resource: { region: string }) => resource.region)).toContain('eu-west-1');
  });

  it('judges the workflow in the Region given by --region: a MediaPackage group cannot leave its channel behind', async () => {
    const cwd = tempDir();
    const text = [
      'workflow: packaged',
      'region: us-west-2',
      'downstream:',
      '  - name: packager',
      '    system: mediapackage',
      '    region: us-west-2',
      '    outputGroup: mediapackage',
      '',
    ].join('\n');
    writeFileSync(join(cwd, 'packaged.yaml'), text);
    expect((await runCli(['plan', 'packaged.yaml'], { cwd })).code).toBe(0);
    const moved = await runCli(['plan', 'packaged.yaml', '--region', 'eu-west-1', '--json'], { cwd });
    expect(moved.code).toBe(2);
    expect(
      JSON.parse(moved.stdout).diagnostics.map((d: Diagnostic) => `${d.severity} ${d.code} ${d.path}`),
    ).toStrictEqual(['error output-group.mediapackage-region downstream[0].outputGroup']);
  });

  it('takes every Region name the workflow file takes', async () => {
    const run = await runCli(['plan', examplePath(SEED), '--json', '--region', 'eusc-de-east-1'], {
      cwd: tempDir(),
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).region).toBe('eusc-de-east-1');
  });

  it('takes one file, and says which commands take several', async () => {
    const cwd = tempDir();
    const { code, stdout, stderr } = await runCli(['plan', 'a.yaml', 'b.yaml'], { cwd });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(unwrapped(stderr)).toBe(
      "error: unexpected argument 'b.yaml': give exactly one workflow file (apply and destroy take several, as a fleet)\nUsage: mlds plan <file> [options]\n",
    );
  });

  it('reads the workflow from stdin for the file -', async () => {
    const cwd = tempDir();
    const stdin = (async function* () {
      yield Buffer.from(readExample(SEED));
    })();
    const { code, stdout } = await runCli(['plan', '-', '--json'], { cwd, stdin });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toStrictEqual(jsonOf(expectedPlan(SEED)));
  });
});

describe('an invalid workflow exits 2', () => {
  function invalidFile(): { cwd: string; diagnostics: Diagnostic[] } {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'bad.yaml'), INVALID_WORKFLOW);
    const { diagnostics } = parseWorkflow(INVALID_WORKFLOW, { filename: 'bad.yaml' });
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.line).toBeDefined();
    return { cwd, diagnostics };
  }

  it.each(['plan', 'validate'])(
    '%s: each diagnostic on stderr as file:line:column path: message, nothing on stdout',
    async (command) => {
      const { cwd, diagnostics } = invalidFile();
      const { code, stdout, stderr } = await runCli([command, 'bad.yaml'], { cwd });
      expect(code).toBe(2);
      expect(stdout).toBe('');
      // The path is printed unless the message opens with it already.
      const lines = diagnostics.map((d) => {
        const path = d.path === '' || d.message.startsWith(`\`${d.path}\``) ? '' : ` \`${d.path}\`:`;
        return `${d.severity} bad.yaml:${d.line}:${d.column}:${path} ${d.message} [${d.code}]`;
      });
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      expect(unwrapped(stderr)).toBe(
        `${lines.join('\n')}\nerror: bad.yaml is not a valid workflow: ${errors} error${errors === 1 ? '' : 's'}\n`,
      );
    },
  );

  it.each(['plan', 'validate'])('%s --json: only the diagnostics document on stdout', async (command) => {
    const { cwd, diagnostics } = invalidFile();
    const { code, stdout } = await runCli([command, 'bad.yaml', '--json'], { cwd });
    expect(code).toBe(2);
    const document = JSON.parse(stdout);
    // The name is given whenever `workflow` itself passed the schema, whatever else did not.
    expect(document).toStrictEqual({ formatVersion: 1, workflow: 'curling-live', diagnostics });
  });

  it.each(['plan', 'validate'])('%s --json: no name when `workflow` itself failed', async (command) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'bad.yaml'), INVALID_WORKFLOW.replace('curling-live', 'Curling Live'));
    const { code, stdout } = await runCli([command, 'bad.yaml', '--json'], { cwd });
    expect(code).toBe(2);
    const document = JSON.parse(stdout);
    expect(Object.keys(document)).toStrictEqual(['formatVersion', 'diagnostics']);
  });

  it.each(['plan', 'validate'])(
    '%s --json: the workflow is named when only a rule failed',
    async (command) => {
      const cwd = tempDir();
      const broken = INVALID_WORKFLOW.replace(
        'system: mediapackge',
        'system: mediapackage\n    channelId: not.an.id',
      );
      writeFileSync(join(cwd, 'bad.yaml'), broken);
      const { diagnostics } = parseWorkflow(broken, { filename: 'bad.yaml' });
      expect(diagnostics.map((d) => d.code)).toStrictEqual(['mediapackage.channel-id']);
      const { code, stdout } = await runCli([command, 'bad.yaml', '--json'], { cwd });
      expect(code).toBe(2);
      expect(JSON.parse(stdout)).toStrictEqual({ formatVersion: 1, workflow: 'curling-live', diagnostics });
    },
  );

  it('reports a YAML syntax error with its position', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'broken.yaml'), 'workflow: curling-live\nregion: [us-west-2\n');
    const { code, stdout, stderr } = await runCli(['validate', 'broken.yaml'], { cwd });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error broken\.yaml:\d+:\d+/);
  });
});

describe('mlds validate (text)', () => {
  it('prints a one-line verdict on stdout', async () => {
    const cwd = tempDir();
    const plan = expectedPlan(SEED);
    const { code, stdout, stderr } = await runCli(['validate', examplePath(SEED)], { cwd });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      `valid: ${examplePath(SEED)} (workflow curling-live: ${plan.outputGroups.length} output groups, ${plan.resources.length} resources)\n`,
    );
  });

  it('prints warnings on stderr and counts them in the verdict', async () => {
    const cwd = tempDir();
    const text = [
      'workflow: single',
      'region: us-west-2',
      'channelClass: SINGLE_PIPELINE',
      'downstream:',
      '  - name: packager',
      '    system: mediapackage',
      '    outputGroup: mediapackage',
      '',
    ].join('\n');
    writeFileSync(join(cwd, 'single.yaml'), text);
    const warnings = parseWorkflow(text, { filename: 'single.yaml' }).diagnostics.filter(
      (d) => d.severity === 'warning',
    );
    expect(warnings.length).toBeGreaterThan(0);
    const { code, stdout, stderr } = await runCli(['validate', 'single.yaml'], { cwd });
    expect(code).toBe(0);
    for (const warning of warnings)
      expect(unwrapped(stderr)).toContain(
        `warning single.yaml:${warning.line}:${warning.column}: \`${warning.path}\`: ${warning.message}`,
      );
    expect(stdout).toMatch(new RegExp(`^valid: single\\.yaml \\(.*, ${warnings.length} warnings?\\)\\n$`));
  });

  it('does not read the state', async () => {
    const cwd = tempDir();
    writeState(cwd, '.mlds/curling-live.state.json', 'not json');
    expect((await runCli(['validate', examplePath(SEED)], { cwd })).code).toBe(0);
  });
});

describe('colour', () => {
  const cases: Array<[string, { isTTY: boolean; env: Record<string, string>; flags: string[] }, boolean]> = [
    ['a terminal', { isTTY: true, env: {}, flags: [] }, true],
    ['a pipe', { isTTY: false, env: {}, flags: [] }, false],
    ['--no-color on a terminal', { isTTY: true, env: {}, flags: ['--no-color'] }, false],
    ['NO_COLOR on a terminal', { isTTY: true, env: { NO_COLOR: '1' }, flags: [] }, false],
    ['FORCE_COLOR on a pipe', { isTTY: false, env: { FORCE_COLOR: '1' }, flags: [] }, true],
  ];
  it.each(cases)('plan on %s: coloured = %s', async (_, { isTTY, env, flags }, colored) => {
    const run = await runCli(['plan', examplePath(SEED), ...flags], { cwd: tempDir(), isTTY, env });
    expect(run.code).toBe(0);
    expect(hasColor(run.stdout)).toBe(colored);
  });

  it('never colours JSON', async () => {
    const run = await runCli(['plan', examplePath(SEED), '--json'], {
      cwd: tempDir(),
      isTTY: true,
      env: { FORCE_COLOR: '1' },
    });
    expect(hasColor(run.stdout)).toBe(false);
    expect(() => JSON.parse(run.stdout)).not.toThrow();
  });
});

describe('secrets', () => {
  const SECRETS = { SOCIAL_STREAM_KEY: 'sk-live-5ecr3t-stream-key', CDN_PASSWORD: 'pa55-w0rd-for-the-cdn' };

  it('no command prints a value read from the environment', async () => {
    const cwd = tempDir();
    const text = [readExample(SEED).trimEnd(), ...cdnDownstream(), ''].join('\n');
    writeFileSync(join(cwd, 'w.yaml'), text);
    for (const argv of [
      ['plan', 'w.yaml'],
      ['plan', 'w.yaml', '--json'],
      ['validate', 'w.yaml'],
      ['validate', 'w.yaml', '--json'],
    ]) {
      const run = await runCli(argv, { cwd, env: SECRETS, isTTY: true });
      expect(run.code).toBe(0);
      for (const secret of Object.values(SECRETS)) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }
    }
  });

  it('plan names a secret apply would refuse, as its environment has it: unset a note, empty a warning; never saved', async () => {
    const cwd = tempDir();
    const text = [readExample(SEED).trimEnd(), ...cdnDownstream(), ''].join('\n');
    writeFileSync(join(cwd, 'w.yaml'), text);
    const line = text.split('\n').findIndex((each) => each.includes('password: { env: CDN_PASSWORD }')) + 1;
    const codes = (diagnostics: Diagnostic[]) =>
      diagnostics
        .map((diagnostic) => `${diagnostic.code} ${diagnostic.path}`)
        .filter((c) => c.startsWith('env.'));

    const unset = await runCli(['plan', 'w.yaml'], { cwd });
    expect(unset.code).toBe(0);
    expect(unwrapped(unset.stderr)).toContain(
      `info w.yaml:${line}:15: \`downstream[3].password\`: apply reads CDN_PASSWORD and writes it to the SSM parameter of cdn.password; it is not set here. Set it where apply runs, or apply refuses before any AWS call. [env.unset]`,
    );
    const empty = await runCli(['plan', 'w.yaml', '--json', '--out', 'w.plan'], {
      cwd,
      env: { CDN_PASSWORD: '' },
    });
    expect(empty.code).toBe(0);
    expect(codes(JSON.parse(empty.stdout).diagnostics)).toStrictEqual(['env.empty downstream[3].password']);
    // A saved plan is applied where its own environment is read: what this one lacked is not carried there.
    const saved = JSON.parse(readFileSync(join(cwd, 'w.plan'), 'utf8')) as { plan: Plan };
    expect(codes(saved.plan.diagnostics)).toStrictEqual([]);

    const set = await runCli(['plan', 'w.yaml', '--json'], { cwd, env: SECRETS });
    expect(codes(JSON.parse(set.stdout).diagnostics)).toStrictEqual([]);
  });

  it('a password written literally in the file is an error, and is not echoed', async () => {
    const cwd = tempDir();
    const literal = 'hunter2-literal-password';
    const text = `${readExample(SEED).trimEnd()}\n  - name: cdn\n    system: http-put\n    urls: [https://a.example.com/live/index, https://b.example.com/live/index]\n    password: ${literal}\n`;
    writeFileSync(join(cwd, 'w.yaml'), text);
    for (const json of [[], ['--json']]) {
      const run = await runCli(['plan', 'w.yaml', ...json], { cwd });
      expect(run.code).toBe(2);
      expect(run.stdout + run.stderr).not.toContain(literal);
    }
  });
});

function jsonOf(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
