// The public entry of @mlds/core. Anything not exported here is internal.

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
export * from './types.js';
