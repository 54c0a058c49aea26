import type { Command, OptionSpec } from './commands/command.js';
import type { CommandEntry } from './commands/registry.js';
import { COMMON_OPTIONS } from './options.js';
import { DIAGNOSTIC_WIDTH, wrap } from './render/diagnostics.js';
import { visibleWidth } from './render/table.js';
import type { Colors } from './terminal.js';

export function globalHelp(
  commands: ReadonlyMap<string, CommandEntry>,
  version: string,
  colors: Colors,
): string {
  const heading = (text: string) => colors.bold(text);
  return [
    `mlds ${version}: plan and provision the downstream side of an AWS Elemental MediaLive channel`,
    '',
    heading('Usage'),
    '  mlds <command> <file> [options]',
    '',
    heading('Commands'),
    ...wrappedColumns([...commands].map(([name, entry]) => [name, entry.summary])),
    '',
    heading('Common options'),
    ...optionLines(COMMON_OPTIONS),
    '',
    heading('Examples'),
    ...exampleLines([
      { command: 'mlds validate curling-live.yaml', explanation: 'Check the file, print its diagnostics' },
      { command: 'mlds plan curling-live.yaml', explanation: 'Output groups, resources and destinations' },
      {
        command: "mlds plan curling-live.yaml --json | jq '.destinations'",
        explanation: "The Destinations for MediaLive's CreateChannel",
      },
      { command: 'mlds apply curling-live.yaml', explanation: 'Create the resources, after confirmation' },
      {
        command: "mlds output curling-live.yaml --json | jq '.destinations'",
        explanation: 'The Destinations with the values apply recorded',
      },
      { command: 'mlds destroy curling-live.yaml', explanation: 'Delete what apply created' },
      { command: 'mlds plan --help', explanation: "One command's options and examples" },
    ]),
    '',
    heading('Exit codes'),
    ...wrappedColumns([
      ['0', 'success'],
      ['1', 'the operation failed (an AWS call, the file system)'],
      ['2', 'invalid workflow file or command line; nothing was called'],
      ['3', 'the state is locked by another run'],
      ['4', 'plan --detailed-exitcode: the plan has changes (0 then means none)'],
      ['130', 'interrupted (Ctrl-C, SIGTERM); what was done is in the state, the lock released'],
    ]),
    '',
  ].join('\n');
}

export function commandHelp(command: Command<unknown>, colors: Colors): string {
  const heading = (text: string) => colors.bold(text);
  const own = command.options ?? {};
  return [
    `Usage: ${command.usage}`,
    '',
    rewrapped(command.description),
    '',
    ...(Object.keys(own).length > 0 ? [heading('Options'), ...optionLines(own), ''] : []),
    heading('Common options'),
    ...optionLines(usedCommonOptions(command)),
    ...unusedCommonOptionsLine(command),
    '',
    heading('Examples'),
    ...exampleLines(command.examples),
    '',
  ].join('\n');
}

function usedCommonOptions(command: Command<unknown>): Record<string, OptionSpec> {
  const unused = new Set(command.unusedCommonOptions ?? []);
  return Object.fromEntries(Object.entries(COMMON_OPTIONS).filter(([name]) => !unused.has(name)));
}

function unusedCommonOptionsLine(command: Command<unknown>): string[] {
  const unused = command.unusedCommonOptions ?? [];
  if (unused.length === 0) return [];
  const flags = unused.map((name) => `--${name}`).join(', ');
  return [wrap(`  Also accepted, and unused by this command: ${flags}`, DIAGNOSTIC_WIDTH, '    ')];
}

/** Each paragraph (blank-line separated) as one text, wrapped within the width diagnostics keep. */
function rewrapped(text: string): string {
  return text
    .split('\n\n')
    .map((paragraph) => wrap(paragraph.replaceAll('\n', ' '), DIAGNOSTIC_WIDTH, ''))
    .join('\n\n');
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  return wrappedColumns(
    Object.entries(options).map(([name, spec]) => {
      const flag = [
        spec.short === undefined ? '' : `-${spec.short}, `,
        `--${name}`,
        spec.valueName ? ` ${spec.valueName}` : '',
      ];
      return [flag.join(''), spec.description];
    }),
  );
}

/** `name  text` rows, the texts in one column and wrapped within the width diagnostics keep. */
function wrappedColumns(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const nameWidth = Math.max(0, ...rows.map(([name]) => visibleWidth(name)));
  const column = ' '.repeat(2 + nameWidth + 2);
  return rows.map(([name, text]) =>
    wrap(`  ${name}${' '.repeat(nameWidth - visibleWidth(name))}  ${text}`, DIAGNOSTIC_WIDTH, column),
  );
}

/** Each example's explanation as a shell comment (wrapped, every line a comment), then its command whole. */
function exampleLines(examples: ReadonlyArray<{ command: string; explanation: string }>): string[] {
  return examples.flatMap((example) => [
    wrap(`  # ${example.explanation}`, DIAGNOSTIC_WIDTH, '  # '),
    `  ${example.command}`,
  ]);
}
