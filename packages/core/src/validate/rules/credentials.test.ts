import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { expect, test } from 'vitest';
import { validateWorkflow } from '../../parse.js';
import type { DownstreamInput } from '../../types.js';

function found(entry: DownstreamInput) {
  return validateWorkflow(aWorkflow({ downstream: [entry] })).diagnostics.map(
    ({ severity, code, path }) => `${severity} ${code} ${path}`,
  );
}

const password = { env: 'CDN_PASSWORD' };

test('a user name and a password together, or neither', () => {
  expect(found(aDownstream('http-put'))).toEqual([]);
  expect(found(aDownstream('http-put', { username: 'encoder', password }))).toEqual([]);
});

test('a user name without a password is an error on the user name', () => {
  expect(found(aDownstream('webdav', { username: 'encoder' }))).toEqual([
    'error credentials.incomplete downstream[0].username',
  ]);
  const message = validateWorkflow(
    aWorkflow({ downstream: [aDownstream('webdav', { username: 'encoder' })] }),
  ).diagnostics[0]?.message;
  expect(message).toContain('add `password: { env: NAME }`');
});

test('a password without a user name is an error on the password', () => {
  expect(found(aDownstream('mss', { password }))).toEqual([
    'error credentials.incomplete downstream[0].password',
  ]);
});

test('an empty user name', () => {
  expect(found(aDownstream('akamai', { username: ' ', password }))).toEqual([
    'error credentials.username-empty downstream[0].username',
  ]);
});

test('rtmp `auth` needs the credentials it describes', () => {
  expect(found(aDownstream('rtmp', { auth: 'akamai' }))).toEqual([
    'error credentials.auth-without-credentials downstream[0].auth',
  ]);
  const rtmps = ['rtmps://a.example.com/app', 'rtmps://b.example.com/app'];
  expect(found(aDownstream('rtmp', { urls: rtmps, auth: 'common', username: 'u', password }))).toEqual([]);
});

test('credentials over plain http or rtmp are a warning per URL', () => {
  const urls = ['http://a.example.com/live/index', 'https://b.example.com/live/index'];
  expect(found(aDownstream('http-put', { urls, username: 'u', password }))).toEqual([
    'warning credentials.plain-text downstream[0].urls[0]',
  ]);
  expect(found(aDownstream('http-put', { urls }))).toEqual([]);
  expect(found(aDownstream('rtmp', { username: 'u', password }))).toEqual([
    'warning credentials.plain-text downstream[0].urls[0]',
    'warning credentials.plain-text downstream[0].urls[1]',
  ]);
});
