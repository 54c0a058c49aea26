/** The oldest Node.js mlds runs on: engines in package.json say the same. */
export const OLDEST_NODE = '22.3';

/**
 * Whether `version` (process.versions.node) is at least OLDEST_NODE. Not a feature test: Node 20.16 also has
 * process.getBuiltinModule, which the bundle needs, but the AWS SDK ends its support for Node 20, and mlds is
 * tested on 22 and later only.
 */
export function supportedNode(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [oldestMajor = 0, oldestMinor = 0] = OLDEST_NODE.split('.').map(Number);
  return major > oldestMajor || (major === oldestMajor && minor >= oldestMinor);
}
