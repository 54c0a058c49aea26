import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createAwsClients } from '@mlds/provisioner';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { runCli, tempDir, unwrapped } from './helpers.js';

// `mlds apply` against an endpoint that accepts connections and never answers: it ends (exit 1) with the
// lock released and the failure named, instead of hanging with the lock held. Small timeouts are injected.

let server: Server;
let sockets: Socket[];

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
});

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const WORKFLOW = 'workflow: silent\nregion: us-west-2\ndownstream:\n  - name: archive\n    system: s3\n';

it('the credentials pre-flight ends (exit 1) before the question, the lock released, nothing else called', async () => {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'w.yaml'), WORKFLOW);
  const run = await runCli(['apply', 'w.yaml', '--yes'], {
    cwd,
    awsClients: () => createAwsClients({ requestTimeoutMs: 100, connectionTimeoutMs: 100 }),
    sleep: async () => {},
    every: () => () => {},
  });
  expect(run.code).toBe(1);
  expect(unwrapped(run.stderr)).toContain(
    'error: cannot confirm the AWS credentials (STS GetCallerIdentity): TimeoutError',
  );
  expect(sockets.length).toBeGreaterThan(0);
  expect(existsSync(join(cwd, '.mlds/silent.state.json.lock'))).toBe(false);
  expect(existsSync(join(cwd, '.mlds/silent.state.json'))).toBe(false);
}, 60_000);

it('apply ends with exit 1, the lock released, the timed-out resource named', async () => {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'w.yaml'), WORKFLOW);
  const run = await runCli(['apply', 'w.yaml', '--yes'], {
    cwd,
    // Without STS, the pre-flight is skipped and the run reaches the resources.
    awsClients: () => {
      const { sts: _sts, ...resources } = createAwsClients({
        requestTimeoutMs: 100,
        connectionTimeoutMs: 100,
      });
      return resources;
    },
    sleep: async () => {},
    every: () => () => {},
  });
  expect(run.code).toBe(1);
  expect(unwrapped(run.stderr)).toContain('apply failed for 2 resources');
  expect(unwrapped(run.stderr)).toMatch(/archive\.bucket\[0\]: .*TimeoutError/);
  expect(sockets.length).toBeGreaterThan(0);
  expect(existsSync(join(cwd, '.mlds/silent.state.json.lock'))).toBe(false);
  expect(existsSync(join(cwd, '.mlds/silent.state.json'))).toBe(true);
}, 60_000);
