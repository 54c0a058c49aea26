// What the state records of a binding between runs: the destination ids mlds wrote, and a restart left unfinished.

/** What the state records for a binding: never a secret. */
export interface BindingOutputs {
  destinationIds: string[];
  pendingStart?: true;
}

export function bindingOutputsOf(outputs: Record<string, unknown> | undefined): BindingOutputs {
  const ids = outputs?.destinationIds;
  return {
    destinationIds: Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [],
    ...(outputs?.pendingStart === true ? { pendingStart: true as const } : {}),
  };
}
