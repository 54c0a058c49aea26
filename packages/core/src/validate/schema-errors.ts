import type { SchemaError } from '../generated/workflow-validator.js';
import {
  COMMON_DOWNSTREAM_FIELDS,
  DOWNSTREAM_FIELDS,
  FORMATS,
  MEDIAPACKAGE_V2_NAME_PATTERN,
  MEDIAPACKAGE_V2_NAME_RULE,
  NAME_RULE,
  SECRET_FIELDS,
  SYSTEM_FIELDS,
  SYSTEM_FORMATS,
  SYSTEMS,
  WORKFLOW_FIELDS,
} from '../schema.js';
import type { Format, System } from '../types.js';
import { formatPath, isRecord, type Path, pointerToPath, valueAt } from './path.js';
import { error, type Finding } from './rule.js';
import { closest } from './suggest.js';

// Turns ajv's errors into one diagnostic per problem, each saying how to fix it. ajv reports a problem
// several times over (an `if` that failed because its `then` did, a value outside both the general and the
// per-system enum), so findings are keyed by path, code and message and only the first is kept.

const SECRET_REF_FIX =
  'write `{ env: NAME }` (read from the environment when `mlds apply` runs) or `{ ssmParameter: /name }`';

/** What to write for a missing field. */
const FIELD_EXAMPLES: Record<string, string> = {
  workflow: '`workflow: curling-live`',
  region: '`region: us-west-2` (the Region of the MediaLive channel)',
  downstream: 'a `downstream:` list with one entry per downstream system',
  name: `\`name: packager\` (${NAME_RULE})`,
  system: `\`system:\` with one of ${SYSTEMS.join(', ')}`,
  urls: '`urls:` with one URL per pipeline (two for a STANDARD channel, one for SINGLE_PIPELINE)',
  streamKey:
    '`streamKey: { env: NAME }` (the stream key is read from the environment when `mlds apply` runs)',
};

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  array: 'a list',
  object: 'a mapping',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
};

export function schemaFindings(errors: readonly SchemaError[], data: unknown): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const schemaError of errors) {
    const finding = toFinding(schemaError, data);
    if (finding === undefined) continue;
    const key = `${formatPath(finding.path)}\u0000${finding.code}\u0000${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(finding);
  }
  return withoutMissingBesideTypo(withoutTypeBesideEnum(withoutNoiseUnderForeignFields(findings)));
}

/**
 * A misspelt field is one problem: `regoin:` is an unknown field whose "did you mean `region`?" says the fix, and
 * "needs `region`" beside it, at its mapping, says the same thing again.
 */
function withoutMissingBesideTypo(findings: Finding[]): Finding[] {
  const meant = new Set(
    findings
      .filter((f) => f.code === 'field.unknown' && f.meant !== undefined)
      .map((f) => `${formatPath(f.path.slice(0, -1))}\u0000${f.meant}`),
  );
  return findings.filter(
    (finding) =>
      finding.missing === undefined || !meant.has(`${formatPath(finding.path)}\u0000${finding.missing}`),
  );
}

/**
 * A value of the wrong type for a field with a fixed set of values is one problem: the list of the values (the
 * enum's finding) says how to fix it, and "must be a string" beside it at the same place adds nothing.
 */
function withoutTypeBesideEnum(findings: Finding[]): Finding[] {
  const enums = new Set(findings.filter((f) => f.code === 'field.enum').map((f) => formatPath(f.path)));
  return findings.filter((finding) => finding.code !== 'field.type' || !enums.has(formatPath(finding.path)));
}

/**
 * A field that does not belong to the entry's system is one problem: what is wrong inside it does not matter
 * once it goes, except a literal secret, which must leave the file (and its history) either way.
 */
function withoutNoiseUnderForeignFields(findings: Finding[]): Finding[] {
  const foreign = findings.filter((f) => f.code === 'field.not-for-system').map((f) => f.path);
  return findings.filter(
    (finding) =>
      finding.code === 'field.not-for-system' ||
      finding.code === 'secret.literal' ||
      !foreign.some((path) => path.every((segment, i) => finding.path[i] === segment)),
  );
}

function toFinding(schemaError: SchemaError, data: unknown): Finding | undefined {
  const path = pointerToPath(schemaError.instancePath, data);
  const value = valueAt(data, path);
  const where = formatPath(path);
  const params = schemaError.params;
  switch (schemaError.keyword) {
    case 'if':
      return undefined;
    case 'required':
      return missingField(
        path,
        String(params.missingProperty),
        schemaError.schemaPath.includes('/then/'),
        data,
      );
    case 'additionalProperties':
      return unknownField(path, String(params.additionalProperty), data);
    case 'false schema':
      return foreignField(path, data);
    case 'type':
      return wrongType(path, value, String(params.type));
    case 'enum':
      return notAllowed(path, value, params.allowedValues, data);
    case 'pattern':
      if (params.pattern === MEDIAPACKAGE_V2_NAME_PATTERN) {
        return error(
          'mediapackage-v2.name',
          path,
          `\`${where}\` is not a MediaPackage v2 name: use ${MEDIAPACKAGE_V2_NAME_RULE} (no spaces).`,
        );
      }
      return error(
        'name.format',
        path,
        `\`${where}\`${quoteValue(value)} is not a valid name: use ${NAME_RULE}${suggestName(value)}.`,
      );
    case 'minItems':
    case 'maxItems':
      return wrongCount(path, value, schemaError.keyword);
    case 'minProperties':
    case 'maxProperties':
      return error('secret.ref', path, `\`${where}\` must hold exactly one reference: ${SECRET_REF_FIX}.`);
    case 'uniqueItems':
      return error('needs.duplicate', path, `\`${where}\` lists a need twice; list each need once.`);
    default:
      return error(
        'schema',
        path,
        `\`${where}\` does not match the workflow schema (${schemaError.keyword}); see the README.`,
      );
  }
}

function missingField(parent: Path, field: string, perSystem: boolean, data: unknown): Finding {
  const example = FIELD_EXAMPLES[field] ?? `\`${field}\``;
  if (parent.length === 0) {
    return {
      ...error('field.required', parent, `The workflow file needs \`${field}\`: add ${example}.`),
      missing: field,
    };
  }
  const where = formatPath(parent);
  if (perSystem) {
    const system = systemOf(parent, data);
    return {
      ...error(
        'field.required-by-system',
        parent,
        `\`${where}\` (system ${system ?? '?'}) needs \`${field}\`: add ${example}.`,
      ),
      missing: field,
    };
  }
  return {
    ...error('field.required', parent, `\`${where}\` needs \`${field}\`: add ${example}.`),
    missing: field,
  };
}

const CHANNEL_FIELDS: readonly string[] = ['id', 'whenRunning'];

function unknownField(parent: Path, field: string, data: unknown): Finding {
  const path = [...parent, field];
  const where = formatPath(parent);
  if (isSecretRefPath(parent)) {
    // The key itself may be the secret (`password: { hunter2: ... }`): never repeat it.
    return {
      ...error(
        'secret.ref',
        parent,
        `\`${where}\` takes only \`env\` or \`ssmParameter\`: ${SECRET_REF_FIX}.`,
      ),
      at: 'key',
    };
  }
  const inDownstream = parent.length > 0 && parent[0] !== 'channel';
  const system = inDownstream ? systemOf(parent, data) : undefined;
  // A downstream entry's own system's fields: `usrname` on an s3 entry is no `username`, which s3 does not take.
  const known: readonly string[] =
    parent.length === 0
      ? WORKFLOW_FIELDS.filter((f) => f !== '$schema')
      : !inDownstream
        ? CHANNEL_FIELDS
        : system === undefined
          ? DOWNSTREAM_FIELDS
          : [...COMMON_DOWNSTREAM_FIELDS, ...SYSTEM_FIELDS[system]];
  const suggestion = closest(field, known);
  let fix: string;
  if (suggestion !== undefined) fix = `did you mean \`${suggestion}\`?`;
  else if (!inDownstream) fix = `remove it; the fields here are ${known.join(', ')}.`;
  else
    fix = `remove it; ${system === undefined ? 'the fields are' : `system ${system} takes`} ${known.join(', ')}.`;
  // Opens with the field's own path, which the CLI then does not repeat in front of it.
  return {
    ...error('field.unknown', path, `\`${formatPath(path)}\`: unknown field; ${fix}`),
    at: 'key',
    ...(suggestion === undefined ? {} : { meant: suggestion }),
  };
}

function foreignField(path: Path, data: unknown): Finding {
  const field = String(path[path.length - 1]);
  const parent = path.slice(0, -1);
  const system = systemOf(parent, data) as System;
  const owners = SYSTEMS.filter((s) => SYSTEM_FIELDS[s].includes(field as never));
  return {
    ...error(
      'field.not-for-system',
      path,
      `\`${formatPath(path)}\` does not belong to system ${system}, which takes ${ownFields(system)}; remove it, or change \`system\` (\`${field}\` is for ${owners.join(', ')}).`,
    ),
    at: 'key',
  };
}

export function ownFields(system: System): string {
  const own = SYSTEM_FIELDS[system];
  return own.length === 0
    ? `only ${COMMON_DOWNSTREAM_FIELDS.join(', ')}`
    : `${own.join(', ')} (besides ${COMMON_DOWNSTREAM_FIELDS.join(', ')})`;
}

function wrongType(path: Path, value: unknown, expected: string): Finding {
  const where = formatPath(path);
  if (path.length === 0 && (value === null || value === undefined)) {
    return error(
      'file.empty',
      path,
      'The workflow file is empty: write `workflow`, `region` and `downstream` (see the README for an example).',
    );
  }
  if (path.length === 0) {
    return error(
      'file.not-mapping',
      path,
      'The workflow file must be a mapping with `workflow`, `region` and `downstream` (see the README for an example).',
    );
  }
  if (isSecretRefPath(path)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return error(
        'secret.literal',
        path,
        `\`${where}\` holds the secret itself; never write a secret in the workflow file: ${SECRET_REF_FIX} instead, and remove the secret from the file and its history.`,
      );
    }
    return error('secret.ref', path, `\`${where}\` must be a reference: ${SECRET_REF_FIX}.`);
  }
  const wanted = expected
    .split(',')
    .map((t) => TYPE_NAMES[t] ?? t)
    .join(' or ');
  const hint =
    expected === 'array'
      ? listHint(path)
      : formatPath(path) === 'channel.id' && typeof value === 'number'
        ? `: quote it, e.g. \`id: "${value}"\` (MediaLive channel ids are strings)`
        : '';
  return error('field.type', path, `\`${where}\` must be ${wanted}, not ${describeType(value)}${hint}.`);
}

function listHint(path: Path): string {
  const field = path[path.length - 1];
  if (field === 'urls' || field === 'buckets')
    return `: write one ${field === 'urls' ? 'URL' : 'bucket'} per pipeline as a list, e.g. \`${field}: [first, second]\``;
  if (field === 'needs') return ': write e.g. `needs: [drm]`';
  return '';
}

function notAllowed(path: Path, value: unknown, allowedValues: unknown, data: unknown): Finding {
  const where = formatPath(path);
  const field = path[path.length - 1];
  if (field === 'format' && path[0] === 'downstream') {
    const system = systemOf(path.slice(0, -1), data);
    if (system !== undefined && typeof value === 'string' && (FORMATS as readonly string[]).includes(value)) {
      const takers = SYSTEMS.filter((s) => SYSTEM_FORMATS[s].includes(value as Format));
      return error(
        'format.unsupported',
        path,
        `System ${system} does not take format ${value}: ${system} takes ${SYSTEM_FORMATS[system].join(', ')}, and format ${value} goes to ${takers.join(', ')}. Change \`format\` or \`system\`.`,
      );
    }
    const allowed = system === undefined ? FORMATS : SYSTEM_FORMATS[system];
    return error(
      'field.enum',
      path,
      `\`${where}\`${quoteValue(value)} is not a format${system === undefined ? '' : ` of system ${system}`}; use one of: ${allowed.join(', ')}.`,
    );
  }
  const allowed = Array.isArray(allowedValues) ? allowedValues.map(String) : [];
  const suggestion = typeof value === 'string' ? closest(value, allowed) : undefined;
  const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
  return error(
    'field.enum',
    path,
    `\`${where}\`${quoteValue(value)} is not allowed; use one of: ${allowed.join(', ')}${hint}.`,
  );
}

function wrongCount(path: Path, value: unknown, keyword: 'minItems' | 'maxItems'): Finding {
  const where = formatPath(path);
  const count = Array.isArray(value) ? value.length : 0;
  if (path.length === 1 && path[0] === 'downstream') {
    return error('downstream.empty', path, '`downstream` is empty; add at least one downstream system.');
  }
  const what = keyword === 'minItems' ? 'is empty' : `has ${count} entries`;
  return error(
    'pipelines.count',
    path,
    `\`${where}\` ${what}; give one entry per pipeline: 2 for a STANDARD channel, 1 for SINGLE_PIPELINE.`,
  );
}

function systemOf(entryPath: Path, data: unknown): System | undefined {
  const entry = valueAt(data, entryPath);
  const system = isRecord(entry) ? entry.system : undefined;
  return typeof system === 'string' && (SYSTEMS as readonly string[]).includes(system)
    ? (system as System)
    : undefined;
}

function isSecretRefPath(path: Path): boolean {
  return path.length === 3 && path[0] === 'downstream' && SECRET_FIELDS.includes(String(path[2]));
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return TYPE_NAMES[typeof value] ?? typeof value;
}

/** ` (`value`)` for a short string; nothing otherwise. Never called for secret fields. */
function quoteValue(value: unknown): string {
  return typeof value === 'string' && value.length <= 64 && !/[`\n]/.test(value) ? ` (\`${value}\`)` : '';
}

function suggestName(value: unknown): string {
  if (typeof value !== 'string') return '';
  const fixed = value
    .normalize('NFD')
    // Accents dropped (`café` → `cafe`), not each turned into a dash.
    .replace(/\p{Mn}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, 32)
    .replace(/^-+|-+$/g, '');
  return fixed.length > 0 && fixed !== value ? `, e.g. \`${fixed}\`` : '';
}
