import { aDownstream, aWorkflow, seedWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import type { Observation, ObservedSettings } from './drift.js';
import { normalizeWorkflow } from './normalize.js';
import { planWorkflow } from './plan.js';
import type { StateDocument, StateResource, WorkflowInput } from './types.js';

const applied = (input: WorkflowInput): StateDocument =>
  stateAfterApply(planWorkflow(normalizeWorkflow(input)));

/** What a refresh reads for a resource mlds left as it made it. */
function untouched(resource: StateResource): Observation {
  const settings: ObservedSettings =
    resource.kind === 's3-bucket'
      ? {
          objectOwnership: 'BucketOwnerEnforced',
          publicAccessBlocked: true,
          encryption: 'AES256',
          mediaLiveRoleArn: (resource.properties?.mediaLiveRoleArn as string | undefined) ?? null,
        }
      : {};
  return {
    address: resource.address,
    kind: resource.kind,
    name: resource.name,
    region: resource.region,
    exists: true,
    tags: { ...resource.tags },
    settings,
  };
}

function refreshedPlan(input: WorkflowInput, edit: (seen: Observation) => Observation = (seen) => seen) {
  const state = applied(input);
  const observations = state.resources.map((resource) => edit(untouched(resource)));
  return planWorkflow(normalizeWorkflow(input), { state, observations });
}

const summary = (plan: ReturnType<typeof planWorkflow>) =>
  plan.resources.map((r) => ({
    address: r.address,
    action: r.action,
    ...(r.action === 'update' ? { changes: r.changes } : {}),
    ...(r.drift === undefined ? {} : { drift: r.drift }),
    ...(r.refused === undefined ? {} : { refused: r.refused }),
  }));

describe('a refreshed plan', () => {
  it('changes nothing, and says nothing about drift, when AWS matches the state', () => {
    const plan = refreshedPlan(seedWorkflow());
    expect(summary(plan)).toStrictEqual([
      { address: 'packager.channel', action: 'noop' },
      { address: 'archive.bucket[0]', action: 'noop' },
      { address: 'archive.bucket[1]', action: 'noop' },
    ]);
  });

  it('creates again the buckets deleted outside mlds, saying so', () => {
    const plan = refreshedPlan(seedWorkflow(), (seen) =>
      seen.kind === 's3-bucket' ? { ...seen, exists: false } : seen,
    );
    expect(summary(plan)).toStrictEqual([
      { address: 'packager.channel', action: 'noop' },
      {
        address: 'archive.bucket[0]',
        action: 'create',
        drift: ['curling-live-archive-p0 was deleted outside mlds'],
      },
      {
        address: 'archive.bucket[1]',
        action: 'create',
        drift: ['curling-live-archive-p1 was deleted outside mlds'],
      },
    ]);
  });

  it('updates a bucket whose public access block, encryption, role statement and tags drifted, naming each', () => {
    const plan = refreshedPlan(seedWorkflow(), (seen) =>
      seen.address === 'archive.bucket[1]' && seen.exists
        ? {
            ...seen,
            tags: { 'mlds:workflow': 'curling-live', 'mlds:downstream': 'archive' },
            settings: { publicAccessBlocked: false, encryption: 'aws:kms', mediaLiveRoleArn: null },
          }
        : seen,
    );
    expect(summary(plan)[2]).toStrictEqual({
      address: 'archive.bucket[1]',
      action: 'update',
      changes: ['tags', 'publicAccessBlock', 'encryption', 'policy'],
      drift: [
        'tags mlds set were removed or changed: team',
        'the public access block is no longer fully on',
        'default encryption is aws:kms, mlds sets SSE-S3 (AES256)',
        'the bucket policy statement for the MediaLive role arn:aws:iam::111122223333:role/MediaLiveAccessRole is missing or was edited',
      ],
    });
  });

  it('updates a bucket whose ACLs were enabled again (ObjectOwnership), first of its settings', () => {
    const plan = refreshedPlan(seedWorkflow(), (seen) =>
      seen.exists && seen.kind === 's3-bucket'
        ? {
            ...seen,
            settings: {
              ...seen.settings,
              objectOwnership: seen.address === 'archive.bucket[0]' ? 'ObjectWriter' : null,
              publicAccessBlocked: seen.address === 'archive.bucket[0]',
            },
          }
        : seen,
    );
    expect(summary(plan).slice(1)).toStrictEqual([
      {
        address: 'archive.bucket[0]',
        action: 'update',
        changes: ['objectOwnership'],
        drift: ['ACLs are enabled again (ObjectOwnership ObjectWriter), mlds sets BucketOwnerEnforced'],
      },
      {
        address: 'archive.bucket[1]',
        action: 'update',
        changes: ['objectOwnership', 'publicAccessBlock'],
        drift: [
          'ACLs are enabled again (ObjectOwnership not configured), mlds sets BucketOwnerEnforced',
          'the public access block is no longer fully on',
        ],
      },
    ]);
  });

  it('keeps what the workflow changed and adds what drifted', () => {
    const state = applied(seedWorkflow());
    const changed = { ...seedWorkflow(), tags: { team: 'news' } };
    const observations = state.resources.map((resource) => {
      const seen = untouched(resource);
      return seen.exists && resource.address === 'archive.bucket[0]'
        ? { ...seen, settings: { ...seen.settings, encryption: null } }
        : seen;
    });
    const plan = planWorkflow(normalizeWorkflow(changed), { state, observations });
    expect(summary(plan)[1]).toStrictEqual({
      address: 'archive.bucket[0]',
      action: 'update',
      changes: ['tags', 'encryption'],
      drift: ['default encryption is not configured, mlds sets SSE-S3 (AES256)'],
    });
  });

  it('marks a resource that lost its mlds:workflow tag, for apply to refuse', () => {
    const plan = refreshedPlan(seedWorkflow(), (seen) =>
      seen.address === 'packager.channel' && seen.exists ? { ...seen, tags: {} } : seen,
    );
    expect(summary(plan)[0]).toStrictEqual({
      address: 'packager.channel',
      action: 'update',
      changes: ['tags'],
      drift: [
        "its tag mlds:workflow=curling-live is gone: it is no longer this workflow's, and apply refuses to change it",
      ],
      refused: "its tag mlds:workflow=curling-live is gone: it is no longer this workflow's",
    });
  });

  it('says why a read could not see a resource as ours when its tags do not say it (HeadBucket denied)', () => {
    const reason =
      'HeadBucket was denied (403): another account owns it, or these credentials lack s3:ListBucket on it';
    const plan = refreshedPlan(seedWorkflow(), (seen) =>
      seen.address === 'archive.bucket[0]' && seen.exists
        ? { ...seen, tags: {}, settings: {}, notOurs: reason }
        : seen,
    );
    expect(plan.resources[1]?.drift).toStrictEqual([
      `${reason}: it is no longer this workflow's, and apply refuses to change it`,
    ]);
    expect(plan.resources[1]?.refused).toBe(`${reason}: it is no longer this workflow's`);
  });

  it('updates a password parameter whose SSM value differs from the environment', () => {
    const input = aWorkflow({
      downstream: [
        aDownstream('http-put', { name: 'cdn', username: 'u', password: { env: 'CDN_PASSWORD' } }),
      ],
    });
    const plan = refreshedPlan(input, (seen) =>
      seen.exists ? { ...seen, settings: { value: 'differs', version: 1 } } : seen,
    );
    expect(summary(plan)).toStrictEqual([
      {
        address: 'cdn.password',
        action: 'update',
        changes: ['value'],
        drift: ['the value in SSM differs from the environment variable (neither is shown)'],
      },
    ]);
  });

  it('updates a MediaPackage channel whose ingest endpoints changed, and the parameter whose password did', () => {
    const input = aWorkflow({
      downstream: [aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' })],
    });
    const state = applied(input);
    const recorded = state.resources.find((r) => r.address === 'packager.channel')?.outputs?.ingestEndpoints;
    expect(recorded).toBeDefined();
    const rotated = (recorded as { id: string; url: string; username: string }[]).map((endpoint, index) =>
      index === 0 ? { ...endpoint, username: 'rotated-user' } : endpoint,
    );
    const observations = state.resources.map((resource): Observation => {
      const seen = untouched(resource);
      if (!seen.exists) return seen;
      if (resource.address === 'packager.channel') return { ...seen, settings: { ingestEndpoints: rotated } };
      if (resource.address === 'packager.password[0]') return { ...seen, settings: { value: 'differs' } };
      return { ...seen, settings: { value: 'same' } };
    });
    const plan = planWorkflow(normalizeWorkflow(input), { state, observations });
    expect(summary(plan)).toStrictEqual([
      {
        address: 'packager.channel',
        action: 'update',
        changes: ['ingestEndpoints'],
        drift: [
          'its ingest endpoints (URLs or user names) changed outside mlds, by a rotation or the channel made again: apply records the new ones, which MediaLive needs',
        ],
      },
      {
        address: 'packager.password[0]',
        action: 'update',
        changes: ['value'],
        drift: [
          'the value in SSM is not the ingest password packager.channel now has (rotated, or the channel made again outside mlds; neither is shown)',
        ],
      },
      { address: 'packager.password[1]', action: 'noop' },
    ]);
  });

  it('says a resource it deletes is already gone', () => {
    const state = applied(seedWorkflow());
    const input = { ...seedWorkflow(), downstream: seedWorkflow().downstream.slice(0, 2) };
    const observations = state.resources.map((resource) => {
      const seen = untouched(resource);
      return resource.kind === 's3-bucket' ? { ...seen, exists: false as const } : seen;
    });
    const plan = planWorkflow(normalizeWorkflow(input), { state, observations });
    expect(summary(plan).filter((change) => change.action === 'delete')).toStrictEqual([
      {
        address: 'archive.bucket[1]',
        action: 'delete',
        drift: ['curling-live-archive-p1 was deleted outside mlds: only removed from the state'],
      },
      {
        address: 'archive.bucket[0]',
        action: 'delete',
        drift: ['curling-live-archive-p0 was deleted outside mlds: only removed from the state'],
      },
    ]);
  });

  it('ignores an observation of another identity at the same address', () => {
    const plan = refreshedPlan(seedWorkflow(), (seen) =>
      seen.address === 'archive.bucket[0]' ? { ...seen, name: 'someone-else', exists: false } : seen,
    );
    expect(plan.resources[1]?.action).toBe('noop');
  });

  it('leaves the plan as it was without observations (plan makes no AWS call)', () => {
    const state = applied(seedWorkflow());
    expect(planWorkflow(normalizeWorkflow(seedWorkflow()), { state })).toStrictEqual(
      refreshedPlan(seedWorkflow()),
    );
  });
});
