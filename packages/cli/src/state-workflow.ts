import type { StateDocument } from '@mlds/core';
import { StateMismatchError } from './errors.js';

/** The error for a state file that records another workflow than the workflow file: one of the two is wrong. */
export function stateMismatch(
  stateWorkflow: string,
  fileWorkflow: string,
  shownAs: string,
  cause?: unknown,
): StateMismatchError {
  return new StateMismatchError(
    `the state ${shownAs} records workflow '${stateWorkflow}', not '${fileWorkflow}'`,
    {
      ...(cause === undefined ? {} : { cause }),
      hint: 'Pass the state of this workflow with --state, or the workflow file that goes with this state. Nothing was called.',
    },
  );
}

/** Throws StateMismatchError unless `state` is absent or records `workflow`. */
export function checkStateWorkflow(
  state: StateDocument | undefined,
  workflow: string,
  shownAs: string,
): void {
  if (state !== undefined && state.workflow !== workflow)
    throw stateMismatch(state.workflow, workflow, shownAs);
}
