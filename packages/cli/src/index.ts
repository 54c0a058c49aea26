// The programmatic entry of the CLI: `main` runs one command line with the streams it is given.

export type { PlanOptions } from './commands/plan.js';
export type { ValidateOptions } from './commands/validate.js';
export {
  ExitCode,
  exitCodeFor,
  FileSystemError,
  InvalidWorkflowError,
  MldsError,
  StateFileError,
  StateLockedError,
  UsageError,
  WorkflowFileNotFoundError,
} from './errors.js';
export { type CliOptions, main, VERSION } from './main.js';
