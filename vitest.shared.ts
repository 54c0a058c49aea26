import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `mlds-source` export condition), so tests and
// typecheck never wait for a build of their dependencies.
const conditions = ['mlds-source', 'module', 'node', 'development|production'];

export const sharedConfig = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['mlds-source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    restoreMocks: true,
    unstubEnvs: true,
  },
});
