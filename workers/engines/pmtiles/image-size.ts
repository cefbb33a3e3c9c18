import { TileType } from 'pmtiles';

/*
 * A raster tile's width in pixels, read from its image header alone (nothing is decoded). A PMTiles
 * header does not say how big its raster tiles are, and map clients draw them wrong when they guess
 * (MapLibre assumes 512), so the archive's TileJSON declares it (workers/pmtiles/source.ts).
 */

const ascii = (bytes: Uint8Array, at: number, text: string): boolean =>
  bytes.length >= at + text.length && [...text].every((ch, i) => bytes[at + i] === ch.charCodeAt(0));

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** PNG: the IHDR chunk comes first, its width right after its type. */
function pngWidth(bytes: Uint8Array): number | null {
  if (!ascii(bytes, 1, 'PNG') || !ascii(bytes, 12, 'IHDR') || bytes.length < 24) return null;
  return view(bytes).getUint32(16);
}

/** JPEG: the first start-of-frame segment (SOF0–SOF15 but DHT, JPG and DAC) holds height, then width. */
function jpegWidth(bytes: Uint8Array): number | null {
  const data = view(bytes);
  let at = 2;
  while (at + 9 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return data.getUint16(at + 7);
    at += 2 + data.getUint16(at + 2);
  }
  return null;
}

/** WebP: the first chunk says how, lossy (VP8), lossless (VP8L) or extended (VP8X). */
function webpWidth(bytes: Uint8Array): number | null {
  if (!ascii(bytes, 0, 'RIFF') || !ascii(bytes, 8, 'WEBP') || bytes.length < 30) return null;
  const data = view(bytes);
  if (ascii(bytes, 12, 'VP8 ')) return data.getUint16(26, true) & 0x3fff;
  if (ascii(bytes, 12, 'VP8L')) return (data.getUint16(21, true) & 0x3fff) + 1;
  if (ascii(bytes, 12, 'VP8X')) return (data.getUint32(24, true) & 0xffffff) + 1;
  return null;
}

/** AVIF: the image's spatial extent property (`ispe`: version and flags, then width and height). */
function avifWidth(bytes: Uint8Array): number | null {
  for (let at = 4; at + 12 <= bytes.length && at < 4096; at++)
    if (ascii(bytes, at, 'ispe')) return view(bytes).getUint32(at + 8);
  return null;
}

const READERS: Partial<Record<TileType, (bytes: Uint8Array) => number | null>> = {
  [TileType.Png]: pngWidth,
  [TileType.Jpeg]: jpegWidth,
  [TileType.Webp]: webpWidth,
  [TileType.Avif]: avifWidth,
};

/** Whether an archive of this tile type holds images (whose size matters), not vector tiles. */
export const isRasterTileType = (type: TileType): boolean => READERS[type] !== undefined;

/** The tile's width in pixels, or null where its header does not say (or it is not an image of `type`). */
export function imageWidth(type: TileType, bytes: Uint8Array): number | null {
  const width = READERS[type]?.(bytes) ?? null;
  return width !== null && width > 0 ? width : null;
}
