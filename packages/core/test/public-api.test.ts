import { expect, test } from 'vitest';
import * as core from '../src/index.js';

// What other repositories may rely on. The decision steps, resource naming and the diff stay internal so they
// can change; widening this list is a decision, not a side effect of an `export` in some module.
test('@mlds/core exports exactly its public values', () => {
  expect(Object.keys(core).sort()).toEqual([
    'CHANNEL_ADDRESS',
    'FORMAT_VERSION',
    'INPUT_LIMITS',
    'KNOWN_AFTER_APPLY',
    'OTHER_STREAM_KEY',
    'PlanInputError',
    'RATE_LIMITED_SERVICES',
    'RateLimitSyntaxError',
    'SENSITIVE',
    'TAG_DOWNSTREAM',
    'TAG_WORKFLOW',
    'closest',
    'decodeWorkflowBytes',
    'environmentDiagnostics',
    'environmentNeeded',
    'environmentProblems',
    'fileSizeProblem',
    'formatS3StateUrl',
    'importSettingChanges',
    'importTagChanges',
    'lastBinding',
    'madeBeforeTagging',
    'normalizeWorkflow',
    'otherOwner',
    'parseRateLimits',
    'parseStateUrl',
    'parseWorkflow',
    'placeDiagnostics',
    'planImport',
    'planTeardown',
    'planWorkflow',
    'readStateDocument',
    'recordedDestinations',
    'refreshTargets',
    'resolveDestinations',
    'stateDocumentProblem',
    'validateWorkflow',
    'workflowJsonSchema',
  ]);
});

test('planTeardown deletes what mlds created, parameters before their channel, and never what it only read', () => {
  const parsed = core.parseWorkflow(
    [
      'workflow: teardown',
      'region: us-west-2',
      'downstream:',
      '  - name: packager',
      '    system: mediapackage',
      '    outputGroup: hls',
      '  - name: theirs',
      '    system: mediapackage',
      '    outputGroup: hls',
      '    channelId: Existing',
      '',
    ].join('\n'),
  );
  if (parsed.workflow === undefined) throw new Error('the workflow should be valid');
  const plan = core.planWorkflow(parsed.workflow);
  const state: core.StateDocument = {
    formatVersion: 1,
    workflow: 'teardown',
    region: 'us-west-2',
    serial: 3,
    resources: plan.resources.map(({ action: _action, dependsOn: _dependsOn, ...resource }) => ({
      ...resource,
      status: 'created' as const,
    })),
  };
  expect(core.planTeardown(state).map((change) => `${change.action} ${change.address}`)).toEqual([
    'delete theirs.password[1]',
    'delete theirs.password[0]',
    'delete packager.password[1]',
    'delete packager.password[0]',
    'delete packager.channel',
  ]);
});
