import type { StateResource } from '@mlds/core';
import { NotEmptyError } from '../errors.js';
import { type Found, type Inspection, isOurs, type Precheck, type Recorded } from '../runtime.js';

// How the MediaPackage handlers (v1 and v2 alike) read a resource: a describe whose not-found means the resource
// is absent, a list read whole page by page, what `find` makes of the tags a describe answers with, and what
// destroy makes of a channel's origin endpoints (its pre-check, its refusal, the list its delete goes by). No SDK
// here: each handler brings its own service's calls, so loading one version never loads the other's SDK.

/** The answer of `read`, or undefined when `notFound` recognises its error: the resource is absent. */
export async function describedOrAbsent<T>(
  read: () => Promise<T>,
  notFound: (error: unknown) => boolean,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

/** Every page of a list that pages with NextToken, one call each: the names `namesOf` finds on each page. */
export async function namesOnAllPages<Page extends { NextToken?: string | undefined }>(
  readPage: (token: string | undefined) => Promise<Page>,
  namesOf: (page: Page) => (string | undefined)[],
): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await readPage(nextToken);
    for (const name of namesOf(page)) if (name) names.push(name);
    nextToken = page.NextToken;
  } while (nextToken);
  return names;
}

/**
 * `find`'s answer for a described resource: this workflow's by its tags (with what to record, worked out only
 * then), or another's (with its ARN, for an import to tag).
 */
export function foundByTags(
  workflow: string,
  described: { Arn?: string | undefined; Tags?: Record<string, string> | undefined },
  recorded: () => Recorded,
): Found {
  const tags = described.Tags ?? {};
  if (!isOurs(tags, workflow))
    return { status: 'foreign', tags, ...(described.Arn ? { arn: described.Arn } : {}) };
  return { status: 'ours', tags, recorded: recorded() };
}

/**
 * Destroy's pre-check of a channel (v1 or v2): the describe and the origin endpoints, both read by the channel's
 * name, asked at once, then read as `find` and `inspect` would. An answer of the list counts only for a channel
 * found ours; a channel gone between the two is gone.
 */
export async function channelPrecheck<Described>(reads: {
  describe: () => Promise<Described | undefined>;
  listEndpoints: () => Promise<string[]>;
  found: (described: Described | undefined) => Found;
  inspection: (endpoints: string[]) => Inspection;
  notFound: (error: unknown) => boolean;
}): Promise<Precheck> {
  const [described, endpoints] = await Promise.allSettled([reads.describe(), reads.listEndpoints()]);
  if (described.status === 'rejected') throw described.reason;
  const found = reads.found(described.value);
  if (found.status !== 'ours') return { found };
  if (endpoints.status === 'fulfilled') return { found, inspection: reads.inspection(endpoints.value) };
  if (reads.notFound(endpoints.reason)) return { found, inspection: { gone: true } };
  throw endpoints.reason;
}

/** A channel's origin endpoints (v1 or v2), counted and named: what blocks its delete, or what --force deleted. */
export function originEndpointsText(endpoints: string[]): string {
  return `${endpoints.length} origin endpoint(s): ${endpoints.join(', ')}`;
}

/** What keeps a channel from being deleted without --force. */
export function originEndpointsBlocker(endpoints: string[]): string {
  return `the channel has ${originEndpointsText(endpoints)}`;
}

/** The refusal of a channel's delete without --force: its origin endpoints, named. */
export function originEndpointsRefusal(resource: StateResource, endpoints: string[]): NotEmptyError {
  return new NotEmptyError([
    { address: resource.address, name: resource.name, reason: originEndpointsBlocker(endpoints) },
  ]);
}

/**
 * The origin endpoints a channel's delete goes by: what destroy's pre-check listed, or else a list read now;
 * undefined when that list finds the channel gone.
 */
export async function endpointsForDelete(
  learned: string[] | undefined,
  list: () => Promise<string[]>,
  notFound: (error: unknown) => boolean,
): Promise<string[] | undefined> {
  if (learned !== undefined) return learned;
  try {
    return await list();
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}
