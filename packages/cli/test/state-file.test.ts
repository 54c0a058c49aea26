import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateFileError } from '../src/errors.js';
import { readStateFile, statePathFor } from '../src/state-file.js';
import { tempDir } from './helpers.js';

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

describe('readStateFile', () => {
  it('reads a state document', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 's.json'), JSON.stringify(state));
    expect(await readStateFile(join(dir, 's.json'), 's.json')).toStrictEqual(state);
  });

  it('is undefined when there is no file yet', async () => {
    expect(await readStateFile(join(tempDir(), 'none.json'), 'none.json')).toBeUndefined();
  });

  it.each([
    ['not JSON', 'nope', /^the state file s\.json is not valid JSON: /],
    ['not a state', '{}', /^the state file s\.json is not an mlds state: formatVersion is undefined/],
  ])('fails on a file that is %s', async (_, content, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, 's.json'), content);
    const failure = readStateFile(join(dir, 's.json'), 's.json');
    await expect(failure).rejects.toBeInstanceOf(StateFileError);
    await expect(failure).rejects.toThrow(message);
  });

  it('fails on a directory', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 's.json'));
    await expect(readStateFile(join(dir, 's.json'), 's.json')).rejects.toThrow(
      'the state file s.json is a directory',
    );
  });
});

describe('statePathFor', () => {
  it('defaults to .mlds/<workflow>.state.json under the current directory', () => {
    expect(statePathFor('/work/site', undefined, 'curling-live')).toStrictEqual({
      kind: 'file',
      absolute: '/work/site/.mlds/curling-live.state.json',
      shownAs: '.mlds/curling-live.state.json',
    });
  });

  it('resolves --state against the current directory, and shows a path outside it in full', () => {
    expect(statePathFor('/work/site', 'states/prod.json', 'w')).toStrictEqual({
      kind: 'file',
      absolute: '/work/site/states/prod.json',
      shownAs: 'states/prod.json',
    });
    expect(statePathFor('/work/site', '../elsewhere.json', 'w')).toStrictEqual({
      kind: 'file',
      absolute: '/work/elsewhere.json',
      shownAs: '/work/elsewhere.json',
    });
    expect(statePathFor('/work/site', '/var/mlds/s.json', 'w')).toMatchObject({
      absolute: '/var/mlds/s.json',
    });
  });
});
