// Bundles the CLI with esbuild: dist/mlds.js (the bin) and dist/index.js (exports `main`), each command a
// chunk of its own loaded only when it runs. @mlds/core and yaml are bundled from source (the `mlds-source`
// condition), so nothing needs building first; the AWS SDK and the provisioner stay external and load only
// in the commands that call AWS.
//
//   node build.mjs [--outdir <dir>] [--if-stale]
//
// `--if-stale` builds only when a file the last build read has changed since (see `isStale`).

import { chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const packageDir = dirname(fileURLToPath(import.meta.url));
export const defaultOutdir = join(packageDir, 'dist');
const BUILD_INFO = 'build-info.json';

/** Modules that load only in commands that call AWS: never bundled, never loaded by validate or plan. */
export const EXTERNAL = ['@aws-sdk/*', '@smithy/*', 'p-retry', '@mlds/provisioner'];

import { createRequire } from 'node:module';
const yamlEsm = { name: 'yaml-esm', setup(build) { build.onResolve({ filter: /^yaml$/ }, (args) => { const r = createRequire(join(args.resolveDir, 'x.js')); return { path: join(dirname(r.resolve('yaml/package.json')), 'browser/index.js') }; }); } };
const builtins = { name: 'builtins', setup(build) {
  build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => { if (!module.isBuiltin(args.path) || args.kind !== 'import-statement' ) return undefined; if (args.importer.endsWith('bin.ts')) return undefined; return { path: args.path.replace(/^node:/, ''), namespace: 'builtin' }; });
  build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = process.getBuiltinModule(${JSON.stringify('node:' + args.path)});`, loader: 'js' }));
} };
import module from 'node:module';
/** Builds into `outdir` (emptied first). Returns esbuild's metafile. */
export async function buildCli({ outdir = defaultOutdir } = {}) {
  const { build } = await import('esbuild');
  const startedAt = Date.now();
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: packageDir,
    entryPoints: { mlds: 'src/bin.ts', index: 'src/index.ts' },
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: !process.env.NOSPLIT,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    conditions: ['mlds-source'],
    external: EXTERNAL,
    minify: !process.env.NOMIN,
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
    plugins: [...(process.env.YAML_MODE === 'esm' ? [yamlEsm] : []), ...(process.env.BUILTINS ? [builtins] : [])],
    ...(process.env.HINT ? { banner: { js: '//# allFunctionsCalledOnLoad' } } : {}),
    ...(process.env.YAML_MODE === 'esm' ? {} : { banner: { js: "import { createRequire as __mldsCreateRequire } from 'node:module'; const require = __mldsCreateRequire(import.meta.url);" } }),
  });
  await chmod(join(outdir, 'mlds.js'), 0o755);
  const inputs = [...Object.keys(result.metafile.inputs), 'build.mjs', 'package.json'].map((input) =>
    resolve(packageDir, input),
  );
  await writeFile(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
  await writeFile(join(outdir, BUILD_INFO), JSON.stringify({ startedAt, inputs }, null, 2));
  return result.metafile;
}

/**
 * True when `outdir` holds no complete build, or when a file the last build read was changed or removed since
 * that build started. A new source file is always imported by a file that changed, so it is seen too.
 */
export async function isStale({ outdir = defaultOutdir } = {}) {
  let info;
  try {
    info = JSON.parse(await readFile(join(outdir, BUILD_INFO), 'utf8'));
    await stat(join(outdir, 'mlds.js'));
  } catch {
    return true;
  }
  const times = await Promise.all(
    info.inputs.map((input) => stat(input).then((stats) => stats.mtimeMs, () => Number.POSITIVE_INFINITY)),
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
