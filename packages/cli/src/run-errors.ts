import type { EnvironmentNeed } from '@mlds/core';
import {
  DestroyRefusedError,
  FileSystemError,
  MissingSecretsError,
  MldsError,
  OperationFailedError,
} from './errors.js';
import type { RunWhere } from './provisioning.js';
import { againCommand } from './render/command-line.js';
import type { ResourceResult, RunOutcome } from './render/summary.js';
import { type Provisioner, stateArguments, stateErrorOf } from './state-backend.js';
import { stateMismatch } from './state-workflow.js';

// How the provisioner's failures read at the command line: each one translated once into the CLI's own error
// (which `exitCodeFor` maps to its exit code), with the hint that says how to go on.

export const LOCALSTACK_HINT =
  'Against LocalStack, S3 needs a host name per bucket: set AWS_ENDPOINT_URL_S3=http://s3.localhost.localstack.cloud:4566 (see LocalStack in the mlds README); otherwise check the endpoint (AWS_ENDPOINT_URL, endpoint_url in the profile) and the network.';

/**
 * The CLI's error for what the provisioner threw. Failures are printed from their redacted `error` text: their
 * `cause` may be a raw SDK error and is kept only as the cause, never printed.
 */
export function translateRunError(
  error: unknown,
  provisioner: Provisioner,
  where: RunWhere,
  /** What the run did before it failed, from its events: says whether anything was done at all. */
  results?: readonly ResourceResult[],
): unknown {
  const { command, file, statePath, again } = where;
  const state = statePath.shownAs;
  const stateError = stateErrorOf(error, provisioner, statePath);
  if (stateError !== undefined) return stateError;
  if (error instanceof provisioner.StateWorkflowMismatchError)
    return stateMismatch(error.stateWorkflow, error.planWorkflow, state, error);
  if (error instanceof provisioner.MissingEnvironmentError) {
    return missingSecretsError(error.missing, error);
  }
  if (error instanceof provisioner.NotEmptyError) {
    const lines = error.blockers.map(
      (blocker) => `  ${blocker.address} (${blocker.name}): ${blocker.reason}`,
    );
    // Named in the first line: a fleet's result line shows that line alone.
    const addresses = error.blockers.map((blocker) => blocker.address);
    const what =
      addresses.length === 1
        ? `${addresses[0]} is`
        : addresses.length <= 3
          ? `${addresses.slice(0, -1).join(', ')} and ${addresses.at(-1)} are`
          : `${addresses.length} resources are`;
    // apply refuses too, when the workflow no longer lists a resource that still holds something.
    const hint =
      command === 'destroy'
        ? `Empty them yourself, or run '${againCommand('destroy', [file], [...where.flags, '--force'])}': it first stops new writes to each bucket and container, then deletes every object and origin endpoint, then the resources. There is no undo.`
        : 'Empty them yourself (apply has no --force) and run apply again, or put them back in the workflow.';
    return new DestroyRefusedError(
      `${command} refused, nothing was ${command === 'destroy' ? 'deleted' : 'changed'}: ${what} not empty\n${lines.join('\n')}`,
      { cause: error, hint },
    );
  }
  if (error instanceof provisioner.ChannelRefusedError) {
    return new DestroyRefusedError(error.message.split('\n').slice(0, -1).join('\n'), {
      cause: error,
      hint: error.fix,
    });
  }
  if (error instanceof provisioner.ApplyFailedError) {
    const failures = error.failures.map((failure) => ({ address: failure.address, error: failure.error }));
    const lines = failures.map((failure) => `  ${failure.address}: ${failure.error}`);
    const skipped =
      error.skipped.length === 0
        ? []
        : [`  not attempted, because something they need failed: ${error.skipped.join(', ')}`];
    const resume =
      resumeHint(command, again, state, results) +
      (command === 'apply' ? importHint(error, provisioner, where) : '');
    const dns = error.failures.some((failure) => provisioner.notFoundHost(failure.cause) !== undefined);
    const hint = dns ? `A host name did not resolve (ENOTFOUND). ${LOCALSTACK_HINT}\n${resume}` : resume;
    return new OperationFailedError(
      `${command} failed for ${failures.length === 1 ? '1 resource' : `${failures.length} resources`}:\n${[...lines, ...skipped].join('\n')}`,
      failures,
      { cause: error, hint },
    );
  }
  if (error instanceof provisioner.InvalidPlanError || error instanceof provisioner.RunAbortedError) {
    return new MldsError(`${command} stopped: ${error.message}`, { cause: error });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new FileSystemError(`cannot use the state ${state}: ${error.message}`, { cause: error });
  }
  return error;
}

/**
 * How to go on after a failed run. When its events show that nothing was created, changed or deleted, it says
 * so: "what was created is recorded" would have the user look for something that is not there. (A resource
 * whose create failed midway is still recorded as in progress, and the next run looks it up first.)
 */
function resumeHint(
  command: RunWhere['command'],
  /** The command line that runs it again. */
  again: string,
  state: string,
  results: readonly ResourceResult[] | undefined,
): string {
  const unchanged: readonly RunOutcome[] = ['unchanged', 'read', 'failed', 'skipped', 'interrupted'];
  const nothingDone = results?.every((result) => unchanged.includes(result.outcome)) === true;
  if (command !== 'apply') {
    return nothingDone
      ? `Nothing was deleted: the state ${state} still records every resource. Fix the cause, then run '${again}' again.`
      : `What was deleted is gone from the state ${state}; the rest is still recorded. Fix the cause, then run '${again}' again.`;
  }
  return nothingDone
    ? `Nothing was created or changed. Fix the cause, then run '${again}' again.`
    : `What was created is recorded in the state ${state}. Fix the cause, then run '${again}' again: it finishes the job, creating only what is missing.`;
}

/**
 * For a resource apply found without this workflow's tag: how to adopt it instead. One the state records (its
 * tag removed since) must be forgotten first: import refuses an address the state records.
 */
function importHint(
  error: InstanceType<Provisioner['ApplyFailedError']>,
  provisioner: Provisioner,
  where: RunWhere,
): string {
  const untagged = error.failures
    .map((failure) => failure.cause)
    .filter(
      (cause): cause is InstanceType<Provisioner['ResourceNotOursError']> =>
        cause instanceof provisioner.ResourceNotOursError && cause.reason === undefined,
    );
  if (untagged.length === 0) return '';
  const importIt = (resource: (typeof untagged)[number]) =>
    `'${againCommand('import', [where.file, resource.address, resource.resourceName], where.flags)}'`;
  const forgetAndImport = (resource: (typeof untagged)[number]) =>
    `'${againCommand('state rm', [resource.address], [stateArguments(where.statePath)])}', then ${importIt(resource)}`;
  const recorded = untagged.filter((resource) => resource.recorded);
  const found = untagged.filter((resource) => !resource.recorded);
  return [
    recorded.length === 0
      ? ''
      : recorded.length === 1
        ? ` If it is still this workflow's, put its tag back, or forget it and import it (import tags it): ${recorded.map(forgetAndImport).join('')}`
        : ` If they are still this workflow's, put their tags back, or forget them and import them (import tags them): ${recorded.map(forgetAndImport).join('; ')}`,
    found.length === 0
      ? ''
      : found.length === 1
        ? ` To import it (import tags it): ${found.map(importIt).join('')}`
        : ` To import them (import tags them): ${found.map(importIt).join('; ')}`,
  ].join('');
}

/** Raised before the confirmation from the plan, and by the provisioner against the locked state. */
export function missingSecretsError(
  missing: readonly EnvironmentNeed[],
  cause?: unknown,
  /** The environment looked in: a variable set to the empty string is said to be empty, not unset. */
  env: Readonly<Record<string, string | undefined>> = {},
): MissingSecretsError {
  const list = missing
    .map(
      (entry) =>
        `  ${entry.variable} (for ${entry.address}${env[entry.variable] === '' ? '; it is set, but empty' : ''})`,
    )
    .join('\n');
  const streamKeys = missing.some((entry) => entry.sentTo === 'medialive-channel');
  const passwords = missing.some((entry) => entry.sentTo === 'ssm-parameter');
  const where = [
    ...(passwords ? ['a password goes into an SSM SecureString parameter'] : []),
    ...(streamKeys ? ['a stream key into the MediaLive channel only'] : []),
  ].join(', ');
  const empty = missing.some((entry) => env[entry.variable] === '');
  return new MissingSecretsError(`set these environment variables, then run apply again:\n${list}`, {
    cause,
    hint: `Nothing was called. The workflow reads these secrets with { env: NAME }: ${where}; mlds never prints them nor records them in the state.${empty ? ' A password already in SSM is left as it is while its variable is unset, not empty.' : ''}`,
  });
}
