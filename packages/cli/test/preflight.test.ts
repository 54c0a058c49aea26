import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import { createFakeCloud, type FakeCloud, startFakeAwsEndpoint } from '@mlds/fixtures';
import { type AwsClients, createAwsClients, retryReason } from '@mlds/provisioner';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type CliRun, runCli, tempDir, unwrapped } from './helpers.js';

// Before the question, apply and destroy resolve the credentials and name the account they will change (STS
// GetCallerIdentity). When that fails, nothing else is called.

const WORKFLOW = 'workflow: who\nregion: us-west-2\ndownstream:\n  - name: archive\n    system: s3\n';
const STATE = '.mlds/who.state.json';

let fake: FakeCloud;
let cwd: string;
let stsCalls: Array<{ command: string; input: unknown; region: string }>;

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  stsCalls = [];
  writeFileSync(join(cwd, 'w.yaml'), WORKFLOW);
});

/** The fake cloud, with an STS that answers `answer` (or throws it). */
function withSts(answer: { Account: string; Arn: string } | Error): AwsClients {
  const sts = (region: string) =>
    ({
      send: async (command: { constructor: { name: string }; input: unknown }) => {
        stsCalls.push({ command: command.constructor.name, input: command.input, region });
        if (answer instanceof Error) throw answer;
        return answer;
      },
    }) as unknown as ReturnType<NonNullable<AwsClients['sts']>>;
  return { ...fake.clients, sts };
}

async function mlds(argv: string[], clients: AwsClients, env: Record<string, string> = {}): Promise<CliRun> {
  const run = await runCli(argv, {
    cwd,
    env,
    awsClients: () => clients,
    sleep: async () => {},
    every: () => () => {},
  });
  return { ...run, stderr: unwrapped(run.stderr) };
}

describe('the credentials pre-flight', () => {
  it("apply shows the account in the plan's header, asked once in the plan's Region, before any resource call", async () => {
    const run = await mlds(
      ['apply', 'w.yaml', '--yes'],
      withSts({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/ci' }),
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\nAccount +111122223333 \(arn:aws:iam::111122223333:user\/ci\)\n/);
    expect(stsCalls).toStrictEqual([{ command: 'GetCallerIdentityCommand', input: {}, region: 'us-west-2' }]);
  });

  it('destroy shows it too', async () => {
    const clients = withSts({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/ci' });
    expect((await mlds(['apply', 'w.yaml', '--yes'], clients)).code).toBe(0);
    const run = await mlds(['destroy', 'w.yaml', '--yes'], clients);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\nAccount +111122223333 \(arn:aws:iam::111122223333:user\/ci\)\n/);
  });

  it('no changes without a refresh: nothing is called, not even STS', async () => {
    const clients = withSts({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/ci' });
    expect((await mlds(['apply', 'w.yaml', '--yes'], clients)).code).toBe(0);
    stsCalls = [];
    const before = fake.calls().length;
    const again = await mlds(['apply', 'w.yaml', '--yes', '--refresh=false'], clients);
    expect(again.stdout).toContain('No changes.');
    expect(stsCalls).toStrictEqual([]);
    expect(fake.calls().slice(before)).toStrictEqual([]);
  });

  it('a fleet of workflows that need no AWS resources calls nothing, not even STS, as one such workflow', async () => {
    const udpOnly = (name: string) =>
      `workflow: ${name}\nregion: us-west-2\ndownstream:\n  - name: contribution\n    system: udp\n    urls: [udp://10.0.0.1:5000, udp://10.0.0.2:5000]\n`;
    writeFileSync(join(cwd, 'r1.yaml'), udpOnly('contribution-1'));
    writeFileSync(join(cwd, 'r2.yaml'), udpOnly('contribution-2'));
    const clients = withSts({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/ci' });
    const one = await mlds(['apply', 'r1.yaml', '--yes'], clients);
    const fleet = await mlds(['apply', 'r1.yaml', 'r2.yaml', '--yes'], clients);
    for (const run of [one, fleet]) expect(run.code).toBe(0);
    const noChanges = 'No changes. This workflow needs no AWS resources; nothing was called.';
    expect(one.stdout).toContain(noChanges);
    expect(fleet.stdout.split(noChanges)).toHaveLength(3);
    // Nothing was asked nor run: the fleet line ends it, with no summary of a run that did not happen.
    expect(
      fleet.stdout.endsWith('\nFleet: 2 workflows, 0 with changes (0 resources to change), 2 unchanged.\n'),
    ).toBe(true);
    expect(stsCalls).toStrictEqual([]);
    expect(fake.calls()).toStrictEqual([]);
  });

  it('while STS answers, apply makes ready the clients of what it will change', async () => {
    const log: string[] = [];
    let s3Asked = () => {};
    const askedForS3 = new Promise<void>((resolve) => {
      s3Asked = resolve;
    });
    // A real STS client against a local server, which answers only once the S3 client was asked for: without
    // the preparation, the run never ends and the test fails on vitest's own timeout.
    const server = createServer((request, response) => {
      request.resume();
      void askedForS3.then(() => {
        log.push('sts answered');
        response.setHeader('content-type', 'text/xml');
        response.end(
          '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
            '<Arn>arn:aws:iam::111122223333:user/ci</Arn><UserId>AIDA</UserId><Account>111122223333</Account>' +
            '</GetCallerIdentityResult></GetCallerIdentityResponse>',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const sts = new STSClient({
        region: 'us-west-2',
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      });
      const clients: AwsClients = {
        ...fake.clients,
        s3: (region) => {
          log.push(`s3 client ${region}`);
          s3Asked();
          return fake.clients.s3(region);
        },
        sts: () => sts,
      };
      const run = await mlds(['apply', 'w.yaml', '--yes'], clients);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('111122223333');
      expect(log.slice(0, 2)).toStrictEqual(['s3 client us-west-2', 'sts answered']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('with a refresh, the account is confirmed before its first read', async () => {
    const clients = withSts({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/ci' });
    expect((await mlds(['apply', 'w.yaml', '--yes'], clients)).code).toBe(0);
    stsCalls = [];
    const before = fake.calls().length;
    const failure = Object.assign(new Error('Could not resolve credentials using profile: [gone]'), {
      name: 'CredentialsProviderError',
    });
    const refused = await mlds(['apply', 'w.yaml', '--yes', '--profile', 'gone'], withSts(failure));
    expect(refused.code).toBe(1);
    expect(fake.calls().slice(before)).toStrictEqual([]);
  });

  it('a credentials failure names the profile and the fix; exit 1, no resource call, the lock released', async () => {
    const failure = Object.assign(new Error('Could not resolve credentials using profile: [nope]'), {
      name: 'CredentialsProviderError',
    });
    const run = await mlds(['apply', 'w.yaml', '--yes', '--profile', 'nope'], withSts(failure));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "error: cannot load AWS credentials for the profile 'nope': Could not resolve credentials using profile: [nope]",
    );
    expect(run.stderr).toContain("aws sso login --profile nope'");
    expect(fake.calls()).toStrictEqual([]);
    expect(existsSync(join(cwd, `${STATE}.lock`))).toBe(false);
    expect(existsSync(join(cwd, STATE))).toBe(false);
  });

  it('without --profile, the profile AWS_PROFILE names is the one named when its credentials fail', async () => {
    const failure = Object.assign(new Error('Could not resolve credentials using profile: [media-prod]'), {
      name: 'CredentialsProviderError',
    });
    const run = await mlds(['apply', 'w.yaml', '--yes'], withSts(failure), { AWS_PROFILE: 'media-prod' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: cannot load AWS credentials for the profile 'media-prod'");
    expect(run.stderr).toContain('Check [profile media-prod] in ~/.aws/config');
  });

  it.each([['apply'], ['destroy']])(
    '%s --json: a credentials failure is a document on stdout too, as a locked run is; nothing else printed there',
    async (command) => {
      const failure = Object.assign(new Error('Could not resolve credentials using profile: [nope]'), {
        name: 'CredentialsProviderError',
      });
      if (command === 'destroy') {
        expect((await mlds(['apply', 'w.yaml', '--yes'], withSts({ Account: '1', Arn: 'a' }))).code).toBe(0);
      }
      const from = fake.calls().length;
      const run = await mlds([command, 'w.yaml', '--yes', '--json', '--profile', 'nope'], withSts(failure));
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toStrictEqual({
        formatVersion: 1,
        workflow: 'who',
        result: 'failed',
        error:
          "cannot load AWS credentials for the profile 'nope': Could not resolve credentials using profile: [nope]",
      });
      expect(fake.calls().slice(from)).toStrictEqual([]);
    },
  );

  it('a host that does not resolve is reported at once with the LocalStack advice', async () => {
    const failure = Object.assign(new Error('getaddrinfo ENOTFOUND sts.localhost'), {
      code: 'ENOTFOUND',
      hostname: 'sts.localhost',
    });
    const run = await mlds(['apply', 'w.yaml', '--yes'], withSts(failure));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'error: cannot reach AWS: the host name sts.localhost does not resolve (ENOTFOUND)',
    );
    expect(run.stderr).toContain('AWS_ENDPOINT_URL_S3=http://s3.localhost.localstack.cloud:4566');
    expect(fake.calls()).toStrictEqual([]);
    expect(stsCalls).toHaveLength(1);
  });

  it('a refused connection: named in one line (no "Error:" inside "error:"), and no resource touched', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const run = await mlds(['apply', 'w.yaml', '--yes'], withSts(refused));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: cannot confirm the AWS credentials (STS GetCallerIdentity): connect ECONNREFUSED 127.0.0.1:1\n' +
        'No resource was touched. Check the credentials, the profile and the endpoint.\n',
    );
    expect(fake.calls()).toStrictEqual([]);
  });

  it('ENOTFOUND is not retried by the engine', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND b.localhost'), { code: 'ENOTFOUND' });
    expect(retryReason(dns)).toBeUndefined();
    expect(retryReason(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(
      'network (ECONNRESET)',
    );
  });

  it("with the real SDK, a profile and the key pair both set: one line in mlds's words, not the SDK's nine on the console", async () => {
    const endpoint = await startFakeAwsEndpoint();
    try {
      const home = tempDir();
      writeFileSync(
        join(home, 'config'),
        '[profile good]\naws_access_key_id = AKIAGOOD\naws_secret_access_key = good\n',
      );
      const env = {
        HOME: home,
        AWS_CONFIG_FILE: join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL: endpoint.url,
        AWS_ACCESS_KEY_ID: 'AKIAKEYS',
        AWS_SECRET_ACCESS_KEY: 'keys',
        AWS_PROFILE: '',
      };
      for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
      const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const run = await runCli(['apply', 'w.yaml', '--yes', '--profile', 'good'], {
        cwd,
        env,
        sleep: async () => {},
        every: () => () => {},
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe(
        "warning: --profile good and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are both set; the AWS SDK uses the profile's credentials (unset one of the two to choose)\n",
      );
      expect(consoleWarn).not.toHaveBeenCalled();
    } finally {
      await endpoint.close();
    }
  }, 30_000);

  it('with the real SDK, --profile nope is named (no config file, no instance metadata)', async () => {
    const home = tempDir();
    vi.stubEnv('HOME', home);
    vi.stubEnv('AWS_CONFIG_FILE', join(home, 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(home, 'credentials'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    vi.stubEnv('AWS_PROFILE', '');
    const run = await runCli(['apply', 'w.yaml', '--yes', '--profile', 'nope'], {
      cwd,
      awsClients: ({ profile }) => createAwsClients(profile === undefined ? {} : { profile }),
      sleep: async () => {},
      every: () => () => {},
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: cannot load AWS credentials for the profile 'nope'");
    expect(run.stderr).not.toContain('apply failed for');
    expect(existsSync(join(cwd, STATE))).toBe(false);
  }, 30_000);
});
