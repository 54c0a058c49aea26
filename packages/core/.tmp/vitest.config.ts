import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../../vitest.shared.ts';
export default mergeConfig(sharedConfig, {
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: { alias: { '@mlds/fixtures': fileURLToPath(new URL('./fixtures-shim.ts', import.meta.url)) } },
});
