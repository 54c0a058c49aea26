import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { driftOf, type ObservedSettings } from './drift.js';
import { importSettingChanges, madeBeforeTagging } from './import.js';
import type { ResourceKind } from './types.js';

// The law that makes `mlds import` leave nothing for the next refresh: for any settings a read may find, the
// settings an import makes are exactly those a refresh right after the tagging would report as drifted, in the
// same order (a bucket's ObjectOwnership first: S3 may refuse it, so the import makes it before the tag).

const WORKFLOW = 'curling-live';
const TAGS = { 'mlds:workflow': WORKFLOW, 'mlds:downstream': 'archive' };
const ROLE = 'arn:aws:iam::111122223333:role/MediaLiveAccessRole';

const kinds = fc.constantFrom<ResourceKind>(
  's3-bucket',
  'mediastore-container',
  'mediapackagev2-channel',
  'ssm-parameter',
  'mediapackage-channel',
  'mediapackagev2-channel-group',
);

const settings: fc.Arbitrary<ObservedSettings> = fc.record(
  {
    publicAccessBlocked: fc.boolean(),
    encryption: fc.constantFrom<string | null>('AES256', 'aws:kms', 'aws:kms:dsse', null),
    mediaLiveRoleArn: fc.constantFrom<string | null>(ROLE, 'arn:aws:iam::111122223333:role/Other', null),
    value: fc.constantFrom<'same' | 'differs'>('same', 'differs'),
    objectOwnership: fc.constantFrom<string | null>(
      'BucketOwnerEnforced',
      'BucketOwnerPreferred',
      'ObjectWriter',
      null,
    ),
  },
  { requiredKeys: [] },
);

const properties = fc.record(
  {
    mediaLiveRoleArn: fc.constantFrom(ROLE, ''),
    source: fc.constant({ env: 'CDN_PASSWORD' }),
  },
  { requiredKeys: [] },
);

describe('import settings and refresh drift', () => {
  it('an import makes exactly what a refresh after the tag would find drifted, in the same order', () => {
    fc.assert(
      fc.property(kinds, properties, settings, (kind, props, observed) => {
        const resource = { kind, properties: props, tags: TAGS };
        const all = importSettingChanges(resource, observed).map((change) => change.setting);
        // ObjectOwnership is made first, before the tag, exactly when the bucket does not enforce it.
        const owned =
          observed.objectOwnership === undefined || observed.objectOwnership === 'BucketOwnerEnforced';
        expect(all.filter(madeBeforeTagging)).toStrictEqual(owned ? [] : ['objectOwnership']);
        if (!owned) expect(all[0]).toBe('objectOwnership');
        const drift = driftOf(
          resource,
          {
            address: 'a',
            kind,
            name: 'n',
            region: 'us-west-2',
            exists: true,
            tags: { ...TAGS },
            settings: observed,
          },
          WORKFLOW,
        );
        expect(all).toStrictEqual(drift?.changes ?? []);
      }),
    );
  });
});
