import { DeleteContainerPolicyCommand, PutContainerPolicyCommand } from '@aws-sdk/client-mediastore';
import {
  ContainerNotFoundException as DataContainerNotFoundException,
  DeleteObjectCommand,
  ListItemsCommand,
  type ListItemsCommandOutput,
  ObjectNotFoundException,
} from '@aws-sdk/client-mediastore-data';
import type { StateResource } from '@mlds/core';
import { forEachLimit } from '../concurrency.js';
import type { Runtime, Target } from '../runtime.js';
import { readContainerPolicy } from './mediastore-container-policy.js';

// A forced destroy empties the container before deleting it: writes denied first, so that a channel still
// running cannot refill it, then every object deleted; an adopt lifts a deny a destroy left unfinished.

// MediaStore's documented data-plane limits (ListItems 5, DeleteObject 100 per second) are kept by the run's
// shared limiter (rate-limit.ts), which every request passes.
const DELETES_IN_FLIGHT = 10;

/** The statement a forced destroy adds before emptying, as for buckets: a running channel cannot refill it. */
export const DENY_CONTAINER_WRITES_SID = 'MldsDenyWritesWhileDestroying';

/** Removes the deny a forced destroy adds, keeping every other statement. */
export async function allowContainerWritesAgain(rt: Runtime, target: Target): Promise<void> {
  const { statements, version } = await readContainerPolicy(rt, target);
  const kept = statements.filter((statement) => statement.Sid !== DENY_CONTAINER_WRITES_SID);
  if (kept.length === statements.length) return;
  const client = await rt.clients.mediaStore(target.region);
  if (kept.length === 0) {
    await rt.call(target.address, () =>
      client.send(new DeleteContainerPolicyCommand({ ContainerName: target.name })),
    );
    return;
  }
  const policy = JSON.stringify({ Version: version, Statement: kept });
  await rt.call(target.address, () =>
    client.send(new PutContainerPolicyCommand({ ContainerName: target.name, Policy: policy })),
  );
}

/**
 * Adds a Deny on mediastore:PutObject for everyone to the container policy, keeping its other statements, so that
 * a channel still writing cannot refill the container while it is emptied.
 */
export async function denyContainerWrites(
  rt: Runtime,
  resource: StateResource,
  arn: string | undefined,
): Promise<void> {
  if (!arn) return;
  const client = await rt.clients.mediaStore(resource.region);
  const { statements, version } = await readContainerPolicy(rt, resource);
  if (statements.some((statement) => statement.Sid === DENY_CONTAINER_WRITES_SID)) return;
  const policy = JSON.stringify({
    Version: version,
    Statement: [
      ...statements,
      {
        Sid: DENY_CONTAINER_WRITES_SID,
        Effect: 'Deny',
        Principal: '*',
        Action: 'mediastore:PutObject',
        Resource: `${arn}/*`,
      },
    ],
  });
  await rt.call(resource.address, () =>
    client.send(new PutContainerPolicyCommand({ ContainerName: resource.name, Policy: policy })),
  );
}

/** Recursive ListItems (folder by folder) and DeleteObject per object, under the data plane's TPS limits. */
export async function emptyContainer(rt: Runtime, resource: StateResource, endpoint: string): Promise<void> {
  const data = await rt.clients.mediaStoreData(endpoint, resource.region);
  let deleted = 0;
  const folders = [''];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    const path = folder;
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      let page: ListItemsCommandOutput;
      try {
        page = await rt.call(resource.address, () =>
          data.send(
            new ListItemsCommand({
              ...(path === '' ? {} : { Path: path }),
              ...(token === undefined ? {} : { NextToken: token }),
            }),
          ),
        );
      } catch (error) {
        if (error instanceof DataContainerNotFoundException) return;
        throw error;
      }
      const items = page.Items ?? [];
      const objects = items.filter((item) => item.Type === 'OBJECT' && item.Name);
      for (const item of items)
        if (item.Type === 'FOLDER' && item.Name) folders.push(joinPath(path, item.Name));
      await forEachLimit(objects, DELETES_IN_FLIGHT, async (item) => {
        const objectPath = joinPath(path, item.Name ?? '');
        try {
          await rt.call(resource.address, () => data.send(new DeleteObjectCommand({ Path: objectPath })));
          deleted++;
        } catch (error) {
          if (!(error instanceof ObjectNotFoundException)) throw error;
        }
      });
      nextToken = page.NextToken;
    } while (nextToken);
  }
  if (deleted > 0) rt.progress(resource.address, `deleted ${deleted} object(s)`);
}

function joinPath(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}
