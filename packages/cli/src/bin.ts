#!/usr/bin/env node
import module from 'node:module';

// The bundle loads Node's built-in modules through process.getBuiltinModule (see build.mjs).
if (typeof process.getBuiltinModule !== 'function') {
  process.stderr.write(`mlds needs Node.js 22.3 or later; this is Node.js ${process.version}.\n`);
  process.exitCode = 1;
} else {
  // Before the rest is loaded: Node then caches the compiled code of every chunk, and later starts are faster.
  module.enableCompileCache?.();
  // `mlds plan --json | head`: the reader stopped reading, which is no failure of mlds.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit();
  });
  const { main } = await import('./main.js');
  process.exitCode = await main({
    argv: process.argv.slice(2),
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    // Node creates process.stderr on first use, which costs start-up time; most runs never write to it.
    stderr: { write: (chunk: string) => process.stderr.write(chunk) },
    // A getter: creating process.stdin costs start-up time, and only the file `-` needs it.
    get stdin() {
      return process.stdin;
    },
    isTTY: process.stdout.isTTY === true,
  });
}
