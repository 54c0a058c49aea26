import diagnostics from 'node:diagnostics_channel';
import { type ClientRequest, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../src/clients.js';
import { callerIdentity } from '../src/preflight.js';

// The credentials pre-flight against a local HTTP server standing in for STS: what runs while it waits.

const IDENTITY = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
<Arn>arn:aws:iam::111122223333:user/ci</Arn><UserId>AIDA</UserId><Account>111122223333</Account>
</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

let server: ReturnType<typeof createServer>;
let events: string[];
let answerNow: () => void;

beforeEach(async () => {
  events = [];
  server = createServer((request, response) => {
    events.push('request received');
    request.resume();
    // The answer waits for the test's word: what the CLI does meanwhile is in `events` before it.
    answerNow = () => {
      events.push('answered');
      response.setHeader('content-type', 'text/xml');
      response.end(IDENTITY);
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  vi.stubEnv('AWS_ENDPOINT_URL', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLOCAL');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local-secret');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
  vi.stubEnv('AWS_PROFILE', undefined as unknown as string);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('callerIdentity', () => {
  it('runs `whileWaiting` once, when the request is written to the socket and before its answer is read', async () => {
    // The request as Node's HTTP client made it: whileWaiting's CPU work must not hold back its connection.
    const requests: ClientRequest[] = [];
    const seen = (message: unknown) => requests.push((message as { request: ClientRequest }).request);
    diagnostics.subscribe('http.client.request.start', seen);
    let calls = 0;
    const identity = callerIdentity(createAwsClients(), 'us-west-2', undefined, () => {
      calls += 1;
      events.push('while waiting');
      expect(requests.map((request) => request.writableFinished)).toStrictEqual([true]);
      // Answered only now: had whileWaiting come after the answer, the call would never end.
      setTimeout(() => answerNow(), 10);
    });
    expect(await identity).toStrictEqual({
      account: '111122223333',
      arn: 'arn:aws:iam::111122223333:user/ci',
    });
    diagnostics.unsubscribe('http.client.request.start', seen);
    expect(calls).toBe(1);
    expect(events.indexOf('while waiting')).toBeLessThan(events.indexOf('answered'));
  });

  it('does not run it when the credentials cannot be resolved: nothing was sent', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined as unknown as string);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined as unknown as string);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', undefined as unknown as string);
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', undefined as unknown as string);
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', undefined as unknown as string);
    const whileWaiting = vi.fn();
    await expect(callerIdentity(createAwsClients(), 'us-west-2', undefined, whileWaiting)).rejects.toThrow();
    expect(whileWaiting).not.toHaveBeenCalled();
    expect(events).toStrictEqual([]);
  });
});
