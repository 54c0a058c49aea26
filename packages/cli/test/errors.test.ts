import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  ConfirmationRequiredError,
  DestroyRefusedError,
  ExitCode,
  exitCodeFor,
  FileSystemError,
  InterruptedError,
  InvalidWorkflowError,
  MissingSecretsError,
  MldsError,
  NotAppliedError,
  NotARegularFileError,
  OperationFailedError,
  SavedPlanInvalidError,
  SavedPlanStaleError,
  StateFileError,
  StateLockedError,
  StateMismatchError,
  UsageError,
  WorkflowFileNotFoundError,
} from '../src/errors.js';

describe('exitCodeFor (contract §3)', () => {
  it.each([
    ['a usage error', new UsageError('unknown option'), 2],
    ['a missing workflow file', new WorkflowFileNotFoundError('not found'), 2],
    ['an invalid workflow', new InvalidWorkflowError('w.yaml', undefined, []), 2],
    ['a locked state', new StateLockedError('locked by pid 12 on build-host'), 3],
    ['a corrupt state file', new StateFileError('not JSON'), 1],
    ['a file system failure', new FileSystemError('EACCES'), 1],
    ['apply or destroy without --yes and without a terminal', new ConfirmationRequiredError('pass --yes'), 2],
    ['a { env } secret not set', new MissingSecretsError('set CDN_PASSWORD'), 2],
    ['a state of another workflow', new StateMismatchError('records other'), 2],
    ['a confirmation answered no', new CancelledError('apply cancelled'), 1],
    ['resources that failed', new OperationFailedError('apply failed', []), 1],
    ['destroy refused on a non-empty bucket', new DestroyRefusedError('not empty'), 1],
    ['output before apply', new NotAppliedError('nothing applied'), 1],
    ['a saved plan whose state moved on', new SavedPlanStaleError('stale'), 1],
    ['a file that claims to be a saved plan but is not one', new SavedPlanInvalidError('formatVersion 2'), 2],
    ['an interrupted apply or destroy (contract §10)', new InterruptedError('apply interrupted'), 130],
    ['a workflow path that is a FIFO', new NotARegularFileError('a FIFO'), 2],
    ['a plain MldsError', new MldsError('something failed'), 1],
    ['an unforeseen error', new TypeError('x is undefined'), 1],
    ['a thrown non-error', 'a string', 1],
  ])('maps %s to %i', (_, error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });

  it('names the codes as the contract does', () => {
    expect(ExitCode).toStrictEqual({
      ok: 0,
      failed: 1,
      invalid: 2,
      locked: 3,
      planHasChanges: 4,
      interrupted: 130,
    });
  });
});

describe('error classes', () => {
  it('keep the cause and the hint', () => {
    const cause = new Error('EACCES: permission denied');
    const error = new FileSystemError('cannot read w.yaml', { cause, hint: 'check the permissions' });
    expect(error.cause).toBe(cause);
    expect(error.hint).toBe('check the permissions');
    expect(error.name).toBe('FileSystemError');
    expect(error).toBeInstanceOf(MldsError);
  });

  it('count the errors of an invalid workflow in the message, not the warnings', () => {
    const error = new InvalidWorkflowError('w.yaml', 'curling-live', [
      { severity: 'error', code: 'a', message: 'm', path: '' },
      { severity: 'warning', code: 'b', message: 'm', path: '' },
      { severity: 'error', code: 'c', message: 'm', path: '' },
    ]);
    expect(error.message).toBe('w.yaml is not a valid workflow: 2 errors');
    expect(error.workflow).toBe('curling-live');
  });
});
