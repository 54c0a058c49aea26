import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListChannelsCommand } from '@aws-sdk/client-mediapackage';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients, sdkLoaders } from '../src/clients.js';
import { recordingClientFactory } from './helpers.js';

// Real SDK clients against a local HTTP server standing in for LocalStack: proves the SDK's own configuration
// (AWS_ENDPOINT_URL_<SERVICE>, AWS_MAX_ATTEMPTS, the credential chain) reaches them unchanged.

let server: ReturnType<typeof createServer>;
let requests: IncomingMessage[];
let status: number;
let url: string;

beforeEach(async () => {
  requests = [];
  status = 200;
  server = createServer((request, response) => {
    requests.push(request);
    request.resume();
    response.statusCode = status;
    response.setHeader('content-type', 'application/json');
    response.end(status === 200 ? '{"channels":[]}' : '{"message":"boom"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLOCALSTACK');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local-secret');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
  vi.stubEnv('AWS_PROFILE', undefined as unknown as string);
  vi.stubEnv('AWS_ENDPOINT_URL', undefined as unknown as string);
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('createAwsClients', () => {
  it('builds each client once per service and Region, in the Region asked for', async () => {
    const clients = createAwsClients();
    expect(await clients.s3('us-west-2')).toBe(await clients.s3('us-west-2'));
    expect(await clients.s3('eu-west-1')).not.toBe(await clients.s3('us-west-2'));
    expect(await (await clients.mediaPackage('eu-west-1')).config.region()).toBe('eu-west-1');
    expect(await (await clients.ssm('ap-south-1')).config.region()).toBe('ap-south-1');
    expect(await (await clients.mediaStore('us-east-1')).config.region()).toBe('us-east-1');
  });

  it('passes the profile and nothing else the SDK would otherwise find itself', async () => {
    const client = await createAwsClients({ profile: 'media-admin' }).s3('us-west-2');
    expect(client.config.profile).toBe('media-admin');
    expect(client.config.isCustomEndpoint).toBe(false);
    expect((await createAwsClients().s3('us-west-2')).config.profile).toBeUndefined();
  });

  it("gives every client the logger it is given, and otherwise keeps the SDK's silent one", async () => {
    const quiet = () => {};
    const logger = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };
    const clients = createAwsClients({ logger });
    expect((await clients.s3('us-west-2')).config.logger).toBe(logger);
    expect((await clients.mediaPackage('us-west-2')).config.logger).toBe(logger);
    expect((await createAwsClients().s3('us-west-2')).config.logger.constructor.name).toBe('NoOpLogger');
  });

  it('honours AWS_ENDPOINT_URL_<SERVICE> (LocalStack) and signs for the plan’s Region', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_MEDIAPACKAGE', url);
    const output = await (await createAwsClients().mediaPackage('eu-west-1')).send(
      new ListChannelsCommand({}),
    );
    expect(output.Channels).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.headers.authorization).toContain('/eu-west-1/mediapackage/aws4_request');
    expect(requests[0]?.headers.authorization).toContain('Credential=AKIDLOCALSTACK/');
  });

  it('honours AWS_ENDPOINT_URL for every service', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', url);
    await (await createAwsClients().mediaPackage('us-west-2')).send(new ListChannelsCommand({}));
    expect(requests).toHaveLength(1);
  });

  it('leaves retries to AWS_MAX_ATTEMPTS', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_MEDIAPACKAGE', url);
    vi.stubEnv('AWS_MAX_ATTEMPTS', '2');
    status = 500;
    await expect(
      createAwsClients()
        .mediaPackage('us-west-2')
        .then((client) => client.send(new ListChannelsCommand({}))),
    ).rejects.toThrow();
    expect(requests).toHaveLength(2);
  });

  it('points the MediaStore data plane at the container’s own endpoint', async () => {
    const endpoint = 'https://abc123.data.mediastore.us-west-2.amazonaws.com';
    const clients = createAwsClients();
    const data = await clients.mediaStoreData(endpoint, 'us-west-2');
    expect(await clients.mediaStoreData(endpoint, 'us-west-2')).toBe(data);
    const resolved = await data.config.endpoint?.();
    expect(resolved?.hostname).toBe('abc123.data.mediastore.us-west-2.amazonaws.com');
    expect(await data.config.region()).toBe('us-west-2');
  });

  it('a Region’s later data-plane clients take the first one’s settings, read once, each at its own endpoint', async () => {
    vi.stubEnv('AWS_MAX_ATTEMPTS', '7');
    vi.stubEnv('AWS_USE_FIPS_ENDPOINT', 'true');
    const clients = createAwsClients();
    const endpoint = (id: string) => `https://${id}.data.mediastore.us-west-2.amazonaws.com`;
    const first = await clients.mediaStoreData(endpoint('first'), 'us-west-2');
    expect(await first.config.maxAttempts()).toBe(7);
    expect(await first.config.useFipsEndpoint()).toBe(true);
    // Read once: a client of the same Region answers as the first did; another Region's first reads anew.
    vi.stubEnv('AWS_MAX_ATTEMPTS', '2');
    vi.stubEnv('AWS_USE_FIPS_ENDPOINT', 'false');
    const second = await clients.mediaStoreData(endpoint('second'), 'us-west-2');
    const elsewhere = await clients.mediaStoreData(endpoint('other'), 'eu-west-1');
    expect(second.config.maxAttempts).toBe(first.config.maxAttempts);
    expect(await second.config.maxAttempts()).toBe(7);
    expect(await second.config.useFipsEndpoint()).toBe(true);
    expect(await elsewhere.config.maxAttempts()).toBe(2);
    expect(await elsewhere.config.useFipsEndpoint()).toBe(false);
    // Each at its own endpoint, with its own retry quota.
    expect((await second.config.endpoint?.())?.hostname).toBe(
      'second.data.mediastore.us-west-2.amazonaws.com',
    );
    expect(second.config.retryStrategy).not.toBe(first.config.retryStrategy);
    expect(await clients.mediaStoreData(endpoint('second'), 'us-west-2')).toBe(second);
  });

  it('uses S3 through AWS_ENDPOINT_URL_S3 too', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_S3', url);
    const s3 = await createAwsClients().s3('us-west-2');
    await s3.send(new HeadBucketCommand({ Bucket: 'somebucket' }));
    expect(requests).toHaveLength(1);
    expect(requests[0]?.headers.authorization).toContain('/us-west-2/s3/aws4_request');
  });

  it('loads a service’s SDK package only when a client of it is first asked for, once', async () => {
    const { clients, loaded } = recordingClientFactory();
    expect(loaded).toStrictEqual([]);
    await clients.ssm('us-west-2');
    await clients.ssm('us-west-2');
    expect(loaded).toStrictEqual(['ssm']);
    await clients.ssm('eu-west-1');
    await clients.s3('eu-west-1');
    await clients.mediaStoreData('https://abc123.data.mediastore.eu-west-1.amazonaws.com', 'eu-west-1');
    await clients.mediaStoreData('https://def456.data.mediastore.eu-west-1.amazonaws.com', 'eu-west-1');
    // A client per Region and per container, but each package loaded once.
    expect(loaded).toStrictEqual(['ssm', 's3', 'mediaStoreData']);
  });

  it('asks again after a load that failed, rather than keep the failure', async () => {
    let attempts = 0;
    const clients = createAwsClients(
      {},
      {
        ...sdkLoaders,
        s3: async () => {
          attempts += 1;
          if (attempts === 1) throw new Error('EMFILE');
          return sdkLoaders.s3();
        },
      },
    );
    await expect(clients.s3('us-west-2')).rejects.toThrow('EMFILE');
    expect(await (await clients.s3('us-west-2')).config.region()).toBe('us-west-2');
  });
});

describe('createAwsClients: credentials', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlds-credentials-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A profile whose credentials come from a process (as SSO helpers provide them) that counts its runs. */
  async function countedProfile(): Promise<() => Promise<number>> {
    const runs = join(dir, 'runs');
    const script = join(dir, 'credentials.cjs');
    await writeFile(
      script,
      `require('node:fs').appendFileSync(${JSON.stringify(runs)}, 'x');
process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'AKIAPROCESS', SecretAccessKey: 'process-secret' }));`,
    );
    await writeFile(
      join(dir, 'config'),
      `[profile counted]\ncredential_process = "${process.execPath}" "${script}"\n`,
    );
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined as unknown as string);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined as unknown as string);
    return async () => (await readFile(runs, 'utf8').catch(() => '')).length;
  }

  it('resolves a profile once per Region, however many clients and container endpoints it serves', async () => {
    const runs = await countedProfile();
    const clients = createAwsClients({ profile: 'counted' });
    const inRegion = await Promise.all([
      clients.sts('us-west-2'),
      clients.s3('us-west-2'),
      clients.mediaPackage('us-west-2'),
      clients.ssm('us-west-2'),
      clients.mediaStoreData('https://aaa.data.mediastore.us-west-2.amazonaws.com', 'us-west-2'),
      clients.mediaStoreData('https://bbb.data.mediastore.us-west-2.amazonaws.com', 'us-west-2'),
    ]);
    for (const client of inRegion) {
      expect((await client.config.credentials()).accessKeyId).toBe('AKIAPROCESS');
    }
    expect(await runs()).toBe(1);
    // Another Region resolves for itself, as a client there always did.
    expect((await (await clients.s3('eu-west-1')).config.credentials()).accessKeyId).toBe('AKIAPROCESS');
    expect(await runs()).toBe(2);
  });

  it('lets every client resolve for itself again after the first client of a Region failed to load', async () => {
    const runs = await countedProfile();
    let attempts = 0;
    const clients = createAwsClients(
      { profile: 'counted' },
      {
        ...sdkLoaders,
        sts: async () => {
          attempts += 1;
          throw new Error('EMFILE');
        },
      },
    );
    await expect(clients.sts('us-west-2')).rejects.toThrow('EMFILE');
    const s3 = await clients.s3('us-west-2');
    const ssm = await clients.ssm('us-west-2');
    expect((await s3.config.credentials()).accessKeyId).toBe('AKIAPROCESS');
    expect((await ssm.config.credentials()).accessKeyId).toBe('AKIAPROCESS');
    expect(attempts).toBe(1);
    expect(await runs()).toBe(1);
  });
});
