import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { describe, expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';
import type { DownstreamInput } from '../../types.js';

function found(entry: DownstreamInput) {
  return validateWorkflow(aWorkflow({ downstream: [entry] })).diagnostics.map(
    ({ severity, code, path }) => `${severity} ${code} ${path}`,
  );
}

describe('secret references', () => {
  test('valid environment variable and SSM parameter names', () => {
    expect(found(aDownstream('rtmp', { streamKey: { env: 'SOCIAL_KEY_2' } }))).toEqual([]);
    expect(found(aDownstream('rtmp', { streamKey: { ssmParameter: '/live/social/key' } }))).toEqual([]);
    expect(found(aDownstream('rtmp', { streamKey: { ssmParameter: 'social-key' } }))).toEqual([]);
  });

  test('an invalid environment variable name', () => {
    expect(found(aDownstream('rtmp', { streamKey: { env: '2KEY' } }))).toEqual([
      'error secret.env-name downstream[0].streamKey.env',
    ]);
    expect(found(aDownstream('http-put', { username: 'u', password: { env: 'MY-PASSWORD' } }))).toEqual([
      'error secret.env-name downstream[0].password.env',
    ]);
  });

  test('an invalid SSM parameter name', () => {
    for (const ssmParameter of ['/aws/key', 'ssm-key', 'live/key', '/a b']) {
      expect(found(aDownstream('rtmp', { streamKey: { ssmParameter } }))).toEqual([
        'error ssm.parameter-name downstream[0].streamKey.ssmParameter',
      ]);
    }
  });
});

describe('credentials inside a URL', () => {
  test('a password before @ is a secret in the file', () => {
    const urls = ['https://encoder:hunter2@a.example.com/live/index', 'https://b.example.com/live/index'];
    expect(found(aDownstream('http-put', { urls }))).toEqual([
      'error secret.url-userinfo downstream[0].urls[0]',
    ]);
  });

  test('a user name alone belongs in `username`', () => {
    const urls = ['rtmp://a.example.com/app', 'rtmp://encoder@b.example.com/app'];
    expect(found(aDownstream('rtmp', { urls }))).toEqual(['error url.userinfo downstream[0].urls[1]']);
  });

  test('an @ in the path is not userinfo', () => {
    const urls = ['https://a.example.com/live/@index', 'https://b.example.com/li@ve/index'];
    expect(found(aDownstream('http-put', { urls }))).toEqual([]);
  });
});

describe('SRT passphrase', () => {
  test('a Secrets Manager ARN is accepted; an SSM parameter ARN is not', () => {
    const good = 'arn:aws:secretsmanager:us-west-2:111122223333:secret:srt-AbCdEf';
    expect(found(aDownstream('srt', { passphraseSecretArn: good }))).toEqual([]);
    expect(
      found(aDownstream('srt', { passphraseSecretArn: 'arn:aws:ssm:us-west-2:111122223333:parameter/srt' })),
    ).toEqual(['error srt.passphrase-arn downstream[0].passphraseSecretArn']);
  });
});
