import { isAbsolute, relative } from 'node:path';

// What tells a saved plan from a workflow file, apart from reading and applying one (saved-plan.ts, which loads
// the provisioner): every command that reads a workflow file recognises a saved plan given in its place.

/** The `kind` member that tells a saved plan from a workflow file (a workflow file has no `kind`). */
export const SAVED_PLAN_KIND = 'mlds-saved-plan';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A saved plan's text: JSON whose `kind` is mlds-saved-plan, whatever else it holds; else undefined. */
export function savedPlanDocument(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const document: unknown = JSON.parse(text);
    return isObject(document) && document.kind === SAVED_PLAN_KIND ? document : undefined;
  } catch {
    return undefined;
  }
}

/** The workflow file a saved plan names, as a path from `cwd` where it is under it; undefined if it names none. */
export function savedPlanWorkflowFile(document: Record<string, unknown>, cwd: string): string | undefined {
  const workflowFile = document.workflowFile;
  return isObject(workflowFile) && typeof workflowFile.path === 'string'
    ? shownPath(cwd, workflowFile.path)
    : undefined;
}

/** `absolute` from `cwd` when it is under it, else as it is. */
export function shownPath(cwd: string, absolute: string): string {
  const fromCwd = relative(cwd, absolute);
  return fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? absolute : fromCwd;
}
