import { FORMAT_VERSION, type ResourceKind, type StateDocument } from './types.js';

// The state file is read by the CLI (plan, output: plain JSON, no AWS SDK) and by the provisioner (apply,
// destroy); both must agree on what counts as a state document, so the check lives here.

const KINDS: ReadonlySet<unknown> = new Set([
  'mediapackage-channel',
  's3-bucket',
  'mediastore-container',
  'ssm-parameter',
  'mediapackagev2-channel-group',
  'mediapackagev2-channel',
  'medialive-channel',
] satisfies ResourceKind[]);
const STATUSES: ReadonlySet<unknown> = new Set(['creating', 'created', 'deleting']);
const PIPELINES: ReadonlySet<unknown> = new Set([0, 1, null]);

/**
 * Why `value` (parsed JSON) is not a StateDocument this version can use, in a few words naming the first
 * offending member; undefined when it is one.
 */
export function stateDocumentProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  if (value.formatVersion !== FORMAT_VERSION) {
    return `formatVersion is ${JSON.stringify(value.formatVersion)}, this mlds reads ${FORMAT_VERSION}`;
  }
  if (typeof value.workflow !== 'string') return 'workflow is missing';
  if (typeof value.region !== 'string') return 'region is missing';
  if (typeof value.serial !== 'number' || !Number.isInteger(value.serial) || value.serial < 0)
    return 'serial is missing';
  if (value.lineage !== undefined && (typeof value.lineage !== 'string' || value.lineage === ''))
    return 'lineage is not a string';
  if (!Array.isArray(value.resources)) return 'resources is not a list';
  for (const [index, resource] of value.resources.entries()) {
    const at = `resources[${index}]`;
    if (!isObject(resource)) return `${at} is not an object`;
    for (const field of ['address', 'name', 'region', 'downstream'] as const) {
      if (typeof resource[field] !== 'string') return `${at}.${field} is missing`;
    }
    if (!KINDS.has(resource.kind)) return `${at}.kind is unknown: ${JSON.stringify(resource.kind)}`;
    if (!STATUSES.has(resource.status)) return `${at}.status is unknown: ${JSON.stringify(resource.status)}`;
    if (!PIPELINES.has(resource.pipeline)) return `${at}.pipeline must be 0, 1 or null`;
    for (const field of ['tags', 'properties', 'outputs'] as const) {
      if (resource[field] !== undefined && !isObject(resource[field]))
        return `${at}.${field} is not an object`;
    }
  }
  return undefined;
}

/**
 * The one reader of a state document's text, for every store and command: the document, or why the text is
 * not one (not JSON, or not a state this version can use), in a few words.
 */
export function readStateDocument(
  text: string,
): { document: StateDocument; problem?: undefined } | { problem: string; cause?: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `not valid JSON: ${(error as Error).message}`, cause: error };
  }
  const problem = stateDocumentProblem(value);
  return problem === undefined ? { document: value as StateDocument } : { problem };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
