import type { Diagnostic, Severity } from '@mlds/core';
import type { Colors, TextWriter } from '../terminal.js';

/**
 * `warning curling-live.yaml:14:7 downstream[1].system: <message> [<code>]`: the location first in the form
 * editors and terminals turn into a link, then the path into the file, which stays meaningful without lines.
 */
export function formatDiagnostic(diagnostic: Diagnostic, file: string, colors: Colors): string {
  const position =
    diagnostic.line === undefined
      ? file
      : `${file}:${diagnostic.line}${diagnostic.column === undefined ? '' : `:${diagnostic.column}`}`;
  // Most messages already open with the path (they must read well alone, for library users): no need twice.
  const named = diagnostic.path === '' || /^`([^`]+)`/.exec(diagnostic.message)?.[1] === diagnostic.path;
  const where = named ? position : `${position} ${colors.bold(diagnostic.path)}`;
  return `${severityLabel(diagnostic.severity, colors)} ${where}: ${diagnostic.message} ${colors.dim(`[${diagnostic.code}]`)}`;
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
