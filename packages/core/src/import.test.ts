import { aDownstream, aWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import {
  importSettingChanges,
  importTagChanges,
  madeBeforeTagging,
  otherOwner,
  planImport,
} from './import.js';
import { normalizeWorkflow } from './normalize.js';
import { planWorkflow } from './plan.js';
import type { StateDocument, WorkflowInput } from './types.js';

const workflow: WorkflowInput = aWorkflow({
  tags: { team: 'sports' },
  downstream: [
    aDownstream('s3', { name: 'archive', format: 'archive' }),
    aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' }),
    aDownstream('mediapackage', { name: 'theirs', channelId: 'their-channel', outputGroup: 'hls' }),
  ],
});
const plan = planWorkflow(normalizeWorkflow(workflow));

describe('planImport', () => {
  it('imports the plan’s own resource under the name the plan gives it', () => {
    const decision = planImport(plan, 'archive.bucket[0]', 'curling-live-archive-p0');
    expect(decision).toStrictEqual({
      import: {
        workflow: 'curling-live',
        resource: plan.resources.find((resource) => resource.address === 'archive.bucket[0]'),
        resumes: false,
      },
    });
  });

  it('lists the addresses it can import when the address is unknown', () => {
    const decision = planImport(plan, 'archive.bucket[2]', 'x');
    expect(decision).toStrictEqual({
      problem: {
        code: 'unknown-address',
        message: 'the plan of curling-live has no resource "archive.bucket[2]"',
        addresses: [
          'archive.bucket[0]',
          'archive.bucket[1]',
          'packager.channel',
          'packager.password[0]',
          'packager.password[1]',
          'theirs.password[0]',
          'theirs.password[1]',
        ],
      },
    });
  });

  it('refuses a resource mlds only reads', () => {
    const decision = planImport(plan, 'theirs.channel', 'their-channel');
    expect('problem' in decision && decision.problem.code).toBe('not-importable');
  });

  it('refuses another name, and says what to do with a bucket of another name', () => {
    const decision = planImport(plan, 'archive.bucket[0]', 'my-old-archive');
    expect(decision).toStrictEqual({
      problem: {
        code: 'name-mismatch',
        message:
          'archive.bucket[0] is the S3 bucket named "curling-live-archive-p0", not "my-old-archive": mlds names it from the workflow, and imports only that name',
        fix: "To use the bucket my-old-archive as it is (mlds then reads it and never deletes it), list it under `buckets:` of downstream 'archive' instead of importing.",
      },
    });
  });

  it('refuses an address the state already records, and resumes an intent it left', () => {
    const applied = stateAfterApply(plan);
    const withState = planWorkflow(normalizeWorkflow(workflow), { state: applied });
    const refused = planImport(withState, 'archive.bucket[0]', 'curling-live-archive-p0', applied);
    expect('problem' in refused && refused.problem.code).toBe('in-state');
    // An unknown address lists what could be imported: not what the state records.
    const unknown = planImport(withState, 'archive.bucket[9]', 'x', applied);
    const listed =
      'problem' in unknown && unknown.problem.code === 'unknown-address' ? unknown.problem.addresses : [];
    const without = planImport(plan, 'archive.bucket[9]', 'x');
    const all =
      'problem' in without && without.problem.code === 'unknown-address' ? without.problem.addresses : [];
    expect(all).toContain('archive.bucket[0]');
    expect(listed).toStrictEqual(
      all.filter((address) => !applied.resources.some((r) => r.address === address)),
    );
    const named = planImport(withState, 'archive.bucket[0]', 'curling-live-archive-p0', applied, {
      stateArguments: '--state s3://team/live.json --region us-west-2',
    });
    expect('problem' in named && 'fix' in named.problem && named.problem.fix).toContain(
      `'mlds state rm "archive.bucket[0]" --state s3://team/live.json --region us-west-2' (it changes only the state)`,
    );

    const intent: StateDocument = {
      ...applied,
      resources: applied.resources
        .filter((resource) => resource.address === 'archive.bucket[0]')
        .map((resource) => ({ ...resource, status: 'creating' as const })),
    };
    const again = planWorkflow(normalizeWorkflow(workflow), { state: intent });
    const resumed = planImport(again, 'archive.bucket[0]', 'curling-live-archive-p0', intent);
    expect('import' in resumed && resumed.import.resumes).toBe(true);
  });
});

describe('importTagChanges', () => {
  it('lists the tags to set, with the value each replaces, in key order', () => {
    expect(
      importTagChanges(
        { team: 'sports', 'mlds:workflow': 'curling-live', 'mlds:downstream': 'archive' },
        { team: 'ops', owner: 'me' },
      ),
    ).toStrictEqual([
      { key: 'mlds:downstream', from: undefined, to: 'archive' },
      { key: 'mlds:workflow', from: undefined, to: 'curling-live' },
      { key: 'team', from: 'ops', to: 'sports' },
    ]);
    expect(importTagChanges({ a: '1' }, { a: '1', b: '2' })).toStrictEqual([]);
  });

  it('names the other workflow a resource belongs to', () => {
    expect(otherOwner({ 'mlds:workflow': 'hockey' }, 'curling-live')).toBe('hockey');
    expect(otherOwner({ 'mlds:workflow': 'curling-live' }, 'curling-live')).toBeUndefined();
    expect(otherOwner({}, 'curling-live')).toBeUndefined();
  });
});

describe('importSettingChanges: a bucket whose ACLs are enabled', () => {
  it('shows ObjectOwnership first, as adopt sets it; nothing when the bucket enforces it already', () => {
    const bucket = { kind: 's3-bucket' as const, properties: {} };
    expect(
      importSettingChanges(bucket, { objectOwnership: 'ObjectWriter', publicAccessBlocked: false }),
    ).toStrictEqual([
      {
        setting: 'objectOwnership',
        from: 'ObjectOwnership ObjectWriter (ACLs enabled)',
        to: 'ObjectOwnership BucketOwnerEnforced (ACLs disabled: the bucket owns every object, as for a bucket apply creates)',
      },
      {
        setting: 'publicAccessBlock',
        from: 'not all four public access block settings are on',
        to: 'all four on (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets)',
      },
    ]);
    expect(importSettingChanges(bucket, { objectOwnership: null })[0]?.from).toBe(
      'no ObjectOwnership (ACLs enabled)',
    );
    expect(importSettingChanges(bucket, { objectOwnership: 'BucketOwnerEnforced' })).toStrictEqual([]);
    expect(madeBeforeTagging('objectOwnership')).toBe(true);
    expect(
      ['publicAccessBlock', 'encryption', 'policy', 'value'].filter((s) => madeBeforeTagging(s as never)),
    ).toStrictEqual([]);
  });
});
