import type { ResourceKind } from '@mlds/core';
import type { KindHandler } from '../runtime.js';
import { mediaPackageChannelHandler } from './mediapackage.js';
import { mediaPackageV2ChannelGroupHandler, mediaPackageV2ChannelHandler } from './mediapackagev2.js';
import { mediaStoreContainerHandler } from './mediastore.js';
import { s3BucketHandler } from './s3.js';
import { ssmParameterHandler } from './ssm.js';

export const handlers: Record<ResourceKind, KindHandler> = {
  'mediapackage-channel': mediaPackageChannelHandler,
  's3-bucket': s3BucketHandler,
  'mediastore-container': mediaStoreContainerHandler,
  'ssm-parameter': ssmParameterHandler,
  'mediapackagev2-channel-group': mediaPackageV2ChannelGroupHandler,
  'mediapackagev2-channel': mediaPackageV2ChannelHandler,
};
