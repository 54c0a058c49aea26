import workflowSchema from '@mlds/core/workflow.schema.json' with { type: 'json' };
import { UsageError } from '../errors.js';
import { writeJson } from '../render/json.js';
import type { Command, CommandContext } from './command.js';

// The example files name the schema by a path inside this repository, which a copy elsewhere loses, and the
// installed CLI holds no schema file: this prints it, for an editor to read beside the user's own workflows.

export type SchemaOptions = Record<string, never>;

/** `mlds schema`: the workflow file's JSON Schema, as @mlds/core ships it, on stdout. */
export async function schema(_options: SchemaOptions, context: CommandContext): Promise<void> {
  writeJson(context.stdout, workflowSchema);
}

const usage = 'mlds schema';

export const command: Command<SchemaOptions> = {
  usage,
  description: [
    "Prints the workflow file's JSON Schema (draft-07), the one `validate` checks a file against before its",
    'rules, for an editor to validate and complete workflow files: save it beside them, then name it in the',
    'first line of a YAML file (# yaml-language-server: $schema=./workflow.schema.json, for VS Code with the',
    'YAML extension or any yaml-language-server editor) or as the "$schema" member of a JSON one. No AWS call.',
  ].join('\n'),
  examples: [
    { command: 'mlds schema > workflow.schema.json', explanation: 'Save the schema beside your workflows' },
  ],
  // It prints one fixed document, as JSON.
  unusedCommonOptions: ['state', 'region', 'profile', 'json', 'no-color'],
  toOptions: (args) => {
    if (args.positionals.length > 0) {
      throw new UsageError(`mlds schema takes no argument, not '${args.positionals[0]}'`, {
        hint: `Usage: ${usage} > workflow.schema.json`,
      });
    }
    return {};
  },
  run: schema,
};
