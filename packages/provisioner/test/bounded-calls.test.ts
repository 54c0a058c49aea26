import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aDownstream } from '@mlds/fixtures';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../src/clients.js';
import { apply } from '../src/engine.js';
import { ApplyFailedError, OperationTimeoutError } from '../src/errors.js';
import { FileStateStore } from '../src/state-store.js';
import { planOf } from './helpers.js';

// A server that accepts connections and never answers: every AWS call must still end, through the HTTP
// handler's request timeout or the operation's deadline, and the run must end with the lock released.

let server: Server;
let sockets: Socket[];
let dir: string;

beforeEach(async () => {
  sockets = [];
  server = createServer((socket) => {
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  vi.stubEnv('AWS_ENDPOINT_URL', `http://127.0.0.1:${address.port}`);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-for-the-silent-server');
  vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
  vi.stubEnv('AWS_PROFILE', '');
  dir = mkdtempSync(join(tmpdir(), 'mlds-bounded-'));
});

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const plan = () =>
  planOf({ channelClass: 'SINGLE_PIPELINE', downstream: [aDownstream('s3', { name: 'archive' })] });

async function failureOf(run: Promise<unknown>): Promise<ApplyFailedError> {
  const error = await run.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplyFailedError);
  return error as ApplyFailedError;
}

describe('a server that never answers', () => {
  it('the request timeout of the HTTP handler ends each attempt: apply fails, the lock is released', async () => {
    const store = new FileStateStore(join(dir, 'state.json'));
    const failure = await failureOf(
      apply({
        plan: plan(),
        clients: createAwsClients({ requestTimeoutMs: 100, connectionTimeoutMs: 100 }),
        store,
        env: {},
        sleep: async () => {},
        retry: { retries: 1 },
      }),
    );
    expect(failure.failures.map((f) => f.address)).toStrictEqual(['archive.bucket[0]']);
    expect(failure.failures[0]?.error).toMatch(/TimeoutError/);
    expect(sockets.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'state.json.lock'))).toBe(false);
    // The intent was recorded before the call: the next apply looks the bucket up and finishes it.
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    expect(
      state.resources.map((r: { address: string; status: string }) => [r.address, r.status]),
    ).toStrictEqual([['archive.bucket[0]', 'creating']]);
  }, 30_000);

  it('the operation deadline aborts a call whose request timeout is far away: its signal reaches send', async () => {
    const store = new FileStateStore(join(dir, 'state.json'));
    const failure = await failureOf(
      apply({
        plan: plan(),
        // Without the deadline's signal in `send`, this call would wait ten minutes.
        clients: createAwsClients({ requestTimeoutMs: 600_000 }),
        store,
        env: {},
        sleep: async () => {},
        operationTimeoutMs: 200,
      }),
    );
    const cause = failure.failures[0]?.cause;
    expect(cause).toBeInstanceOf(OperationTimeoutError);
    expect((cause as OperationTimeoutError).address).toBe('archive.bucket[0]');
    expect(failure.failures[0]?.error).toContain('OperationTimeoutError: no answer from AWS within 0 s');
    expect(existsSync(join(dir, 'state.json.lock'))).toBe(false);
  }, 30_000);
});
