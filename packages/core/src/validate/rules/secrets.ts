import type { SecretRef } from '../../types.js';
import { envVarNameProblem, secretsManagerArnProblem, ssmParameterNameProblem } from '../aws-names.js';
import { formatPath } from '../path.js';
import { type CheckedEntry, entryPath, error, type Finding, type Rule } from '../rule.js';

// No secret is ever written in the workflow file, and no message ever repeats what is written under
// `password` or `streamKey`: someone may have put the secret itself there.

const USERINFO = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)@/;

export const secretRefsRule: Rule = {
  reads: [],
  entryReads: ['password', 'streamKey'],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      for (const field of ['password', 'streamKey'] as const) {
        const ref = checked.entry[field];
        if (ref !== undefined) findings.push(...checkRef(checked, field, ref));
      }
    }
    return findings;
  },
};

function checkRef(checked: CheckedEntry, field: 'password' | 'streamKey', ref: SecretRef): Finding[] {
  if ('env' in ref) {
    const problem = envVarNameProblem(ref.env);
    if (problem === undefined) return [];
    const path = entryPath(checked, field, 'env');
    return [
      error(
        problem.code,
        path,
        `\`${formatPath(path)}\` is not a valid environment variable name: ${problem.problem}.`,
      ),
    ];
  }
  const problem = ssmParameterNameProblem(ref.ssmParameter);
  if (problem === undefined) return [];
  const path = entryPath(checked, field, 'ssmParameter');
  return [
    error(
      problem.code,
      path,
      `\`${formatPath(path)}\` is not a valid SSM parameter name: ${problem.problem}. Name the existing parameter that holds the secret.`,
    ),
  ];
}

export const urlCredentialsRule: Rule = {
  reads: [],
  entryReads: ['urls'],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      (checked.entry.urls ?? []).forEach((url, index) => {
        const userinfo = USERINFO.exec(url)?.[1];
        if (userinfo === undefined) return;
        const path = entryPath(checked, 'urls', index);
        const where = `\`${formatPath(path)}\``;
        if (userinfo.includes(':')) {
          findings.push(
            error(
              'secret.url-userinfo',
              path,
              `${where} carries a password before \`@\`; never write a secret in the workflow file: remove the credentials from the URL and give \`username\` and \`password: { env: NAME }\` instead.`,
            ),
          );
        } else {
          findings.push(
            error(
              'url.userinfo',
              path,
              `${where} carries a user name before \`@\`: remove it from the URL and give it as \`username\`.`,
            ),
          );
        }
      });
    }
    return findings;
  },
};

export const srtPassphraseRule: Rule = {
  reads: [],
  entryReads: ['passphraseSecretArn'],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      const arn = checked.entry.passphraseSecretArn;
      if (arn === undefined) continue;
      const problem = secretsManagerArnProblem(arn);
      if (problem === undefined) continue;
      const path = entryPath(checked, 'passphraseSecretArn');
      findings.push(
        error(
          problem.code,
          path,
          `\`${formatPath(path)}\` is not a Secrets Manager secret ARN: ${problem.problem}.`,
        ),
      );
    }
    return findings;
  },
};
