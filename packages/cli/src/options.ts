import type { ParseArgsOptionsConfig } from 'node:util';
import type { OptionSpec } from './commands/command.js';

/** Accepted by every command (contract §2). */
export const COMMON_OPTIONS = {
  state: {
    type: 'string',
    valueName: '<path>',
    description:
      "The state: a file, or s3://bucket/key (default: the workflow's state:, else .mlds/<workflow>.state.json under the current directory)",
  },
  region: { type: 'string', valueName: '<region>', description: "Use this Region instead of the workflow's" },
  profile: {
    type: 'string',
    valueName: '<name>',
    description: 'The AWS profile, for commands that call AWS',
  },
  json: { type: 'boolean', description: 'Print the JSON document instead of text; nothing else on stdout' },
  'no-color': { type: 'boolean', description: 'No colours (also when NO_COLOR is set)' },
  help: { type: 'boolean', short: 'h', description: 'Show help' },
  version: { type: 'boolean', short: 'v', description: 'Print the version' },
} as const satisfies Record<string, OptionSpec>;

export function parseArgsConfig(options: Readonly<Record<string, OptionSpec>>): ParseArgsOptionsConfig {
  return Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short },
    ]),
  );
}
