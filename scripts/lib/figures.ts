/** The p-th percentile (nearest rank) of `values`. */
export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

export const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;

export const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** A metric's duration from a response's Server-Timing header (NaN when absent). */
export const serverTimingDur = (response: { headers: Headers }, name: string): number =>
  Number(new RegExp(`(?:^|, )${name};dur=([\\d.]+)`).exec(response.headers.get('server-timing') ?? '')?.[1] ?? NaN);
