import type { Plan } from './types.js';

export interface EnvironmentNeed {
  /** The environment variable apply reads. */
  variable: string;
  /** The SSM parameter it is written to. */
  address: string;
}

/**
 * The `{ env: NAME }` secrets an apply of this plan must read: those of parameters it creates, or whose
 * source changed. A parameter already written is not rewritten, so its variable may be unset on re-apply.
 */
export function environmentNeeded(plan: Plan): EnvironmentNeed[] {
  const needs: EnvironmentNeed[] = [];
  for (const change of plan.resources) {
    if (change.kind !== 'ssm-parameter') continue;
    const writes =
      change.action === 'create' ||
      (change.action === 'update' && (change.changes.includes('source') || change.changes.includes('value')));
    const source = change.properties.source;
    if (!writes || typeof source !== 'object' || source === null || !('env' in source)) continue;
    if (typeof source.env === 'string') needs.push({ variable: source.env, address: change.address });
  }
  return needs;
}
