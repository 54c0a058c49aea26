import type { ResourceKind } from '@mlds/core';
import type { KindHandler } from '../runtime.js';
import { mediaLiveChannelHandler } from './medialive.js';
import { mediaPackageChannelHandler } from './mediapackage.js';
import { mediaStoreContainerHandler } from './mediastore.js';
import { s3BucketHandler } from './s3.js';
import { ssmParameterHandler } from './ssm.js';

export const handlers: Record<ResourceKind, KindHandler> = {
  'mediapackage-channel': mediaPackageChannelHandler,
  's3-bucket': s3BucketHandler,
  'mediastore-container': mediaStoreContainerHandler,
  'ssm-parameter': ssmParameterHandler,
  'medialive-channel': mediaLiveChannelHandler,
};
