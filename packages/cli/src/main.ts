import { parseArgs } from 'node:util';
import { closest, type FORMAT_VERSION } from '@mlds/core';
import packageJson from '../package.json' with { type: 'json' };
import type { RunEnvironment } from './aws.js';
import type {
  Command,
  CommandContext,
  CommonOptions,
  OptionSpec,
  OptionValue,
  ParsedArguments,
} from './commands/command.js';
import { commands } from './commands/registry.js';
import {
  ExitCode,
  exitCodeFor,
  InvalidWorkflowError,
  MldsError,
  messageOf,
  NoCommandError,
  UsageError,
} from './errors.js';
import { commandHelp, globalHelp } from './help.js';
import { COMMON_OPTIONS, parseArgsConfig } from './options.js';
import { writeDiagnostics } from './render/diagnostics.js';
import { writeMldsError } from './render/error.js';
import { safeWriter } from './render/escape.js';
import { writeJson } from './render/json.js';
import type { Signals } from './signals.js';
import {
  type Colors,
  colorEnabled,
  createColors,
  type Env,
  type TextReader,
  type TextWriter,
} from './terminal.js';

export const VERSION: string = packageJson.version;

// Not imported from @mlds/core: importing any value from it here would put all of core and yaml into the chunk
// every command loads at start-up (esbuild splits by reachability before it drops unused re-exports). The type
// keeps the two in step.
const formatVersion: typeof FORMAT_VERSION = 1;

/**
 * Everything the CLI reads from its surroundings, so that tests run it with fake streams (and, through
 * RunEnvironment, fake AWS clients and time).
 */
export interface CliOptions extends RunEnvironment {
  /** The arguments after `mlds`, e.g. `['plan', 'curling-live.yaml', '--json']`. */
  argv: string[];
  cwd: string;
  env: Env;
  stdout: TextWriter;
  stderr: TextWriter;
  /** Read only for the file `-`. */
  stdin?: TextReader;
  /** Whether stdout is a terminal: colour is on by default only then. */
  isTTY: boolean;
  /** SIGINT and SIGTERM; without them, a signal ends the process as Node's default does. */
  signals?: Signals;
}

/** Runs one `mlds` command line; resolves to the exit code (contract §3). Never throws, never exits. */
export async function main(options: CliOptions): Promise<number> {
  const early = scanArguments(options.argv);
  const colors = createColors(
    colorEnabled({ noColorFlag: early.noColor, env: options.env, isTTY: options.isTTY }),
  );
  const terminalSequences = { terminalSequences: colors.isColorSupported };
  const safe = {
    ...options,
    stdout: safeWriter(options.stdout, terminalSequences),
    stderr: safeWriter(options.stderr, terminalSequences),
  };
  try {
    return await dispatch(safe, early, colors);
  } catch (error) {
    reportFailure(error, { json: early.json, colors, stdout: safe.stdout, stderr: safe.stderr });
    return exitCodeFor(error);
  }
}

interface EarlyScan {
  positionals: string[];
  help: boolean;
  version: boolean;
  json: boolean;
  noColor: boolean;
}

/** The first option of `argv` that is not a common one (`-x`, `--jsn`), up to `--`. */
function unknownOptionIn(argv: readonly string[]): string | undefined {
  const known = new Set(
    Object.entries(COMMON_OPTIONS).flatMap(([name, spec]) => [
      `--${name}`,
      ...('short' in spec ? [`-${spec.short}`] : []),
    ]),
  );
  for (const arg of argv) {
    if (arg === '--') return undefined;
    if (arg.startsWith('-') && arg !== '-' && !known.has(arg.split('=')[0] ?? arg)) return arg.split('=')[0];
  }
  return undefined;
}

/**
 * A lenient first look at the command line: which command, and the flags needed before the command is
 * loaded (help, version) or to report a failure (json, no-color). The strict parse happens once the command's
 * own options are known.
 */
function scanArguments(argv: string[]): EarlyScan {
  const { values, positionals } = parseArgs({
    args: argv,
    options: parseArgsConfig(COMMON_OPTIONS),
    strict: false,
    allowPositionals: true,
  });
  return {
    positionals,
    help: values.help === true,
    version: values.version === true,
    json: values.json === true,
    noColor: values['no-color'] === true,
  };
}

async function dispatch(options: CliOptions, early: EarlyScan, colors: Colors): Promise<number> {
  const { stdout } = options;
  if (early.version) {
    stdout.write(`${VERSION}\n`);
    return ExitCode.ok;
  }
  const [name, ...rest] = early.positionals;
  if (name === undefined) {
    if (early.help) {
      stdout.write(globalHelp(commands, VERSION, colors));
      return ExitCode.ok;
    }
    throw new NoCommandError(globalHelp(commands, VERSION, colors), unknownOptionIn(options.argv));
  }
  if (name === 'help') {
    const topic = rest[0];
    stdout.write(
      topic === undefined
        ? globalHelp(commands, VERSION, colors)
        : commandHelp(await loadCommand(topic), colors),
    );
    return ExitCode.ok;
  }

  const command = await loadCommand(name);
  const args = parseCommandLine(options.argv, name, command);
  if (args.values.help === true) {
    stdout.write(commandHelp(command, colors));
    return ExitCode.ok;
  }
  const context: CommandContext = {
    cwd: options.cwd,
    env: options.env,
    stdout,
    stderr: options.stderr,
    stdin: options.stdin,
    isTTY: options.isTTY,
    colors,
    awsClients: options.awsClients,
    builtAwsClients: new Map(),
    clock: options.clock,
    sleep: options.sleep,
    every: options.every,
    signals: options.signals,
  };
  const code = await command.run(command.toOptions(args), context);
  return typeof code === 'number' ? code : ExitCode.ok;
}

async function loadCommand(name: string): Promise<Command<unknown>> {
  const entry = commands.get(name);
  if (entry === undefined) {
    const near = closest(name, [...commands.keys()]);
    throw new UsageError(
      `unknown command '${name}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`,
      {
        hint: `The commands are: ${[...commands.keys()].join(', ')}. Run 'mlds --help' for usage.`,
      },
    );
  }
  return (await entry.load()).command;
}

function parseCommandLine(argv: string[], name: string, command: Command<unknown>): ParsedArguments {
  let parsed: ReturnType<typeof parseArgs>;
  const options: Readonly<Record<string, OptionSpec>> = { ...COMMON_OPTIONS, ...command.options };
  try {
    parsed = parseArgs({
      args: argv,
      options: parseArgsConfig(options),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    const missing = missingValue(error, options);
    throw new UsageError(missing?.message ?? parseArgsMessage(error, Object.keys(options)), {
      cause: error,
      hint: `Run 'mlds ${name} --help' for its options.${missing?.hint ?? ''}`,
    });
  }
  const positionals = [...parsed.positionals];
  positionals.splice(positionals.indexOf(name), 1);
  const { values } = parsed;
  const common: CommonOptions = {
    state: stringOption(values.state),
    region: regionOption(values.region),
    profile: stringOption(values.profile),
    json: values.json === true,
  };
  return { positionals, values, common };
}

/**
 * A string option given last, or followed by another option, has no value: Node's words for it (`Option
 * '--rate-limit <value>' argument missing`, or `… is ambiguous`) say neither what the value looks like nor how to
 * give one; these say both, from the option's own help.
 */
function missingValue(
  error: unknown,
  options: Readonly<Record<string, OptionSpec>>,
): { message: string; hint: string } | undefined {
  if ((error as { code?: unknown } | undefined)?.code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return undefined;
  const message = error instanceof Error ? error.message : '';
  const name = /^Option '(?:-\w, )?--([\w-]+)[ ']/.exec(message)?.[1];
  const spec = name === undefined ? undefined : options[name];
  if (spec?.type !== 'string' || !/argument (missing|is ambiguous)/.test(message)) return undefined;
  const flag = `--${name}`;
  const example = spec.example === undefined ? '' : `, e.g. ${flag} ${spec.example}`;
  return {
    message: `${flag} needs a value: ${flag} ${spec.valueName ?? '<value>'}${example}`,
    // Followed by another option: the value may have been forgotten, or start with a dash.
    hint: message.includes('ambiguous') ? ` A value that starts with '-' is written ${flag}=<value>.` : '',
  };
}

/**
 * Node's messages name the option but go on about `--`; the first sentence is the useful part. An unknown
 * option close to one of `known` (the command's, without dashes) is a likely typo, and says which.
 */
function parseArgsMessage(error: unknown, known: readonly string[]): string {
  const message = messageOf(error);
  const option = /'(-[^']*)'/.exec(message)?.[1];
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    const near = option.startsWith('--') ? closest(option.slice(2).split('=')[0] ?? '', known) : undefined;
    return `unknown option '${option}'${near === undefined ? '' : ` (did you mean --${near}?)`}`;
  }
  // `--json=false`: a flag is on when given and off when not; it takes no value.
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /does not take an argument/.test(message)) {
    const flag = option?.split('=')[0] ?? 'the flag';
    return `${flag} takes no value: give ${flag} alone to turn it on, or leave it out`;
  }
  return message.split(/\.\s/)[0] ?? message;
}

function stringOption(value: OptionValue): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

// Region names as AWS forms them (us-west-2, us-gov-east-1, eusc-de-east-1), the same form the workflow's
// `region` must have: checked here so that a bad value is blamed on the option, not on the file's line.
const REGION_NAME = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

function regionOption(value: OptionValue): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (!REGION_NAME.test(value)) {
    throw new UsageError(`--region '${value}' is not an AWS Region name`, {
      hint: 'For example: --region us-west-2',
    });
  }
  return value;
}

function reportFailure(
  error: unknown,
  io: { json: boolean; colors: Colors; stdout: TextWriter; stderr: TextWriter },
): void {
  const { json, colors, stdout, stderr } = io;
  const label = colors.red(colors.bold('error'));
  if (error instanceof InvalidWorkflowError) {
    if (json) {
      writeJson(stdout, {
        formatVersion,
        ...(error.workflow === undefined ? {} : { workflow: error.workflow }),
        diagnostics: error.diagnostics,
      });
    } else {
      writeDiagnostics(stderr, error.diagnostics, error.file, colors);
    }
    stderr.write(`${label}: ${error.message}\n`);
    return;
  }
  if (error instanceof NoCommandError) {
    // The help as it is: a hint is wrapped to 100 columns, which would break its tables.
    stderr.write(`${label}: ${error.message}\n\n${error.help}`);
    return;
  }
  if (error instanceof MldsError) {
    writeMldsError(stderr, colors, error);
    return;
  }
  // Not a failure mlds foresaw: a bug. The stack is what a bug report needs.
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(`${label}: unexpected failure, please report it: ${detail}\n`);
}
