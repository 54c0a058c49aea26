import { createFakeCloud } from './fake-cloud.js';
import { expect, test } from 'vitest';
import { apply, destroy } from '../src/index.js';
import { collectEvents, MemoryStateStore, planOf, virtualTime } from './helpers.js';

test('smoke', async () => {
  const cloud = createFakeCloud({ sleep: async () => {} });
  const time = virtualTime();
  const store = new MemoryStateStore();
  const { events, onEvent } = collectEvents();
  const plan = planOf({
    mediaLiveRoleArn: 'arn:aws:iam::111122223333:role/MediaLiveAccessRole',
    downstream: [
      { name: 'packager', system: 'mediapackage', outputGroup: 'hls' },
      { name: 'archive', system: 's3', format: 'archive' },
      { name: 'store', system: 'mediastore' },
      { name: 'web', system: 'http-put', urls: ['https://a.example.com/x', 'https://b.example.com/x'], username: 'u', password: { env: 'WEB_PASSWORD' } },
    ],
  });
  const result = await apply({ plan, clients: cloud.clients, store, env: { WEB_PASSWORD: 'hunter2-secret' }, ...time, onEvent });
  console.log(JSON.stringify(result.state, null, 1));
  console.log(JSON.stringify(cloud.inventory(), null, 1));
  console.log(cloud.mutatingCalls().map((c) => c.command));
  const before = cloud.calls().length;
  await apply({ plan: planOf({}, result.state), clients: cloud.clients, store, env: {}, ...time });
  await apply({ plan, clients: cloud.clients, store, env: {}, ...time });
  expect(cloud.calls().length).toBe(before);
  await destroy({ clients: cloud.clients, store, ...time, onEvent });
  console.log(JSON.stringify(cloud.inventory()));
  console.log(events.map((e) => JSON.stringify(e)).join('\n'));
});
