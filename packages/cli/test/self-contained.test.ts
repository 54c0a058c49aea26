import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isBuiltin } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWorkflow, planWorkflow } from '@mlds/core';
import { examplePath, readExample, stateAfterApply } from '@mlds/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, CLI_BUNDLE, THIRD_PARTY_LICENSES } from '../build.mjs';
import { buildCliForTest, tempDir } from './helpers.js';

// The CLI works whatever was built before it: the bundle holds every @mlds package (from source), so it needs
// no packages/*/dist, loads one copy of @mlds/core, and reaches outside itself only for the AWS SDK, one
// service at a time, when it is about to call that service.

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const hook = fileURLToPath(new URL('fixtures/record-modules.mjs', import.meta.url));
const seed = examplePath('curling-live');
const SDK_CLIENT = /\/@aws-sdk\/(client-[a-z0-9-]+)\//;
// Each test starts Node processes: the timeout is only a guard against a hang, generous for a busy machine.
const HANG_GUARD = { timeout: 120_000 };
let outdir = '';

beforeAll(() => {
  outdir = buildCliForTest();
}, 120_000);

afterAll(() => {
  if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const baseEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', ...extra });

function runBuilt(argv: string[], options: { cwd: string; env?: Record<string, string> }): Run {
  const result = spawnSync(process.execPath, ['--import', hook, join(outdir, BIN), ...argv], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: baseEnv(options.env),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** As runBuilt, without blocking this process (which serves the endpoint the run calls). */
function runBuiltAsync(argv: string[], options: { cwd: string; env: Record<string, string> }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', hook, join(outdir, BIN), ...argv], {
      cwd: options.cwd,
      env: baseEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The AWS SDK client packages a run loaded, from the module log the hook wrote. */
function sdkClientsIn(log: string): string[] {
  const urls = readFileSync(log, 'utf8').trim().split('\n');
  return [
    ...new Set(urls.map((url) => SDK_CLIENT.exec(url)?.[1]).filter((name) => name !== undefined)),
  ].sort();
}

/** The files Node's compile cache directory holds for core's script (written when core ran). */
function coreCacheFiles(cacheDir: string): string[] {
  return readdirSync(cacheDir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.includes('mlds-core-'),
  );
}

describe('the bundle', HANG_GUARD, () => {
  it('imports no @mlds package and nothing from a packages/*/dist: it runs on a clean clone', () => {
    const bundle = readFileSync(join(outdir, CLI_BUNDLE), 'utf8');
    expect(bundle).not.toMatch(/(require\(|import\()\s*["'`]@mlds\//);
    const meta = JSON.parse(readFileSync(join(outdir, 'meta.json'), 'utf8')) as {
      inputs: Record<string, unknown>;
    };
    const inputs = Object.keys(meta.inputs);
    expect(inputs.filter((input) => /(^|\/)packages\/[^/]+\/dist\//.test(input))).toStrictEqual([]);
    // The provisioner is in it, from source: apply no longer reaches for a dist/ nothing built.
    expect(inputs.some((input) => input.endsWith('provisioner/src/engine.ts'))).toBe(true);
  });

  it('requires only the AWS SDK packages package.json lists as dependencies, and package.json lists no other', () => {
    const meta = JSON.parse(readFileSync(join(outdir, 'meta.json'), 'utf8')) as {
      outputs: Record<string, { imports: Array<{ path: string; external?: boolean }> }>;
    };
    const external = new Set(
      Object.values(meta.outputs).flatMap((output) =>
        output.imports.filter((entry) => entry.external && !isBuiltin(entry.path)).map((entry) => entry.path),
      ),
    );
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect([...external].sort()).toStrictEqual(Object.keys(manifest.dependencies).sort());
  });

  it('ships the licence of every npm package bundled in', () => {
    const meta = JSON.parse(readFileSync(join(outdir, 'meta.json'), 'utf8')) as {
      inputs: Record<string, unknown>;
    };
    const bundled = new Set(
      Object.keys(meta.inputs).flatMap((input) => {
        const name = /^.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
        return name === undefined ? [] : [name];
      }),
    );
    expect(bundled.has('yaml')).toBe(true);
    const notices = readFileSync(join(outdir, THIRD_PARTY_LICENSES), 'utf8');
    for (const name of bundled) expect(notices).toMatch(new RegExp(`^${name}@\\d+\\.\\d+\\.\\d+ \\(`, 'm'));
    expect(notices).toContain('Permission is hereby granted');
  });
});

describe('the built CLI, as a separate process', HANG_GUARD, () => {
  it('apply --help prints the help, loading neither @mlds/core nor the AWS SDK', () => {
    const cacheDir = tempDir();
    const log = join(tempDir(), 'modules.log');
    const run = runBuilt(['apply', seed, '--help'], {
      cwd: tempDir(),
      env: { MLDS_MODULE_LOG: log, NODE_COMPILE_CACHE: cacheDir },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: mlds apply <file>\.\.\. \| <planfile> \[options\]/);
    // The recorder works: it saw the bin.
    expect(readFileSync(log, 'utf8')).toContain(`/${BIN}`);
    expect(sdkClientsIn(log)).toStrictEqual([]);
    expect(coreCacheFiles(cacheDir)).toStrictEqual([]);
  });

  it('plan prints the plan of the seed example', () => {
    const cacheDir = tempDir();
    const run = runBuilt(['plan', seed], { cwd: tempDir(), env: { NODE_COMPILE_CACHE: cacheDir } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('curling-live');
    // Core ran, once: one script, one cache.
    expect(coreCacheFiles(cacheDir)).toHaveLength(1);
  });

  it('a re-apply with nothing to change says so, loads no AWS SDK client and runs one copy of core', () => {
    const dir = tempDir();
    const parsed = parseWorkflow(readExample('curling-live'), { filename: seed });
    if (parsed.workflow === undefined) throw new Error('the seed example is invalid');
    spawnSync('mkdir', ['-p', join(dir, '.mlds')]);
    writeFileSync(
      join(dir, '.mlds/curling-live.state.json'),
      JSON.stringify(stateAfterApply(planWorkflow(parsed.workflow))),
    );
    // Once apply refreshes by default (contract section 7), refreshing is AWS reads: measured apart from this.
    const help = runBuilt(['apply', '--help'], { cwd: dir });
    const noRefresh = help.stdout.includes('--refresh') ? ['--refresh=false'] : [];
    const log = join(tempDir(), 'modules.log');
    const run = runBuilt(['apply', seed, '--yes', '--no-color', ...noRefresh], {
      cwd: dir,
      env: { MLDS_MODULE_LOG: log, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No changes.');
    expect(sdkClientsIn(log)).toStrictEqual([]);
  });

  it('an apply loads the SDK client of the one service its plan calls, and no other', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'social.yaml'),
      [
        'workflow: social-only',
        'region: us-west-2',
        'downstream:',
        '  - name: social',
        '    system: rtmp',
        '    urls: [rtmp://a.example-social.com/app, rtmp://b.example-social.com/app]',
        '    streamKey: { env: SOCIAL_STREAM_KEY }',
        '    auth: common',
        '    username: medialive',
        '    password: { env: SOCIAL_PASSWORD }',
        '  - name: contribution',
        '    system: udp',
        '    urls: [udp://10.0.0.10:5000, udp://10.0.0.11:5000]',
        '',
      ].join('\n'),
    );
    // An endpoint that names the account (the credentials pre-flight, STS's query protocol) and denies every
    // other call: the run stops at its first resource request, which proves which client sent it.
    const requests: string[] = [];
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        if (body.includes('Action=GetCallerIdentity')) {
          requests.push('STS.GetCallerIdentity');
          response.setHeader('content-type', 'text/xml');
          response.end(
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/test</Arn><UserId>AIDATEST</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>test</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
          );
          return;
        }
        requests.push(String(request.headers['x-amz-target'] ?? request.url));
        response.statusCode = 400;
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        response.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'denied by the test' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const log = join(tempDir(), 'modules.log');
      const run = await runBuiltAsync(['apply', 'social.yaml', '--yes', '--no-color'], {
        cwd: dir,
        env: {
          MLDS_MODULE_LOG: log,
          AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          AWS_ACCESS_KEY_ID: 'AKIDTEST',
          AWS_SECRET_ACCESS_KEY: 'test-secret',
          AWS_CONFIG_FILE: join(dir, 'no-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
          AWS_MAX_ATTEMPTS: '1',
          SOCIAL_PASSWORD: 'a-password-never-printed',
        },
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('AccessDenied');
      expect(`${run.stdout}${run.stderr}`).not.toContain('a-password-never-printed');
      expect(requests[0]).toBe('STS.GetCallerIdentity');
      expect(requests.length).toBeGreaterThan(1);
      expect(requests.slice(1).every((target) => target.startsWith('AmazonSSM.'))).toBe(true);
      expect(sdkClientsIn(log)).toStrictEqual(['client-ssm', 'client-sts']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
