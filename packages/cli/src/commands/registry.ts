import type { Command } from './command.js';

export interface CommandEntry {
  /** One line for `mlds --help`. */
  summary: string;
  /** Loaded only when the command runs, so one command's dependencies never slow down another's start. */
  load(): Promise<{ command: Command<unknown> }>;
}

/** Every command, in the order `mlds --help` lists them. Adding a command is one line here. */
export const commands: ReadonlyMap<string, CommandEntry> = new Map<string, CommandEntry>([
  ['validate', { summary: 'Check a workflow file; no AWS call', load: () => import('./validate.js') }],
  ['plan', { summary: 'Show what apply would change; no AWS call', load: () => import('./plan.js') }],
  [
    'apply',
    {
      summary: 'Create what the plan lists, after confirmation; several files apply a fleet',
      load: () => import('./apply.js'),
    },
  ],
  [
    'output',
    {
      summary: 'Print the destinations and resources apply recorded; no AWS call',
      load: () => import('./output.js'),
    },
  ],
  [
    'destroy',
    {
      summary: 'Delete what the state records, after confirmation; several files destroy a fleet',
      load: () => import('./destroy.js'),
    },
  ],
  [
    'rotate-credentials',
    {
      summary: 'New ingest credentials for a MediaPackage v1 channel, straight into SSM',
      load: () => import('./rotate-credentials.js'),
    },
  ],
  [
    'import',
    {
      summary:
        'Adopt an existing resource into the state as the plan’s address and tag it, after confirmation',
      load: () => import('./import.js'),
    },
  ],
  [
    'state',
    {
      summary: 'List, show, forget, unlock or push the state; no AWS call but the state',
      load: () => import('./state.js'),
    },
  ],
  [
    'schema',
    {
      summary: "Print the workflow file's JSON Schema, for editors; no AWS call",
      load: () => import('./schema.js'),
    },
  ],
]);
