// Apart from the MediaStore handler, so that it can be used without loading the AWS SDK.

/** `https://abc.data.mediastore.us-west-2.amazonaws.com` → `mediastoressl://abc.data.mediastore.us-west-2.amazonaws.com`. */
export function mediaStoreIngestUrl(endpoint: string): string {
  return `mediastoressl://${endpoint.replace(/^https?:\/\//, '').replace(/\/+$/, '')}`;
}
