/**
 * The size an image stream says it decodes to, read from its header before a decoder allocates
 * for it: a block's stream may not claim more than the block holds.
 */
export interface Size {
  width: number;
  height: number;
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);

/**
 * Scans in a JPEG stream (start-of-scan markers: entropy-coded data stuffs every 0xFF with a 0x00,
 * so a marker cannot hide in it). A baseline image has 1 to 3, a progressive one about 10; libjpeg
 * takes seconds over thousands.
 */
export function jpegScans(stream: Uint8Array): number {
  let scans = 0;
  for (let i = stream.indexOf(0xff); i >= 0 && i + 1 < stream.length; i = stream.indexOf(0xff, i + 1))
    if (stream[i + 1] === 0xda) scans++;
  return scans;
}

/** A JPEG's frame size, from its first SOFn marker; null when it has none. */
export function jpegSize(stream: Uint8Array): Size | null {
  let i = 2;
  while (i + 9 < stream.length) {
    if (stream[i] !== 0xff) return null;
    const marker = stream[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: u16be(stream, i + 5), width: u16be(stream, i + 7) };
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    i += 2 + u16be(stream, i + 2);
  }
  return null;
}

const fourcc = (b: Uint8Array, i: number) => String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!);

/** A WebP's canvas size (simple lossy, lossless or extended format); null when it is not WebP. */
export function webpSize(stream: Uint8Array): Size | null {
  if (stream.length < 30 || fourcc(stream, 0) !== 'RIFF' || fourcc(stream, 8) !== 'WEBP') return null;
  const chunk = fourcc(stream, 12);
  if (chunk === 'VP8 ') return { width: u16le(stream, 26) & 0x3fff, height: u16le(stream, 28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = stream[21]! | (stream[22]! << 8) | (stream[23]! << 16) | (stream[24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: u24le(stream, 24) + 1, height: u24le(stream, 27) + 1 };
  return null;
}

const LERC_TYPE_BYTES = [1, 1, 2, 2, 4, 4, 4, 8];
const MAX_MICRO_BLOCK = 256;

/**
 * What a LERC2 blob decodes to, every plane of it (lerc decodes planes until the blob ends), and
 * where its last plane ends: a blob inflated into a block-sized buffer is followed by zeros. Null
 * when it does not begin with a LERC2 plane. Each plane's header gives its size and where the next begins.
 */
export function lercExtent(blob: Uint8Array): { bytes: number; end: number; type: number } | null {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let bytes = 0;
  let at = 0;
  let type = -1;
  while (at + 66 <= blob.length && String.fromCharCode(...blob.subarray(at, at + 6)) === 'Lerc2 ') {
    const version = view.getInt32(at + 6, true);
    let p = at + 10 + (version >= 3 ? 4 : 0);
    const height = view.getUint32(p, true);
    const width = view.getUint32(p + 4, true);
    p += 8;
    const depth = version >= 4 ? view.getUint32(p, true) : 1;
    if (version >= 4) p += 4;
    const microBlockSize = view.getInt32(p + 4, true);
    const blobSize = view.getInt32(p + 8, true);
    type = view.getInt32(p + 12, true);
    const size = LERC_TYPE_BYTES[type];
    // lerc allocates a micro block's square before decoding it: encoders use 8 or 16.
    if (size === undefined || blobSize <= 0 || microBlockSize < 1 || microBlockSize > MAX_MICRO_BLOCK) return null;
    bytes += height * width * depth * size;
    at += blobSize;
  }
  return at === 0 ? null : { bytes, end: Math.min(at, blob.length), type };
}

/** The content size a Zstandard frame declares, or null when its header leaves it out. */
export function zstdContentSize(frame: Uint8Array): number | null {
  if (frame.length < 6 || frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd) return null;
  const descriptor = frame[4]!;
  const singleSegment = (descriptor >> 5) & 1;
  const sizeFlag = descriptor >> 6;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  const sizeBytes = sizeFlag === 0 ? singleSegment : 1 << sizeFlag;
  if (sizeBytes === 0) return null;
  const at = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
  let size = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) size = size * 256 + (frame[at + i] ?? 0);
  return sizeBytes === 2 ? size + 256 : size;
}
