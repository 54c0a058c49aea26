import { DescribeChannelCommand } from '@aws-sdk/client-medialive';
import {
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
} from '@aws-sdk/client-s3';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import {
  normalizeWorkflow,
  planWorkflow,
  refreshTargets,
  type StateDocument,
  type WorkflowInput,
} from '@mlds/core';
import { aWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { mediaLiveBucketPolicy } from '../src/handlers/s3.js';
import { refresh } from '../src/index.js';
import { answerBucketSettingsAsMade, mockedClients, REGION, ROLE, tagsOf, virtualTime } from './helpers.js';

// Refresh reads what core chose and nothing else: with `channel:` removed from the workflow, the binding the
// state still records is not read (no DescribeChannel, no GetParameter of its stream key), since the plan neither
// reads nor writes that channel. Exact SDK calls, aws-sdk-client-mock.

const CHANNEL = '1234567';
const BUCKETS = ['curling-live-archive-p0', 'curling-live-archive-p1'];
const STREAM_KEY_PARAMETER = '/live/social/stream-key';

const UNBOUND: WorkflowInput = aWorkflow({
  mediaLiveRoleArn: ROLE,
  downstream: [
    { name: 'archive', system: 's3', format: 'archive' },
    {
      name: 'social',
      system: 'rtmp',
      urls: ['rtmp://live-a.example-social.com/app', 'rtmp://live-b.example-social.com/app'],
      streamKey: { ssmParameter: STREAM_KEY_PARAMETER },
    },
  ],
});
const BOUND: WorkflowInput = { ...UNBOUND, channel: { id: CHANNEL } };

/** The state an apply of the bound workflow left: the two buckets and the binding, its destinations written. */
function appliedBound(): StateDocument {
  const plan = planWorkflow(normalizeWorkflow(BOUND));
  return stateAfterApply(plan, (resource) =>
    resource.kind === 'medialive-channel'
      ? { destinationIds: plan.destinations.map((destination) => destination.Id) }
      : {},
  );
}

function answeringBuckets(mocks: ReturnType<typeof mockedClients>['mocks']) {
  mocks.s3.on(HeadBucketCommand).resolves({});
  mocks.s3.on(GetBucketOwnershipControlsCommand).resolves({
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
  });
  mocks.s3.on(GetBucketTaggingCommand).resolves({
    TagSet: Object.entries(tagsOf('archive')).map(([Key, Value]) => ({ Key, Value })),
  });
  answerBucketSettingsAsMade(mocks.s3);
  for (const bucket of BUCKETS) {
    mocks.s3
      .on(GetBucketPolicyCommand, { Bucket: bucket })
      .resolves({ Policy: JSON.stringify(mediaLiveBucketPolicy(bucket, REGION, ROLE)) });
  }
}

const eachBucket = (command: string) => BUCKETS.map((Bucket) => [command, { Bucket }]);

/** Every S3 call, as [command, input], in a stable order (the reads of one bucket run at once). */
const s3Calls = (mocks: ReturnType<typeof mockedClients>['mocks']) =>
  mocks.s3
    .calls()
    .map((call) => [call.args[0].constructor.name, call.args[0].input])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const BUCKET_READS = [
  ...eachBucket('GetBucketEncryptionCommand'),
  ...eachBucket('GetBucketOwnershipControlsCommand'),
  ...eachBucket('GetBucketPolicyCommand'),
  ...eachBucket('GetBucketTaggingCommand'),
  ...eachBucket('GetPublicAccessBlockCommand'),
  ...eachBucket('HeadBucketCommand'),
];

describe('refresh reads what core chose', () => {
  it('`channel:` removed: the buckets are read, the recorded binding is not (no DescribeChannel, no GetParameter)', async () => {
    const { aws, mocks, requested } = mockedClients();
    answeringBuckets(mocks);
    const state = appliedBound();
    const resources = refreshTargets(normalizeWorkflow(UNBOUND), state);
    expect(resources.map((resource) => resource.address)).toStrictEqual([
      'archive.bucket[0]',
      'archive.bucket[1]',
    ]);

    const observations = await refresh({ state, resources, clients: aws, env: {}, ...virtualTime() });

    expect(observations.map((seen) => [seen.address, seen.exists])).toStrictEqual([
      ['archive.bucket[0]', true],
      ['archive.bucket[1]', true],
    ]);
    expect(s3Calls(mocks)).toStrictEqual(BUCKET_READS);
    expect(mocks.mediaLive.commandCalls(DescribeChannelCommand)).toStrictEqual([]);
    expect(mocks.mediaLive.calls()).toStrictEqual([]);
    expect(mocks.ssm.commandCalls(GetParameterCommand)).toStrictEqual([]);
    // Not even a MediaLive client is built: an account without MediaLive permissions is never asked.
    expect(requested.map((request) => request.service)).not.toContain('medialive');
  });

  it('still bound: the same bucket reads, one DescribeChannel and the stream key read to compare', async () => {
    const { aws, mocks } = mockedClients();
    answeringBuckets(mocks);
    mocks.mediaLive.on(DescribeChannelCommand).resolves({ Id: CHANNEL, State: 'IDLE', Destinations: [] });
    mocks.ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Name: STREAM_KEY_PARAMETER, Value: 'sk-123' } });
    const state = appliedBound();
    const resources = refreshTargets(normalizeWorkflow(BOUND), state);

    const observations = await refresh({ state, resources, clients: aws, env: {}, ...virtualTime() });

    expect(observations.map((seen) => [seen.address, seen.exists])).toStrictEqual([
      ['archive.bucket[0]', true],
      ['archive.bucket[1]', true],
      ['channel', true],
    ]);
    expect(s3Calls(mocks)).toStrictEqual(BUCKET_READS);
    expect(
      mocks.mediaLive.commandCalls(DescribeChannelCommand).map((call) => call.args[0].input),
    ).toStrictEqual([{ ChannelId: CHANNEL }]);
    expect(mocks.ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toStrictEqual([
      { Name: STREAM_KEY_PARAMETER, WithDecryption: true },
    ]);
  });
});
