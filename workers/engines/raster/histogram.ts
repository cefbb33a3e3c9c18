// Apart from the statistics engine, with no imports: the web app reads its stretches with it too.

/**
 * The `p`th percentile (0–100) of the values a histogram counts (`[counts, edges]`, rio-tiler's
 * shape, as `gdalinfo -hist` gives it): the value below which p % of them lie, taking the values of
 * a bucket as spread evenly across it. Null for an empty or malformed histogram.
 */
export function histogramPercentile([counts, edges]: [number[], number[]], p: number): number | null {
  if (edges.length !== counts.length + 1) return null;
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (!(total > 0)) return null;
  const rank = (p / 100) * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (n > 0 && below + n >= rank) return edges[i]! + ((rank - below) / n) * (edges[i + 1]! - edges[i]!);
    below += n;
  }
  return edges[edges.length - 1]!;
}
