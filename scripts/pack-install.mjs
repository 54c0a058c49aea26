// `node scripts/pack-install.mjs [--keep]`: the packages as npm users get them. Packs @mlds/core and @mlds/cli
// with `pnpm pack` (each builds on prepack), checks what the tarballs hold, then, with npm alone:
//   - `npm install -g` of the cli tarball into a temporary prefix, and from another directory `mlds --version`
//     and `mlds plan` of the seed example;
//   - `npm install` of the core tarball into a temporary project, where a plain .mjs plans the seed example
//     exactly as `mlds plan --json` does, and a .ts file importing @mlds/core type-checks with
//     `moduleResolution: nodenext` (the repository's TypeScript).
// Needs pnpm and npm on PATH (./pnpmw puts them there) and the npm registry for the AWS SDK dependencies.
// Exits 1, saying what failed, when any check fails. `--keep` leaves the temporary directory for a look.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const seed = join(repoRoot, 'packages/fixtures/workflows/curling-live.yaml');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'mlds-pack-install-'));
const npmFlags = ['--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'];
// npm's and pnpm's own notices would only be noise here.
const env = { ...process.env, npm_config_update_notifier: 'false' };

function step(message) {
  console.log(`pack-install: ${message}`);
}

function fail(message) {
  console.error(`pack-install: FAILED: ${message}`);
  console.error(`pack-install: the files are in ${work}`);
  process.exit(1);
}

/** Runs a command; its output, or a failure naming the command and what it printed. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', env, ...options });
  if (result.status !== 0) {
    fail(
      `${command} ${args.join(' ')} (in ${options.cwd ?? process.cwd()}) exited ${result.status}:\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}

function manifest(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** Packs a workspace package into `packs/`; returns the tarball's path and what it holds. */
function pack(name) {
  const dir = join(repoRoot, 'packages', name);
  const packs = join(work, 'packs');
  mkdirSync(packs, { recursive: true });
  const { version } = manifest(dir);
  run('pnpm', ['pack', '--pack-destination', packs], { cwd: dir });
  const tarball = join(packs, `mlds-${name}-${version}.tgz`);
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  const packed = JSON.parse(
    execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  );
  for (const required of ['package/package.json', 'package/README.md', 'package/LICENSE']) {
    if (!files.includes(required)) fail(`${tarball} lacks ${required.replace('package/', '')}`);
  }
  if (files.some((file) => file.startsWith('package/src/') || /\.test\.|\.map$/.test(file))) {
    fail(`${tarball} holds sources, tests or source maps:\n${files.join('\n')}`);
  }
  const text = JSON.stringify(packed);
  if (/"(catalog|workspace):/.test(JSON.stringify(packed.dependencies ?? {}))) {
    fail(`${tarball}: dependencies keep catalog: or workspace: versions`);
  }
  if (text.includes('mlds-source')) fail(`${tarball}: exports still name the mlds-source condition`);
  if (Object.keys(packed.dependencies ?? {}).some((dependency) => dependency.startsWith('@mlds/'))) {
    fail(`${tarball} depends on unpublished @mlds packages: ${Object.keys(packed.dependencies).join(', ')}`);
  }
  if (!packed.engines?.node) fail(`${tarball}: no engines.node`);
  step(`packed ${tarball} (${files.length} files)`);
  return { tarball, files, packed };
}

step(`working in ${work}`);
const core = pack('core');
const cli = pack('cli');
if (!core.files.includes('package/dist/index.d.ts'))
  fail('the core tarball ships no types (dist/index.d.ts)');
if (!cli.files.includes('package/dist/THIRD-PARTY-LICENSES.txt')) {
  fail('the cli tarball lacks the licences of the packages bundled into it');
}

// The CLI, installed as npm users install it, run from a directory that has nothing of the repository.
const prefix = join(work, 'prefix');
run('npm', ['install', '-g', '--prefix', prefix, ...npmFlags, cli.tarball]);
const elsewhere = join(work, 'elsewhere');
mkdirSync(elsewhere);
copyFileSync(seed, join(elsewhere, 'curling-live.yaml'));
// Every AWS SDK package the bundle requires resolves from where npm put the bundle.
const bundleDir = join(prefix, 'lib/node_modules/@mlds/cli/dist/chunks');
for (const dependency of Object.keys(cli.packed.dependencies ?? {})) {
  run(process.execPath, [
    '-e',
    `require.resolve(${JSON.stringify(dependency)}, { paths: [${JSON.stringify(bundleDir)}] })`,
  ]);
}
const binDir = join(prefix, 'bin');
const installedEnv = { ...env, PATH: `${binDir}${delimiter}${env.PATH ?? ''}` };
const version = run('mlds', ['--version'], { cwd: elsewhere, env: installedEnv }).trim();
if (version !== cli.packed.version) fail(`mlds --version printed '${version}', not ${cli.packed.version}`);
step(`mlds --version: ${version}`);
const text = run('mlds', ['plan', 'curling-live.yaml', '--no-color'], { cwd: elsewhere, env: installedEnv });
if (!text.includes('curling-live')) fail(`mlds plan printed:\n${text}`);
const planJson = run('mlds', ['plan', 'curling-live.yaml', '--json'], { cwd: elsewhere, env: installedEnv });
step(`mlds plan curling-live.yaml: ${text.trim().split('\n').length} lines, --json ${planJson.length} bytes`);

// The library, installed into a plain npm project.
const project = join(work, 'project');
mkdirSync(project);
writeFileSync(
  join(project, 'package.json'),
  `${JSON.stringify({ name: 'uses-mlds-core', private: true, type: 'module' }, null, 2)}\n`,
);
run('npm', ['install', ...npmFlags, core.tarball], { cwd: project });
copyFileSync(seed, join(project, 'curling-live.yaml'));
writeFileSync(
  join(project, 'plan.mjs'),
  [
    "import { readFileSync } from 'node:fs';",
    "import { parseWorkflow, planWorkflow } from '@mlds/core';",
    '',
    "const { workflow, diagnostics } = parseWorkflow(readFileSync('curling-live.yaml', 'utf8'), {",
    "  filename: 'curling-live.yaml',",
    '});',
    "if (!workflow) throw new Error('invalid');",
    "process.stdout.write(JSON.stringify(planWorkflow(workflow, { diagnostics }), null, 2) + '\\n');",
    '',
  ].join('\n'),
);
const fromLibrary = run(process.execPath, ['plan.mjs'], { cwd: project });
if (fromLibrary !== planJson) fail('@mlds/core plans the seed example otherwise than `mlds plan --json`');
step('@mlds/core from a plain .mjs plans the seed example exactly as `mlds plan --json` does');

writeFileSync(
  join(project, 'check.ts'),
  [
    "import { type Plan, parseWorkflow, planWorkflow, type ResourceChange, workflowJsonSchema } from '@mlds/core';",
    '',
    "const text = 'workflow: w\\nregion: us-west-2\\ndownstream:\\n  - name: archive\\n    system: s3\\n    format: archive\\n';",
    'const { workflow, diagnostics } = parseWorkflow(text);',
    'if (workflow === undefined) throw new Error(diagnostics.map((d) => d.message).join());',
    'const plan: Plan = planWorkflow(workflow, { diagnostics });',
    'const creates: ResourceChange[] = plan.resources.filter((resource) => resource.action === "create");',
    'const pipelines: 1 | 2 = plan.pipelines;',
    'const schema: object = workflowJsonSchema;',
    'export { creates, pipelines, schema };',
    '',
  ].join('\n'),
);
writeFileSync(
  join(project, 'tsconfig.json'),
  `${JSON.stringify(
    {
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2023',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      files: ['check.ts'],
    },
    null,
    2,
  )}\n`,
);
run(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', project], { cwd: project });
step('a .ts file importing @mlds/core type-checks (moduleResolution: nodenext, skipLibCheck: false)');

if (keep) step(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
step('ok');
