// `pnpm mlds <args>`: runs the CLI of this working tree, rebuilding it first when a file it is built from
// changed since the last build. The build is quiet: stdout carries only what mlds prints (with --json, only
// the JSON document); a failed build reports on stderr and exits 1. The root .npmrc keeps pnpm's own
// `> mlds-monorepo@ mlds` banner off stdout.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cliDir = fileURLToPath(new URL('../packages/cli/', import.meta.url));
const { ensureBuilt, defaultOutdir, BIN } = await import(pathToFileURL(join(cliDir, 'build.mjs')).href);

try {
  await ensureBuilt();
} catch (error) {
  // esbuild has already printed its errors to stderr; anything else has not.
  if (!Array.isArray(error?.errors)) console.error(error);
  console.error('mlds: building packages/cli failed; see above.');
  process.exit(1);
}

// pnpm runs scripts from the workspace root; relative paths on the command line, and the default state
// directory, mean the caller's directory: INIT_CWD, which pnpm sets, or MLDS_CALLER_DIR, which ./pnpmw sets (it
// runs from the repository root, so INIT_CWD would name that).
// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by pnpm for `pnpm mlds`, which turbo never runs
const lifecycleEvent = process.env.npm_lifecycle_event;
const callerDir =
  lifecycleEvent === 'mlds'
    ? // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by ./pnpmw, which turbo never runs
      (process.env.MLDS_CALLER_DIR ?? process.env.INIT_CWD)
    : undefined;
if (
  callerDir !== undefined &&
  (await stat(callerDir).then(
    (s) => s.isDirectory(),
    () => false,
  ))
) {
  process.chdir(callerDir);
}

// In this process rather than a child: one Node start-up fewer, and stdio, signals and the exit code (set by
// the bin as process.exitCode) are the bin's own.
const bin = join(defaultOutdir, BIN);
process.argv = [process.argv[0] ?? process.execPath, bin, ...process.argv.slice(2)];
await import(pathToFileURL(bin).href);
