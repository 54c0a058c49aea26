import { SECRET_FIELDS, SECRET_REF_FIELDS } from '../schema.js';

/** One step into the workflow document: a mapping key or a sequence index. */
export type PathSegment = string | number;
export type Path = readonly PathSegment[];

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

const SECRET_FIELD_SET: ReadonlySet<string> = new Set(SECRET_FIELDS);
const SECRET_REF_KEYS: ReadonlySet<string> = new Set(SECRET_REF_FIELDS);

/**
 * `downstream[2].urls[1]`, `tags["mlds:owner"]`; `` for the document itself. A path never goes below a
 * secret field into keys other than `env`/`ssmParameter`: such a key may be the secret itself
 * (`streamKey: live_abc: x` is a mapping whose key is the stream key).
 */
export function formatPath(path: Path): string {
  let text = '';
  for (const segment of redacted(path)) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

function redacted(path: Path): Path {
  const [first, index, field, key] = path;
  const underSecret =
    first === 'downstream' && typeof index === 'number' && SECRET_FIELD_SET.has(String(field));
  if (underSecret && path.length > 3 && !SECRET_REF_KEYS.has(String(key))) return path.slice(0, 3);
  if (underSecret && path.length > 4) return path.slice(0, 4);
  return path;
}

/**
 * Turns ajv's JSON Pointer (`/downstream/0/urls`) into segments, reading the data to tell an array index from
 * a mapping key that happens to be a number.
 */
export function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(key)) {
      const index = Number(key);
      path.push(index);
      node = node[index];
    } else {
      path.push(key);
      node = isRecord(node) && Object.hasOwn(node, key) ? node[key] : undefined;
    }
  }
  return path;
}

/** Document order for indexes, then alphabetical keys; a parent before its children. */
export function comparePaths(a: Path, b: Path): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i] as PathSegment;
    const y = b[i] as PathSegment;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** The value at `path` in `data`, or undefined. */
export function valueAt(data: unknown, path: Path): unknown {
  let node = data;
  for (const segment of path) {
    if (typeof segment === 'number') node = Array.isArray(node) ? node[segment] : undefined;
    else node = isRecord(node) && Object.hasOwn(node, segment) ? node[segment] : undefined;
  }
  return node;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
