/**
 * Rows of a raw `db.execute(sql…)` result. Both drivers answer `{ rows }`, but the query builder
 * types the result per driver, so shared code reads it through this one check.
 */
export function rowsOf<T>(result: unknown): T[] {
  if (result && typeof result === 'object' && 'rows' in result && Array.isArray(result.rows)) return result.rows as T[];
  throw new Error('unexpected query result shape');
}
