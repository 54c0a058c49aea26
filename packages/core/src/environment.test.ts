import { aDownstream, aWorkflow, stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { environmentDiagnostics, environmentNeeded, environmentProblems } from './environment.js';
import { normalizeWorkflow } from './normalize.js';
import { parseWorkflow } from './parse.js';
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

describe('environmentDiagnostics', () => {
  it('a secret apply would refuse: unset is a note, empty a warning, each at the field that names it', () => {
    const workflow = cdn('CDN_PASSWORD');
    const first = planWorkflow(workflow);
    expect(environmentDiagnostics(first, workflow, {})).toStrictEqual([
      {
        severity: 'info',
        code: 'env.unset',
        message:
          'apply reads CDN_PASSWORD and writes it to the SSM parameter of cdn.password; it is not set here. Set it where apply runs, or apply refuses before any AWS call.',
        path: 'downstream[0].password',
      },
    ]);
    expect(environmentDiagnostics(first, workflow, { CDN_PASSWORD: '' })).toStrictEqual([
      {
        severity: 'warning',
        code: 'env.empty',
        message:
          'CDN_PASSWORD is set to the empty string: apply refuses it (it writes it to the SSM parameter of cdn.password). Set it to the secret before apply.',
        path: 'downstream[0].password',
      },
    ]);
    expect(environmentDiagnostics(first, workflow, { CDN_PASSWORD: 'hunter2' })).toStrictEqual([]);
  });

  it('given the file’s text, each carries the line and column of the field, as parsing’s diagnostics do', () => {
    const text = [
      'workflow: cdn-live',
      'region: us-west-2',
      'channelClass: SINGLE_PIPELINE',
      'downstream:',
      '  - name: cdn',
      '    system: http-put',
      '    urls: [https://a.example-cdn.com/live/index]',
      '    username: mlds',
      '    password: { env: CDN_PASSWORD }',
      '',
    ].join('\n');
    const parsed = parseWorkflow(text);
    if (parsed.workflow === undefined) throw new Error(JSON.stringify(parsed.diagnostics));
    const [diagnostic] = environmentDiagnostics(planWorkflow(parsed.workflow), parsed.workflow, {}, text);
    expect(diagnostic).toMatchObject({ path: 'downstream[0].password', line: 9, column: 15 });
  });

  it('a parameter already written: nothing while unset, a warning when empty', () => {
    const workflow = cdn('CDN_PASSWORD');
    const again = planWorkflow(workflow, { state: stateAfterApply(planWorkflow(workflow)) });
    expect(environmentDiagnostics(again, workflow, {})).toStrictEqual([]);
    expect(
      environmentDiagnostics(again, workflow, { CDN_PASSWORD: '' }).map((diagnostic) => diagnostic.code),
    ).toStrictEqual(['env.empty']);
  });

  it('a bound channel’s stream key points at its streamKey', () => {
    const workflow = normalizeWorkflow(
      aWorkflow({
        channel: { id: '1234567' },
        downstream: [
          aDownstream('mediapackage', { name: 'packager', outputGroup: 'hls' }),
          aDownstream('rtmp', { name: 'social', streamKey: { env: 'STREAM_KEY' } }),
        ],
      }),
    );
    const [diagnostic] = environmentDiagnostics(planWorkflow(workflow), workflow, {});
    expect(diagnostic).toStrictEqual({
      severity: 'info',
      code: 'env.unset',
      message:
        'apply reads STREAM_KEY and sends it to the bound MediaLive channel; it is not set here. Set it where apply runs, or apply refuses before any AWS call.',
      path: 'downstream[1].streamKey',
    });
  });
});
