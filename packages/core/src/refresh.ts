import { recordedBinding } from './channel.js';
import type { StateDocument, StateResource, Workflow } from './types.js';

// What a refresh (`plan --refresh`, apply) reads before the plan. Core decides it, as it decides the plan: a read
// is worth its call only when the plan made from its answer can differ, so the provisioner reads exactly these
// resources and nothing else (contract section 6: without `channel`, nothing MediaLive is read or written).

/**
 * The recorded resources a refresh reads, in the state's order: what mlds made and finished, and what it only
 * reads (`existing`: whether it is still there, which the plan says before apply meets it), whose current value
 * the plan uses (a noop or update becomes a create or an update when it drifted; a delete of what is already
 * gone says so, `only removed from the state`, as Terraform refreshes what it is about to destroy). Left out:
 * - a run's unfinished intent (`creating`, `deleting`): apply looks it up by name itself;
 * - a MediaLive channel binding the workflow no longer has (`channel:` removed, or another channel id or
 *   Region): the plan neither reads nor writes that channel (`channel.unbound`) and never deletes a binding, so
 *   its answer would change nothing; reading it would cost a `DescribeChannel` (and its stream keys'
 *   `GetParameter`), and fail the run in an account without MediaLive permissions.
 */
export function refreshTargets(
  workflow: Pick<Workflow, 'channel' | 'region'>,
  state: StateDocument,
): StateResource[] {
  const bound =
    workflow.channel === undefined ? undefined : recordedBinding(state, workflow.channel.id, workflow.region);
  return state.resources.filter((resource) => {
    if (resource.status !== 'created') return false;
    return resource.kind !== 'medialive-channel' || resource === bound;
  });
}
