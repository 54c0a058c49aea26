// The public entry of @mlds/core. Anything not exported here is internal.

export { decideOutputGroups, PlanInputError } from './decide.js';
export { planDestinations } from './destinations.js';
export { diffResources, type ResourceIdentity } from './diff.js';
export { type EnvironmentNeed, environmentNeeded } from './environment.js';
export {
  bucketName,
  defaultPath,
  mediaPackageChannelId,
  mediaStoreContainerName,
  passwordParameterName,
  resourceAddress,
  resourceTags,
  TAG_DOWNSTREAM,
  TAG_WORKFLOW,
} from './names.js';
export { defaultFormat, normalizeWorkflow, resolveAwsSystem } from './normalize.js';
export { type ResolvedDestinations, resolveDestinations } from './outputs.js';
export { type ParseOptions, type ParseResult, parseWorkflow, validateWorkflow } from './parse.js';
export { type PlanOptions, planWorkflow } from './plan.js';
export { desiredResources } from './resources.js';
export { workflowJsonSchema } from './schema.js';
export { stateDocumentProblem } from './state.js';
export * from './types.js';
