import picocolors from 'picocolors';

/** What the CLI needs of stdout and stderr: `process.stdout` fits, and so does a test's string collector. */
export interface TextWriter {
  write(chunk: string): unknown;
  /** A terminal's size, when it is one: a live display never draws more rows, or wider lines, than fit. */
  readonly rows?: number | undefined;
  readonly columns?: number | undefined;
}

/** What the CLI needs of stdin: `process.stdin` fits. `isTTY`: a person can answer a confirmation there. */
export type TextReader = AsyncIterable<string | Uint8Array> &
  Partial<KeyboardInput> & {
    readonly isTTY?: boolean | undefined;
    /** Ends a pending read (a terminal's), so that an interrupted question lets the process exit. */
    destroy?: () => void;
  };

/**
 * A terminal's keys one at a time (raw mode), for the fleet's live display; `process.stdin` fits when it is a
 * TTY. In raw mode Ctrl-C arrives as the byte 0x03 instead of raising SIGINT.
 */
export interface KeyboardInput {
  setRawMode(raw: boolean): unknown;
  on(event: 'data', listener: (chunk: string | Uint8Array) => void): unknown;
  off(event: 'data', listener: (chunk: string | Uint8Array) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export type Env = Readonly<Record<string, string | undefined>>;

export type Colors = ReturnType<typeof picocolors.createColors>;

export function createColors(enabled: boolean): Colors {
  return picocolors.createColors(enabled);
}

/**
 * Colour only on a terminal, unless told otherwise: `--no-color` and `NO_COLOR` (https://no-color.org, any
 * non-empty value) turn it off, `FORCE_COLOR` turns it on (`0` or `false` off), in that order of precedence.
 */
export function colorEnabled(options: { noColorFlag: boolean; env: Env; isTTY: boolean }): boolean {
  const { noColorFlag, env, isTTY } = options;
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return isTTY && env.TERM !== 'dumb';
}
