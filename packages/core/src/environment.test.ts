import { aDownstream, aWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { environmentNeeded } from './environment.js';
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
