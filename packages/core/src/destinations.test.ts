import { aDownstream, aWorkflow } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { decideOutputGroups, groupTypesOf, PlanInputError } from './decide.js';
import { planDestinations } from './destinations.js';
import { normalizeWorkflow } from './normalize.js';
import type { DownstreamInput, OutputDestination, Workflow, WorkflowInput } from './types.js';

const destinationsDecided = (workflow: Workflow) =>
  planDestinations(workflow, groupTypesOf(decideOutputGroups(workflow)));

function destinationOf(entry: DownstreamInput, overrides: Partial<WorkflowInput> = {}): OutputDestination {
  const [destination] = destinationsDecided(
    normalizeWorkflow(aWorkflow({ ...overrides, downstream: [entry] })),
  );
  if (destination === undefined) throw new Error('no destination');
  return destination;
}

describe('MediaPackage', () => {
  it('gives a MediaPackage group one MediaPackageSettings entry for both pipelines', () => {
    expect(destinationOf(aDownstream('mediapackage', { name: 'packager' }))).toStrictEqual({
      Id: 'packager',
      MediaPackageSettings: [{ ChannelId: 'curling-live-packager' }],
    });
  });

  it('uses an existing channel ID exactly as written', () => {
    expect(
      destinationOf(aDownstream('mediapackage', { name: 'packager', channelId: 'Their_Channel' })),
    ).toStrictEqual({
      Id: 'packager',
      MediaPackageSettings: [{ ChannelId: 'Their_Channel' }],
    });
  });

  it('gives an HLS group the ingest URLs and usernames known after apply, and our password parameters', () => {
    expect(
      destinationOf(aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' })),
    ).toStrictEqual({
      Id: 'packager',
      Settings: [0, 1].map((pipeline) => ({
        Url: '(known after apply)',
        Username: '(known after apply)',
        PasswordParam: `/mlds/curling-live/packager/password-p${pipeline}`,
      })),
    });
  });

  it('has one Settings entry on a single-pipeline channel', () => {
    expect(
      destinationOf(aDownstream('mediapackage', { name: 'p' }), { channelClass: 'SINGLE_PIPELINE' }),
    ).toStrictEqual({
      Id: 'p',
      Settings: [
        {
          Url: '(known after apply)',
          Username: '(known after apply)',
          PasswordParam: '/mlds/curling-live/p/password-p0',
        },
      ],
    });
  });
});

describe('Amazon S3 and MediaStore', () => {
  it('writes to s3ssl://<bucket>/<workflow>/<name>/index by default', () => {
    expect(destinationOf(aDownstream('s3', { name: 'archive', format: 'archive' }))).toStrictEqual({
      Id: 'archive',
      Settings: [
        { Url: 's3ssl://curling-live-archive-p0/curling-live/archive/index' },
        { Url: 's3ssl://curling-live-archive-p1/curling-live/archive/index' },
      ],
    });
  });

  it('writes to the existing buckets and the given path', () => {
    expect(
      destinationOf(
        aDownstream('s3', {
          name: 'thumbs',
          buckets: ['theirs-a', 'theirs-b'],
          path: 'sports/curling/thumb',
        }),
      ),
    ).toStrictEqual({
      Id: 'thumbs',
      Settings: [
        { Url: 's3ssl://theirs-a/sports/curling/thumb' },
        { Url: 's3ssl://theirs-b/sports/curling/thumb' },
      ],
    });
  });

  it('waits for the MediaStore container endpoint', () => {
    expect(destinationOf(aDownstream('mediastore', { name: 'store' }))).toStrictEqual({
      Id: 'store',
      Settings: [{ Url: '(known after apply)' }, { Url: '(known after apply)' }],
    });
  });
});

describe('servers with URLs', () => {
  it.each(['http-put', 'webdav', 'akamai', 'mss'] as const)(
    '%s: the URLs alone when no credentials',
    (system) => {
      const entry = aDownstream(system, { name: 'cdn' });
      expect(destinationOf(entry)).toStrictEqual({
        Id: 'cdn',
        Settings: (entry.urls ?? []).map((Url) => ({ Url })),
      });
    },
  );

  it('adds the username and our parameter for a password from the environment', () => {
    expect(
      destinationOf(
        aDownstream('webdav', {
          name: 'cdn',
          urls: ['https://a.example.com/live/index', 'https://b.example.com/live/index'],
          username: 'ingest',
          password: { env: 'CDN_PASSWORD' },
        }),
      ),
    ).toStrictEqual({
      Id: 'cdn',
      Settings: [
        {
          Url: 'https://a.example.com/live/index',
          Username: 'ingest',
          PasswordParam: '/mlds/curling-live/cdn/password',
        },
        {
          Url: 'https://b.example.com/live/index',
          Username: 'ingest',
          PasswordParam: '/mlds/curling-live/cdn/password',
        },
      ],
    });
  });

  it('references an existing SSM parameter by its name', () => {
    const destination = destinationOf(
      aDownstream('mss', { name: 'smooth', password: { ssmParameter: '/theirs/smooth-password' } }),
    );
    expect(destination.Settings?.map((s) => s.PasswordParam)).toEqual([
      '/theirs/smooth-password',
      '/theirs/smooth-password',
    ]);
    expect(destination.Settings?.every((s) => !('Username' in s))).toBe(true);
  });

  it('puts the stream key in StreamName, never printed, and the URL without it', () => {
    expect(
      destinationOf(
        aDownstream('rtmp', {
          name: 'social',
          urls: ['rtmp://a.example.com/app', 'rtmp://b.example.com/app'],
          streamKey: { env: 'KEY' },
          auth: 'common',
          username: 'me',
          password: { ssmParameter: '/theirs/rtmp' },
        }),
      ),
    ).toStrictEqual({
      Id: 'social',
      Settings: [
        {
          Url: 'rtmp://a.example.com/app',
          Username: 'me',
          PasswordParam: '/theirs/rtmp',
          StreamName: '(sensitive)',
        },
        {
          Url: 'rtmp://b.example.com/app',
          Username: 'me',
          PasswordParam: '/theirs/rtmp',
          StreamName: '(sensitive)',
        },
      ],
    });
  });

  it('leaves StreamName out when there is no stream key', () => {
    const { streamKey: _, ...withoutKey } = aDownstream('rtmp', { name: 'r' });
    expect(destinationOf(withoutKey).Settings?.[0]).toStrictEqual({
      Url: 'rtmp://live-a.example-social.com/app',
    });
  });

  it('gives UDP its URLs', () => {
    expect(
      destinationOf(aDownstream('udp', { name: 'feed' }), { channelClass: 'SINGLE_PIPELINE' }),
    ).toStrictEqual({
      Id: 'feed',
      Settings: [{ Url: 'udp://10.0.0.10:5000' }],
    });
  });

  it('gives SRT SrtSettings with the stream id and the passphrase secret when given', () => {
    const arn = 'arn:aws:secretsmanager:us-west-2:111122223333:secret:srt-AbCdEf';
    expect(
      destinationOf(aDownstream('srt', { name: 'srt', streamId: 'feed1', passphraseSecretArn: arn })),
    ).toStrictEqual({
      Id: 'srt',
      SrtSettings: [
        {
          Url: 'srt://srt-a.example-receiver.com:9000',
          StreamId: 'feed1',
          EncryptionPassphraseSecretArn: arn,
        },
        {
          Url: 'srt://srt-b.example-receiver.com:9000',
          StreamId: 'feed1',
          EncryptionPassphraseSecretArn: arn,
        },
      ],
    });
    expect(destinationOf(aDownstream('srt', { name: 'srt' })).SrtSettings?.[1]).toStrictEqual({
      Url: 'srt://srt-b.example-receiver.com:9000',
    });
  });

  it('refuses a workflow that lacks a pipeline URL, naming the path', () => {
    const run = () => destinationOf(aDownstream('udp', { urls: ['udp://10.0.0.1:5000'] }));
    expect(run).toThrow(PlanInputError);
    expect(run).toThrow(expect.objectContaining({ path: 'downstream[0].urls[1]' }));
  });
});

it('has one destination per entry, in file order, named after it', () => {
  const destinations = destinationsDecided(
    normalizeWorkflow(
      aWorkflow({ downstream: [aDownstream('srt', { name: 'z' }), aDownstream('udp', { name: 'a' })] }),
    ),
  );
  expect(destinations.map((d) => d.Id)).toEqual(['z', 'a']);
});
