import { type Found, isOurs, type Recorded } from '../runtime.js';

// How the MediaPackage handlers (v1 and v2 alike) read a resource: a describe whose not-found means the resource
// is absent, a list read whole page by page, and what `find` makes of the tags a describe answers with. No SDK
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
