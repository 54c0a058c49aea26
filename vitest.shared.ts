import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `mlds-source` export condition), so tests and
// typecheck never wait for a build of their dependencies. No `module` condition: it would load the AWS SDK's
// dist-es files, whose extensionless imports Node cannot resolve.
const conditions = ['mlds-source', 'node', 'development|production'];

export const sharedConfig = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['mlds-source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    restoreMocks: true,
    unstubEnvs: true,
    // No test is timed: waits, retries and backoff run on virtual time (an injected clock and sleep). The
    // timeouts only catch a hang, so they leave room for a 2-core machine busy with other work: with two suites
    // at once there (load 13), the slowest test, the crash-after-each-call loop, took 67 s.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
