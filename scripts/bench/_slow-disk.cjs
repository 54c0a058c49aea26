// Preloaded (`node -r`) into the CLI by the fleet section: every flush to disk (fsync, fdatasync) takes FLUSH_MS
// longer, as on a disk slower to flush than this machine's (a virtual disk whose flush returns in about 0.1 ms).
// A synchronous flush holds the thread that long; an asynchronous one, run in libuv's thread pool, answers that
// much later and holds nothing. Patched before the CLI's bundle takes its members from node:fs.

const fs = require('node:fs');

// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the fleet section for the CLI it preloads this into, which turbo never runs
const FLUSH_MS = Number(process.env.MLDS_BENCH_FLUSH_MS ?? 3);
const held = new Int32Array(new SharedArrayBuffer(4));

for (const name of ['fsync', 'fdatasync']) {
  const sync = fs[`${name}Sync`];
  const async = fs[name];
  fs[`${name}Sync`] = (fd) => {
    Atomics.wait(held, 0, 0, FLUSH_MS);
    return sync(fd);
  };
  fs[name] = (fd, callback) => async(fd, (error) => setTimeout(() => callback(error), FLUSH_MS));
}
