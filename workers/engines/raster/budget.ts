import { RasterError } from './errors';

/**
 * What one raster request may hold, checked before anything is allocated. A Worker isolate has
 * 128 MB shared by the requests in flight and the isolate's caches: a request at every ceiling at
 * once holds 48 MiB (docs/security.md adds it up); a typical tile a few MiB.
 */
export const BUDGET = {
  /** Pixel buffers of one read (bands in their data type, plus the mask) and of one output grid. */
  pixelBytes: 24 * 1024 * 1024,
  /** One decoded internal tile or strip, all its planes: 2048 × 2048 two-byte samples, 1024 × 1024 × 2 float32. */
  blockBytes: 8 * 1024 * 1024,
  /** Bytes one read decodes in all, blocks one after another (CPU: about half a second of inflating). */
  decodedBytes: 128 * 1024 * 1024,
  /** Compressed tile bytes one read fetches, the gaps between merged ranges included. */
  fetchBytes: 16 * 1024 * 1024,
  /** Internal tiles one read touches: a 2048-px window over 32-px tiles. */
  blocks: 4096,
  /** Features of one POST statistics or feature request, and their vertices in all. */
  features: 1000,
  vertices: 20000,
} as const;

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

/** What the caller may change to ask for less, said in every refusal. */
const ASK_FOR_LESS = 'ask for fewer pixels (a smaller max_size, width and height, a higher zoom or a smaller area)';

/**
 * Refuses a read or output grid whose pixel buffers would pass the budget: 400, since a smaller
 * request is served (and the file may lack the overview that would make this one cheap).
 */
export function assertPixels(width: number, height: number, bytesPerPixel: number, what: string): void {
  const bytes = width * height * bytesPerPixel;
  if (bytes <= BUDGET.pixelBytes) return;
  throw new RasterError(
    400,
    `${what} ${width} × ${height} pixels (${mib(bytes)}), over the ${mib(BUDGET.pixelBytes)} one request may hold: ${ASK_FOR_LESS}, or add overviews to the file (gdaladdo, or convert it to a COG).`,
  );
}

/** Refuses a read that touches too many internal tiles or fetches too many bytes. */
export function assertFetch(blocks: number, bytes: number): void {
  if (blocks > BUDGET.blocks) {
    throw new RasterError(
      400,
      `This read touches ${blocks} internal tiles of the file, over the ${BUDGET.blocks} one request may: ${ASK_FOR_LESS}, or rewrite the file with larger tiles (a COG has 512-px tiles).`,
    );
  }
  if (bytes > BUDGET.fetchBytes) {
    throw new RasterError(
      400,
      `This read fetches ${mib(bytes)} of compressed tiles, over the ${mib(BUDGET.fetchBytes)} one request may: ${ASK_FOR_LESS}.`,
    );
  }
}

/** Refuses a read that would decode more bytes in all than one request may spend its CPU on. */
export function assertDecoded(bytes: number): void {
  if (bytes <= BUDGET.decodedBytes) return;
  throw new RasterError(
    400,
    `This read decodes ${mib(bytes)} of internal tiles, over the ${mib(BUDGET.decodedBytes)} one request may: ${ASK_FOR_LESS}, or add overviews to the file.`,
  );
}

/** Refuses a file whose internal tiles (or strips) are each larger than any request may decode. */
export function assertBlock(bytes: number, width: number, height: number): void {
  if (bytes <= BUDGET.blockBytes) return;
  throw new RasterError(
    422,
    `The file's internal tiles are ${width} × ${height} pixels (${mib(bytes)} each decoded), over the ${mib(BUDGET.blockBytes)} a request may decode: rewrite it tiled (a COG has 512-px tiles).`,
  );
}
