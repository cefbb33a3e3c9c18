import { sql, type SQL } from 'drizzle-orm';

/** `a, b, c` as bind parameters, for `IN (…)` (an optional cast applied to each). */
export const sqlList = (values: readonly string[], cast?: 'uuid'): SQL =>
  sql.join(
    values.map((v) => (cast ? sql`${v}::${sql.raw(cast)}` : sql`${v}`)),
    sql`, `,
  );

/** A literal for LIKE/ILIKE: its `%`, `_` and `\` match themselves. */
export const escapeLike = (value: string): string => value.replace(/[\\%_]/g, (c) => `\\${c}`);
