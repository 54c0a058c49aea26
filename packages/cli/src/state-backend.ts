import type { AwsClients, SdkLogger, StateBackend } from '@mlds/provisioner';
import type { RunEnvironment } from './aws.js';
import type { CommandContext } from './commands/command.js';
import {
  CredentialsFailedError,
  type MldsError,
  StateFileError,
  StateLockedError,
  StateStoreError,
} from './errors.js';
import { shellArg } from './render/command-line.js';
import type { StatePath } from './state-file.js';

// The state's store, for any command: the local file or S3, chosen by the state URL. Only types come from the
// provisioner at the top: it (and the AWS SDK) loads when a store is opened.

export type Provisioner = typeof import('@mlds/provisioner');

/** The store of `statePath`: FileStateStore, or S3StateStore on the provisioner's S3 client of its Region. */
export async function openStateBackend(
  statePath: StatePath,
  context: RunEnvironment & { profile?: string | undefined } & Partial<
      Pick<CommandContext, 'env' | 'stderr'>
    >,
): Promise<{ provisioner: Provisioner; backend: StateBackend }> {
  const provisioner = await import('@mlds/provisioner');
  const clock = context.clock ?? Date.now;
  if (statePath.kind === 'file') {
    return { provisioner, backend: new provisioner.FileStateStore(statePath.absolute, { clock }) };
  }
  const profile = statePath.profile ?? context.profile;
  const clients = context.awsClients?.({ profile }) ?? defaultAwsClients(provisioner, context, profile);
  const named = profile ?? (context.env?.AWS_PROFILE || undefined);
  const backend = new provisioner.S3StateStore({
    client: clients.s3(statePath.region),
    bucket: statePath.bucket,
    key: statePath.key,
    clock,
    ...(context.sleep === undefined ? {} : { sleep: context.sleep }),
    // Named when the credentials cannot be loaded: --profile, else AWS_PROFILE, which the SDK reads itself.
    ...(named === undefined ? {} : { profile: named }),
    ...(statePath.region === '' ? {} : { region: statePath.region }),
  });
  return { provisioner, backend };
}

/** The provisioner's clients for `profile`, built once per invocation when it keeps them (`builtAwsClients`). */
export function defaultAwsClients(
  provisioner: Provisioner,
  context: RunEnvironment & Partial<Pick<CommandContext, 'env' | 'stderr'>>,
  profile: string | undefined,
): AwsClients {
  const key = profile ?? '';
  const built = context.builtAwsClients?.get(key);
  if (built !== undefined) return built;
  const { env, stderr } = context;
  const logger =
    env !== undefined && stderr !== undefined && twoCredentialSources(env, profile)
      ? warningLogger(stderr, profile)
      : undefined;
  const clients = provisioner.createAwsClients({
    ...(profile === undefined ? {} : { profile }),
    ...(logger === undefined ? {} : { logger }),
  });
  context.builtAwsClients?.set(key, clients);
  return clients;
}

/** A profile (--profile or AWS_PROFILE) and the static key pair at once: the SDK's credential chain warns. */
function twoCredentialSources(env: CommandContext['env'], profile: string | undefined): boolean {
  return Boolean((profile ?? env.AWS_PROFILE) && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
}

/**
 * A logger for the one case where the SDK has something to say: its nine-line console warning about two
 * credential sources becomes one line in mlds's words, said once; any other warning keeps its first line.
 * Only then: any logger but the SDK's silent one makes it prepare a log entry for every request.
 */
function warningLogger(stderr: CommandContext['stderr'], profile: string | undefined): SdkLogger {
  const said = new Set<string>();
  const quiet = () => {};
  return {
    trace: quiet,
    debug: quiet,
    info: quiet,
    error: quiet,
    warn: (...content: unknown[]) => {
      const text = content.map(String).join(' ');
      const line = /Multiple credential sources/.test(text)
        ? `warning: ${profile === undefined ? 'AWS_PROFILE' : `--profile ${profile}`} and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are both set; the AWS SDK uses the profile's credentials (unset one of the two to choose)`
        : `warning: ${text.trim().split('\n')[0] ?? ''}`;
      if (said.has(line)) return;
      said.add(line);
      stderr.write(`${line}\n`);
    },
  };
}

/** The CLI's error for a state-store error of the provisioner; undefined when `error` is none of them. */
export function stateErrorOf(
  error: unknown,
  provisioner: Provisioner,
  statePath: StatePath,
): MldsError | undefined {
  const state = statePath.shownAs;
  if (error instanceof provisioner.StateLockedError) {
    const { holder } = error;
    const automatic =
      statePath.kind === 'file'
        ? 'mlds takes over a lock by itself when its process is gone on this host, or after 12 hours.'
        : 'A lock in S3 never expires.';
    return new StateLockedError(
      `the state ${state} is locked by '${holder.command}' on host ${holder.host} (pid ${holder.pid}) since ${holder.acquiredAt}, lock id ${holder.id}`,
      {
        cause: error,
        hint: [
          'Another mlds run is using this state: wait for it to finish, then run this again.',
          `If that run is gone (its process killed, its machine restarted), run '${unlockCommand(holder.id, statePath)}' and run again.`,
          automatic,
        ].join('\n'),
      },
    );
  }
  if (error instanceof provisioner.StateCorruptError) {
    const what = statePath.kind === 'file' ? 'state file' : 'state';
    return new StateFileError(`the ${what} ${state} is not an mlds state: ${error.problem}`, {
      cause: error,
      hint: 'Restore it from a backup (or an earlier version of the object), or point --state at the right state. mlds never overwrites a corrupt state.',
    });
  }
  if (error instanceof provisioner.StateFencedError) {
    return new StateStoreError(
      error.reason === 'lock-lost'
        ? `this run lost the lock of the state ${state}; nothing was overwritten`
        : `the state changed under this run: ${state}; nothing was overwritten`,
      {
        cause: error,
        hint: `${error.message}\nWhat this run did before is recorded; run the command again: it plans against the state as it is now.`,
      },
    );
  }
  if (error instanceof provisioner.StateStoreError) {
    return new StateStoreError(`cannot use the state ${state}: ${error.message}`, {
      cause: error,
      hint: error.fix,
    });
  }
  if (error instanceof provisioner.CredentialsError) return credentialsFailed(error);
  // As `terraform force-unlock` asks first: the lock of a run that still runs here stays unless --force.
  if (error instanceof provisioner.LockHolderRunningError) {
    const { holder } = error;
    return new StateLockedError(
      `the lock ${holder.id} of ${state} belongs to a run still running on this host: '${holder.command}' (pid ${holder.pid}) since ${holder.acquiredAt}; nothing was removed`,
      {
        cause: error,
        hint: `Stop that run (Ctrl-C lets its calls finish and releases the lock), or remove the lock anyway: 'mlds state unlock ${holder.id} ${stateArguments(statePath)} --force'; a run that loses its lock stops before its next write.`,
      },
    );
  }
  if (error instanceof provisioner.LockNotFoundError || error instanceof provisioner.StatePushRefusedError) {
    return new StateStoreError(error.message, { cause: error });
  }
  return undefined;
}

export function translateStateError(error: unknown, provisioner: Provisioner, statePath: StatePath): unknown {
  return stateErrorOf(error, provisioner, statePath) ?? error;
}

/** No credentials, or a profile that cannot give them: what to check, with nothing called. */
export function credentialsFailed(error: {
  profile: string | undefined;
  message: string;
}): CredentialsFailedError {
  const hint =
    error.profile === undefined
      ? "Nothing was called. Set AWS_PROFILE or --profile, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or sign in ('aws sso login', 'aws configure')."
      : `Nothing was called. Check [profile ${error.profile}] in ~/.aws/config (or AWS_CONFIG_FILE) and ~/.aws/credentials; for SSO, run 'aws sso login --profile ${error.profile}'.`;
  return new CredentialsFailedError(error.message, { cause: error, hint });
}

/** The command that removes the lock `id` of `statePath`, whole. */
export function unlockCommand(id: string, statePath: StatePath): string {
  return `mlds state unlock ${id} ${stateArguments(statePath)}`;
}

/** The arguments that point `mlds state` at `statePath`: an S3 state needs its bucket's Region too. */
export function stateArguments(statePath: StatePath): string {
  const region = statePath.kind === 's3' && statePath.region !== '' ? ` --region ${statePath.region}` : '';
  return `--state ${shellArg(statePath.shownAs)}${region}`;
}
