/** west, south, east, north (WGS 84) */
export type Bbox = [number, number, number, number];

/** A four-number array as a box (the API types boxes as plain number arrays). */
export const asBbox = (values: number[] | null | undefined): Bbox | null =>
  values?.length === 4 ? [values[0]!, values[1]!, values[2]!, values[3]!] : null;

/** The box around several boxes, or null for none. */
export const unionOf = (boxes: Bbox[]): Bbox | null =>
  boxes.length === 0
    ? null
    : [
        Math.min(...boxes.map((b) => b[0])),
        Math.min(...boxes.map((b) => b[1])),
        Math.max(...boxes.map((b) => b[2])),
        Math.max(...boxes.map((b) => b[3])),
      ];
