import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { type CachedScriptOptions, runCachedScript, scriptCachePath } from '../src/cached-script.js';
import { tempDir } from './helpers.js';

const SOURCE = `(function (module) {
  "use strict";
  function pipelines(channelClass) {
    return channelClass === 'SINGLE_PIPELINE' ? 1 : 2;
  }
  module.exports = { pipelines, strict: (function () { return this === undefined; })() };
})`;

function aScript(source = SOURCE): string {
  const file = join(tempDir(), 'core-0A1B2C3D.cjs');
  writeFileSync(file, source);
  return file;
}

/** Runs the script, collecting the cache writes it schedules instead of waiting for the exit. */
function run(file: string, cacheDir: string | undefined) {
  const writes: Array<() => void> = [];
  const options: CachedScriptOptions = { cacheDir, onExit: (write) => writes.push(write) };
  const exports = runCachedScript(file, options) as {
    pipelines(channelClass: string): number;
    strict: boolean;
  };
  return { exports, writes };
}

describe('runCachedScript', () => {
  it('returns what the script puts in module.exports', () => {
    const { exports } = run(aScript(), tempDir());
    expect(exports.pipelines('STANDARD')).toBe(2);
    expect(exports.pipelines('SINGLE_PIPELINE')).toBe(1);
    expect(exports.strict).toBe(true);
  });

  it('writes a cache at the exit of the first run, and later runs use it without writing again', () => {
    const file = aScript();
    const cacheDir = tempDir();
    const first = run(file, cacheDir);
    expect(first.exports.pipelines('STANDARD')).toBe(2);
    expect(first.writes).toHaveLength(1);
    expect(readdirSync(cacheDir)).toStrictEqual([]);

    first.writes[0]?.();
    const cacheFile = scriptCachePath(file, cacheDir) ?? '';
    expect(readdirSync(cacheDir)).toStrictEqual(['mlds-core-0A1B2C3D.cjs.v8-cache']);
    expect(statSync(cacheFile).size).toBeGreaterThan(0);

    const second = run(file, cacheDir);
    expect(second.writes).toStrictEqual([]);
    expect(second.exports.pipelines('SINGLE_PIPELINE')).toBe(1);
  });

  it('caches the functions the run compiled, not only the top level (what Node caches for ES modules)', () => {
    const file = aScript();
    const cacheDir = tempDir();
    const { exports, writes } = run(file, cacheDir);
    exports.pipelines('STANDARD');
    writes[0]?.();
    // A source of its own: V8 would otherwise hand back the script compiled above, functions and all.
    const topLevelOnly = new Script(`${SOURCE}\n`, { filename: file }).createCachedData();
    expect(statSync(scriptCachePath(file, cacheDir) ?? '').size).toBeGreaterThan(topLevelOnly.length);
  });

  it('replaces a cache V8 rejects (another script of the same name, or damaged), and still runs', () => {
    const file = aScript();
    const cacheDir = tempDir();
    const cacheFile = scriptCachePath(file, cacheDir) ?? '';
    writeFileSync(cacheFile, 'not a V8 code cache');
    const damaged = run(file, cacheDir);
    expect(damaged.exports.pipelines('STANDARD')).toBe(2);
    expect(damaged.writes).toHaveLength(1);
    damaged.writes[0]?.();
    expect(readFileSync(cacheFile, 'utf8')).not.toBe('not a V8 code cache');
    expect(run(file, cacheDir).writes).toStrictEqual([]);
  });

  it('caches nothing when Node has no compile cache directory', () => {
    const { exports, writes } = run(aScript(), undefined);
    expect(exports.pipelines('STANDARD')).toBe(2);
    expect(writes).toStrictEqual([]);
  });

  it('is quiet when the cache cannot be written, and leaves no partial file', () => {
    const cacheDir = join(tempDir(), 'gone');
    const { writes } = run(aScript(), cacheDir);
    expect(() => writes[0]?.()).not.toThrow();
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('lets errors of the script through', () => {
    const file = aScript('(function (module) { throw new RangeError("broken bundle"); })');
    expect(() => run(file, tempDir())).toThrow(RangeError);
  });
});
