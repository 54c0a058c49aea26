import type { Diagnostic, Severity } from '@mlds/core';
import type { Colors, TextWriter } from '../terminal.js';
import { escapeLine } from './escape.js';
import { visibleWidth } from './table.js';

/** Diagnostics wrap at this width, continuation lines indented: a long message stays readable. */
export const DIAGNOSTIC_WIDTH = 100;

/**
 * ``error curling-live.yaml:14:7: `downstream[1].system` <message> [<code>]``: the location first in the form
 * editors and terminals turn into a link, then the message, which names the path into the file (it stays
 * meaningful without lines); a message that does not open with its path gets it in front. Everything from the
 * file is escaped (a file name or a message may carry control characters); long diagnostics wrap.
 */
export function formatDiagnostic(diagnostic: Diagnostic, file: string, colors: Colors): string {
  const position =
    diagnostic.line === undefined
      ? file
      : `${file}:${diagnostic.line}${diagnostic.column === undefined ? '' : `:${diagnostic.column}`}`;
  // Most messages already open with the path (they must read well alone, for library users): no need twice.
  const named = diagnostic.path === '' || diagnostic.message.startsWith(`\`${diagnostic.path}\``);
  const message = named ? diagnostic.message : `\`${diagnostic.path}\`: ${diagnostic.message}`;
  const text = `${severityLabel(diagnostic.severity, colors)} ${escapeLine(position)}: ${escapeLine(message)} ${colors.dim(`[${escapeLine(diagnostic.code)}]`)}`;
  return wrap(text, DIAGNOSTIC_WIDTH, '    ');
}

// A command a message suggests (`'mlds destroy x.yaml --force'`, `'aws sso login'`) is never broken: it must
// paste whole. Its spaces are held as a character of the Unicode private use area while the words wrap.
const COMMAND = /'(?:mlds|aws) [^'\n]*'/g;
const HELD_SPACE = '\uE000';

/**
 * Breaks `text` at spaces so that no line passes `width`; a word longer than that keeps its own line, and so does
 * a suggested command in quotes.
 */
export function wrap(text: string, width: number, indent: string): string {
  // The line's own indentation (a list under a message) stays; only the words after it wrap.
  const lead = /^ */.exec(text)?.[0] ?? '';
  const rest = text.slice(lead.length);
  // A text that holds the character itself (never one of mlds's) wraps as plain words.
  const holds = !rest.includes(HELD_SPACE);
  const held = holds ? rest.replace(COMMAND, (command) => command.replaceAll(' ', HELD_SPACE)) : rest;
  const lines: string[] = [];
  let line = lead;
  for (const word of held.split(' ')) {
    const candidate = line === lead ? `${lead}${word}` : `${line} ${word}`;
    if (line !== lead && visibleWidth(candidate) > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  const wrapped = lines.join('\n');
  return holds ? wrapped.replaceAll(HELD_SPACE, ' ') : wrapped;
}

/** One line per diagnostic, in the order given; the empty string for none. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], file: string, colors: Colors): string {
  return diagnostics.map((diagnostic) => `${formatDiagnostic(diagnostic, file, colors)}\n`).join('');
}

function severityLabel(severity: Severity, colors: Colors): string {
  switch (severity) {
    case 'error':
      return colors.red(colors.bold('error'));
    case 'warning':
      return colors.yellow(colors.bold('warning'));
    case 'info':
      return colors.cyan('info');
  }
}

/** Writes the diagnostics to `stream`; writes nothing at all when there are none. */
export function writeDiagnostics(
  stream: TextWriter,
  diagnostics: readonly Diagnostic[],
  file: string,
  colors: Colors,
): void {
  if (diagnostics.length > 0) stream.write(renderDiagnostics(diagnostics, file, colors));
}
