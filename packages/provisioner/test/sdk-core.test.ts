import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every AWS SDK client mlds loads must run on one copy of the SDK's core. With two copies (a lockfile that
// resolved an older @aws-sdk/core for some clients), a run loads and compiles the core twice, and the older
// core's logger middleware filters every request's input and output for a logger that discards them: about
// 90 ms more per apply. `pnpm dedupe` puts the clients back on one copy.

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};
// Served only at 3.699.0, which was built on an older core: its own copy is expected, and loaded only for a
// workflow with MediaPackage v2.
const OWN_CORE = new Set(['@aws-sdk/client-mediapackagev2']);
const clients = Object.keys(packageJson.dependencies).filter(
  (name) => name.startsWith('@aws-sdk/client-') && !OWN_CORE.has(name),
);
const requireHere = createRequire(import.meta.url);

/** The version of `dependency` as `client` resolves it, read from the package.json of the file it loads. */
function versionFor(client: string, dependency: string): string {
  const requireFromClient = createRequire(requireHere.resolve(client));
  let directory = dirname(realpathSync(requireFromClient.resolve(dependency)));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
      if (manifest.name === dependency) return manifest.version;
    } catch {
      // Not the package's root yet.
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no package.json of ${dependency} above its entry`);
    directory = parent;
  }
}

describe('the AWS SDK clients share one core', () => {
  it('lists the clients it checks', () => {
    expect(clients).toContain('@aws-sdk/client-s3');
    expect(clients).toContain('@aws-sdk/client-sts');
    expect(clients.length).toBeGreaterThanOrEqual(6);
  });

  for (const dependency of ['@aws-sdk/core', '@smithy/core']) {
    it(`one ${dependency} for every client (else run pnpm dedupe)`, () => {
      const versions = new Map(clients.map((client) => [client, versionFor(client, dependency)]));
      expect(new Set(versions.values()).size, JSON.stringify(Object.fromEntries(versions))).toBe(1);
    });
  }
});
