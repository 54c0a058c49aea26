import { aDownstream, aWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { environmentNeeded, environmentProblems } from './environment.js';
import { normalizeWorkflow } from './normalize.js';
import { planWorkflow } from './plan.js';

const cdn = (variable: string) =>
  normalizeWorkflow(
    aWorkflow({
      downstream: [
        aDownstream('http-put', { name: 'cdn', username: 'medialive', password: { env: variable } }),
        aDownstream('rtmp', { name: 'social', streamKey: { env: 'STREAM_KEY' } }),
        aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' }),
      ],
    }),
  );

describe('environmentNeeded', () => {
  it('lists the variables of parameters to create, not stream keys nor ingest passwords', () => {
    expect(environmentNeeded(planWorkflow(cdn('CDN_PASSWORD')))).toStrictEqual([
      { variable: 'CDN_PASSWORD', address: 'cdn.password', sentTo: 'ssm-parameter' },
    ]);
  });

  it('needs nothing once the parameter is written', () => {
    const first = planWorkflow(cdn('CDN_PASSWORD'));
    expect(
      environmentNeeded(planWorkflow(cdn('CDN_PASSWORD'), { state: stateAfterApply(first) })),
    ).toStrictEqual([]);
  });

  it('needs the new variable when the source changed', () => {
    const first = planWorkflow(cdn('CDN_PASSWORD'));
    const changed = planWorkflow(cdn('CDN_PASSWORD_V2'), { state: stateAfterApply(first) });
    expect(environmentNeeded(changed)).toStrictEqual([
      { variable: 'CDN_PASSWORD_V2', address: 'cdn.password', sentTo: 'ssm-parameter' },
    ]);
  });
});

describe('environmentProblems', () => {
  const need = { variable: 'CDN_PASSWORD', address: 'cdn.password', sentTo: 'ssm-parameter' };

  it('a first apply: its secret unset or empty, listed once', () => {
    const first = planWorkflow(cdn('CDN_PASSWORD'));
    expect(environmentProblems(first, {})).toStrictEqual([need]);
    expect(environmentProblems(first, { CDN_PASSWORD: '' })).toStrictEqual([need]);
    expect(environmentProblems(first, { CDN_PASSWORD: 'hunter2' })).toStrictEqual([]);
  });

  it('a parameter already written: unset is no problem (left as it is), empty is', () => {
    const first = planWorkflow(cdn('CDN_PASSWORD'));
    const again = planWorkflow(cdn('CDN_PASSWORD'), { state: stateAfterApply(first) });
    expect(again.resources.find((change) => change.address === 'cdn.password')?.action).toBe('noop');
    expect(environmentProblems(again, {})).toStrictEqual([]);
    expect(environmentProblems(again, { CDN_PASSWORD: 'hunter2' })).toStrictEqual([]);
    expect(environmentProblems(again, { CDN_PASSWORD: '' })).toStrictEqual([need]);
  });

  it('a parameter being deleted reads nothing', () => {
    const first = planWorkflow(cdn('CDN_PASSWORD'));
    const withoutCdn = normalizeWorkflow(
      aWorkflow({ downstream: [aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' })] }),
    );
    const removed = planWorkflow(withoutCdn, { state: stateAfterApply(first) });
    expect(removed.resources.find((change) => change.address === 'cdn.password')?.action).toBe('delete');
    expect(environmentProblems(removed, { CDN_PASSWORD: '' })).toStrictEqual([]);
  });
});
