#!/usr/bin/env node
import module from 'node:module';

// Before anything else is loaded: Node caches the compiled code of what follows, which makes later starts faster.
module.enableCompileCache?.();

const { main } = await import('./main.js');
process.exitCode = await main({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // A getter: creating process.stdin costs start-up time, and only the file `-` needs it.
  get stdin() {
    return process.stdin;
  },
  isTTY: process.stdout.isTTY === true,
});
