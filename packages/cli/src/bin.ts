// Start-up time matters (`mlds plan` should start nearly as fast as Node itself): process.stdout, process.stdin
// and process.stderr each load Node's stream modules when first read, so none is read unless it is needed.

import { processSignals } from './signals.js';

// The bundle loads Node's built-in modules through process.getBuiltinModule (see build.mjs).
if (typeof process.getBuiltinModule !== 'function') {
  process.stderr.write(`mlds needs Node.js 22.3 or later; this is Node.js ${process.version}.\n`);
  process.exitCode = 1;
} else {
  const stdout = fileStdout() ?? pipeOrTerminalStdout();
  // No top-level await: the bundle is CommonJS (see build.mjs).
  void import('./main.js').then(async ({ main }) => {
    process.exitCode = await main({
      signals: processSignals(),
      argv: process.argv.slice(2),
      cwd: process.cwd(),
      env: process.env,
      stdout: stdout.writer,
      stderr: { write: (chunk: string) => process.stderr.write(chunk) },
      // Only `-` (the workflow on stdin) and confirmations read it.
      stdin: {
        get isTTY() {
          return process.stdin.isTTY;
        },
        [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator](),
        // Ctrl-C at a question: a terminal read still pending would keep the process from exiting.
        destroy: () => process.stdin.destroy(),
      },
      isTTY: stdout.isTTY,
    });
  });
}

interface Stdout {
  writer: { write(chunk: string): unknown };
  isTTY: boolean;
}

/**
 * When stdout is a file or /dev/null: Node writes to those with fs.writeSync (its SyncWriteStream) too, so
 * writing directly does the same without loading streams. Terminals and pipes keep process.stdout.
 */
function fileStdout(): Stdout | undefined {
  const fs = process.getBuiltinModule('node:fs');
  try {
    const stats = fs.fstatSync(1);
    const devNull = stats.isCharacterDevice() && stats.rdev === fs.statSync('/dev/null').rdev;
    if (!stats.isFile() && !devNull) return undefined;
  } catch {
    return undefined;
  }
  return { writer: { write: (chunk: string) => fs.writeSync(1, chunk) }, isTTY: false };
}

function pipeOrTerminalStdout(): Stdout {
  // `mlds plan --json | head`: the reader stopped reading, which is no failure of mlds.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit();
  });
  return { writer: process.stdout, isTTY: process.stdout.isTTY === true };
}
