// Limits checked before the text is parsed: a hostile or broken file must end in a diagnostic, not in a hang,
// a stack overflow or gigabytes of memory. The parsers (yaml's composer, the JSON scanner, the rules) recurse
// once per nesting level, so the nesting depth is measured here by a loop that never recurses.

/** The limits a workflow file must keep to; each is far above what any real workflow needs. */
export const INPUT_LIMITS = {
  /** Bytes of the file: a workflow with 200 downstream entries takes about 30 KiB. */
  fileBytes: 1024 * 1024,
  /** Nesting levels (mappings and lists inside each other): a workflow needs 5. */
  depth: 64,
  /** Entries of `downstream`: a MediaLive channel takes far fewer output groups; `pnpm bench` plans 200. */
  downstreamEntries: 1000,
} as const;

export interface LimitProblem {
  code: 'limit.file-size' | 'limit.depth' | 'limit.downstream';
  message: string;
  /** Where in the text the limit was passed (0 for the size). */
  offset: number;
}

export function fileSizeProblem(): LimitProblem {
  return {
    code: 'limit.file-size',
    offset: 0,
    message: `The file is larger than ${INPUT_LIMITS.fileBytes} bytes (1 MiB), the most mlds reads: a workflow is a few KiB; check that this is the right file, or split it into several workflows.`,
  };
}

export function downstreamCountProblem(count: number, offset: number): LimitProblem {
  return {
    code: 'limit.downstream',
    offset,
    message: `\`downstream\` has ${count} entries; mlds takes at most ${INPUT_LIMITS.downstreamEntries} in one workflow: split them into several workflow files.`,
  };
}

/** The first limit the text passes before parsing (size, then nesting depth), or undefined. */
export function inputLimitProblem(text: string): LimitProblem | undefined {
  if (utf8Length(text, INPUT_LIMITS.fileBytes) > INPUT_LIMITS.fileBytes) return fileSizeProblem();
  const deepAt = offsetDeeperThan(text, INPUT_LIMITS.depth);
  if (deepAt !== undefined) {
    return {
      code: 'limit.depth',
      offset: deepAt,
      message: `The file nests mappings and lists more than ${INPUT_LIMITS.depth} levels deep here; a workflow needs 5 at most: check the brackets and the indentation.`,
    };
  }
  return undefined;
}

/** UTF-8 length of `text`, counted only up to a little past `cap`. */
function utf8Length(text: string, cap: number): number {
  if (text.length > cap) return text.length;
  if (text.length * 3 <= cap) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= cap; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const FLOW_BOUNDARY = ' \t[{,:';

/**
 * The offset where the nesting passes `limit` levels, or undefined. An upper bound of YAML's or JSON's nesting:
 * block levels by indentation (a stack of the indents of enclosing lines), `- ` and `? ` indicators on a line,
 * and open flow brackets outside quoted strings and comments. It may count a level twice, never misses one.
 */
export function offsetDeeperThan(text: string, limit: number): number | undefined {
  const n = text.length;
  const indents: number[] = [];
  let flow = 0;
  let blockScalarParent: number | undefined;
  let i = 0;
  while (i < n) {
    const lineStart = i;
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    const column = i - lineStart;
    const first = text[i];
    if (first === undefined) break;
    if (first === '\n' || first === '\r') {
      i++;
      continue;
    }
    if (blockScalarParent !== undefined) {
      if (column > blockScalarParent) {
        i = endOfLine(text, i);
        continue;
      }
      blockScalarParent = undefined;
    }
    if (flow === 0) {
      while (indents.length > 0 && (indents[indents.length - 1] as number) >= column) indents.pop();
      indents.push(column);
      if (indents.length > limit) return i;
    }
    let indicators = 0;
    let previous = ' ';
    while (i < n && text[i] !== '\n' && text[i] !== '\r') {
      const c = text[i] as string;
      // In a block, a flow collection or a quoted string starts after a space; in a flow, after an indicator too.
      const atTokenStart =
        flow > 0 ? FLOW_BOUNDARY.includes(previous) : previous === ' ' || previous === '\t';
      if (c === '#' && (previous === ' ' || previous === '\t')) {
        i = endOfLine(text, i);
        break;
      }
      if ((c === '"' || c === "'") && atTokenStart) {
        i = endOfQuoted(text, i);
        previous = c;
        continue;
      }
      if ((c === '[' || c === '{') && (flow > 0 || atTokenStart)) {
        flow++;
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
      } else if (flow === 0 && (c === '-' || c === '?') && (previous === ' ' || previous === '\t')) {
        const next = text[i + 1];
        if (next === undefined || next === ' ' || next === '\t' || next === '\n' || next === '\r')
          indicators++;
      } else if (flow === 0 && (c === '|' || c === '>') && (previous === ' ' || previous === ':')) {
        if (/^[|>][0-9+-]*[ \t]*(#.*)?$/.test(lineRest(text, i))) blockScalarParent = column;
      }
      if ((flow === 0 ? indents.length : indents.length + flow) + indicators > limit) return i;
      previous = c;
      i++;
    }
  }
  return undefined;
}

function endOfLine(text: string, from: number): number {
  let i = from;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}

function lineRest(text: string, from: number): string {
  return text.slice(from, Math.min(endOfLine(text, from), from + 200));
}

/** The offset after the quoted string opening at `from` (or the end of the text when it never closes). */
function endOfQuoted(text: string, from: number): number {
  const quote = text[from];
  let i = from + 1;
  while (i < text.length) {
    const c = text[i];
    if (quote === '"' && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      // '' inside a single-quoted YAML string is an escaped quote.
      if (quote === "'" && text[i + 1] === "'") {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return i;
}
