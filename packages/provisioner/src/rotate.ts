import type { IngestRotation, StateDocument, StateResource } from '@mlds/core';
import type { AwsClients } from './clients.js';
import { limitedClients, RequestLimiter } from './rate-limit.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, type Timing, withRetry } from './retry.js';
import { SecretVault } from './runtime.js';
import type { StateStore } from './state-store.js';

// `rotate-credentials`: new ingest credentials for a MediaPackage v1 channel mlds created, each password going
// from the RotateIngestEndpointCredentials response straight into its SSM SecureString, nowhere else. The intent
// is in the state before the first rotation; each endpoint is marked done once its parameter holds the new
// password. A run that stops midway leaves the intent, and the next run rotates what is not done (again, when a
// rotation went through but its password was never stored: that password is lost, a new one is not).

export interface RotateOptions {
  workflow: string;
  /** The downstream entry: its channel is `<downstream>.channel`, its parameters `<downstream>.password[i]`. */
  downstream: string;
  clients: AwsClients;
  store: StateStore;
  /** The AWS request rates (or --rate-limit's); without it, the default rates. */
  limiter?: RequestLimiter;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /**
   * Once it fires (SIGINT/SIGTERM), no endpoint's rotation starts; the one in flight finishes, its password
   * stored (a rotated password not stored is lost), and the run returns with `interrupted`.
   */
  signal?: AbortSignal;
}

export interface RotatedEndpoint {
  id: string;
  /** The new user name (MediaLive's destination `Username`); not a secret. */
  username: string;
  /** Where the new password is. */
  parameter: string;
}

export interface RotateResult {
  state: StateDocument;
  /** The channel's address and physical name. */
  channel: { address: string; name: string };
  /** Rotated by this run, in pipeline order. */
  rotated: RotatedEndpoint[];
  /** True when this run finished a rotation an earlier run had started. */
  resumed: boolean;
  /**
   * True when the signal stopped the run before every endpoint was rotated: the rotation stays recorded in the
   * state, and the next run rotates the endpoints not done.
   */
  interrupted: boolean;
}

/** The state does not allow a rotation: nothing applied, a channel mlds does not own, no credentials. */
export class RotationNotPossibleError extends Error {
  override readonly name = 'RotationNotPossibleError';
}

/** An AWS call of the rotation failed; the intent stays in the state. The message is redacted. */
export class RotationFailedError extends Error {
  override readonly name = 'RotationFailedError';
}

interface Endpoint {
  id: string;
  username: string;
}

/**
 * Rotates every ingest endpoint of the downstream's channel whose password is stored in an SSM parameter, or
 * finishes the rotation an earlier run started. The caller holds the state's lock (the store hands it over).
 */
export async function rotateIngestCredentials(options: RotateOptions): Promise<RotateResult> {
  const { store } = options;
  const clock = options.clock ?? Date.now;
  const timing: Timing = {
    clock,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
  };
  const clients = limitedClients(
    options.clients,
    options.limiter ?? new RequestLimiter({ clock, sleep: timing.sleep }),
  );
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  // Loaded here, not at the top: the provisioner's entry must load no AWS SDK until a call is due.
  const { RotateIngestEndpointCredentialsCommand } = await import('@aws-sdk/client-mediapackage');
  const { PutParameterCommand } = await import('@aws-sdk/client-ssm');
  const { mediaPackageRetryable } = await import('./handlers/mediapackage.js');
  const { ssmRetryable } = await import('./handlers/ssm.js');
  const call = <T>(fn: () => Promise<T>) =>
    withRetry(fn, { ...timing, policy, modelled: [mediaPackageRetryable, ssmRetryable], onWait: () => {} });

  const lock = await store.lock('rotate-credentials');
  try {
    const doc = await store.read();
    const { channel, rotation, resumed } = rotationOf(doc, options);
    const state = doc as StateDocument;
    const vault = new SecretVault();
    const write = stateWriter(store, state);
    if (!resumed) {
      channel.rotation = rotation;
      await write();
    }
    const rotated: RotatedEndpoint[] = [];
    let interrupted = false;
    for (const entry of rotation.endpoints) {
      if (entry.done) continue;
      // Checked between endpoints only: a rotation that went through is followed by its PutParameter whatever
      // comes, or its password would be lost.
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      try {
        const mediaPackage = await clients.mediaPackage(channel.region);
        const response = await call(() =>
          mediaPackage.send(
            new RotateIngestEndpointCredentialsCommand({ Id: channel.name, IngestEndpointId: entry.id }),
          ),
        );
        const fresh = response.HlsIngest?.IngestEndpoints?.find((endpoint) => endpoint.Id === entry.id);
        if (!fresh?.Password || !fresh.Username) {
          throw new RotationFailedError(
            `${channel.address}: MediaPackage answered without the new credentials of ingest endpoint ${entry.id}`,
          );
        }
        const password = fresh.Password;
        vault.remember(password);
        const ssm = await clients.ssm(channel.region);
        await call(() =>
          ssm.send(
            new PutParameterCommand({
              Name: entry.parameter,
              Value: password,
              Type: 'SecureString',
              Tier: 'Standard',
              Overwrite: true,
            }),
          ),
        );
        entry.done = true;
        setUsername(channel, entry.id, fresh.Username);
        if (rotation.endpoints.every((endpoint) => endpoint.done)) delete channel.rotation;
        channel.updatedAt = new Date(clock()).toISOString();
        await write();
        rotated.push({ id: entry.id, username: fresh.Username, parameter: entry.parameter });
      } catch (error) {
        vault.scrub(error);
        if (error instanceof RotationFailedError) throw error;
        const message = vault.redact(error instanceof Error ? error.message : String(error));
        throw new RotationFailedError(
          `${channel.address}: rotating ingest endpoint ${entry.id} into ${entry.parameter} failed: ${message}`,
          { cause: error },
        );
      }
    }
    return {
      state,
      channel: { address: channel.address, name: channel.name },
      rotated,
      resumed,
      interrupted,
    };
  } finally {
    await lock.release();
  }
}

/** Writes the state; the serial moves on once per run that changes something (contract section 9). */
function stateWriter(store: StateStore, state: StateDocument): () => Promise<void> {
  let moved = false;
  return async () => {
    if (!moved) state.serial += 1;
    moved = true;
    await store.write(structuredClone(state));
  };
}

/** The channel's state entry and the rotation to run: the recorded one, or a new one. */
function rotationOf(
  doc: StateDocument | undefined,
  options: Pick<RotateOptions, 'workflow' | 'downstream' | 'clock'>,
): { channel: StateResource; rotation: IngestRotation; resumed: boolean } {
  const { workflow, downstream } = options;
  if (doc === undefined) throw new RotationNotPossibleError('nothing is applied yet: there is no state');
  if (doc.workflow !== workflow) {
    throw new RotationNotPossibleError(`the state records workflow '${doc.workflow}', not '${workflow}'`);
  }
  const address = `${downstream}.channel`;
  const channel = doc.resources.find(
    (resource) => resource.address === address && resource.kind === 'mediapackage-channel',
  );
  if (channel === undefined || channel.status !== 'created') {
    throw new RotationNotPossibleError(`the state does not record ${address} as created: apply first`);
  }
  if (channel.existing) {
    throw new RotationNotPossibleError(
      `${address} (${channel.name}) is a channel mlds only reads (channelId): mlds does not rotate what it does not own`,
    );
  }
  if (channel.rotation !== undefined) return { channel, rotation: channel.rotation, resumed: true };

  const endpoints = ingestEndpointsOf(channel);
  const parameters = doc.resources
    .filter((resource) => resource.kind === 'ssm-parameter' && resource.downstream === downstream)
    .flatMap((resource) => {
      const source = resource.properties?.source as
        | { ingestEndpointOf?: unknown; endpointIndex?: unknown }
        | undefined;
      if (source?.ingestEndpointOf !== address) return [];
      const index =
        typeof source.endpointIndex === 'number' ? source.endpointIndex : (resource.pipeline ?? 0);
      return [{ resource, index }];
    })
    .sort((a, b) => a.index - b.index);
  if (parameters.length === 0) {
    throw new RotationNotPossibleError(
      `no SSM parameter holds an ingest password of ${address}: its output group needs no credentials`,
    );
  }
  const notCreated = parameters.find(({ resource }) => resource.status !== 'created');
  if (notCreated !== undefined) {
    throw new RotationNotPossibleError(
      `the state does not record ${notCreated.resource.address} as created: apply first`,
    );
  }
  const rotation: IngestRotation = {
    startedAt: new Date((options.clock ?? Date.now)()).toISOString(),
    endpoints: parameters.map(({ resource, index }) => {
      const endpoint = endpoints[index];
      if (endpoint === undefined) {
        throw new RotationNotPossibleError(`${address} records no ingest endpoint #${index}: apply first`);
      }
      return { id: endpoint.id, parameter: resource.name, done: false };
    }),
  };
  return { channel, rotation, resumed: false };
}

function ingestEndpointsOf(channel: StateResource): Endpoint[] {
  const recorded = channel.outputs?.ingestEndpoints;
  return Array.isArray(recorded) ? (recorded as Endpoint[]) : [];
}

function setUsername(channel: StateResource, id: string, username: string): void {
  const endpoint = ingestEndpointsOf(channel).find((candidate) => candidate.id === id);
  if (endpoint !== undefined) endpoint.username = username;
}
