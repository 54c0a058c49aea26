import type { TextWriter } from '../terminal.js';

/** The one way a command prints its JSON document: indented, one trailing newline, nothing else. */
export function writeJson(stdout: TextWriter, document: unknown): void {
  stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}
