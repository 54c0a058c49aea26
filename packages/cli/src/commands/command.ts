import type { RunEnvironment } from '../aws.js';
import { type ExitCode, UsageError } from '../errors.js';
import type { Signals } from '../signals.js';
import type { Colors, Env, TextReader, TextWriter } from '../terminal.js';

/** One command-line option: what `parseArgs` needs, plus its line in `--help`. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown after the flag in help, e.g. `<path>`. String options only. */
  valueName?: string;
  /** A value to show when the option is given without one, e.g. `s3=100,ssm=10`. String options only. */
  example?: string;
  description: string;
}

/** The options every command accepts (contract §2). */
export interface CommonOptions {
  state: string | undefined;
  region: string | undefined;
  profile: string | undefined;
  json: boolean;
}

export type OptionValue = string | boolean | Array<string | boolean> | undefined;

export interface ParsedArguments {
  /** The arguments after the command name. */
  positionals: string[];
  /** Every option given, common and command-specific, as `parseArgs` returned them. */
  values: Readonly<Record<string, OptionValue>>;
  common: CommonOptions;
}

/**
 * Everything a command may touch: no command reads `process` or writes to the console itself. The members of
 * RunEnvironment (AWS clients, clock, timers) are unset outside tests: each command takes the real default.
 */
export interface CommandContext extends RunEnvironment {
  cwd: string;
  env: Env;
  stdout: TextWriter;
  stderr: TextWriter;
  stdin: TextReader | undefined;
  /** Whether stdout is a terminal. */
  isTTY: boolean;
  /** Decided once from the TTY, `--no-color`, `NO_COLOR` and `FORCE_COLOR`; all no-ops when colour is off. */
  colors: Colors;
  /** SIGINT and SIGTERM, for apply and destroy to stop cleanly; undefined leaves Node's default. */
  signals?: Signals | undefined;
}

/**
 * A command module exports one of these as `command`. `toOptions` turns the command line into the command's
 * typed options (throwing `UsageError`); `run` does the work, and throws one of the errors of `errors.ts` on
 * failure: `main` prints the error and maps it to the exit code.
 */
export interface Command<Options> {
  /** The synopsis, e.g. `mlds plan <file> [options]`. */
  usage: string;
  /** What it does, a few sentences; shown by `mlds <command> --help`. */
  description: string;
  /** Options beyond the common ones. */
  options?: Readonly<Record<string, OptionSpec>>;
  /**
   * Common options the command accepts (every command does, contract section 2) but has no use for: its help
   * lists them apart, as unused, instead of describing what they do elsewhere.
   */
  unusedCommonOptions?: readonly string[];
  examples: ReadonlyArray<{ command: string; explanation: string }>;
  toOptions(args: ParsedArguments): Options;
  /**
   * Resolves to nothing for exit 0, or to another code that is not a failure (`plan --detailed-exitcode`'s 4);
   * a failure is thrown.
   */
  run(options: Options, context: CommandContext): Promise<void> | Promise<ExitCode>;
}

/** Exactly one positional argument, the workflow file (`-` reads stdin). */
export function workflowFileArgument(args: ParsedArguments, usage: string): string {
  const [file, ...extra] = args.positionals;
  if (file === undefined) {
    throw new UsageError('missing the workflow file', { hint: `Usage: ${usage}` });
  }
  if (extra.length > 0) {
    throw new UsageError(
      `unexpected argument '${extra[0]}': give exactly one workflow file (apply and destroy take several, as a fleet)`,
      {
        hint: `Usage: ${usage}`,
      },
    );
  }
  return file;
}

/**
 * One or more workflow files: several make a fleet (`apply` and `destroy`), run as one. Files are kept in the
 * order given; `-` and duplicates are checked by the fleet, which knows what each file holds. `file` is the
 * first, the one a single-file run takes.
 */
export function workflowFileArguments(
  args: ParsedArguments,
  usage: string,
): { file: string; files: readonly string[] } {
  const [file, ...more] = args.positionals;
  if (file === undefined) {
    throw new UsageError('missing the workflow file', { hint: `Usage: ${usage}` });
  }
  return { file, files: [file, ...more] };
}
