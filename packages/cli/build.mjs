// Bundles the CLI with esbuild: dist/chunks/cli.cjs, loaded by the bin dist/mlds.cjs (a shim, see BIN_SHIM). The
// bundle is CommonJS: Node starts a CommonJS module about 3 ms sooner than an ES module, a tenth of what mlds
// adds to Node's own start. Each command stays a module of its own, evaluated only when it runs (esbuild wraps
// what `import()` reaches in a lazy initialiser). Every @mlds package is bundled from source (the `mlds-source`
// condition), so the CLI runs whatever was built before it, and the published package depends on none of them:
// @mlds/core (with yaml) goes into a classic script that runs with a V8 code cache (see buildCoreScript), loaded
// once per process by the commands that need it, the provisioner included; the provisioner sits behind the one
// dynamic import of the commands that call AWS. Only the AWS SDK stays external (the package's dependencies):
// the provisioner requires each service's package when it first calls that service. Start-up time is measured
// by `pnpm bench`.
//
//   node build.mjs [--outdir <dir>] [--if-stale]
//
// `--if-stale` builds only when a file the last build read has changed since (see `isStale`).

import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const packageDir = dirname(fileURLToPath(import.meta.url));
export const defaultOutdir = join(packageDir, 'dist');
/** The bin's file name in the output directory (package.json's `bin` names it too). */
export const BIN = 'mlds.cjs';
/** The bundle the bin loads. */
export const CLI_BUNDLE = 'chunks/cli.cjs';
// A shim rather than the bundle itself: Node's compile cache must be on before the bundle is compiled, or it
// never caches it.
const BIN_SHIM = `#!/usr/bin/env node
'use strict';
require('node:module').enableCompileCache?.();
require('./${CLI_BUNDLE}');
`;
const BUILD_INFO = 'build-info.json';
/** In the output directory: the licences of the npm packages bundled in (package.json's `files` names it). */
export const THIRD_PARTY_LICENSES = 'THIRD-PARTY-LICENSES.txt';
const BIN_SOURCE = join(packageDir, 'src/bin.ts');
const require = createRequire(import.meta.url);

/**
 * The AWS SDK: never bundled (the package depends on it), loaded only by the provisioner, one service at a time,
 * when it is about to call that service; never by validate, plan or output.
 */
export const EXTERNAL = ['@aws-sdk/*', '@smithy/*'];

/**
 * `import { parseArgs } from 'node:util'` in an ES module makes Node build the module's ESM facade, which reads
 * every export, lazy ones included: node:util alone then costs milliseconds at start-up (streams, TextDecoder,
 * stderr...). This replaces each built-in module with one that takes it from `process.getBuiltinModule`
 * (Node 22.3) and exports each member through its own side-effect-free read, so that the bundle keeps, and
 * reads, only the members it uses. The bin keeps its plain import: it checks that the function exists.
 */
const builtinsWithoutFacade = {
  name: 'builtins-without-esm-facade',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      if (!isBuiltin(args.path) || args.kind !== 'import-statement' || args.importer === BIN_SOURCE)
        return undefined;
      return { path: `node:${args.path.replace(/^node:/, '')}`, namespace: 'builtin', sideEffects: false };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const names = Object.keys(require(args.path)).filter(
        (name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default',
      );
      return {
        loader: 'js',
        contents: [
          `const builtin = process.getBuiltinModule(${JSON.stringify(args.path)});`,
          'const member = (name) => builtin[name];',
          ...names.map((name) => `export const ${name} = /* @__PURE__ */ member(${JSON.stringify(name)});`),
          'export default builtin;',
        ].join('\n'),
      };
    });
  },
};

/**
 * yaml's `node` entry is CommonJS and calls `require('process')`, which an ES module bundle cannot do, and its
 * CommonJS wrappers cost start-up time. Its ES module build (published as the `default` entry) is the same
 * code; it differs only in reading two debug variables and using `atob` for `!!binary`, which mlds never uses.
 */
const yamlAsEsModule = {
  name: 'yaml-as-es-module',
  setup(build) {
    build.onResolve({ filter: /^yaml$/ }, (args) => {
      const resolveFrom = createRequire(join(args.resolveDir, 'package.json'));
      return { path: join(dirname(resolveFrom.resolve('yaml/package.json')), 'browser/index.js') };
    });
  },
};

/**
 * picocolors works out its default colours when loaded, reading process.stdout, which makes Node load its
 * stream modules (milliseconds at start-up) even when the CLI writes to a file. The CLI never uses those
 * defaults: it always calls `createColors` with its own decision (src/terminal.ts).
 */
const picocolorsWithoutStdoutProbe = {
  name: 'picocolors-without-stdout-probe',
  setup(build) {
    build.onLoad({ filter: /[\\/]picocolors[\\/]picocolors\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const probe = '((p.stdout || {}).isTTY && env.TERM !== "dumb")';
      if (!source.includes(probe)) throw new Error(`${args.path} no longer reads stdout as ${probe}`);
      return { loader: 'js', contents: source.replace(probe, 'false') };
    });
  },
};

const plugins = [builtinsWithoutFacade, yamlAsEsModule, picocolorsWithoutStdoutProbe];

const CACHED_SCRIPT_LOADER = join(packageDir, 'src/cached-script.ts');

/**
 * Builds @mlds/core (with yaml) as a classic script, `(function (module) { ... })`, into dist/chunks, for
 * runCachedScript (src/cached-script.ts): V8 caches a classic script's code after it ran, functions included,
 * which Node's compile cache does not do for ES modules; compiling the functions of yaml, the schema validator
 * and the rules was most of a cold `mlds plan`. Returns the script's file name (with a hash of its content),
 * its value exports, and esbuild's metafile of it.
 */
async function buildCoreScript(outdir) {
  const { build } = await import('esbuild');
  const common = {
    stdin: {
      contents: "export * from '@mlds/core';",
      resolveDir: packageDir,
      sourcefile: 'core-script:entry',
    },
    absWorkingDir: packageDir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    conditions: ['mlds-source'],
    external: EXTERNAL,
    plugins,
    minify: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
  };
  // The same bundle as an ES module, only for the names of the exports.
  const names = await build({ ...common, format: 'esm', outfile: join(outdir, 'core.mjs') });
  const exports = Object.values(names.metafile.outputs).flatMap((output) => output.exports);
  const script = await build({
    ...common,
    format: 'cjs',
    outfile: join(outdir, 'chunks/core.cjs'),
    // Strict, as the ES modules it is built from.
    banner: { js: '(function (module) {"use strict";' },
    footer: { js: '})' },
    sourcemap: 'linked',
  });
  const code = script.outputFiles.find((file) => file.path.endsWith('.cjs'));
  const map = script.outputFiles.find((file) => file.path.endsWith('.map'));
  const hash = createHash('sha256').update(code.contents).digest('hex').slice(0, 8).toUpperCase();
  const fileName = `core-${hash}.cjs`;
  await mkdir(join(outdir, 'chunks'), { recursive: true });
  await writeFile(
    join(outdir, 'chunks', fileName),
    code.text.replace(/\/\/# sourceMappingURL=core\.cjs\.map\n?$/, `//# sourceMappingURL=${fileName}.map\n`),
  );
  await writeFile(join(outdir, 'chunks', `${fileName}.map`), map.contents);
  const outputs = Object.fromEntries(
    Object.entries(script.metafile.outputs).map(([path, output]) => [
      path.replace(/core\.cjs(\.map)?$/, (_, map) => `${fileName}${map ?? ''}`),
      output,
    ]),
  );
  return { fileName, exports, metafile: { inputs: script.metafile.inputs, outputs } };
}

/**
 * Puts, in place of @mlds/core, a CommonJS module whose exports are getters that run the classic script of
 * buildCoreScript on first use: a command module imports core, but core runs only when a command uses it,
 * never for `mlds apply --help`. (esbuild reads a CommonJS module's exports at each use, through getters, so
 * the importers see the same lazy members.) `scriptUrl` is where the script is from the bundle, in chunks/.
 */
function coreFromCachedScript({ exports }, scriptUrl) {
  return {
    name: 'core-from-cached-script',
    setup(build) {
      build.onResolve({ filter: /^@mlds\/core$/ }, () => ({ path: scriptUrl, namespace: 'core-script' }));
      build.onLoad({ filter: /.*/, namespace: 'core-script' }, () => ({
        loader: 'js',
        resolveDir: packageDir,
        contents: [
          `const { runCachedScript } = require(${JSON.stringify(CACHED_SCRIPT_LOADER)});`,
          // Not fileURLToPath(import.meta.url): loading node:url costs a cold start about 1 ms.
          "const { join } = require('node:path');",
          'let core;',
          `const load = () => (core ??= runCachedScript(join(__dirname, ${JSON.stringify(scriptUrl)})));`,
          `for (const name of ${JSON.stringify(exports)})`,
          '  Object.defineProperty(module.exports, name, { enumerable: true, get: () => load()[name] });',
        ].join('\n'),
      }));
    },
  };
}

/**
 * Bundles one ES module (`contents`, resolved from this package) into `outfile` with the CLI's settings and
 * plugins: for measuring the code of @mlds/core as the CLI ships it (the bench).
 */
export async function bundleLikeTheCli(contents, outfile) {
  const { build } = await import('esbuild');
  await build({
    stdin: { contents, resolveDir: packageDir },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    conditions: ['mlds-source'],
    external: EXTERNAL,
    plugins,
    minify: true,
    logLevel: 'warning',
  });
}

/** Builds into `outdir` (emptied first). Returns esbuild's metafile. */
export async function buildCli({ outdir = defaultOutdir } = {}) {
  const { build } = await import('esbuild');
  const startedAt = Date.now();
  await rm(outdir, { recursive: true, force: true });
  const core = await buildCoreScript(outdir);
  const common = {
    absWorkingDir: packageDir,
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    conditions: ['mlds-source'],
    external: EXTERNAL,
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
  };
  const bin = await build({
    ...common,
    entryPoints: { [CLI_BUNDLE.replace(/\.cjs$/, '')]: 'src/bin.ts' },
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    // The provisioner's `import()` of an AWS SDK package becomes a require(): the same module instance as the
    // handlers' own imports of it (their `instanceof` checks), without starting Node's ES module loader.
    supported: { 'dynamic-import': false },
    // The bundle sits beside core's script, in chunks/.
    plugins: [coreFromCachedScript(core, `./${core.fileName}`), ...plugins],
  });
  await writeFile(join(outdir, BIN), BIN_SHIM, { mode: 0o755 });
  await chmod(join(outdir, BIN), 0o755);
  const metafile = mergeMetafiles([bin.metafile, core.metafile]);
  // Relative to this package, as esbuild names them; `builtin:` and `core-script:` inputs are the generated
  // modules above.
  const inputs = [...Object.keys(metafile.inputs), 'build.mjs', 'package.json'].filter(
    (input) => !/^(builtin|core-script):/.test(input),
  );
  await writeThirdPartyLicenses(outdir, metafile);
  await writeFile(join(outdir, 'meta.json'), JSON.stringify(metafile));
  await writeFile(join(outdir, BUILD_INFO), JSON.stringify({ startedAt, inputs }, null, 2));
  return metafile;
}

/**
 * The licence of every npm package bundled in (yaml, picocolors, p-retry...), in one file the published package
 * ships beside the bundle: their licences ask that their notices travel with their code.
 */
async function writeThirdPartyLicenses(outdir, metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
    if (match) packages.set(match[2], resolve(packageDir, match[1]));
  }
  const sections = [];
  for (const [name, dir] of [...packages].sort(([a], [b]) => a.localeCompare(b))) {
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const licenseFile = (await readdir(dir)).find((file) => /^(license|licence)(\.(md|txt))?$/i.test(file));
    if (licenseFile === undefined) throw new Error(`${name} (bundled into the CLI) ships no licence file`);
    const text = (await readFile(join(dir, licenseFile), 'utf8')).trim();
    sections.push(`${name}@${manifest.version} (${manifest.license})\n\n${text}`);
  }
  const header = 'The mlds CLI bundles these npm packages; their licences follow.';
  await writeFile(
    join(outdir, THIRD_PARTY_LICENSES),
    `${[header, ...sections].join(`\n\n${'-'.repeat(78)}\n\n`)}\n`,
  );
}

function mergeMetafiles(metafiles) {
  return {
    inputs: Object.assign({}, ...metafiles.map((metafile) => metafile.inputs)),
    outputs: Object.assign({}, ...metafiles.map((metafile) => metafile.outputs)),
  };
}

/**
 * True when `outdir` holds no complete build, or when a file the last build read was changed or removed since
 * that build started. A new source file is always imported by a file that changed, so it is seen too.
 */
export async function isStale({ outdir = defaultOutdir } = {}) {
  let info;
  try {
    info = JSON.parse(await readFile(join(outdir, BUILD_INFO), 'utf8'));
    await stat(join(outdir, BIN));
  } catch {
    return true;
  }
  const times = await Promise.all(
    info.inputs.map((input) =>
      stat(resolve(packageDir, input)).then(
        (stats) => stats.mtimeMs,
        () => Number.POSITIVE_INFINITY,
      ),
    ),
  );
  return times.some((time) => time >= info.startedAt);
}

/** Builds when stale; true when it built. */
export async function ensureBuilt(options = {}) {
  if (!(await isStale(options))) return false;
  await buildCli(options);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' }, 'if-stale': { type: 'boolean' } } });
  const options = values.outdir === undefined ? {} : { outdir: resolve(values.outdir) };
  if (values['if-stale']) await ensureBuilt(options);
  else await buildCli(options);
}
