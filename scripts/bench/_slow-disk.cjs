// Preloaded (`node -r`) into the CLI by the fleet section: every flush to disk (fsync, fdatasync) takes FLUSH_MS
// longer, as on a disk slower to flush than this machine's (a virtual disk whose flush returns in about 0.1 ms).
// A synchronous flush holds the thread that long. An asynchronous one runs in libuv's thread pool, whose four
// threads (UV_THREADPOOL_SIZE) it holds that long: at most four flush at once, the others wait their turn.
// Patched before the CLI's bundle takes its members from node:fs.

const fs = require('node:fs');

// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the fleet section for the CLI it preloads this into, which turbo never runs
const FLUSH_MS = Number(process.env.MLDS_BENCH_FLUSH_MS ?? 3);
const held = new Int32Array(new SharedArrayBuffer(4));
// libuv's default (UV_THREADPOOL_SIZE), which the CLI keeps.
const POOL_THREADS = 4;
let flushing = 0;
const waiting = [];

/** `flush` run when one of the pool's threads is free, holding it FLUSH_MS longer than the disk took. */
function inPool(flush, callback) {
  if (flushing >= POOL_THREADS) {
    waiting.push(() => inPool(flush, callback));
    return;
  }
  flushing += 1;
  flush((error) =>
    setTimeout(() => {
      flushing -= 1;
      waiting.shift()?.();
      callback(error);
    }, FLUSH_MS),
  );
}

for (const name of ['fsync', 'fdatasync']) {
  const sync = fs[`${name}Sync`];
  const async = fs[name];
  fs[`${name}Sync`] = (fd) => {
    Atomics.wait(held, 0, 0, FLUSH_MS);
    return sync(fd);
  };
  fs[name] = (fd, callback) => inPool((done) => async(fd, done), callback);
}
