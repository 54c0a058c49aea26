import { existsSync, readFileSync } from 'node:fs';
import {
  DescribeChannelCommand,
  type IngestEndpoint,
  RotateIngestEndpointCredentialsCommand,
} from '@aws-sdk/client-mediapackage';
import type { FakeCloud } from '@mlds/fixtures';
import type { AwsClients } from '@mlds/provisioner';
import { expect } from 'vitest';
import type { CliOptions } from '../src/main.js';
import { type CliRun, runCli } from './helpers.js';

// `mlds` in-process against the fake cloud of @mlds/fixtures, in virtual time: the set-up the command tests share.

/** Where every test's clock starts. */
export const CLOCK_START = Date.parse('2025-06-01T12:00:00.000Z');

/** A clock that moves `step` ms each time it is read, from `start` (its first reading is `start + step`). */
export function steppingClock(start = CLOCK_START, step = 250): () => number {
  let now = start;
  return () => {
    now += step;
    return now;
  };
}

export interface FakeCliSetup {
  cwd: string;
  /** Its clients answer every AWS call (unless the options give `awsClients`). */
  fake?: FakeCloud;
  env?: Record<string, string>;
  /** The run's clock; by default a fresh {@link steppingClock} for each run. */
  clock?: () => number;
  /** Each run's stdout and stderr are pushed here, for the secret checks after the test. */
  printed?: string[];
}

/**
 * `mlds <argv>` against the fake cloud, with instant sleeps, no timers and a clock that moves 250 ms per reading;
 * `options` override any of these.
 */
export async function runAgainstFake(
  argv: string[],
  setup: FakeCliSetup,
  options: Partial<Omit<CliOptions, 'argv'>> = {},
): Promise<CliRun> {
  const { fake } = setup;
  const run = await runCli(argv, {
    cwd: setup.cwd,
    ...(setup.env === undefined ? {} : { env: setup.env }),
    ...(fake === undefined ? {} : { awsClients: () => fake.clients }),
    clock: setup.clock ?? steppingClock(),
    sleep: async () => {},
    every: () => () => {},
    ...options,
  });
  setup.printed?.push(run.stdout, run.stderr);
  return run;
}

/** The text of each of `paths` that exists. */
export function existingTexts(...paths: string[]): string[] {
  return paths.filter((path) => existsSync(path)).map((path) => readFileSync(path, 'utf8'));
}

/** Fails unless no secret stands in any of the texts. */
export function expectNoSecrets(texts: readonly string[], secrets: readonly string[]): void {
  for (const text of texts) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
}

/**
 * The fake cloud's clients, each `send` going through `around` (which must call `send` once and return its
 * result): a test sees every AWS call as it starts and as it returns, before the caller does.
 */
export function aroundSends(
  fake: FakeCloud,
  around: (send: () => Promise<unknown>) => Promise<unknown>,
): AwsClients {
  const wrap = <C extends object>(client: C): C =>
    new Proxy(client, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key !== 'send' || typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          around(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      },
    });
  const c = fake.clients;
  return {
    mediaPackage: (region) => wrap(c.mediaPackage(region)),
    mediaPackageV2: (region) => wrap(c.mediaPackageV2(region)),
    mediaLive: (region) => wrap(c.mediaLive(region)),
    s3: (region) => wrap(c.s3(region)),
    mediaStore: (region) => wrap(c.mediaStore(region)),
    mediaStoreData: (endpoint, region) => wrap(c.mediaStoreData(endpoint, region)),
    ssm: (region) => wrap(c.ssm(region)),
  };
}

/** The fake cloud's clients, calling `fire` once, as the first call of the run returns (before its caller sees it). */
export function firingAtFirstAnswer(fake: FakeCloud, fire: () => void): AwsClients {
  let fired = false;
  return aroundSends(fake, async (send) => {
    const result = await send();
    if (!fired) {
      fired = true;
      fire();
    }
    return result;
  });
}

/** A MediaPackage v1 channel in the fake cloud, as MediaPackage describes it and rotates its credentials. */
export function mediaPackageChannelOf(fake: FakeCloud, region: string, id: string) {
  const client = fake.clients.mediaPackage(region);
  const endpoints = async (): Promise<IngestEndpoint[]> =>
    (await client.send(new DescribeChannelCommand({ Id: id }))).HlsIngest?.IngestEndpoints ?? [];
  return {
    endpoints,
    /** Rotates the credentials of one ingest endpoint, outside mlds: new user name and password. */
    async rotate(index = 0): Promise<void> {
      const endpoint = (await endpoints())[index];
      await client.send(
        new RotateIngestEndpointCredentialsCommand({ Id: id, IngestEndpointId: endpoint?.Id }),
      );
    },
  };
}
