import { describe, expect, it } from 'vitest';
import { readStateDocument, stateDocumentProblem } from './state.js';

const resource = {
  address: 'archive.bucket[0]',
  kind: 's3-bucket',
  name: 'curling-live-archive-p0',
  region: 'us-west-2',
  pipeline: 0,
  downstream: 'archive',
  status: 'created',
};
const state = {
  formatVersion: 1,
  workflow: 'curling-live',
  region: 'us-west-2',
  serial: 3,
  resources: [resource],
};

describe('stateDocumentProblem', () => {
  it('accepts a state document', () => {
    expect(stateDocumentProblem(state)).toBeUndefined();
    expect(stateDocumentProblem({ ...state, resources: [] })).toBeUndefined();
    expect(
      stateDocumentProblem({
        ...state,
        resources: [{ ...resource, pipeline: null, tags: {}, properties: {}, outputs: {} }],
      }),
    ).toBeUndefined();
  });

  it.each([
    ['null', null, 'not a JSON object'],
    ['a list', [], 'not a JSON object'],
    ['another format', { ...state, formatVersion: 2 }, 'formatVersion is 2, this mlds reads 1'],
    ['no format', { ...state, formatVersion: undefined }, 'formatVersion is undefined, this mlds reads 1'],
    ['no workflow', { ...state, workflow: undefined }, 'workflow is missing'],
    ['no region', { ...state, region: 7 }, 'region is missing'],
    ['no serial', { ...state, serial: '3' }, 'serial is missing'],
    ['no resources', { ...state, resources: {} }, 'resources is not a list'],
    ['a resource that is not an object', { ...state, resources: ['x'] }, 'resources[0] is not an object'],
    ['a resource that is null', { ...state, resources: [null] }, 'resources[0] is not an object'],
    [
      'a resource without name',
      { ...state, resources: [{ ...resource, name: undefined }] },
      'resources[0].name is missing',
    ],
    [
      'a resource without downstream',
      { ...state, resources: [{ ...resource, downstream: 3 }] },
      'resources[0].downstream is missing',
    ],
    [
      'an unknown kind',
      { ...state, resources: [resource, { ...resource, kind: 'ec2' }] },
      'resources[1].kind is unknown: "ec2"',
    ],
    [
      'an unknown status',
      { ...state, resources: [{ ...resource, status: 'done' }] },
      'resources[0].status is unknown: "done"',
    ],
    [
      'pipeline 2',
      { ...state, resources: [{ ...resource, pipeline: 2 }] },
      'resources[0].pipeline must be 0, 1 or null',
    ],
    [
      'no pipeline',
      { ...state, resources: [{ ...resource, pipeline: undefined }] },
      'resources[0].pipeline must be 0, 1 or null',
    ],
    [
      'tags that are a list',
      { ...state, resources: [{ ...resource, tags: [] }] },
      'resources[0].tags is not an object',
    ],
    [
      'outputs that are a string',
      { ...state, resources: [{ ...resource, outputs: 'x' }] },
      'resources[0].outputs is not an object',
    ],
  ])('rejects %s', (_, value, problem) => {
    expect(stateDocumentProblem(value)).toBe(problem);
  });
});

describe('readStateDocument', () => {
  it('reads a state document, or says why the text is not one', () => {
    const state = { formatVersion: 1, workflow: 'w', region: 'us-west-2', serial: 0, resources: [] };
    expect(readStateDocument(JSON.stringify(state))).toStrictEqual({ document: state });
    const broken = readStateDocument('{"formatVersion": 1,');
    expect(broken.problem).toMatch(/^not valid JSON: /);
    expect(broken.problem === undefined ? undefined : broken.cause).toBeInstanceOf(SyntaxError);
    expect(readStateDocument('{"formatVersion": 2}')).toStrictEqual({
      problem: 'formatVersion is 2, this mlds reads 1',
    });
  });
});
