// Start-up time matters (`mlds plan` should start nearly as fast as Node itself): process.stdout, process.stdin
// and process.stderr each load Node's stream modules when first read, so none is read unless it is needed.

import { OLDEST_NODE, supportedNode } from './node-version.js';
import { processSignals } from './signals.js';

// npm only warns about `engines`; on an older Node the bundle may fail later, and less clearly (it loads Node's
// built-in modules through process.getBuiltinModule, see build.mjs).
if (!supportedNode(process.versions.node) || typeof process.getBuiltinModule !== 'function') {
  process.stderr.write(
    `mlds needs Node.js ${OLDEST_NODE} or later; this is Node.js ${process.version}. Install a newer Node.js (https://nodejs.org), or use ./pnpmw in a clone, which installs one.\n`,
  );
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
      stderr: stderrWriter(),
      // Only `-` (the workflow on stdin), confirmations and the fleet's live display (its keys) read it.
      stdin: {
        get isTTY() {
          return process.stdin.isTTY;
        },
        // Not destroyed when the reader is done: the fleet's display reads keys after the confirmation.
        [Symbol.asyncIterator]: () => linesThenLetGo(),
        // Ctrl-C at a question: a terminal read still pending would keep the process from exiting.
        destroy: () => process.stdin.destroy(),
        setRawMode: (raw: boolean) => setRawMode(raw),
        on: (event: 'data', listener: (chunk: string | Uint8Array) => void) =>
          process.stdin.on(event, listener),
        off: (event: 'data', listener: (chunk: string | Uint8Array) => void) =>
          process.stdin.off(event, listener),
        resume: () => process.stdin.resume(),
        pause: () => process.stdin.pause(),
      },
      isTTY: stdout.isTTY,
    });
  });
}

interface Stdout {
  writer: { write(chunk: string): unknown; readonly rows?: number; readonly columns?: number };
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
  // `mlds apply x.yaml --yes | head`: the reader stopped reading, which is no failure of mlds. The command runs to
  // its end, its output dropped: exiting at once would stop an apply or destroy midway, its lock left behind.
  let readerGone = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerGone = true;
  });
  return {
    writer: {
      write: (chunk: string) => readerGone || process.stdout.write(chunk),
      // A terminal's size, read when drawn (it changes as the window does).
      get rows() {
        return process.stdout.rows;
      },
      get columns() {
        return process.stdout.columns;
      },
    },
    isTTY: process.stdout.isTTY === true,
  };
}

/**
 * As stdout's: a reader of stderr that went away (`mlds validate x.yaml 2>&1 | head -1`) drops the rest, and the
 * exit code stays the command's (an unhandled EPIPE made it 1). process.stderr is read only at the first write.
 */
function stderrWriter(): { write(chunk: string): unknown } {
  let readerGone = false;
  let listening = false;
  return {
    write: (chunk: string) => {
      if (readerGone) return false;
      if (!listening) {
        listening = true;
        process.stderr.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EPIPE') throw error;
          readerGone = true;
        });
      }
      return process.stderr.write(chunk);
    },
  };
}

/**
 * Reads stdin in flowing mode, without destroying it when the reader stops (a confirmation reads one line): the
 * fleet's live display may read keys from it next. Once the reader stops (or input ends), stdin is paused, which
 * is what makes Node stop reading the terminal, so that it keeps no process alive. (Node's own iterator leaves
 * stdin non-flowing, where pausing does not stop that read.)
 */
function linesThenLetGo(): AsyncIterator<string | Uint8Array> {
  const stdin = process.stdin;
  const chunks: (string | Uint8Array)[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const onData = (chunk: string | Uint8Array) => {
    chunks.push(chunk);
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (error: unknown) => {
    failure = error;
    wake?.();
  };
  const stop = () => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.off('error', onError);
    stdin.pause();
  };
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  stdin.on('error', onError);
  stdin.resume();
  return {
    async next() {
      while (chunks.length === 0 && !ended && failure === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      const chunk = chunks.shift();
      if (chunk !== undefined) return { done: false, value: chunk };
      stop();
      if (failure !== undefined) throw failure;
      return { done: true, value: undefined };
    },
    async return() {
      stop();
      return { done: true, value: undefined };
    },
  };
}

/** Raw mode, and cooked mode given back however the process ends (a second Ctrl-C exits at once). */
function setRawMode(raw: boolean): void {
  process.stdin.setRawMode(raw);
  if (raw) process.on('exit', restoreCookedMode);
  else process.off('exit', restoreCookedMode);
}

function restoreCookedMode(): void {
  if (process.stdin.isTTY && process.stdin.isRaw) process.stdin.setRawMode(false);
}
