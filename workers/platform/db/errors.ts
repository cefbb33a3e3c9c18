/**
 * Whether PostgreSQL refused a value the caller supplied rather than failing itself: data
 * exceptions (22xxx: out of range, malformed) and PostGIS/GEOS errors on a degenerate geometry
 * (XX000, e.g. a TopologyException), or an operator that does not apply to the values (42883).
 */
export function isRefusedInput(error: unknown): string | null {
  const cause =
    (error as { cause?: { code?: string; message?: string } }).cause ?? (error as { code?: string; message?: string });
  return cause?.code && /^(22|XX000|42883)/.test(cause.code) ? (cause.message ?? 'refused') : null;
}
