import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../src/commands/registry.js';
import { hasColor, runCli, tempDir, unwrapped } from './helpers.js';

const packageVersion: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

describe('mlds --version', () => {
  it.each([['--version'], ['-v'], ['plan', '--version']])(
    '%s prints the package version',
    async (...argv) => {
      expect(await runCli(argv)).toStrictEqual({ code: 0, stdout: `${packageVersion}\n`, stderr: '' });
    },
  );
});

describe('mlds --help', () => {
  it('lists every command, the common options, examples and exit codes', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    // A summary too long for its column goes on below it, aligned.
    for (const [name, entry] of commands) {
      const words = entry.summary.split(' ').map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      expect(stdout).toMatch(new RegExp(`^  ${name} +${words.join('(?: |\n {22})')}$`, 'm'));
    }
    expect(stdout.split('\n').filter((line) => line.length > 100)).toStrictEqual([]);
    for (const flag of [
      '--state <path>',
      '--region <region>',
      '--profile <name>',
      '--json',
      '--no-color',
      '-h, --help',
      '-v, --version',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('Examples\n');
    expect(stdout).toContain('mlds plan curling-live.yaml');
    expect(stdout).toMatch(/^ {2}3 +the state is locked by another run$/m);
    expect(stdout).toMatch(/^ {2}4 +plan --detailed-exitcode: the plan has changes \(0 then means none\)$/m);
    expect(stdout).toMatch(/^ {2}130 +interrupted/m);
  });

  it('plan, apply and output --help show the saved plan, the detailed exit code and one destination', async () => {
    const plan = (await runCli(['plan', '--help'])).stdout;
    expect(plan).toMatch(
      /^ {2}--out <planfile> +Also save the plan to this file, for mlds apply <planfile>$/m,
    );
    expect(plan).toMatch(/^ {2}--detailed-exitcode +Exit 4 when the plan has changes, 0 when it has none/m);
    const apply = (await runCli(['apply', '--help'])).stdout;
    expect(apply).toMatch(/^Usage: mlds apply <file>\.\.\. \| <planfile> \[options\]$/m);
    expect(apply).toContain('"kind": "mlds-saved-plan"');
    expect(apply).toContain('mlds apply curling-live.plan');
    const output = (await runCli(['output', '--help'])).stdout;
    expect(output).toMatch(/^Usage: mlds output <file> \[<destination id>\] \[options\]$/m);
    expect(output).toContain('mlds output curling-live.yaml packager --json');
  });

  it.each([['-h'], ['help']])('%s is the same help', async (flag) => {
    expect((await runCli([flag])).stdout).toBe((await runCli(['--help'])).stdout);
  });

  it.each([...commands.keys()])('mlds %s --help shows its usage and examples', async (name) => {
    const { code, stdout, stderr } = await runCli([name, '--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    // `state` takes a subcommand and `schema` nothing, where the others take a workflow file.
    const operands =
      name === 'state'
        ? ' list\\|show <address>\\|'
        : name === 'schema'
          ? '\n'
          : ' <file>(\\.\\.\\.)?( [^\n]*)? \\[options\\]\n';
    expect(stdout).toMatch(new RegExp(`^Usage: mlds ${name}${operands}`));
    expect(stdout).toMatch(new RegExp(`^ {2}mlds ${name} `, 'm'));
    // Every command accepts the common options; one that has no use for some lists them apart.
    const unused =
      name === 'validate'
        ? ['--state', '--profile']
        : name === 'schema'
          ? ['--state', '--region', '--profile', '--json', '--no-color']
          : [];
    if (unused.length === 0) expect(stdout).toContain('--state <path>');
    else {
      expect(stdout).not.toContain('--state <path>');
      expect(stdout).toContain(`  Also accepted, and unused by this command: ${unused.join(', ')}\n`);
    }
    // Wrapped within 100 columns, but for the examples' commands, which must paste whole.
    const examples = stdout.slice(stdout.indexOf('\nExamples\n'));
    const commandLines = new Set(examples.split('\n').filter((line) => /^ {2}[^ #]/.test(line)));
    expect(stdout.split('\n').filter((line) => line.length > 100 && !commandLines.has(line))).toStrictEqual(
      [],
    );
    expect((await runCli(['help', name])).stdout).toBe(stdout);
  });

  it('is bold on a terminal and plain with --no-color', async () => {
    expect(hasColor((await runCli(['--help'], { isTTY: true })).stdout)).toBe(true);
    expect(hasColor((await runCli(['--help', '--no-color'], { isTTY: true })).stdout)).toBe(false);
    expect(hasColor((await runCli(['--help'], { isTTY: true, env: { NO_COLOR: '1' } })).stdout)).toBe(false);
    expect(hasColor((await runCli(['--help'], { isTTY: false })).stdout)).toBe(false);
  });
});

describe('command line errors exit 2 with a hint to --help', () => {
  it('no command: the help, on stderr', async () => {
    const { code, stdout, stderr } = await runCli([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: no command given\n/);
    expect(stderr).toContain('Commands');
    // Wrapped by the help alone (its continuation aligned), not again as an error's text.
    expect(stderr).toMatch(
      /^ {2}import {14}Adopt an existing resource into the state as the plan’s address and tag it,\n {22}after confirmation$/m,
    );
  });

  it('an unknown option and no command: both said, then the help; a known one alone is just no command', async () => {
    for (const [argv, first] of [
      [['-x'], "error: unknown option '-x', and no command given\n"],
      [['--jsn=1', '--json'], "error: unknown option '--jsn', and no command given\n"],
      [['--json'], 'error: no command given\n'],
    ] as const) {
      const run = await runCli([...argv]);
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.stderr.startsWith(first), `${argv.join(' ')}: ${run.stderr.split('\n')[0]}`).toBe(true);
      expect(run.stderr).toContain('Commands');
    }
  });

  it('an unknown command', async () => {
    const { code, stdout, stderr } = await runCli(['aply', 'w.yaml']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(unwrapped(stderr)).toBe(
      "error: unknown command 'aply' (did you mean 'apply'?)\nThe commands are: validate, plan, apply, output, destroy, rotate-credentials, import, state, schema. Run 'mlds --help' for usage.\n",
    );
  });

  it('a name that is not a command, even one every object has', async () => {
    expect((await runCli(['constructor', 'w.yaml'])).code).toBe(2);
    expect((await runCli(['help', 'toString'])).code).toBe(2);
  });

  it('an unknown option', async () => {
    const { code, stdout, stderr } = await runCli(['plan', 'w.yaml', '--yes']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe("error: unknown option '--yes'\nRun 'mlds plan --help' for its options.\n");
    // A likely typo of one of its options says which.
    const typo = await runCli(['plan', 'w.yaml', '--jsn']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      "error: unknown option '--jsn' (did you mean --json?)\nRun 'mlds plan --help' for its options.\n",
    );
    const valued = await runCli(['plan', 'w.yaml', '--json=false']);
    expect(valued.code).toBe(2);
    expect(valued.stderr).toMatch(
      /^error: --json takes no value: give --json alone to turn it on, or leave it out\n/,
    );
    const unlok = await runCli(['state', 'unlok', 'abc']);
    expect(unlok.code).toBe(2);
    expect(unlok.stderr).toMatch(/^error: unknown state subcommand 'unlok' \(did you mean 'unlock'\?\)\n/);
    expect((await runCli(['plna', 'w.yaml'])).stderr).toMatch(
      /^error: unknown command 'plna' \(did you mean 'plan'\?\)\n/,
    );
  });

  it('an option without its value', async () => {
    const { code, stderr } = await runCli(['plan', 'w.yaml', '--state']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "error: --state needs a value: --state <path>\nRun 'mlds plan --help' for its options.\n",
    );
  });

  it('a missing file argument', async () => {
    const { code, stdout, stderr } = await runCli(['plan']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: missing the workflow file\nUsage: mlds plan <file> [options]\n');
  });

  it('two file arguments', async () => {
    const { code, stderr } = await runCli(['validate', 'a.yaml', 'b.yaml']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: unexpected argument 'b.yaml'/);
  });

  it('a malformed --region', async () => {
    const { code, stderr } = await runCli(['plan', 'w.yaml', '--region', 'Oregon']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "error: --region 'Oregon' is not an AWS Region name\nFor example: --region us-west-2\n",
    );
  });

  it.each(['validate', 'plan'])('%s: a workflow file that does not exist, also with --json', async (name) => {
    const cwd = tempDir();
    for (const json of [[], ['--json']]) {
      const { code, stdout, stderr } = await runCli([name, 'nope.yaml', ...json], { cwd });
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^error: workflow file nope.yaml not found\n/);
    }
  });

  it('a directory given as the workflow file: the fix, and the workflow files it holds', async () => {
    const cwd = tempDir();
    const empty = await runCli(['plan', '.'], { cwd });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe(
      "error: . is a directory, not a workflow file\nGive the path of a workflow file (YAML or JSON), or - to read it from stdin; see 'mlds --help'.\n",
    );
    for (const name of ['b.yaml', 'a.yml', 'notes.txt', 'saved.plan.json', 'd.yaml', 'e f.yaml', 'g.yaml'])
      writeFileSync(join(cwd, name), '');
    const { code, stderr } = await runCli(['plan', '.'], { cwd });
    expect(code).toBe(2);
    // YAML files only (a saved plan is JSON), each one shell argument.
    expect(unwrapped(stderr)).toBe(
      `error: . is a directory, not a workflow file\nGive the path of a workflow file (YAML or JSON), or - to read it from stdin; see 'mlds --help'. It holds a.yml, b.yaml, d.yaml, "e f.yaml" and 1 more.\n`,
    );
  });

  it('the file - without a stdin', async () => {
    const { code, stderr } = await runCli(['validate', '-']);
    expect(code).toBe(2);
    expect(stderr).toBe('error: the workflow file is -, but there is no stdin to read\n');
  });
});
