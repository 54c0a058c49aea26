import { formatPath } from '../path.js';
import { entryPath, error, type Finding, type Rule, warning } from '../rule.js';
import { parseUrl } from './urls.js';

// A server that asks for credentials asks for both; MediaLive sends Username with the password it reads
// from PasswordParam.
export const credentialsRule: Rule = {
  reads: [],
  entryReads: ['username', 'password', 'auth', 'urls'],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      const { username, password, auth, urls } = checked.entry;
      const where = `\`downstream[${checked.index}]\``;
      if (username !== undefined && username.trim() === '') {
        findings.push(
          error(
            'credentials.username-empty',
            entryPath(checked, 'username'),
            `${where} has an empty \`username\`: give the user name the server asks for, or remove it.`,
          ),
        );
      }
      if (username !== undefined && password === undefined) {
        findings.push(
          error(
            'credentials.incomplete',
            entryPath(checked, 'username'),
            `${where} has \`username\` but no \`password\`: add \`password: { env: NAME }\`, or remove \`username\` if the server asks for no credentials.`,
          ),
        );
      }
      if (password !== undefined && username === undefined) {
        findings.push(
          error(
            'credentials.incomplete',
            entryPath(checked, 'password'),
            `${where} has \`password\` but no \`username\`: add the \`username\` the server asks for, or remove \`password\`.`,
          ),
        );
      }
      if (auth !== undefined && username === undefined && password === undefined) {
        findings.push(
          error(
            'credentials.auth-without-credentials',
            entryPath(checked, 'auth'),
            `${where} sets \`auth\`, which says how to send a user name and password, but gives neither: add \`username\` and \`password\`, or remove \`auth\`.`,
          ),
        );
      }
      if (password === undefined) continue;
      (urls ?? []).forEach((text, index) => {
        const protocol = parseUrl(text)?.protocol;
        if (protocol !== 'http:' && protocol !== 'rtmp:') return;
        const path = entryPath(checked, 'urls', index);
        const secure = protocol === 'http:' ? 'https://' : 'rtmps://';
        findings.push(
          warning(
            'credentials.plain-text',
            path,
            `\`${formatPath(path)}\` sends the user name and password unencrypted (${protocol}//): use ${secure} if the server supports it.`,
          ),
        );
      });
    }
    return findings;
  },
};
