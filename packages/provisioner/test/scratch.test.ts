import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { apply, destroy, FileStateStore } from '../src/index.js';
import { createFakeCloud } from './fake-cloud.js';
import { planOf, virtualTime } from './helpers.js';

test('crash', async () => {
  const plan = planOf({
    mediaLiveRoleArn: 'arn:aws:iam::111122223333:role/MediaLiveAccessRole',
    downstream: [
      { name: 'packager', system: 'mediapackage', outputGroup: 'hls' },
      { name: 'archive', system: 's3', format: 'archive' },
      { name: 'store', system: 'mediastore' },
      { name: 'web', system: 'http-put', urls: ['https://a.example.com/x', 'https://b.example.com/x'], username: 'u', password: { env: 'WEB_PASSWORD' } },
    ],
  });
  const env = { WEB_PASSWORD: 'hunter2-secret' };
  const clean = createFakeCloud({ sleep: async () => {} });
  await apply({ plan, clients: clean.clients, store: new FileStateStore(join(mkdtempSync(join(tmpdir(), 'x')), 's.json')), env, ...virtualTime() });
  const total = clean.mutatingCalls().length;
  for (let n = 1; n <= total; n++) {
    const cloud = createFakeCloud({ sleep: async () => {} });
    const path = join(mkdtempSync(join(tmpdir(), 'x')), 's.json');
    const file = new FileStateStore(path);
    const okMutations = () => cloud.mutatingCalls().filter((c) => c.outcome === 'ok').length;
    const store = { lock: (c: string) => file.lock(c), read: () => file.read(), write: async (d: any) => { if (okMutations() >= n) throw new Error('crashed'); return file.write(d); } };
    cloud.crashAfterMutatingCalls(n);
    await expect(apply({ plan, clients: cloud.clients, store, env, ...virtualTime() })).rejects.toThrow();
    cloud.crashAfterMutatingCalls(undefined);
    // lock left behind by the "dead" process? release happened in finally; fine
    try {
      await apply({ plan, clients: cloud.clients, store: file, env, ...virtualTime() });
    } catch (e) { console.log(n, e); throw e; }
    await destroy({ clients: cloud.clients, store: file, ...virtualTime() });
    expect(cloud.inventory()).toEqual({ s3: [], mediapackage: [], mediastore: [], ssm: [] });
  }
});
