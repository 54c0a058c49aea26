import { defineConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

// As the shared config, without the `module` condition: under it Vite resolves @aws-sdk/core to its dist-es
// build, whose extensionless imports Node's ESM loader cannot load once the package is externalised.
const conditions = ['mlds-source', 'node', 'development|production'];

export default defineConfig({
  ...sharedConfig,
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['mlds-source'] } },
});
