// The public entry of @mlds/core: what a program planning workflows needs. Anything not exported here is
// internal (the decision steps, resource naming, the diff) and may change without notice.

export { CHANNEL_ADDRESS, lastBinding } from './channel.js';
export { PlanInputError } from './decide.js';
export type { Observation, ObservedSettings } from './drift.js';
export {
  type EnvironmentNeed,
  environmentDiagnostics,
  environmentNeeded,
  environmentProblems,
} from './environment.js';
export {
  type ImportDecision,
  type ImportHintOptions,
  type ImportPlan,
  type ImportProblem,
  type ImportSettingChange,
  type ImportTagChange,
  importSettingChanges,
  importTagChanges,
  madeBeforeTagging,
  otherOwner,
  planImport,
} from './import.js';
export { TAG_DOWNSTREAM, TAG_WORKFLOW } from './names.js';
export { normalizeWorkflow } from './normalize.js';
export { type ResolvedDestinations, recordedDestinations, resolveDestinations } from './outputs.js';
export {
  type ParseOptions,
  type ParseResult,
  parseWorkflow,
  placeDiagnostics,
  validateWorkflow,
} from './parse.js';
export { type PlanOptions, planTeardown, planWorkflow } from './plan.js';
export {
  parseRateLimits,
  RATE_LIMITED_SERVICES,
  type RateLimitedService,
  RateLimitSyntaxError,
  type RateOverrides,
} from './rate-limits.js';
export { refreshTargets } from './refresh.js';
export { workflowJsonSchema } from './schema.js';
export { readStateDocument, stateDocumentProblem } from './state.js';
export {
  formatS3StateUrl,
  parseStateUrl,
  type S3StateUrl,
  type StateUrl,
  type StateUrlResult,
} from './state-url.js';
// The data model: the workflow file, the plan, the state.
export {
  type Action,
  type ChangeDrift,
  type ChannelBinding,
  type ChannelBindingInput,
  type ChannelClass,
  type Delivery,
  type Diagnostic,
  type Downstream,
  type DownstreamInput,
  FORMAT_VERSION,
  type Format,
  type IngestRotation,
  KNOWN_AFTER_APPLY,
  type MediaPackageOutputDestinationSettings,
  type Mode,
  type Need,
  OTHER_STREAM_KEY,
  type OutputDestination,
  type OutputDestinationSettings,
  type OutputGroupChoice,
  type OutputGroupPlan,
  type OutputGroupType,
  type Pipeline,
  type Plan,
  type Reason,
  type ResourceChange,
  type ResourceKind,
  type ResourceSpec,
  type ResourceStatus,
  SENSITIVE,
  type SecretRef,
  type Severity,
  type SrtOutputDestinationSettings,
  type StateDocument,
  type StateResource,
  type System,
  type WhenRunning,
  type Workflow,
  type WorkflowInput,
} from './types.js';
export { type DecodedText, decodeWorkflowBytes, type EncodingProblem } from './validate/encoding.js';
export { fileSizeProblem, INPUT_LIMITS, type LimitProblem } from './validate/input-limits.js';
export { closest } from './validate/suggest.js';
