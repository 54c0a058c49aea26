import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { AwsClients } from './clients.js';
import { CredentialsError, EndpointNotFoundError } from './errors.js';

/** Who the credentials belong to: shown in the plan's header, so that the right account is changed. */
export interface CallerIdentity {
  account: string;
  arn: string;
}

/**
 * Resolves the credentials and asks STS whose they are, before anything is changed (and before the question).
 * Undefined when the clients offer no STS (a test double without one). A credential problem is a
 * CredentialsError naming the profile; a host name that does not resolve is an EndpointNotFoundError, at once.
 */
export async function callerIdentity(
  clients: AwsClients,
  region: string,
  profile: string | undefined,
  /** Called once, when the request is written to the network: work to do while AWS answers. */
  whileWaiting?: () => void,
): Promise<CallerIdentity | undefined> {
  if (clients.sts === undefined) return undefined;
  try {
    // Loaded here: the provisioner's entry loads no AWS SDK until a call is due.
    const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const sts = await clients.sts(region);
    const command = new GetCallerIdentityCommand({});
    if (whileWaiting !== undefined) command.middlewareStack.add(...waitingMiddleware(whileWaiting));
    const answer = await sts.send(command);
    return { account: answer.Account ?? 'unknown', arn: answer.Arn ?? 'unknown' };
  } catch (error) {
    const credentials = credentialsErrorOf(error, profile);
    if (credentials !== undefined) throw credentials;
    const host = notFoundHost(error);
    if (host !== undefined) throw new EndpointNotFoundError(host, { cause: error });
    throw error;
  }
}

/**
 * A middleware that calls `whileWaiting` once the request has left: when Node has written it to the socket
 * (`finish`, after connecting and any TLS handshake), so that the work it starts, CPU work on the one thread,
 * delays neither the connection nor the request; else once the answer is in (an HTTP handler that is not
 * Node's). The last step before the HTTP handler: credentials resolved, the request signed.
 */
function waitingMiddleware(whileWaiting: () => void) {
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    whileWaiting();
  };
  const middleware =
    <Args, Output>(next: (args: Args) => Promise<Output>) =>
    async (args: Args): Promise<Output> => {
      // Only the pre-flight's own request is created meanwhile: nothing else calls AWS before the question.
      const onRequest = (message: unknown) => {
        diagnostics.unsubscribe('http.client.request.start', onRequest);
        (message as { request: ClientRequest }).request.once('finish', once);
      };
      diagnostics.subscribe('http.client.request.start', onRequest);
      try {
        const answer = await next(args);
        once();
        return answer;
      } finally {
        diagnostics.unsubscribe('http.client.request.start', onRequest);
      }
    };
  return [middleware, { step: 'deserialize', priority: 'low', name: 'mldsWhileWaiting' }] as const;
}

/** A failure to resolve credentials, as CredentialsError naming the profile; undefined for any other error. */
export function credentialsErrorOf(
  error: unknown,
  profile: string | undefined,
): CredentialsError | undefined {
  // The credential providers' error is not a modelled service exception; its name is what the SDK documents.
  if (error instanceof Error && error.name === 'CredentialsProviderError') {
    return new CredentialsError(profile, error.message, { cause: error });
  }
  return undefined;
}

/** The host of a DNS failure (`getaddrinfo ENOTFOUND <host>`), anywhere in the error's causes. */
export function notFoundHost(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const { code, hostname } = current as { code?: unknown; hostname?: unknown };
    if (code === 'ENOTFOUND') return typeof hostname === 'string' ? hostname : 'a host';
  }
  return undefined;
}
