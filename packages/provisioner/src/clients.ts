import type { MediaLiveClient } from '@aws-sdk/client-medialive';
import type { MediaPackageClient } from '@aws-sdk/client-mediapackage';
import type { MediaPackageV2Client } from '@aws-sdk/client-mediapackagev2';
import type { MediaStoreClient } from '@aws-sdk/client-mediastore';
import type { MediaStoreDataClient } from '@aws-sdk/client-mediastore-data';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient, STSClientConfig } from '@aws-sdk/client-sts';

/** A client, or the promise of one: the real factory loads each SDK package on first use; fakes return at once. */
export type ClientOf<T> = T | Promise<T>;

/**
 * Where handlers get their clients (always through `await`): the real SDK (createAwsClients),
 * aws-sdk-client-mock, or the fake cloud.
 */
export interface AwsClients {
  mediaPackage(region: string): ClientOf<MediaPackageClient>;
  mediaPackageV2(region: string): ClientOf<MediaPackageV2Client>;
  s3(region: string): ClientOf<S3Client>;
  mediaStore(region: string): ClientOf<MediaStoreClient>;
  /** The MediaStore data plane: its endpoint is the container's own (`https://…data.mediastore…`). */
  mediaStoreData(endpoint: string, region: string): ClientOf<MediaStoreDataClient>;
  ssm(region: string): ClientOf<SSMClient>;
  /** Only for a workflow bound to a channel (`channel:`). */
  mediaLive(region: string): ClientOf<MediaLiveClient>;
  /** The credentials pre-flight (GetCallerIdentity); optional, so that a test double may leave it out. */
  sts?(region: string): ClientOf<STSClient>;
}

export interface AwsClientsOptions {
  /** A shared-config profile; without it the SDK's default chain (AWS_PROFILE included) decides. */
  profile?: string;
  /** Per attempt: connecting (default 10 s) and waiting for the answer (default 60 s); the SDK has no default. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * Where the SDK's own warnings go (its credential chain's, its HTTP handler's). Without it the SDK's silent
   * logger stays, and the few warnings it prints go to the console as they are.
   */
  logger?: SdkLogger;
}

/** The AWS SDK's logger: every level, as some of its callers call one without checking that it is there. */
export interface SdkLogger {
  trace(...content: unknown[]): void;
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
}

/** A client's credentials as its config holds them once built: the SDK's provider, memoised. */
export type CredentialsProvider = Extract<
  NonNullable<STSClientConfig['credentials']>,
  (...args: never[]) => unknown
>;

/**
 * What a client is built with: only the Region, the profile, (MediaStore's data plane) the endpoint, the
 * credentials the first client of its Region resolved with (see createAwsClients), the handler's timeouts and
 * the middleware cache.
 */
export interface ClientConfig {
  region: string;
  profile?: string;
  endpoint?: string;
  credentials?: CredentialsProvider;
  requestHandler?: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
  logger?: SdkLogger;
}

/**
 * What each SDK client reads from the environment and the shared config files itself, once, on its first
 * request (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, AWS_USE_FIPS_ENDPOINT...): a chain of lookups per setting, a few
 * milliseconds a client in all. A MediaStore container's data plane is a client of its own, one per container,
 * so the later ones of a Region take the first one's settings (its memoised providers) instead: the same
 * answers, read once. The retry strategy, which holds the client's retry quota, is not shared.
 */
const INHERITED_SETTINGS = [
  'defaultsMode',
  'authSchemePreference',
  'defaultUserAgentProvider',
  'maxAttempts',
  'retryMode',
  'useDualstackEndpoint',
  'useFipsEndpoint',
  'userAgentAppId',
] as const;

type InheritedSetting = (typeof INHERITED_SETTINGS)[number];

/** The settings of `client` to pass on, typed as a ClientConfig's: the SDK's own providers, passed as they are. */
function inheritedSettings(client: unknown): Partial<ClientConfig> {
  const config = (client as { config?: Record<string, unknown> }).config ?? {};
  const settings: Partial<Record<InheritedSetting, unknown>> = Object.fromEntries(
    INHERITED_SETTINGS.filter((setting) => config[setting] !== undefined).map((setting) => [
      setting,
      config[setting],
    ]),
  );
  return settings as Partial<ClientConfig>;
}

type ClientClass<T> = new (config: ClientConfig) => T;

/**
 * One loader per AWS service: the SDK package is imported the first time a client of that service is asked
 * for, so a run loads only the services it calls, and only once it is about to call them. A new service adds
 * a member to AwsClients and one line here.
 */
export const sdkLoaders = {
  mediaPackage: async (): Promise<ClientClass<MediaPackageClient>> =>
    (await import('@aws-sdk/client-mediapackage')).MediaPackageClient,
  mediaPackageV2: async (): Promise<ClientClass<MediaPackageV2Client>> =>
    (await import('@aws-sdk/client-mediapackagev2')).MediaPackageV2Client,
  s3: async (): Promise<ClientClass<S3Client>> => (await import('@aws-sdk/client-s3')).S3Client,
  mediaStore: async (): Promise<ClientClass<MediaStoreClient>> =>
    (await import('@aws-sdk/client-mediastore')).MediaStoreClient,
  mediaStoreData: async (): Promise<ClientClass<MediaStoreDataClient>> =>
    (await import('@aws-sdk/client-mediastore-data')).MediaStoreDataClient,
  ssm: async (): Promise<ClientClass<SSMClient>> => (await import('@aws-sdk/client-ssm')).SSMClient,
  mediaLive: async (): Promise<ClientClass<MediaLiveClient>> =>
    (await import('@aws-sdk/client-medialive')).MediaLiveClient,
  sts: async (): Promise<ClientClass<STSClient>> => (await import('@aws-sdk/client-sts')).STSClient,
} satisfies Record<keyof AwsClients, () => Promise<ClientClass<unknown>>>;

export type SdkLoaders = typeof sdkLoaders;

/**
 * Each loader run once, its class kept (a failed load is asked again): a bundled dynamic import of a CommonJS
 * package copies every export into a fresh namespace object each time it runs (a millisecond or two for S3's
 * or SSM's hundreds of commands), and a run builds a client per Region and per MediaStore container.
 */
function loadingOnce(loaders: SdkLoaders): SdkLoaders {
  return Object.fromEntries(
    Object.entries(loaders).map(([service, load]) => {
      let loading: Promise<unknown> | undefined;
      const once = () => {
        if (loading === undefined) {
          loading = load();
          loading.catch(() => {
            loading = undefined;
          });
        }
        return loading;
      };
      return [service, once];
    }),
  ) as SdkLoaders;
}

/** AwsClients as createAwsClients builds them: every client a promise. */
export type LazyAwsClients = {
  [Service in keyof AwsClients]-?: (
    ...args: Parameters<NonNullable<AwsClients[Service]>>
  ) => Promise<Awaited<ReturnType<NonNullable<AwsClients[Service]>>>>;
};

/**
 * Real SDK clients, built on first use and cached per service and Region. Only `region` (the plan's) and
 * `profile` are set, so the SDK's standard configuration keeps working untouched: the credential chain,
 * AWS_PROFILE, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> (LocalStack).
 * The one endpoint set here is the MediaStore data plane's, which IS the container's endpoint.
 * `loaders` is for tests: which services a run loads.
 */
export function createAwsClients(
  options: AwsClientsOptions = {},
  given: SdkLoaders = sdkLoaders,
): LazyAwsClients {
  const loaders = loadingOnce(given);
  const cache = new Map<string, Promise<unknown>>();
  // The SDK takes the handler's options in place of a handler (NodeHttpHandler.create): no import needed.
  // Without throwOnRequestTimeout, a passed requestTimeout only logs a warning and the request waits on.
  const requestHandler = {
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 60_000,
    throwOnRequestTimeout: true,
  };
  const config = (region: string): ClientConfig => ({
    region,
    requestHandler,
    // No `cacheMiddleware`: the SDK reuses a command's handler only for a send without options, while mlds's
    // sends carry their operation's AbortSignal as one (bounded-calls.ts); and a reused handler shares one
    // context object between concurrent calls of a command (two buckets' PutBucketPolicy at once).
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  // One credential resolution per Region for the whole run. Built alone, each client would run the SDK's default
  // chain for itself: with an SSO or assume-role profile, one SSO or STS call per service, and one more per
  // MediaStore container endpoint (a fleet's dozens at once). The first client of a Region (the credentials
  // pre-flight's, usually) builds the chain, memoised and refreshed before expiry; every later one takes it.
  const credentialsOf = new Map<string, Promise<CredentialsProvider | undefined>>();
  async function build<T>(load: () => Promise<ClientClass<T>>, given: ClientConfig): Promise<T> {
    const first = credentialsOf.get(given.region);
    if (first === undefined) {
      const client = load().then((Client) => new Client(given));
      credentialsOf.set(
        given.region,
        client.then(
          (built) => (built as { config?: { credentials?: CredentialsProvider } }).config?.credentials,
          () => {
            credentialsOf.delete(given.region);
            return undefined;
          },
        ),
      );
      return client;
    }
    const [Client, credentials] = await Promise.all([load(), first]);
    return new Client(credentials === undefined ? given : { ...given, credentials });
  }
  function cached<T>(key: string, load: () => Promise<ClientClass<T>>, given: ClientConfig): Promise<T> {
    let client = cache.get(key) as Promise<T> | undefined;
    if (!client) {
      client = build(load, given);
      cache.set(key, client);
      client.catch(() => cache.delete(key));
    }
    return client;
  }
  // The first data-plane client of each Region, whose settings the later ones take (see INHERITED_SETTINGS).
  const firstDataPlane = new Map<string, Promise<unknown>>();
  function dataPlane(endpoint: string, region: string): Promise<MediaStoreDataClient> {
    const key = `mediastore-data/${region}/${endpoint}`;
    const known = cache.get(key) as Promise<MediaStoreDataClient> | undefined;
    if (known) return known;
    const given = { ...config(region), endpoint };
    const first = firstDataPlane.get(region);
    if (first === undefined) {
      const client = cached(key, loaders.mediaStoreData, given);
      firstDataPlane.set(region, client);
      client.catch(() => firstDataPlane.delete(region));
      return client;
    }
    const client = first.then(
      (built) => build(loaders.mediaStoreData, { ...given, ...inheritedSettings(built) }),
      () => build(loaders.mediaStoreData, given),
    );
    cache.set(key, client);
    client.catch(() => cache.delete(key));
    return client;
  }
  return {
    mediaPackage: (region) => cached(`mediapackage/${region}`, loaders.mediaPackage, config(region)),
    mediaPackageV2: (region) => cached(`mediapackagev2/${region}`, loaders.mediaPackageV2, config(region)),
    s3: (region) => cached(`s3/${region}`, loaders.s3, config(region)),
    mediaStore: (region) => cached(`mediastore/${region}`, loaders.mediaStore, config(region)),
    mediaStoreData: dataPlane,
    ssm: (region) => cached(`ssm/${region}`, loaders.ssm, config(region)),
    mediaLive: (region) => cached(`medialive/${region}`, loaders.mediaLive, config(region)),
    sts: (region) => cached(`sts/${region}`, loaders.sts, config(region)),
  };
}
