// The public entry of @mlds/provisioner: applies an mlds plan through the AWS SDK and keeps the state file.

export { type AwsClients, type AwsClientsOptions, createAwsClients } from './clients.js';
export { type ApplyOptions, apply, type DestroyOptions, destroy, type RunResult } from './engine.js';
export {
  ApplyFailedError,
  type Blocker,
  BucketNameTakenError,
  CredentialsError,
  EndpointNotFoundError,
  ExistingResourceNotFoundError,
  type Failure,
  InterruptedCallError,
  InvalidPlanError,
  type LockInfo,
  MissingEnvironmentError,
  NotEmptyError,
  OperationTimeoutError,
  ResourceNotOursError,
  RunAbortedError,
  StateCorruptError,
  StateLockedError,
  StateWorkflowMismatchError,
  WaitTimeoutError,
} from './errors.js';
export type { EngineAction, EngineEvent, Outcome, ResourceOutcome } from './events.js';
export { mediaStoreIngestUrl } from './handlers/mediastore.js';
export { type CallerIdentity, callerIdentity, notFoundHost } from './preflight.js';
export {
  DEFAULT_RETRY_POLICY,
  DEFAULT_WAIT_POLICY,
  type RetryPolicy,
  retryReason,
  type WaitPolicy,
} from './retry.js';
export {
  FileStateStore,
  type FileStateStoreOptions,
  type Lock,
  type StateFileSystem,
  type StateStore,
} from './state-store.js';
