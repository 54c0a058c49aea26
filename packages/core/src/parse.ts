import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type YAMLError,
} from 'yaml';
import { normalizeWorkflow } from './normalize.js';
import type { Diagnostic, Severity, Workflow, WorkflowInput } from './types.js';
import { checkWorkflow } from './validate/index.js';
import {
  downstreamCountProblem,
  INPUT_LIMITS,
  inputLimitProblem,
  type LimitProblem,
} from './validate/input-limits.js';
import { findJsonSyntaxError } from './validate/json-syntax.js';
import { comparePaths, formatPath, isRecord, type Path, type PathSegment } from './validate/path.js';
import type { Finding } from './validate/rule.js';

export interface ParseResult {
  /** The workflow with every default filled in; undefined exactly when a diagnostic is an error. */
  workflow: Workflow | undefined;
  /** The workflow as written, when it matches the JSON Schema (a semantic rule may still fail). */
  input: WorkflowInput | undefined;
  /** Sorted by position, then path; deterministic. */
  diagnostics: Diagnostic[];
  /** The workflow's name when its `workflow` field passed the schema, whatever else failed. */
  name?: string;
}

export interface ParseOptions {
  /** Used to tell JSON from YAML (`.json`); otherwise text starting with `{` is read as JSON when YAML fails. */
  filename?: string;
  /**
   * Replaces the file's `region` before any rule runs (the CLI's `--region`): rules that compare Regions, such
   * as a MediaPackage output group's, must see the Region the channel will really have.
   */
  region?: string;
}

interface Placed {
  diagnostic: Diagnostic;
  path: Path;
}

/** Checks an already-parsed workflow object (no positions). Never mutates `input`, never throws. */
export function validateWorkflow(input: unknown): ParseResult {
  const checked = checkWorkflow(input);
  const placed = checked.findings.map((finding) => ({
    diagnostic: toDiagnostic(finding),
    path: finding.path,
  }));
  return result(placed, checked.input, checked.name);
}

/** Parses a workflow file (YAML or JSON text) and checks it; every diagnostic carries its line and column. */
export function parseWorkflow(text: string, options: ParseOptions = {}): ParseResult {
  const lineCounter = new LineCounter();
  const limit = inputLimitProblem(text);
  if (limit !== undefined) return limitResult(limit, text, lineCounter);
  // `<<: *anchor` merge keys (YAML 1.1), which YAML users write to share a block between entries.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const json =
    /\.json$/i.test(options.filename ?? '') || (/^\uFEFF?\s*[{[]/.test(text) && document.errors.length > 0);
  if (json) {
    const jsonError = findJsonSyntaxError(text);
    if (jsonError !== undefined) {
      // YAML's recovery from broken JSON says little about where the error sits in the structure.
      const path = document.errors.length === 0 ? pathAtOffset(document, jsonError.offset) : [];
      return syntaxResult([
        place(
          error('syntax', path, `JSON syntax error: ${jsonError.problem}.`),
          lineCounter.linePos(jsonError.offset),
        ),
      ]);
    }
  }
  if (document.errors.length > 0) {
    const syntax = document.errors.map((yamlError) =>
      yamlDiagnostic(yamlError, 'error', document, lineCounter),
    );
    if (!document.errors.every((yamlError) => yamlError.code === 'DUPLICATE_KEY'))
      return syntaxResult(syntax);
    // Duplicate keys alone leave a document YAML can still read (the later value wins): its other problems come
    // in the same pass, and the file stays invalid whatever they are.
    const lenientCounter = new LineCounter();
    const lenient = parseDocument(text, {
      lineCounter: lenientCounter,
      prettyErrors: false,
      uniqueKeys: false,
      merge: true,
    });
    if (lenient.errors.length > 0) return syntaxResult(syntax);
    const checked = checkDocument(lenient, lenientCounter, text, options);
    return syntaxResult('placed' in checked ? [...syntax, ...checked.placed] : syntax);
  }
  const checked = checkDocument(document, lineCounter, text, options);
  if (!('placed' in checked)) return checked.stopped;
  return result(checked.placed, checked.input, checked.name);
}

/** The parsed document checked: its diagnostics placed, or the result of a limit or alias that stops it. */
function checkDocument(
  document: Document.Parsed,
  lineCounter: LineCounter,
  text: string,
  options: ParseOptions,
):
  | { placed: Placed[]; input: WorkflowInput | undefined; name: string | undefined }
  | { stopped: ParseResult } {
  const entries = downstreamItems(document);
  if (entries !== undefined && entries.count > INPUT_LIMITS.downstreamEntries) {
    return { stopped: limitResult(downstreamCountProblem(entries.count, entries.offset), text, lineCounter) };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch {
    return { stopped: syntaxResult([aliasDiagnostic(document, lineCounter)]) };
  }
  const checked = checkWorkflow(withRegion(data, options.region));
  const placed = checked.findings.map((finding) =>
    place(finding, lineCounter.linePos(locate(document, finding.path, finding.at))),
  );
  for (const warning of document.warnings)
    placed.push(yamlDiagnostic(warning, 'warning', document, lineCounter));
  return { placed, input: checked.input, name: checked.name };
}

/**
 * Where `path` is in `text`, the workflow file it points into (1-based line and column), for a diagnostic made
 * after parsing (plan's notes on secrets); undefined when the text does not parse.
 */
export function positionIn(text: string, path: Path): { line: number; column: number } | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) return undefined;
  const { line, col } = lineCounter.linePos(locate(document, path, undefined));
  return { line, column: col };
}

/**
 * The diagnostics, each given the line and column of its path in `text` when it had none: those made after
 * parsing (the planner's). The text is parsed once, and only when one lacks its place; a path that is not in
 * the file places the diagnostic at its nearest ancestor that is, and the whole file's (`` ) stays unplaced.
 */
export function placeDiagnostics(text: string, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const unplaced = (diagnostic: Diagnostic) => diagnostic.line === undefined && diagnostic.path !== '';
  if (!diagnostics.some(unplaced)) return [...diagnostics];
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) return [...diagnostics];
  return diagnostics.map((diagnostic) => {
    const path = unplaced(diagnostic) ? parsePath(diagnostic.path) : undefined;
    if (path === undefined) return diagnostic;
    const { line, col } = lineCounter.linePos(locate(document, path, undefined));
    return { ...diagnostic, line, column: col };
  });
}

/** `downstream[2].urls[1]`, `tags["mlds:owner"]` (formatPath's form) as segments; undefined when it is not one. */
function parsePath(text: string): Path | undefined {
  const segment = /(?:^|\.)([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  const path: PathSegment[] = [];
  while (segment.lastIndex < text.length) {
    const at = segment.lastIndex;
    const match = segment.exec(text);
    if (match === null || (at > 0 && match.index !== at)) return undefined;
    const [, key, index, quoted] = match;
    path.push(key ?? (index !== undefined ? Number(index) : (JSON.parse(quoted ?? '""') as string)));
  }
  return path;
}

function limitResult(problem: LimitProblem, text: string, lineCounter: LineCounter): ParseResult {
  // The LineCounter fills as yaml parses; here nothing has, so the lines are counted up to the offset only.
  lineCounter.addNewLine(0);
  for (let at = text.indexOf('\n'); at !== -1 && at < problem.offset; at = text.indexOf('\n', at + 1)) {
    lineCounter.addNewLine(at + 1);
  }
  return syntaxResult([place(error(problem.code, [], problem.message), lineCounter.linePos(problem.offset))]);
}

/** The number of `downstream` entries, counted on the parsed document before anything is built from it. */
function downstreamItems(document: Document): { count: number; offset: number } | undefined {
  if (!isMap(document.contents)) return undefined;
  const pair = document.contents.items.find((item) => keyText(item.key) === 'downstream');
  if (pair === undefined || !isSeq(pair.value)) return undefined;
  return { count: pair.value.items.length, offset: startOf(pair.key) ?? 0 };
}

/** A file without `region` stays without it: the override does not excuse the missing field. */
function withRegion(data: unknown, region: string | undefined): unknown {
  if (region === undefined || !isRecord(data) || !Object.hasOwn(data, 'region')) return data;
  return { ...data, region };
}

function result(placed: Placed[], input: WorkflowInput | undefined, name?: string): ParseResult {
  const diagnostics = placed.sort(compareDiagnostics).map((item) => item.diagnostic);
  const failed = diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  return {
    workflow: failed || input === undefined ? undefined : normalizeWorkflow(input),
    input,
    diagnostics,
    ...(name === undefined ? {} : { name }),
  };
}

function syntaxResult(placed: Placed[]): ParseResult {
  return result(placed, undefined);
}

function toDiagnostic(finding: Finding): Diagnostic {
  return {
    severity: finding.severity,
    code: finding.code,
    message: finding.message,
    path: formatPath(finding.path),
  };
}

function place(finding: Finding, position: { line: number; col: number }): Placed {
  return {
    diagnostic: { ...toDiagnostic(finding), line: position.line, column: position.col },
    path: finding.path,
  };
}

function error(code: string, path: Path, message: string): Finding {
  return { severity: 'error', code, path, message };
}

function yamlDiagnostic(
  yamlError: YAMLError,
  severity: Severity,
  document: Document,
  lineCounter: LineCounter,
): Placed {
  const offset = yamlError.pos[0];
  const path = pathAtOffset(document, offset);
  const position = lineCounter.linePos(offset);
  if (yamlError.code === 'DUPLICATE_KEY') {
    // The duplicate's own path: the enclosing node's range may reach past it (a key at the end of the file).
    const keyPath = pathOfKeyAt(document, offset) ?? path;
    const where = keyPath.length === 0 ? 'A key' : `\`${formatPath(keyPath)}\``;
    return place(
      {
        severity,
        code: 'syntax.duplicate-key',
        path: keyPath,
        message: `${where} appears twice in the same mapping: keep one.`,
      },
      position,
    );
  }
  if (yamlError.code === 'MULTIPLE_DOCS') {
    return place(
      {
        severity,
        code: 'syntax',
        path: [],
        message:
          'The file holds more than one YAML document (a `---` after the first): keep one workflow per file.',
      },
      position,
    );
  }
  // yaml quotes the offending token in some messages; it may be a secret, so the quote goes.
  const text = yamlError.message.replace(/:\s*["!].*$/s, '').replace(/\.$/, '');
  const fix = severity === 'error' ? '; check the indentation, quotes and brackets here' : '';
  return place(
    {
      severity,
      code: 'syntax',
      path,
      message: `YAML ${severity === 'error' ? 'syntax error' : 'warning'}: ${text}${fix}.`,
    },
    position,
  );
}

/** The path of the mapping key that starts at `offset`; a loop, not a recursion (the depth is limited anyway). */
function pathOfKeyAt(document: Document, offset: number): PathSegment[] | undefined {
  const stack: Array<{ node: unknown; path: PathSegment[] }> = [{ node: document.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: unknown; path: PathSegment[] };
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = keyText(pair.key);
        if (startOf(pair.key) === offset) return [...path, key];
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        stack.push({ node: item, path: [...path, index] });
      });
    }
  }
  return undefined;
}

/**
 * Why `toJS` failed: an alias to no anchor (named, at its place), or aliases that expand too often (a "billion
 * laughs" file; the first alias named).
 */
function aliasDiagnostic(document: Document, lineCounter: LineCounter): Placed {
  const aliases: Alias[] = [];
  visit(document, {
    Alias(_, node) {
      aliases.push(node);
    },
  });
  const unresolved = aliases.find((alias) => safeResolve(alias, document) === undefined);
  const shown = (alias: Alias) =>
    `*${alias.source.length > 40 ? `${alias.source.slice(0, 40)}…` : alias.source}`;
  const at = unresolved ?? aliases[0];
  const offset = startOf(at) ?? 0;
  const message =
    unresolved !== undefined
      ? `YAML error: the alias ${shown(unresolved)} refers to no anchor: define &${unresolved.source.slice(0, 40)} on a value before it, or write the value here.`
      : `YAML error: the aliases expand to too many copies${at === undefined ? '' : ` (the first is ${shown(at)})`}; mlds allows 100 per alias: write the values out instead.`;
  return place(error('syntax.alias', pathAtOffset(document, offset), message), lineCounter.linePos(offset));
}

function safeResolve(alias: Alias, document: Document): unknown {
  try {
    return alias.resolve(document);
  } catch {
    return undefined;
  }
}

/** The offset of the node at `path` (its key with `at: 'key'`), or of its nearest ancestor in the document. */
function locate(document: Document, path: Path, at: 'key' | undefined): number {
  let node: unknown = document.contents;
  let offset = startOf(node) ?? 0;
  for (const [index, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(segment));
      if (pair === undefined) return offset;
      const keyStart = startOf(pair.key);
      if (index === path.length - 1 && at === 'key' && keyStart !== undefined) return keyStart;
      node = pair.value;
      offset = (isEmptyScalar(pair.value) ? undefined : startOf(pair.value)) ?? keyStart ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return offset;
      node = item;
      offset = startOf(item) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

/** The path of the deepest node whose source covers `offset`. */
function pathAtOffset(document: Document, offset: number): PathSegment[] {
  const path: PathSegment[] = [];
  let node: unknown = document.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => covers(item.key, item.value, offset));
      if (pair === undefined || !isScalar(pair.key)) return path;
      path.push(keyText(pair.key));
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => covers(item, item, offset));
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}

function covers(first: unknown, last: unknown, offset: number): boolean {
  const start = startOf(first) ?? startOf(last);
  const end = endOf(last) ?? endOf(first);
  return start !== undefined && end !== undefined && start <= offset && offset <= end;
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function rangeOf(node: unknown): readonly [number, number, number] | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && range.length === 3 ? (range as [number, number, number]) : undefined;
}

function startOf(node: unknown): number | undefined {
  return rangeOf(node)?.[0];
}

function endOf(node: unknown): number | undefined {
  return rangeOf(node)?.[1];
}

/** `key:` with nothing after it: the value node has no width, so the key is the better place. */
function isEmptyScalar(node: unknown): boolean {
  const range = rangeOf(node);
  return isScalar(node) && node.value === null && range !== undefined && range[0] === range[1];
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function compareDiagnostics(a: Placed, b: Placed): number {
  const x = a.diagnostic;
  const y = b.diagnostic;
  return (
    (x.line ?? 0) - (y.line ?? 0) ||
    (x.column ?? 0) - (y.column ?? 0) ||
    comparePaths(a.path, b.path) ||
    SEVERITY_ORDER[x.severity] - SEVERITY_ORDER[y.severity] ||
    compareText(x.code, y.code) ||
    compareText(x.message, y.message)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
