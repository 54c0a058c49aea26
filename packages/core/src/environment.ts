import { positionIn } from './parse.js';
import type { Diagnostic, Plan, Workflow } from './types.js';

export interface EnvironmentNeed {
  /** The environment variable apply reads. */
  variable: string;
  /** What it is for: the SSM parameter it is written to, or the downstream field (`social.streamKey`). */
  address: string;
  /** Where the secret goes: an SSM SecureString parameter, or the bound MediaLive channel only. */
  sentTo: 'ssm-parameter' | 'medialive-channel';
}

/**
 * The `{ env: NAME }` secrets an apply of this plan must read: those of parameters it creates, or whose
 * source changed. A parameter already written is not rewritten, so its variable may be unset on re-apply.
 * With a bound channel, its `{ env }` stream keys too: apply sends them to MediaLive and nowhere else.
 */
export function environmentNeeded(plan: Plan): EnvironmentNeed[] {
  const needs: EnvironmentNeed[] = [];
  for (const change of plan.resources) {
    if (change.kind === 'medialive-channel') {
      // Apply compares the channel's stream keys with these every time, so they are always read.
      const keys = change.properties.streamKeys;
      for (const [name, ref] of Object.entries(typeof keys === 'object' && keys !== null ? keys : {})) {
        if (typeof ref === 'object' && ref !== null && 'env' in ref && typeof ref.env === 'string')
          needs.push({ variable: ref.env, address: `${name}.streamKey`, sentTo: 'medialive-channel' });
      }
      continue;
    }
    if (change.kind !== 'ssm-parameter') continue;
    const writes =
      change.action === 'create' ||
      (change.action === 'update' && (change.changes.includes('source') || change.changes.includes('value')));
    const source = change.properties.source;
    if (!writes || typeof source !== 'object' || source === null || !('env' in source)) continue;
    if (typeof source.env === 'string')
      needs.push({ variable: source.env, address: change.address, sentTo: 'ssm-parameter' });
  }
  return needs;
}

/**
 * What apply refuses before it calls anything: a secret it must read that is unset or empty, and a secret a
 * parameter already written reads, set to the empty string. Unset, that variable leaves the value in SSM as it
 * is (nothing to compare); set, a refresh compares the value with it; set to nothing, it is a mistake (an
 * empty CI secret, `export CDN_PASSWORD=`) that used to pass as "No changes", while a first apply refused it.
 */
export function environmentProblems(
  plan: Plan,
  env: Readonly<Record<string, string | undefined>>,
): EnvironmentNeed[] {
  const problems = environmentNeeded(plan).filter((need) => !env[need.variable]);
  const listed = new Set(problems.map((need) => `${need.variable}\0${need.address}`));
  for (const change of plan.resources) {
    if (change.kind !== 'ssm-parameter' || change.action === 'delete') continue;
    const source = change.properties.source;
    if (typeof source !== 'object' || source === null || !('env' in source)) continue;
    if (typeof source.env !== 'string' || env[source.env] !== '') continue;
    if (listed.has(`${source.env}\0${change.address}`)) continue;
    problems.push({ variable: source.env, address: change.address, sentTo: 'ssm-parameter' });
  }
  return problems;
}

/**
 * What `plan` says of the secrets its apply would refuse, from the environment plan runs in (it reads whether
 * each is set, never its value): a warning for one set to the empty string (an empty CI secret, `export
 * CDN_PASSWORD=`); a note for one not set, since plan often runs where secrets are not (a pull request's CI)
 * while apply needs them. Each points at the workflow field that names the variable.
 */
export function environmentDiagnostics(
  plan: Plan,
  workflow: Workflow,
  env: Readonly<Record<string, string | undefined>>,
  /** The workflow file's text: each diagnostic then carries its line and column, as parsing's do. */
  text?: string,
): Diagnostic[] {
  return environmentProblems(plan, env).map((need) => {
    const [name] = need.address.split('.');
    const index = workflow.downstream.findIndex((downstream) => downstream.name === name);
    const field = need.sentTo === 'medialive-channel' ? 'streamKey' : 'password';
    const path = index === -1 ? '' : `downstream[${index}].${field}`;
    const position =
      text === undefined || index === -1 ? undefined : positionIn(text, ['downstream', index, field]);
    const at = position === undefined ? {} : { line: position.line, column: position.column };
    const goesTo =
      need.sentTo === 'medialive-channel'
        ? 'sends it to the bound MediaLive channel'
        : `writes it to the SSM parameter of ${need.address}`;
    return env[need.variable] === ''
      ? {
          severity: 'warning',
          code: 'env.empty',
          message: `${need.variable} is set to the empty string: apply refuses it (it ${goesTo}). Set it to the secret before apply.`,
          path,
          ...at,
        }
      : {
          severity: 'info',
          code: 'env.unset',
          message: `apply reads ${need.variable} and ${goesTo}; it is not set here. Set it where apply runs, or apply refuses before any AWS call.`,
          path,
          ...at,
        };
  });
}
