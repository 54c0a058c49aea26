import type { MldsError } from '../errors.js';
import type { Colors, TextWriter } from '../terminal.js';
import { DIAGNOSTIC_WIDTH, wrap } from './diagnostics.js';
import { escapeText } from './escape.js';

/**
 * An error mlds foresaw, as the user reads it: `error: [subject: ]message`, then its hint, dimmed; escaped, and
 * wrapped at 100 columns as diagnostics are. One workflow's, or one of a fleet's (`subject`: the workflow).
 */
export function writeMldsError(stderr: TextWriter, colors: Colors, error: MldsError, subject?: string): void {
  const label = colors.red(colors.bold('error'));
  const about = subject === undefined ? '' : `${subject}: `;
  stderr.write(`${wrapLines(`${label}: ${escapeText(about + error.message)}`)}\n`);
  if (error.hint !== undefined) stderr.write(`${colors.dim(wrapLines(escapeText(error.hint)))}\n`);
}

/** Each line wrapped as diagnostics are: at 100 columns, continuation lines indented by four spaces. */
function wrapLines(text: string): string {
  return text
    .split('\n')
    .map((line) => wrap(line, DIAGNOSTIC_WIDTH, '    '))
    .join('\n');
}
