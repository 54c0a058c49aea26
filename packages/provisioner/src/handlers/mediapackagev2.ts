// MediaPackage v2 (API 2022-12-25): a channel group, and a channel in it with the channel policy that lets the
// MediaLive role write (MP ingest-auth). Deleted in the API's order: origin endpoints, channel, channel group.

export { clientToken } from './mediapackagev2-calls.js';
export {
  mediaPackageV2ChannelHandler,
  type V2IngestEndpointOutput,
} from './mediapackagev2-channel.js';
export { mediaPackageV2ChannelGroupHandler } from './mediapackagev2-channel-group.js';
export { channelPolicy } from './mediapackagev2-channel-policy.js';
