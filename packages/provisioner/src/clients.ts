import { MediaPackageClient } from '@aws-sdk/client-mediapackage';
import { MediaStoreClient } from '@aws-sdk/client-mediastore';
import { MediaStoreDataClient } from '@aws-sdk/client-mediastore-data';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

/** Where handlers get their clients: the real SDK (createAwsClients), aws-sdk-client-mock, or the fake cloud. */
export interface AwsClients {
  mediaPackage(region: string): MediaPackageClient;
  s3(region: string): S3Client;
  mediaStore(region: string): MediaStoreClient;
  /** The MediaStore data plane: its endpoint is the container's own (`https://…data.mediastore…`). */
  mediaStoreData(endpoint: string, region: string): MediaStoreDataClient;
  ssm(region: string): SSMClient;
  /** The credentials pre-flight (GetCallerIdentity); optional, so that a test double may leave it out. */
  sts?(region: string): STSClient;
}

export interface AwsClientsOptions {
  /** A shared-config profile; without it the SDK's default chain (AWS_PROFILE included) decides. */
  profile?: string;
  /** Per attempt: connecting (default 10 s) and waiting for the answer (default 60 s); the SDK has no default. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/**
 * Real SDK clients, built on first use and cached per service and Region. Only `region` (the plan's) and
 * `profile` are set, so the SDK's standard configuration keeps working untouched: the credential chain,
 * AWS_PROFILE, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> (LocalStack).
 * The one endpoint set here is the MediaStore data plane's, which IS the container's endpoint.
 */
export function createAwsClients(options: AwsClientsOptions = {}): AwsClients {
  const cache = new Map<string, unknown>();
  // The SDK takes the handler's options in place of a handler (NodeHttpHandler.create): no import needed.
  // Without throwOnRequestTimeout, a passed requestTimeout only logs a warning and the request waits on.
  const requestHandler = {
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 60_000,
    throwOnRequestTimeout: true,
  };
  const config = (region: string) => ({
    region,
    requestHandler,
    ...(options.profile ? { profile: options.profile } : {}),
  });
  function cached<T>(key: string, build: () => T): T {
    if (!cache.has(key)) cache.set(key, build());
    return cache.get(key) as T;
  }
  return {
    mediaPackage: (region) => cached(`mediapackage/${region}`, () => new MediaPackageClient(config(region))),
    s3: (region) => cached(`s3/${region}`, () => new S3Client(config(region))),
    mediaStore: (region) => cached(`mediastore/${region}`, () => new MediaStoreClient(config(region))),
    mediaStoreData: (endpoint, region) =>
      cached(
        `mediastore-data/${region}/${endpoint}`,
        () => new MediaStoreDataClient({ ...config(region), endpoint }),
      ),
    ssm: (region) => cached(`ssm/${region}`, () => new SSMClient(config(region))),
    sts: (region) => cached(`sts/${region}`, () => new STSClient(config(region))),
  };
}
