import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { aDownstream, aWorkflow, examplePath } from '@mlds/fixtures';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { ParseResult } from '../src/parse.js';
import { parseWorkflow, validateWorkflow } from '../src/parse.js';

// Whatever sits where a secret goes (or in a URL's userinfo) is never repeated in a diagnostic: the CLI
// prints messages, and CI logs keep them.

function everyMessage(result: ParseResult): string {
  return result.diagnostics.map((d) => `${d.message} ${d.path}`).join('\n');
}

/** Each placement puts `secret` somewhere a careless message would echo it. */
function placements(secret: string): { name: string; text: string; filename?: string }[] {
  const head = 'workflow: leak\nregion: us-west-2\ndownstream:\n';
  const rtmp =
    '  - name: social\n    system: rtmp\n    urls: [rtmp://a.example.com/app, rtmp://b.example.com/app]\n';
  return [
    { name: 'literal stream key', text: `${head}${rtmp}    streamKey: ${secret}\n` },
    { name: 'literal stream key, quoted', text: `${head}${rtmp}    streamKey: "${secret}"\n` },
    {
      name: 'literal password',
      text: `${head}${rtmp}    streamKey: { env: K }\n    username: u\n    password: ${secret}\n`,
    },
    { name: 'secret as an env name', text: `${head}${rtmp}    streamKey: { env: "${secret}-x" }\n` },
    {
      name: 'secret as an SSM name',
      text: `${head}${rtmp}    streamKey: { ssmParameter: "aws${secret}" }\n`,
    },
    { name: 'secret as a key in a reference', text: `${head}${rtmp}    streamKey: { ${secret}: 1 }\n` },
    {
      name: 'literal secret on the wrong system',
      text: `${head}  - name: s\n    system: s3\n    streamKey: ${secret}\n`,
    },
    {
      name: 'password in a URL',
      text: `${head}  - name: cdn\n    system: http-put\n    urls: ["https://u:${secret}@a.example.com/x", "ftp://u:${secret}@b.example.com/x"]\n`,
    },
    {
      name: 'stream key in an RTMP URL',
      text: `${head}  - name: s\n    system: rtmp\n    urls: [rtmp://a.example.com/app/${secret}, "rtmp://b/app/${secret}"]\n    streamKey: { env: K }\n`,
    },
    { name: 'unterminated quoted secret', text: `${head}${rtmp}    streamKey: "${secret}\n` },
    { name: 'YAML error after a secret', text: `${head}${rtmp}    streamKey: ${secret}: x\n` },
    {
      name: 'JSON with an unquoted secret',
      text: `{"workflow": "leak", "region": "us-west-2", "downstream": [{"name": "s", "system": "rtmp", "streamKey": ${secret}}]}`,
      filename: 'w.json',
    },
    {
      name: 'JSON with a secret and a missing comma',
      text: `{"downstream": [{"password": "${secret}" "name": "x"}]}`,
      filename: 'w.json',
    },
    { name: 'secret behind an unknown tag', text: `${head}${rtmp}    streamKey: !${secret} value\n` },
  ];
}

describe('no secret in any message', () => {
  const secret = 'Sup3rS3cretValue';
  test.each(placements(secret))('$name', ({ text, filename }) => {
    const result = parseWorkflow(text, { filename });
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(everyMessage(result)).not.toContain(secret);
  });

  test('the invalid example with literal secrets', () => {
    const file = join(dirname(examplePath('curling-live')), 'invalid', 'literal-secret.yaml');
    const result = parseWorkflow(readFileSync(file, 'utf8'));
    expect(result.diagnostics.map((d) => d.code)).toEqual(['secret.literal', 'secret.literal']);
    for (const value of ['live_8f2k-SECRET-STREAM-KEY', 'SECRET-PASSWORD-hunter2', 'SECRET']) {
      expect(everyMessage(result)).not.toContain(value);
    }
  });

  test('objects passed to validateWorkflow', () => {
    const inputs = [
      aWorkflow({ downstream: [{ ...aDownstream('rtmp'), streamKey: secret as never }] }),
      aWorkflow({
        downstream: [{ ...aDownstream('http-put'), username: 'u', password: { [secret]: 'x' } as never }],
      }),
      aWorkflow({
        downstream: [
          aDownstream('http-put', {
            urls: [`https://u:${secret}@a.example.com/x`, 'https://b.example.com/x'],
          }),
        ],
      }),
    ];
    for (const input of inputs) {
      const result = validateWorkflow(input);
      expect(result.diagnostics.length).toBeGreaterThan(0);
      expect(everyMessage(result)).not.toContain(secret);
    }
  });

  test('any secret, in any placement', () => {
    const secrets = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{11,23}$/);
    fc.assert(
      fc.property(secrets, fc.nat(100), (value, pick) => {
        const all = placements(value);
        const { text, filename } = all[pick % all.length] as (typeof all)[number];
        expect(everyMessage(parseWorkflow(text, { filename }))).not.toContain(value);
      }),
      { numRuns: 300 },
    );
  });
});
