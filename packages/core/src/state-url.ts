// Where the state lives: a local path or `s3://bucket/key` (contract §7, §9). Pure: the CLI checks a URL with
// this before anything is read or written, and the workflow file's `state:` is checked by the same rules.

/** A state in an S3 bucket that mlds never creates. */
export interface S3StateUrl {
  kind: 's3';
  bucket: string;
  /** The object key of the state; its lock is `<key>.lock`. */
  key: string;
}

export type StateUrl = S3StateUrl | { kind: 'file'; path: string };

export type StateUrlResult = { url: StateUrl } | { problem: string };

const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];
// C0 and C1 control characters and DEL: never part of a path or key a person meant to type.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** An object key is up to 1,024 bytes of UTF-8 (S3 object keys). */
const MAX_KEY_BYTES = 1024 - '.lock'.length;

/** Why `name` cannot be an S3 bucket name (S3 bucket naming rules); undefined when it can. */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'is not 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may hold only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.includes('..')) return 'must not hold two dots in a row';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not be an IP address';
  if (RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix))) return 'starts with a prefix S3 reserves';
  if (RESERVED_SUFFIXES.some((suffix) => name.endsWith(suffix))) return 'ends with a suffix S3 reserves';
  return undefined;
}

/**
 * Reads a state URL: `s3://bucket/key`, or anything else as a local path. A malformed `s3://` URL (no bucket,
 * no key, an invalid bucket name, credentials, a query, control characters) is a problem, never a path: a
 * mistyped URL must not become a directory tree named after it (with the credentials in its name).
 */
export function parseStateUrl(text: string): StateUrlResult {
  if (text === '') return { problem: 'is empty' };
  if (CONTROL.test(text)) return { problem: 'holds a control character' };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text)?.[1];
  if (scheme === undefined) return { url: { kind: 'file', path: text } };
  if (scheme.toLowerCase() !== 's3') {
    return { problem: `uses the scheme ${scheme}://: give a local path or s3://bucket/key` };
  }
  const rest = text.slice(scheme.length + 3);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  // Only the shape is said back, never the text: what looks like credentials must not reach a terminal or log.
  if (authority.includes('@') || authority.includes(':')) {
    return {
      problem: 'holds credentials or a port; give s3://bucket/key and let the AWS SDK find credentials',
    };
  }
  if (authority === '') return { problem: 'names no bucket: give s3://bucket/key' };
  const bucketProblem = s3BucketNameProblem(authority);
  if (bucketProblem !== undefined)
    return { problem: `names an invalid bucket: the bucket name ${bucketProblem}` };
  if (key === '' || key.endsWith('/')) return { problem: 'names no object key: give s3://bucket/key' };
  if (key.includes('?') || key.includes('#'))
    return { problem: 'holds a query or fragment; give s3://bucket/key' };
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return { problem: 'has an empty, `.` or `..` folder in its key' };
  }
  if (new TextEncoder().encode(key).byteLength > MAX_KEY_BYTES) {
    return { problem: `has a key longer than ${MAX_KEY_BYTES} bytes (S3 keys hold 1,024 with \`.lock\`)` };
  }
  return { url: { kind: 's3', bucket: authority, key } };
}

/** `s3://bucket/key` as it is shown. */
export function formatS3StateUrl(url: S3StateUrl): string {
  return `s3://${url.bucket}/${url.key}`;
}
