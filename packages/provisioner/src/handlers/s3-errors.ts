import { NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';

// How the S3 handler recognises an error: by its modelled class where S3 has one, else by code or HTTP status.

/** S3 error codes without a modelled class in the SDK. */
export function hasS3Code(error: unknown, code: string): boolean {
  return error instanceof S3ServiceException && error.name === code;
}

export function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export const bucketNotYetVisible = (error: unknown) =>
  error instanceof NoSuchBucket ? 'not yet consistent (NoSuchBucket)' : undefined;
