import { stripVTControlCharacters } from 'node:util';
import { escapeKeepingOwnSequences } from './escape.js';

/** The width a string takes on a terminal, colour codes excluded. */
export function visibleWidth(text: string): number {
  return stripVTControlCharacters(text).length;
}

/**
 * Lines with the columns aligned: every column as wide as its widest cell once escaped (colour codes do not
 * count), two spaces between columns, the last column not padded, no trailing spaces.
 */
export function alignColumns(given: ReadonlyArray<readonly string[]>, indent = '  '): string[] {
  // Escaped as the terminal will get them (`\x1b` takes six columns as `\u001b`), before they are measured.
  const rows = given.map((row) => row.map(escapeKeepingOwnSequences));
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, visibleWidth(cell));
    });
  }
  return rows.map((row) => {
    const cells = row.map((cell, column) =>
      column === row.length - 1 ? cell : cell + ' '.repeat((widths[column] ?? 0) - visibleWidth(cell)),
    );
    return `${indent}${cells.join('  ')}`.trimEnd();
  });
}
