import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

// Core's tests reach the shared fixtures by alias: fixtures depends on core, so a package dependency back
// would be a cycle.
export default mergeConfig(sharedConfig, {
  resolve: {
    alias: { '@mlds/fixtures': fileURLToPath(new URL('../fixtures/src/index.ts', import.meta.url)) },
  },
});
