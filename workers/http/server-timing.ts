/** One Server-Timing metric, its duration to a tenth of a millisecond. */
export function metric(name: string, millis?: number, description?: string): string {
  let out = name;
  if (millis !== undefined) out += `;dur=${Math.round(millis * 10) / 10}`;
  if (description !== undefined) out += `;desc="${description}"`;
  return out;
}
