import { formatPath } from '../path.js';
import { entryPath, error, type Finding, type Rule } from '../rule.js';

// `path` is what MediaLive appends to the bucket or container: `folders/baseFilename`.

export const destinationPathRule: Rule = {
  reads: [],
  entryReads: ['path'],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      const value = checked.entry.path;
      if (value === undefined) continue;
      const problem = pathProblem(value);
      if (problem === undefined) continue;
      const path = entryPath(checked, 'path');
      findings.push(
        error(
          'path.format',
          path,
          `\`${formatPath(path)}\` must be \`folders/baseFilename\` (e.g. \`sports/curling/index\`): ${problem}.`,
        ),
      );
    }
    return findings;
  },
};

/** S3's longest object key (S3 object keys), in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/**
 * What `path` may take of it: MediaLive appends each file's own name to it (the output's name modifier, the
 * segment number, the extension: `_1080p_00001.ts`), so 64 bytes are left for that.
 */
const MAX_PATH_BYTES = MAX_KEY_BYTES - 64;

function pathProblem(value: string): string | undefined {
  if (value.length === 0) return 'it is empty; remove `path` to use the default `<workflow>/<name>/index`';
  const bytes = new TextEncoder().encode(value).length;
  if (bytes > MAX_PATH_BYTES) {
    return `it is ${bytes} bytes long; an S3 object key is at most ${MAX_KEY_BYTES} bytes, and MediaLive appends each file's own name to this path (its name modifier, segment number and extension): keep it to ${MAX_PATH_BYTES} bytes`;
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value))
    return 'write only the folders and base file name, without a scheme or bucket';
  if (value.startsWith('/') || value.endsWith('/')) return 'remove the leading or trailing `/`';
  const segments = value.split('/');
  if (segments.some((segment) => segment === '')) return 'remove the empty folder (`//`)';
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'remove the `.` or `..` folder';
  if (/[\s?#\\]/.test(value)) return 'remove spaces, `?`, `#` and `\\`';
  return undefined;
}
