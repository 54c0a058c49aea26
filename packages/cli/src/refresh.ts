import { type Observation, refreshTargets, type StateDocument, type Workflow } from '@mlds/core';
import type { CommandContext } from './commands/command.js';
import { OperationFailedError } from './errors.js';
import type { Provisioning } from './provisioning.js';
import { againCommand } from './render/command-line.js';
import { credentialsFailed } from './state-backend.js';

// `plan --refresh` and `apply` (unless --refresh=false) read the recorded resources before planning, as
// Terraform's refresh does; core then plans against what AWS holds. Only reads: nothing is changed here. Which
// resources are read is core's decision (`refreshTargets`): those whose answer can change the plan.

/** Observations of the state's resources the workflow's plan uses; none without a state (nothing to read). */
export async function refreshRecorded(
  provisioning: Pick<
    Provisioning,
    'provisioner' | 'clients' | 'clock' | 'sleep' | 'limiter' | 'profileInUse'
  >,
  state: StateDocument | undefined,
  context: Pick<CommandContext, 'env'>,
  /**
   * `flags`: the command's --state, --region and --profile, for the command its hint gives (rerunFlags);
   * `profile`: the --profile given, named when the credentials are what failed.
   */
  where: {
    command: 'plan' | 'apply';
    file: string;
    workflow: Workflow;
    flags: readonly string[];
    profile: string | undefined;
  },
): Promise<Observation[] | undefined> {
  if (state === undefined) return undefined;
  const { provisioner, clients, clock, sleep, limiter } = provisioning;
  try {
    return await provisioner.refresh({
      state,
      resources: refreshTargets(where.workflow, state),
      clients,
      env: { ...context.env },
      clock,
      ...(sleep === undefined ? {} : { sleep }),
      ...(limiter === undefined ? {} : { limiter }),
    });
  } catch (error) {
    if (!(error instanceof provisioner.RefreshFailedError)) throw error;
    // No credentials (plan --refresh has no pre-flight to find out first): the reads failed before any request,
    // for a reason that is the profile's or the environment's, not the IAM policy's.
    const credentials = error.failures
      .map((failure) =>
        provisioner.credentialsErrorOf(failure.cause, where.profile ?? provisioning.profileInUse),
      )
      .find((found) => found !== undefined);
    if (credentials !== undefined) throw credentialsFailed(credentials);
    const failures = error.failures.map((failure) => ({ address: failure.address, error: failure.error }));
    const lines = failures.map((failure) => `  ${failure.address}: ${failure.error}`);
    const skip =
      where.command === 'apply'
        ? againCommand('apply', [where.file], [...where.flags, '--refresh=false'])
        : againCommand('plan', [where.file], where.flags);
    throw new OperationFailedError(
      `refresh could not read ${failures.length === 1 ? '1 resource' : `${failures.length} resources`}, nothing was changed:\n${lines.join('\n')}`,
      failures,
      {
        cause: error,
        hint: `Refresh needs read access to what the state records (see docs/iam-policy.json). Fix the cause and run again, or plan from the state alone: ${skip}`,
      },
    );
  }
}
