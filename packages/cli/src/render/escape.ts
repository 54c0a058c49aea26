// Text a file, a state or the command line supplied is shown escaped: a workflow must not be able to send
// terminal escape sequences (colour, cursor moves, window titles, hyperlinks) or reorder what the user reads
// (a right-to-left override) through mlds's own output. `\x1b` is shown as `\u001b`, U+202E as `\u202e`.

/** C0 controls, DEL, C1 controls, bidi and zero-width formatting marks, line and paragraph separators. */
export function isUnsafeCharCode(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2069) ||
    code === 0xfeff
  );
}

// The same set as isUnsafeCharCode, for a check in one native pass: nearly every string mlds shows has none.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const UNSAFE_BUT_NEWLINE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

function escapeWhere(text: string, keepNewlines: boolean): string {
  if (!(keepNewlines ? UNSAFE_BUT_NEWLINE : UNSAFE).test(text)) return text;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isUnsafeCharCode(code) || (keepNewlines && code === 0x0a)) continue;
    out += `${text.slice(from, i)}\\u${code.toString(16).padStart(4, '0')}`;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** `text` with every unsafe character escaped; line feeds kept (multi-line messages). */
export function escapeText(text: string): string {
  return escapeWhere(text, true);
}

/** `text` with every unsafe character escaped, line feeds too: for what must stay on one line. */
export function escapeLine(text: string): string {
  return escapeWhere(text, false);
}

// The only sequences mlds writes itself: SGR colour (picocolors) and the live progress's cursor-up / erase.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const OWN_SEQUENCE = /^\x1b\[[0-9;]*[mFJ]/;

/**
 * The last line of defence, around stdout and stderr: whatever a renderer forgot to escape is escaped here.
 * With `terminalSequences` (colour on), mlds's own colour and cursor sequences pass, every other escape does not.
 */
export function safeWriter<W extends { write(chunk: string): unknown }>(
  writer: W,
  options: { terminalSequences: boolean },
): { write(chunk: string): unknown } {
  return {
    write(chunk: string) {
      return writer.write(options.terminalSequences ? escapeKeepingOwnSequences(chunk) : escapeText(chunk));
    },
  };
}

/**
 * `chunk` as safeWriter writes it with colour on: every unsafe character escaped but mlds's own colour and cursor
 * sequences. A table escapes its cells with it before measuring them, so that an escaped name keeps its column.
 */
export function escapeKeepingOwnSequences(chunk: string): string {
  let out = '';
  let from = 0;
  for (let at = chunk.indexOf('\x1b'); at !== -1; at = chunk.indexOf('\x1b', from)) {
    const own = OWN_SEQUENCE.exec(chunk.slice(at, at + 16));
    out += escapeText(chunk.slice(from, at));
    out += own === null ? '\\u001b' : own[0];
    from = at + (own === null ? 1 : own[0].length);
  }
  return out + escapeText(chunk.slice(from));
}
