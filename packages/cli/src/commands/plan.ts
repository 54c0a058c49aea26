import { writeDiagnostics } from '../render/diagnostics.js';
import { writeJson } from '../render/json.js';
import { renderPlan, renderPlanSummary } from '../render/plan.js';
import { loadWorkflowAndState, planLoadedWorkflow } from '../workflow-file.js';
import { type Command, type CommandContext, workflowFileArgument } from './command.js';

export interface PlanOptions {
  /** The workflow file; `-` reads stdin. */
  file: string;
  /** `--state`; undefined for `.mlds/<workflow>.state.json`. */
  statePath: string | undefined;
  /** `--region`: replaces the workflow's Region. */
  region: string | undefined;
  json: boolean;
}

/**
 * The dry run: reads the workflow and the state, prints the plan. Diagnostics go to stderr in text mode and
 * into the document with `--json`. No AWS call.
 */
export async function plan(options: PlanOptions, context: CommandContext): Promise<void> {
  const { stdout, stderr, colors } = context;
  // A state of another workflow is planned against: the plan's `state.other-workflow` warning says so.
  const { loaded, statePath, state } = await loadWorkflowAndState(
    { ...options, sameWorkflow: false },
    context,
  );
  const result = planLoadedWorkflow(loaded, state);
  if (options.json) {
    writeJson(stdout, result);
    return;
  }
  stdout.write(
    renderPlan(
      result,
      { file: loaded.file, state: { path: statePath.shownAs, serial: state?.serial } },
      colors,
    ),
  );
  writeDiagnostics(stderr, result.diagnostics, loaded.file, colors);
  stdout.write(renderPlanSummary(result, colors));
}

const usage = 'mlds plan <file> [options]';

export const command: Command<PlanOptions> = {
  usage,
  description: [
    'Shows what `mlds apply` would do, without calling AWS: the MediaLive output group each downstream system',
    'needs and why, the resources to create, update, delete or keep (compared with the state file), and the',
    "Destinations to give MediaLive's CreateChannel. Values that exist only after apply read (known after apply).",
    'Diagnostics go to stderr; with --json, stdout holds only the plan document. The file - reads stdin.',
  ].join('\n'),
  examples: [
    { command: 'mlds plan curling-live.yaml', explanation: 'The plan against .mlds/curling-live.state.json' },
    {
      command: 'mlds plan curling-live.yaml --state ./prod.state.json',
      explanation: 'Against another state file',
    },
    {
      command: 'mlds plan curling-live.yaml --region eu-west-1',
      explanation: 'The same workflow in another Region',
    },
    {
      command:
        'mlds plan curling-live.yaml --json | jq -r \'.resources[] | select(.action != "noop") | .address\'',
      explanation: 'What would change, for a script',
    },
    { command: 'cat curling-live.yaml | mlds plan -', explanation: 'Read the workflow from stdin' },
  ],
  toOptions: (args) => ({
    file: workflowFileArgument(args, usage),
    statePath: args.common.state,
    region: args.common.region,
    json: args.common.json,
  }),
  run: plan,
};
