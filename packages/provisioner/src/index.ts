// The public entry of @mlds/provisioner: applies an mlds plan through the AWS SDK and keeps the state file.

export {
  type AwsClients,
  type AwsClientsOptions,
  type ClientConfig,
  type ClientOf,
  createAwsClients,
  type LazyAwsClients,
  type SdkLoaders,
  type SdkLogger,
  sdkLoaders,
} from './clients.js';
export { type ApplyOptions, apply, type DestroyOptions, destroy, type RunResult } from './engine.js';
export {
  ApplyFailedError,
  type Blocker,
  BucketAclInUseError,
  BucketNameTakenError,
  ChannelRefusedError,
  ChannelStartFailedError,
  CredentialsError,
  EndpointNotFoundError,
  ExistingResourceNotFoundError,
  type Failure,
  InterruptedCallError,
  InvalidPlanError,
  LockHolderRunningError,
  type LockInfo,
  LockNotFoundError,
  MediaLiveRejectedError,
  type MediaLiveValidationError,
  MissingEnvironmentError,
  NotEmptyError,
  OperationTimeoutError,
  QuotaExceededError,
  RefreshFailedError,
  ResourceNotOursError,
  RunAbortedError,
  StateCorruptError,
  StateFencedError,
  StateLockedError,
  StatePushRefusedError,
  StateStoreError,
  StateWorkflowMismatchError,
  WaitTimeoutError,
} from './errors.js';
export type { EngineAction, EngineEvent, Outcome, ResourceOutcome } from './events.js';
export { prepareCalls } from './handlers/index.js';
export {
  ImportFailedError,
  type ImportOptions,
  type ImportPreview,
  type ImportRefusal,
  ImportRefusedError,
  type ImportResult,
  importResource,
} from './import.js';
export { mediaStoreIngestUrl } from './mediastore-url.js';
export { type CallerIdentity, callerIdentity, credentialsErrorOf, notFoundHost } from './preflight.js';
export { type ProcessStatus, type ProcessTable, systemProcessTable } from './process-table.js';
export {
  DEFAULT_RATES,
  RequestLimiter,
  type RequestLimiterOptions,
  type ServiceRate,
} from './rate-limit.js';
export { type RefreshOptions, refresh } from './refresh.js';
export {
  DEFAULT_RETRY_POLICY,
  DEFAULT_WAIT_POLICY,
  type ModelledRetryable,
  type RetryPolicy,
  retryReason,
  type WaitPolicy,
} from './retry.js';
export {
  type RotatedEndpoint,
  type RotateOptions,
  type RotateResult,
  RotationFailedError,
  RotationNotPossibleError,
  rotateIngestCredentials,
} from './rotate.js';
export { S3StateStore, type S3StateStoreOptions, stateIamActions } from './s3-state-store.js';
export { type PushResult, pushState } from './state-push.js';
export {
  FileStateStore,
  type FileStateStoreOptions,
  type Lock,
  type StateBackend,
  type StateFileSystem,
  type StateStore,
  type StateWriteFileSystem,
} from './state-store.js';
