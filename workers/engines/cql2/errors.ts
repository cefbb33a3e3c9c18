/** A request or document the caller got wrong, answered as a 400 naming each offending field. */
export class CatalogError extends Error {
  readonly errors: Array<{ path: string; message: string }>;

  constructor(field: string, message: string, more: Array<{ path: string; message: string }> = []) {
    super(`${field}: ${message}`);
    this.errors = [{ path: field, message }, ...more];
  }
}

/** The issues of a failed zod parse, each with its dotted path under `prefix`. */
export function catalogErrorFrom(
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
  prefix: string,
): CatalogError {
  const [first, ...rest] = issues.slice(0, 20).map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
  return new CatalogError(first!.path, first!.message, rest);
}
