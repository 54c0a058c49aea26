// `mlds import` adopts a resource someone already uses: the MediaLive role's statements are added to its policy
// (bucket, container or channel policy) next to the statements it already has, instead of replacing them as a
// create does on a resource that has none.

export type Statement = Record<string, unknown> & { Sid?: string };

/** The statements of a policy document (a lone statement counts as a list of one); none for no policy. */
export function statementsIn(policy: string | undefined): { version: string; statements: Statement[] } {
  const parsed: unknown = policy ? JSON.parse(policy) : undefined;
  if (typeof parsed !== 'object' || parsed === null) return { version: '2012-10-17', statements: [] };
  const document = parsed as { Version?: unknown; Statement?: unknown };
  const version = typeof document.Version === 'string' ? document.Version : '2012-10-17';
  if (Array.isArray(document.Statement)) return { version, statements: document.Statement as Statement[] };
  if (typeof document.Statement === 'object' && document.Statement !== null)
    return { version, statements: [document.Statement as Statement] };
  return { version, statements: [] };
}

/** The policy with `ours` in place of any statement of the same Sid, every other statement kept as it was. */
export function withStatements(policy: string | undefined, ours: readonly Statement[]): string {
  const { version, statements } = statementsIn(policy);
  const sids = new Set(ours.map((statement) => statement.Sid));
  const kept = statements.filter((statement) => statement.Sid === undefined || !sids.has(statement.Sid));
  return JSON.stringify({ Version: version, Statement: [...kept, ...ours] });
}
