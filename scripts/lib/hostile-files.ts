// Small GeoTIFFs and PMTiles archives that claim far more than they hold: the inputs an attacker
// uploads to exhaust a Worker isolate. GDAL and the pmtiles tools refuse to write them, so they are
// written here, byte by byte.
import { deflateSync, gzipSync } from 'node:zlib';

interface TiffSpec {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  /** 1 none, 8 DEFLATE, 32773 PackBits. */
  compression: number;
  /** Entries of the tile index; tiles beyond `data` are sparse (offset and count 0). */
  tileCount: number;
  /** Compressed bytes of the first tiles. */
  data: Uint8Array[];
}

const SHORT = 3;
const LONG = 4;
const DOUBLE = 12;
const TYPE_BYTES: Record<number, number> = { [SHORT]: 2, [LONG]: 4, [DOUBLE]: 8 };

/** A little-endian classic TIFF: one 8-bit band, tiled, georeferenced in EPSG:4326 over the world. */
export function writeTiff(spec: TiffSpec): Uint8Array {
  const offsets = new Array<number>(spec.tileCount).fill(0);
  const counts = new Array<number>(spec.tileCount).fill(0);
  const entries: Array<[tag: number, type: number, values: number[]]> = [
    [256, LONG, [spec.width]],
    [257, LONG, [spec.height]],
    [258, SHORT, [8]],
    [259, SHORT, [spec.compression]],
    [262, SHORT, [1]],
    [277, SHORT, [1]],
    [284, SHORT, [1]],
    [322, LONG, [spec.tileWidth]],
    [323, LONG, [spec.tileHeight]],
    [324, LONG, offsets],
    [325, LONG, counts],
    [339, SHORT, [1]],
    [33550, DOUBLE, [360 / spec.width, 180 / spec.height, 0]],
    [33922, DOUBLE, [0, 0, 0, -180, 90, 0]],
    // GeoKeys: geographic model, pixel-is-area, EPSG:4326.
    [34735, SHORT, [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326]],
  ];
  const ifdBytes = 2 + entries.length * 12 + 4;
  const outOfLine = entries.reduce(
    (sum, [, type, values]) => sum + (values.length * TYPE_BYTES[type]! > 4 ? values.length * TYPE_BYTES[type]! : 0),
    0,
  );
  let dataAt = 8 + ifdBytes + outOfLine;
  spec.data.forEach((tile, i) => {
    offsets[i] = dataAt;
    counts[i] = tile.length;
    dataAt += tile.length;
  });
  const out = new Uint8Array(dataAt);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  view.setUint16(8, entries.length, true);
  let arrays = 8 + ifdBytes;
  const write = (at: number, type: number, values: number[]) =>
    values.forEach((v, i) => {
      if (type === SHORT) view.setUint16(at + i * 2, v, true);
      else if (type === LONG) view.setUint32(at + i * 4, v, true);
      else view.setFloat64(at + i * 8, v, true);
    });
  entries.forEach(([tag, type, values], i) => {
    const at = 10 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, values.length, true);
    const bytes = values.length * TYPE_BYTES[type]!;
    if (bytes <= 4) write(at + 8, type, values);
    else {
      view.setUint32(at + 8, arrays, true);
      write(arrays, type, values);
      arrays += bytes;
    }
  });
  view.setUint32(10 + entries.length * 12, 0, true);
  let at = 8 + ifdBytes + outOfLine;
  for (const tile of spec.data) {
    out.set(tile, at);
    at += tile.length;
  }
  return out;
}

/** Packs codes MSB-first at TIFF's widths (9 bits, growing one code early), as libtiff writes them. */
export function lzwStream(codes: number[]): Uint8Array {
  const bits: number[] = [];
  let next = 258;
  let width = 9;
  // The first code after a clear code defines nothing; each later one defines the next entry.
  let defines = false;
  for (const code of codes) {
    for (let i = width - 1; i >= 0; i--) bits.push((code >> i) & 1);
    if (code === 256) {
      [next, width, defines] = [258, 9, false];
    } else if (code !== 257) {
      if (defines) next++;
      defines = true;
      if (next + 1 >= 1 << width && width < 12) width++;
    }
  }
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((bit, i) => (out[i >> 3] = out[i >> 3]! | (bit << (7 - (i & 7)))));
  return out;
}

/**
 * LZW codes each naming the string being defined: 1, 2, 3 … zeros, so 4096 codes (6 KB) decode
 * to 8 MB; cleared and repeated `rounds` times.
 */
export function lzwBombCodes(rounds = 1): number[] {
  const codes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    codes.push(256, 0);
    for (let code = 258; code < 4094; code++) codes.push(code);
  }
  return [...codes, 257];
}

/** An image stored as one tile of its own size, holding `data`. */
const oneTile = (width: number, height: number, compression: number, data: Uint8Array) =>
  writeTiff({ width, height, tileWidth: width, tileHeight: height, compression, tileCount: 1, data: [data] });

/** PackBits runs of 128 zeros, two bytes each: 64 times their size. */
function packbitsZeros(bytes: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes / 128) * 2);
  for (let i = 0; i < out.length; i += 2) out[i] = 0x81;
  return out;
}

const MIB = 1024 * 1024;

/** Unsigned LEB128, as PMTiles directories store their numbers. */
function varints(values: number[]): number[] {
  const out: number[] = [];
  for (let v of values) {
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
  }
  return out;
}

/** A PMTiles v3 archive with one tile (0/0/0) and gzip-compressed directory and metadata. */
function writePmtiles(options: {
  metadata: Uint8Array;
  tile: Uint8Array;
  tileCompression: number;
  root?: Uint8Array;
}): Uint8Array {
  // One entry: tile id 0, run length 1, its length, offset 0 (stored as offset + 1).
  const root = options.root ?? gzipSync(new Uint8Array(varints([1, 0, 1, options.tile.length, 1])));
  const header = new Uint8Array(127);
  const view = new DataView(header.buffer);
  header.set(new TextEncoder().encode('PMTiles'));
  header[7] = 3;
  const u64 = (at: number, value: number) => {
    view.setUint32(at, value % 2 ** 32, true);
    view.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
  };
  const metadataAt = 127 + root.length;
  const tileAt = metadataAt + options.metadata.length;
  [
    [8, 127],
    [16, root.length],
    [24, metadataAt],
    [32, options.metadata.length],
    [40, tileAt],
    [48, 0],
    [56, tileAt],
    [64, options.tile.length],
    [72, 1],
    [80, 1],
    [88, 1],
  ].forEach(([at, value]) => u64(at!, value!));
  header[96] = 1; // clustered
  header[97] = 2; // internal compression: gzip
  header[98] = options.tileCompression;
  header[99] = 1; // MVT
  header[100] = 0;
  header[101] = 0;
  [
    [102, -1800000000],
    [106, -850000000],
    [110, 1800000000],
    [114, 850000000],
  ].forEach(([at, value]) => view.setInt32(at!, value!, true));
  const out = new Uint8Array(tileAt + options.tile.length);
  out.set(header);
  out.set(root, 127);
  out.set(options.metadata, metadataAt);
  out.set(options.tile, tileAt);
  return out;
}

/** JSON of about `bytes` bytes: one long string. */
const longJson = (bytes: number) => new TextEncoder().encode(`{"name":"${'x'.repeat(bytes)}"}`);

/** Each hostile file by name: what it claims, and the request that used to exhaust an isolate with it. */
export const HOSTILE_FILES: Record<string, { claim: string; file: () => Uint8Array }> = {
  'declared-100k.tif': {
    claim: 'a 100000 × 100000 image in one tile, in a few hundred bytes',
    file: () => oneTile(100000, 100000, 8, deflateSync(new Uint8Array(4096))),
  },
  'declared-100k-tiled.tif': {
    claim: 'a 100000 × 100000 image in 256-px tiles whose index the file cannot hold',
    file: () => {
      const tiff = writeTiff({
        width: 100000,
        height: 100000,
        tileWidth: 256,
        tileHeight: 256,
        compression: 8,
        tileCount: 1,
        data: [],
      });
      // Claim the 152,881 entries the size needs; the file keeps one.
      const view = new DataView(tiff.buffer);
      for (let i = 0; i < view.getUint16(8, true); i++) {
        const at = 10 + i * 12;
        if (view.getUint16(at, true) === 324 || view.getUint16(at, true) === 325)
          view.setUint32(at + 4, 391 * 391, true);
      }
      return tiff;
    },
  },
  'declared-2g.tif': {
    claim: 'a 46352 × 46352 image (more than 2^31 pixels) in one tile',
    file: () => oneTile(46352, 46352, 8, deflateSync(new Uint8Array(4096))),
  },
  'deflate-bomb.tif': {
    claim: 'a 256 × 256 tile whose DEFLATE stream inflates to 64 MiB',
    file: () => oneTile(256, 256, 8, deflateSync(new Uint8Array(64 * MIB), { level: 9 })),
  },
  'packbits-bomb.tif': {
    claim: 'a 256 × 256 tile whose PackBits runs unpack to 64 MiB',
    file: () => oneTile(256, 256, 32773, packbitsZeros(64 * MIB)),
  },
  'tiny-tiles.tif': {
    claim: 'a 512 × 512 image in 1 × 1-pixel tiles (262,144 of them)',
    file: () =>
      writeTiff({
        width: 512,
        height: 512,
        tileWidth: 1,
        tileHeight: 1,
        compression: 1,
        tileCount: 512 * 512,
        data: [],
      }),
  },
  'huge-block.tif': {
    claim: 'an 8192 × 4096 tile (32 MiB of 8-bit pixels) inflating from 32 KB',
    file: () => oneTile(8192, 4096, 8, deflateSync(new Uint8Array(32 * MIB), { level: 9 })),
  },
  'sparse-100mpx.tif': {
    claim: 'a 10000 × 10000 image of sparse (unwritten) tiles, and no overviews',
    file: () =>
      writeTiff({
        width: 10000,
        height: 10000,
        tileWidth: 256,
        tileHeight: 256,
        compression: 8,
        tileCount: 40 * 40,
        data: [],
      }),
  },
  'lzw-bomb.tif': {
    claim: 'a 256 × 256 tile whose LZW codes decode to 64 MB',
    file: () => oneTile(256, 256, 5, lzwStream(lzwBombCodes(8))),
  },
  'directory-bomb.pmtiles': {
    claim: 'a PMTiles root directory of 4 million entries, gzipped into the first 16 KB',
    file: () => {
      // Entry count, then per entry a tile-id delta of 1, run length 1, length 1, offset 0 (follows the previous).
      const n = 4_000_000;
      const entries = new Uint8Array(varints([n]).length + 4 * n).fill(1);
      entries.set(varints([n]));
      entries.fill(0, entries.length - n);
      return writePmtiles({
        metadata: gzipSync(longJson(8)),
        tile: new Uint8Array(1),
        tileCompression: 1,
        root: gzipSync(entries, { level: 9 }),
      });
    },
  },
  'metadata-bomb.pmtiles': {
    claim: 'PMTiles metadata whose gzip stream inflates to 64 MiB of JSON',
    file: () =>
      writePmtiles({
        metadata: gzipSync(longJson(64 * MIB), { level: 9 }),
        tile: gzipSync(new Uint8Array(16)),
        tileCompression: 2,
      }),
  },
  'tile-bomb.pmtiles': {
    claim: 'a PMTiles tile whose gzip stream inflates to 64 MiB',
    file: () =>
      writePmtiles({
        metadata: gzipSync(longJson(8)),
        tile: gzipSync(new Uint8Array(64 * MIB), { level: 9 }),
        tileCompression: 2,
      }),
  },
};
