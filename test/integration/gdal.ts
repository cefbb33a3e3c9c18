import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';

/** Reference answers come from GDAL itself. */
export function gdal(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, {
    encoding: 'utf8',
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

export function gdalinfo(file: string, ...flags: string[]) {
  return JSON.parse(gdal('gdalinfo', ['-json', ...flags, file])) as {
    size: [number, number];
    wgs84Extent: { coordinates: number[][][] };
    bands: Array<{
      computedMin?: number;
      computedMax?: number;
      minimum?: number;
      maximum?: number;
      mean?: number;
      stdDev?: number;
      noDataValue?: number;
      type: string;
    }>;
  };
}

export interface Raster {
  width: number;
  height: number;
  bands: Array<ArrayLike<number>>;
}

/** A GeoTIFF's bands as geotiff reads them. */
async function readTiff(path: string): Promise<Raster> {
  const image = await (await fromFile(path)).getImage();
  const rasters = await image.readRasters();
  return {
    width: image.getWidth(),
    height: image.getHeight(),
    bands: Array.from({ length: image.getSamplesPerPixel() }, (_, i) => rasters[i] as ArrayLike<number>),
  };
}

/** Runs a GDAL command that writes a temporary GeoTIFF (`out` is its path), and reads that back. */
async function throughGeoTiff(run: (dir: string, out: string) => void): Promise<Raster> {
  const dir = mkdtempSync(join(tmpdir(), 'gdal-'));
  try {
    const out = join(dir, 'out.tif');
    run(dir, out);
    return await readTiff(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs gdalwarp into a temporary GeoTIFF and reads it back (bands, then the alpha band last). */
export function gdalwarp(file: string, args: string[]): Promise<Raster> {
  return throughGeoTiff((_, out) => gdal('gdalwarp', ['-q', '-of', 'GTiff', ...args, file, out]));
}

/** A raster file's full-resolution bands as GDAL reads them (any format, codec or compression GDAL knows). */
export function gdalRead(file: string): Promise<Raster> {
  return throughGeoTiff((_, out) => gdal('gdal_translate', ['-q', '-of', 'GTiff', file, out]));
}

/** An encoded image (PNG, JPEG, WebP) decoded by GDAL: its bands (gray or RGB, then alpha if it has one). */
export function decodeImage(bytes: ArrayBuffer, extension = 'png'): Promise<Raster> {
  return throughGeoTiff((dir, out) => {
    const image = join(dir, `image.${extension}`);
    writeFileSync(image, new Uint8Array(bytes));
    gdal('gdal_translate', ['-q', '-of', 'GTiff', image, out]);
  });
}

/** Parses a .npy of shape (bands, height, width) as written by the tile endpoint. */
export function parseNpy(bytes: ArrayBuffer): Raster & { dtype: string } {
  const view = new DataView(bytes);
  const headerLength = view.getUint16(8, true);
  const header = new TextDecoder().decode(new Uint8Array(bytes, 10, headerLength));
  const dtype = /'descr': '([^']+)'/.exec(header)![1]!;
  const [count, height, width] = /'shape': \((\d+), (\d+), (\d+)\)/.exec(header)!.slice(1).map(Number) as [
    number,
    number,
    number,
  ];
  const Typed = (
    {
      '|u1': Uint8Array,
      '|i1': Int8Array,
      '<u2': Uint16Array,
      '<i2': Int16Array,
      '<u4': Uint32Array,
      '<i4': Int32Array,
      '<f4': Float32Array,
      '<f8': Float64Array,
    } as const
  )[dtype as '|u1'];
  const data = new Typed(bytes.slice(10 + headerLength));
  const plane = width * height;
  return {
    width,
    height,
    dtype,
    bands: Array.from({ length: count }, (_, i) => data.subarray(i * plane, (i + 1) * plane)),
  };
}

const HALF = 20037508.342789244;

export function lonLatToMercator(lon: number, lat: number): [number, number] {
  return [(lon * HALF) / 180, (Math.log(Math.tan(((90 + lat) * Math.PI) / 360)) * HALF) / Math.PI];
}

export function mercatorTile(x: number, y: number, z: number): [number, number] {
  const span = (2 * HALF) / 2 ** z;
  return [Math.floor((x + HALF) / span), Math.floor((HALF - y) / span)];
}

export function mercatorTileBounds(z: number, x: number, y: number): [number, number, number, number] {
  const span = (2 * HALF) / 2 ** z;
  return [-HALF + x * span, HALF - (y + 1) * span, -HALF + (x + 1) * span, HALF - y * span];
}

/** Three tiles per file: one read from an overview, one at native resolution, one over an edge. */
export function tilesFor(file: string) {
  const info = gdalinfo(file);
  const ring = info.wgs84Extent.coordinates[0]!;
  const lons = ring.map((p) => p[0]!);
  const lats = ring.map((p) => p[1]!);
  const [minx, miny] = lonLatToMercator(Math.min(...lons), Math.min(...lats));
  const [maxx, maxy] = lonLatToMercator(Math.max(...lons), Math.max(...lats));
  const natural = Math.hypot(maxx - minx, maxy - miny) / Math.hypot(info.size[0], info.size[1]);
  const native = Math.round(Math.log2((2 * 20037508.342789244) / 256 / natural));
  const centre: [number, number] = [(minx + maxx) / 2, (miny + maxy) / 2];
  const corner: [number, number] = [minx + natural, maxy - natural];
  return [
    { label: 'overview', z: native - 2, xy: mercatorTile(...centre, native - 2) },
    { label: 'native', z: native, xy: mercatorTile(...centre, native) },
    { label: 'edge', z: native, xy: mercatorTile(...corner, native) },
  ];
}

export interface Comparison {
  equal: number;
  maskAgreement: number;
  meanAbsDiff: number;
  valid: number;
}

export function compareRasters(ours: Raster, reference: Raster, bandCount: number): Comparison {
  const n = ours.width * ours.height;
  const ourMask = ours.bands[ours.bands.length - 1]!;
  const refMask = reference.bands[reference.bands.length - 1]!;
  let agree = 0,
    valid = 0,
    equal = 0,
    absDiff = 0;
  for (let i = 0; i < n; i++) {
    const a = ourMask[i]! > 0;
    const b = refMask[i]! > 0;
    if (a === b) agree++;
    if (!a || !b) continue;
    valid++;
    let same = true;
    for (let band = 0; band < bandCount; band++) {
      const x = ours.bands[band]![i]!;
      const y = reference.bands[band]![i]!;
      if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) same = false;
      if (Number.isFinite(x) && Number.isFinite(y)) absDiff += Math.abs(x - y) / bandCount;
    }
    if (same) equal++;
  }
  return {
    equal: valid ? equal / valid : 1,
    maskAgreement: agree / n,
    meanAbsDiff: valid ? absDiff / valid : 0,
    valid,
  };
}
