import { count } from '../errors.js';
import { writeDiagnostics } from '../render/diagnostics.js';
import { writeJson } from '../render/json.js';
import { loadWorkflow, planLoadedWorkflow } from '../workflow-file.js';
import { type Command, type CommandContext, workflowFileArgument } from './command.js';

export interface ValidateOptions {
  /** The workflow file; `-` reads stdin. */
  file: string;
  /** `--region`: replaces the workflow's Region. */
  region: string | undefined;
  json: boolean;
}

/**
 * Checks the file alone: validation, then planning without a state (the planner's rules find what the schema
 * cannot). Prints the diagnostics to stderr and a one-line verdict to stdout; with `--json`, the plan document.
 */
export async function validate(options: ValidateOptions, context: CommandContext): Promise<void> {
  const { stdout, stderr, colors } = context;
  const loaded = await loadWorkflow(options.file, {
    cwd: context.cwd,
    stdin: context.stdin,
    region: options.region,
  });
  const result = planLoadedWorkflow(loaded, undefined);
  if (options.json) {
    writeJson(stdout, result);
    return;
  }
  writeDiagnostics(stderr, result.diagnostics, loaded.file, colors);
  const warnings = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'warning').length;
  const remarks = warnings === 0 ? '' : `, ${count(warnings, 'warning')}`;
  stdout.write(
    `${colors.green('valid')}: ${loaded.file} (workflow ${result.workflow}: ${count(result.outputGroups.length, 'output group')}, ${count(result.resources.length, 'resource')}${remarks})\n`,
  );
}

const usage = 'mlds validate <file> [options]';

export const command: Command<ValidateOptions> = {
  usage,
  description: [
    'Checks a workflow file without calling AWS and without reading the state: the schema, every rule of the',
    'user guide, and the plan. Prints each diagnostic as file:line:column path: message, then a verdict.',
    'Exits 2 when the file has an error. With --json, prints the plan document (every resource as for a first',
    'apply), or { formatVersion, workflow, diagnostics } when the file has errors. The file - reads stdin.',
  ].join('\n'),
  examples: [
    { command: 'mlds validate curling-live.yaml', explanation: 'Check a file' },
    {
      command: "mlds validate curling-live.yaml --json | jq '.diagnostics'",
      explanation: 'The diagnostics, for an editor or a CI step',
    },
    {
      command: 'for f in workflows/*.yaml; do mlds validate "$f" || exit; done',
      explanation: 'Check every file',
    },
  ],
  // It reads no state and calls no AWS.
  unusedCommonOptions: ['state', 'profile'],
  toOptions: (args) => ({
    file: workflowFileArgument(args, usage),
    region: args.common.region,
    json: args.common.json,
  }),
  run: validate,
};
