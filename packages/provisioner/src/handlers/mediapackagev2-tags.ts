import { TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-mediapackagev2';
import type { ArnTagCalls } from './arn-tags.js';

// Channel groups and channels are tagged alike (TagResource, UntagResource on their ARN); what to send is
// decided in arn-tags.ts, shared with v1 and MediaStore.

export const mediaPackageV2Tags: ArnTagCalls = {
  service: 'MediaPackage v2',
  async tag(rt, target, arn) {
    const client = await rt.clients.mediaPackageV2(target.region);
    await rt.call(target.address, () =>
      client.send(new TagResourceCommand({ ResourceArn: arn, Tags: target.tags })),
    );
  },
  async untag(rt, target, arn, keys) {
    const client = await rt.clients.mediaPackageV2(target.region);
    await rt.call(target.address, () =>
      client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: keys })),
    );
  },
};
