import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { basename, join } from 'node:path';
import { Script } from 'node:vm';

// Node's own compile cache (module.enableCompileCache) stores a module's code right after compiling it, before
// it runs: it holds only the top-level code, and every function the run calls is compiled again on each start.
// For @mlds/core (yaml, the schema validator, the rules, the planner) that compiling is most of a cold
// `mlds plan`. V8 can cache a script's code after it ran, with all the functions it compiled, but only for a
// classic script: so the build ships @mlds/core as one (see build.mjs), and this runs it with that cache.

/** Where the cache of `file` lives, or undefined when Node's compile cache is off (or could not be set up). */
export function scriptCachePath(file: string, cacheDir: string | undefined): string | undefined {
  return cacheDir === undefined ? undefined : join(cacheDir, `mlds-${basename(file)}.v8-cache`);
}

export interface CachedScriptOptions {
  /** Defaults to Node's compile cache directory (undefined when the cache is disabled). */
  cacheDir?: string | undefined;
  /** When to write a new cache; defaults to the exit of the process, when the run has compiled what it needs. */
  onExit?: (write: () => void) => void;
}

/**
 * Runs `file`, a classic script whose value is a function `(module) => void` that sets `module.exports`, and
 * returns those exports. The file's name must change with its content (the build puts a hash in it): V8 checks
 * a cache against its own version and flags, but against the source only by length.
 */
export function runCachedScript(file: string, options: CachedScriptOptions = {}): unknown {
  const cacheFile = scriptCachePath(
    file,
    'cacheDir' in options ? options.cacheDir : module.getCompileCacheDir?.(),
  );
  const cachedData = cacheFile === undefined ? undefined : readCache(cacheFile);
  const script = new Script(readFileSync(file, 'utf8'), {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    const onExit = options.onExit ?? ((write) => process.once('exit', write));
    onExit(() => writeCache(cacheFile, script));
  }
  const scriptModule: { exports: unknown } = { exports: {} };
  (script.runInThisContext() as (module: { exports: unknown }) => void)(scriptModule);
  return scriptModule.exports;
}

function readCache(cacheFile: string): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written only makes the next start slower. */
function writeCache(cacheFile: string, script: Script): void {
  // Written aside and renamed, so that a concurrent start reads either no cache or a whole one.
  const partFile = `${cacheFile}.${process.pid}.part`;
  try {
    writeFileSync(partFile, script.createCachedData());
    renameSync(partFile, cacheFile);
  } catch {
    rmSync(partFile, { force: true });
  }
}
