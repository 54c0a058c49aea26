import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandContext } from './commands/command.js';
import type { StateOptions } from './commands/state.js';
import { UsageError } from './errors.js';
import { type StatePath, statePathFor } from './state-file.js';
import { loadWorkflow } from './workflow-file.js';

// Which state `mlds state` works on, and the Region of an S3 one: the command line, the workflow file, or the
// only state under .mlds/.

export function regionFromEnvironment(context: CommandContext): string {
  return context.env.AWS_REGION ?? context.env.AWS_DEFAULT_REGION ?? '';
}

export function regionNeeded(): UsageError {
  return new UsageError("an S3 state needs its bucket's Region", {
    hint: 'Pass --region (or set AWS_REGION), or --file with the workflow file, whose Region mlds uses.',
  });
}

/**
 * `--state`, else the workflow file's state, else the only state under .mlds/; with the Region an S3 state is
 * reached in (--region, else the workflow's, else AWS_REGION).
 */
export async function resolveStatePath(
  options: Pick<StateOptions, 'file' | 'statePath' | 'region' | 'profile'>,
  context: CommandContext,
): Promise<{ statePath: StatePath; region: string | undefined }> {
  if (options.file !== undefined) {
    const loaded = await loadWorkflow(options.file, {
      cwd: context.cwd,
      stdin: context.stdin,
      region: options.region,
    });
    const { workflow } = loaded;
    const statePath = statePathFor(context.cwd, options.statePath, workflow.workflow, {
      workflowState: workflow.state,
      region: workflow.region,
      profile: options.profile,
    });
    return { statePath, region: workflow.region };
  }
  const region = options.region ?? regionFromEnvironment(context);
  if (options.statePath !== undefined) {
    const statePath = statePathFor(context.cwd, options.statePath, '', { region, profile: options.profile });
    if (statePath.kind === 's3' && statePath.region === '') throw regionNeeded();
    return { statePath, region: region || undefined };
  }
  const found = statesUnder(context.cwd);
  if (found.length === 1 && found[0] !== undefined) {
    return { statePath: statePathFor(context.cwd, join('.mlds', found[0]), ''), region: region || undefined };
  }
  throw new UsageError(
    found.length === 0
      ? 'which state? there is none under .mlds/'
      : `which state? .mlds/ holds ${found.length}`,
    { hint: 'Pass --state <path or s3://bucket/key>, or --file <workflow file>.' },
  );
}

function statesUnder(cwd: string): string[] {
  try {
    return readdirSync(join(cwd, '.mlds')).filter((name) => name.endsWith('.state.json'));
  } catch {
    return [];
  }
}
