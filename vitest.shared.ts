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
  },
});
