// Until @mlds/fixtures exports the fake cloud from its entry, reach it by path.
export { createFakeCloud, FakeCrash } from '../../fixtures/src/fake-cloud/index.js';
export type { FakeCloud, Inventory } from '../../fixtures/src/fake-cloud/index.js';
