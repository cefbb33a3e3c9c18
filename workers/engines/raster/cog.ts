import { GeoTIFF, type GeoTIFFImage, type ImageFileDirectory } from 'geotiff';
import { toProj4 } from 'geotiff-geokeys-to-proj4';
import proj4 from 'proj4';
import type { Source } from './source';
import { EtagMismatch, ObjectNotFound } from './source';
import { codecOf, registerDecoders } from './decoders';
import { checkTiffStructure } from './tiff-structure';
import { RasterError } from './errors';
import { errorMessage } from '../../platform/util/error-message';
import { ByteLru } from '../../platform/util/lru';
import { concatBytes } from '../../platform/util/bytes';

export type DataType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

/** The values an integer data type holds; float types hold any. */
export const INTEGER_RANGES: Partial<Record<DataType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
};

/** Values of one band, in the typed array of their data type. */
export type Samples =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

interface SamplesConstructor {
  new (length: number): Samples;
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): Samples;
  readonly BYTES_PER_ELEMENT: number;
}

export const SAMPLE_ARRAYS: Record<DataType, SamplesConstructor> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** One resolution level: the full-resolution image or an overview, with its mask IFD if any. */
export interface Level {
  image: GeoTIFFImage;
  mask: GeoTIFFImage | null;
  width: number;
  height: number;
  blockWidth: number;
  blockHeight: number;
  /** Ground size of one pixel, in CRS units. */
  resX: number;
  resY: number;
}

export interface Crs {
  proj4: string;
  epsg: number | null;
  isGeographic: boolean;
}

export interface Cog {
  key: string;
  etag: string;
  size: number;
  width: number;
  height: number;
  bandCount: number;
  dataType: DataType;
  /** Upper-left corner and pixel size of the full-resolution grid (north-up only). */
  originX: number;
  originY: number;
  crs: Crs;
  /** [minx, miny, maxx, maxy] in the dataset CRS. */
  bounds: [number, number, number, number];
  nodata: number | null;
  scales: number[];
  offsets: number[];
  descriptions: string[];
  colorInterpretation: string[];
  /** 0-based index of an alpha band, if one masks the others. */
  alphaBand: number | null;
  palette: Array<[number, number, number, number]> | null;
  levels: Level[];
  compression: string;
  interleave: 'pixel' | 'band';
  isTiled: boolean;
  isCloudOptimized: boolean;
  metadata: Record<string, string>;
  /** Bytes this entry holds in memory, for the LRU. */
  footprint: number;
  bytes: ByteSource;
}

/** Bytes beyond the header are read in aligned chunks of this size and kept with the header. */
const CHUNK_BYTES = 16 * 1024;
/** What those chunks may hold per file: a large COG's tile index, the part of it in use. */
const CHUNKS_BYTES = 1024 * 1024;

/**
 * geotiff's view of the file: header bytes from memory, anything else by an etag-checked range
 * read. geotiff reads IFDs through this; tile data is read by `read.ts` with merged requests. A
 * large COG's tile index lies beyond the header, and geotiff asks for it one entry (4 or 8
 * bytes) at a time: small reads are served from aligned chunks, so neighbouring tiles' entries
 * cost one read, which `preload` lets the request that needs them make and count.
 */
type TiffSource = Parameters<typeof GeoTIFF.fromSource>[0];
type TagName = Parameters<ImageFileDirectory['loadValue']>[0];

export class ByteSource implements TiffSource {
  private readonly chunks = new ByteLru<Promise<ArrayBuffer>>(CHUNKS_BYTES);

  constructor(
    readonly source: Source,
    readonly etag: string,
    readonly size: number,
    readonly header: ArrayBuffer,
  ) {}

  async fetch(slices: Array<{ offset: number; length: number }>, signal?: AbortSignal): Promise<ArrayBuffer[]> {
    return Promise.all(slices.map((slice) => this.read(slice.offset, slice.length, signal)));
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<ArrayBuffer> {
    const end = Math.min(offset + length, this.size);
    if (offset >= this.size) return new ArrayBuffer(0);
    if (end <= this.header.byteLength) return this.header.slice(offset, end);
    if (end - offset > CHUNK_BYTES) return (await this.source.getBytes(offset, end - offset, signal, this.etag)).data;
    const first = Math.floor(offset / CHUNK_BYTES);
    const parts = await Promise.all(this.chunkIndexes(offset, end).map((i) => this.chunk(i, this.source, signal)));
    const start = offset - first * CHUNK_BYTES;
    return concatBytes(parts.map((part) => new Uint8Array(part))).slice(start, start + end - offset).buffer;
  }

  /** Reads the chunks holding these byte ranges through `source`, so the request that needs them counts the reads. */
  async preload(
    ranges: Array<{ offset: number; length: number }>,
    source: Source,
    signal?: AbortSignal,
  ): Promise<void> {
    const needed = new Set<number>();
    for (const { offset, length } of ranges) {
      const end = Math.min(offset + length, this.size);
      if (end > this.header.byteLength && end - offset <= CHUNK_BYTES)
        for (const i of this.chunkIndexes(offset, end)) needed.add(i);
    }
    await Promise.all([...needed].map((i) => this.chunk(i, source, signal)));
  }

  private chunkIndexes(offset: number, end: number): number[] {
    const first = Math.floor(offset / CHUNK_BYTES);
    return Array.from({ length: Math.floor((end - 1) / CHUNK_BYTES) - first + 1 }, (_, i) => first + i);
  }

  private chunk(index: number, source: Source, signal?: AbortSignal): Promise<ArrayBuffer> {
    const key = String(index);
    const cached = this.chunks.get(key);
    if (cached) return cached;
    const start = index * CHUNK_BYTES;
    const length = Math.min(CHUNK_BYTES, this.size - start);
    const read = source.getBytes(start, length, signal, this.etag).then((response) => response.data);
    this.chunks.set(key, read, length);
    // A failed read (aborted, or the object replaced) is not kept.
    read.catch(() => this.chunks.delete(key, read));
    return read;
  }

  async fetchSlice(slice: { offset: number; length: number }, signal?: AbortSignal) {
    return { ...slice, data: await this.read(slice.offset, slice.length, signal) };
  }

  get fileSize(): number {
    return this.size;
  }

  async close(): Promise<void> {}
}

function dataTypeOf(format: number, bits: number): DataType | null {
  if (format === 1) return ({ 8: 'uint8', 16: 'uint16', 32: 'uint32' } as const)[bits as 8 | 16 | 32] ?? null;
  if (format === 2) return ({ 8: 'int8', 16: 'int16', 32: 'int32' } as const)[bits as 8 | 16 | 32] ?? null;
  if (format === 3) return ({ 32: 'float32', 64: 'float64' } as const)[bits as 32 | 64] ?? null;
  return null;
}

/** GDAL keeps per-band scale, offset and description in an XML blob (GDAL_METADATA). */
function parseGdalMetadata(xml: string | undefined, bandCount: number) {
  const scales = new Array<number>(bandCount).fill(1);
  const offsets = new Array<number>(bandCount).fill(0);
  const descriptions = new Array<string>(bandCount).fill('');
  const dataset: Record<string, string> = {};
  if (!xml) return { scales, offsets, descriptions, dataset };
  const decode = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  for (const match of xml.matchAll(/<Item\s+([^>]*)>([\s\S]*?)<\/Item>/g)) {
    const attributes = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const value = decode(match[2]!);
    const sample = attributes.sample === undefined ? null : Number(attributes.sample);
    if (sample === null) {
      if (attributes.name) dataset[attributes.name] = value;
      continue;
    }
    if (sample < 0 || sample >= bandCount) continue;
    if (attributes.role === 'scale') scales[sample] = Number(value);
    else if (attributes.role === 'offset') offsets[sample] = Number(value);
    else if (attributes.role === 'description') descriptions[sample] = value;
  }
  return { scales, offsets, descriptions, dataset };
}

/** Whether any of the image's deferred arrays (its block index, mostly) ends beyond `end`. */
function indexBeyond(image: GeoTIFFImage, end: number): boolean {
  for (const array of image.getFileDirectory().deferredArrays.values()) {
    if (array.arrayOffset + array.length * array.itemSize > end) return true;
  }
  return false;
}

/**
 * Refuses an image (a level or a mask) in a compression no decoder reads, or whose block index
 * does not match its declared size or lies past the file's end: a few bytes may not claim what
 * only gigabytes could hold.
 */
async function checkImage(image: GeoTIFFImage, size: number): Promise<void> {
  const fd = image.getFileDirectory();
  const compression = (await tag<number>(fd, 'Compression')) ?? 1;
  if (!codecOf(compression)) throw new RasterError(422, `Unsupported TIFF compression ${compression}.`);
  if (!fd.hasTag('BitsPerSample'))
    throw new RasterError(422, 'The file does not say how many bits its samples have (no BitsPerSample).');
  // Offsets and byte counts alike: a block is read from one entry of each.
  const fields = image.isTiled
    ? ([
        [324, 'TileOffsets'],
        [325, 'TileByteCounts'],
      ] as const)
    : ([
        [273, 'StripOffsets'],
        [279, 'StripByteCounts'],
      ] as const);
  const counts = await Promise.all(
    fields.map(async ([number, name]) => {
      const deferred = fd.deferredArrays.get(number);
      const loaded = deferred ? null : await tag<ArrayLike<number> | number>(fd, name);
      return deferred ? deferred.length : typeof loaded === 'number' ? 1 : (loaded?.length ?? 0);
    }),
  );
  const count = Math.min(...counts);
  const [width, height, blockWidth, blockHeight] = [
    image.getWidth(),
    image.getHeight(),
    image.getTileWidth(),
    image.getTileHeight(),
  ];
  if (!(blockWidth > 0 && blockHeight > 0))
    throw new RasterError(422, `The file declares ${blockWidth} × ${blockHeight}-pixel blocks.`);
  const expected =
    Math.ceil(width / blockWidth) *
    Math.ceil(height / blockHeight) *
    (image.planarConfiguration === 2 ? image.getSamplesPerPixel() : 1);
  if (count < expected) {
    throw new RasterError(
      422,
      `The file declares ${width} × ${height} pixels in ${blockWidth} × ${blockHeight} blocks (${expected} of them) but indexes ${count}: it is damaged.`,
    );
  }
  if (indexBeyond(image, size))
    throw new RasterError(
      422,
      `The file declares ${width} × ${height} pixels, but its block index runs past its ${size} bytes: it is truncated or damaged.`,
    );
}

async function tag<T>(fd: ImageFileDirectory, name: TagName): Promise<T | undefined> {
  return fd.hasTag(name) ? ((await fd.loadValue(name)) as T) : undefined;
}

function crsOf(image: GeoTIFFImage): Crs {
  const keys = image.getGeoKeys();
  if (!keys) throw new RasterError(422, 'The file has no GeoTIFF georeferencing (no GeoKeyDirectory).');
  // 1 projected, 2 geographic; anything else (geocentric, engineering, unset) has no place on a map.
  const model = keys.GTModelTypeGeoKey;
  if (model !== 1 && model !== 2) {
    throw new RasterError(
      422,
      `Unsupported CRS: the file's model type is ${model === 3 ? 'geocentric' : model === undefined ? 'not set (an engineering or local CRS)' : String(model)}, not a projected or geographic CRS.`,
    );
  }
  let converted: ReturnType<typeof toProj4>;
  try {
    converted = toProj4(keys as Parameters<typeof toProj4>[0]);
  } catch (error) {
    throw new RasterError(422, `Unsupported CRS: ${errorMessage(error)}`);
  }
  if (!converted.proj4 || converted.proj4.includes('+proj=unknown'))
    throw new RasterError(422, 'Unsupported CRS: its GeoKeys do not describe a known projection.');
  // GeoTIFF coordinates are always easting/northing (longitude/latitude); an +axis from the EPSG
  // definition would make proj4js swap them.
  const proj4Text = converted.proj4.replace(/\s*\+axis=\w+/g, '');
  try {
    proj4(proj4Text, 'EPSG:4326');
  } catch (error) {
    throw new RasterError(422, `Unsupported CRS (${proj4Text.trim()}): ${errorMessage(error)}`);
  }
  const code = (keys.ProjectedCSTypeGeoKey ?? keys.GeographicTypeGeoKey) as number | undefined;
  return {
    proj4: proj4Text,
    epsg: code !== undefined && code > 0 && code < 32767 ? code : null,
    isGeographic: Boolean(converted.isGCS),
  };
}

async function levelOf(
  image: GeoTIFFImage,
  fullWidth: number,
  fullHeight: number,
  resX: number,
  resY: number,
): Promise<Level> {
  const width = image.getWidth();
  const height = image.getHeight();
  return {
    image,
    mask: null,
    width,
    height,
    blockWidth: image.getTileWidth(),
    blockHeight: image.getTileHeight(),
    resX: (resX * fullWidth) / width,
    resY: (resY * fullHeight) / height,
  };
}

/**
 * Parses a (Cloud Optimized) GeoTIFF's header into what rendering needs; no pixel data is read.
 * Whatever fails while the header is interpreted is the file's doing (geotiff throws plain errors
 * on malformed fields and GeoKeys): a 422 that says what geotiff said.
 */
export async function parseCog(bytes: ByteSource): Promise<Cog> {
  try {
    return await interpret(bytes);
  } catch (error) {
    if (error instanceof RasterError || error instanceof EtagMismatch || error instanceof ObjectNotFound) throw error;
    throw new RasterError(422, `Not a readable GeoTIFF: ${errorMessage(error)}`);
  }
}

async function interpret(bytes: ByteSource): Promise<Cog> {
  registerDecoders();
  await checkTiffStructure((offset, length) => bytes.read(offset, length), bytes.size);
  const { tiff, images } = await openTiff(bytes);
  const full = images[0];
  if (!full) throw new RasterError(422, 'The TIFF holds no image.');
  for (const image of images) await checkImage(image, bytes.size);
  const fd = full.getFileDirectory();
  const width = full.getWidth();
  const height = full.getHeight();
  const bandCount = full.getSamplesPerPixel();
  const dataType = await sampleTypeOf(fd);
  const compressionCode = (await tag<number>(fd, 'Compression')) ?? 1;
  const { originX, originY, resX, resY, crs } = await georeferencingOf(full, fd);
  const levels = await levelsOf(full, images.slice(1), width, height, resX, resY);
  const bands = await bandsOf(full, fd, bandCount);
  const isTiled = full.isTiled;
  const headerEnd = bytes.header.byteLength;
  const isCloudOptimized = await cloudOptimized(tiff, full, levels, headerEnd, bytes.size, width, height);

  return {
    key: bytes.source.key,
    etag: bytes.etag,
    size: bytes.size,
    width,
    height,
    bandCount,
    dataType,
    originX,
    originY,
    crs,
    bounds: [originX, originY - resY * height, originX + resX * width, originY],
    nodata: bands.nodata,
    scales: bands.scales,
    offsets: bands.offsets,
    descriptions: bands.descriptions,
    colorInterpretation: bands.colorInterpretation,
    alphaBand: bands.alphaBand,
    palette: bands.palette,
    levels,
    compression: codecOf(compressionCode)?.name ?? String(compressionCode),
    interleave: full.planarConfiguration === 2 ? 'band' : 'pixel',
    isTiled,
    isCloudOptimized,
    metadata: bands.dataset,
    // Chunks are kept only where a tile index lies beyond the header. geotiff defers arrays that
    // lie outside the IFD it was parsing, most of them still inside the header bytes: those cost
    // nothing more, and charging them would leave room for 30 headers in the LRU, not hundreds.
    footprint:
      bytes.header.byteLength +
      4096 * images.length +
      (images.some((image) => indexBeyond(image, headerEnd)) ? CHUNKS_BYTES : 0),
    bytes,
  };
}

/** geotiff's reading of the file and its IFDs; whatever it cannot read is the file's doing (a 422). */
async function openTiff(bytes: ByteSource): Promise<{ tiff: GeoTIFF; images: GeoTIFFImage[] }> {
  try {
    const tiff = await GeoTIFF.fromSource(bytes);
    const count = await tiff.getImageCount();
    const images = await Promise.all(Array.from({ length: count }, (_, i) => tiff.getImage(i)));
    return { tiff, images };
  } catch (error) {
    if (error instanceof EtagMismatch) throw error;
    throw new RasterError(422, `Not a readable TIFF: ${errorMessage(error)}`);
  }
}

/** The full image's sample type; GDAL's defaults (8 bits, unsigned) where the tags are absent. */
async function sampleTypeOf(fd: ImageFileDirectory): Promise<DataType> {
  const bits = ((await tag<number[]>(fd, 'BitsPerSample')) ?? [8])[0]!;
  const format = ((await tag<number[]>(fd, 'SampleFormat')) ?? [1])[0]!;
  const dataType = dataTypeOf(format, bits);
  if (!dataType) throw new RasterError(422, `Unsupported sample type: ${bits}-bit, SampleFormat ${format}.`);
  return dataType;
}

/** The full image's north-up grid (upper-left corner and pixel size) and CRS. */
async function georeferencingOf(
  full: GeoTIFFImage,
  fd: ImageFileDirectory,
): Promise<{ originX: number; originY: number; resX: number; resY: number; crs: Crs }> {
  let origin: number[];
  let resolution: number[];
  try {
    origin = full.getOrigin();
    resolution = full.getResolution();
  } catch {
    throw new RasterError(
      422,
      'The file has no affine georeferencing (tie point and pixel scale, or a transformation).',
    );
  }
  const transformation = await tag<number[]>(fd, 'ModelTransformation');
  if (transformation && (transformation[1] !== 0 || transformation[4] !== 0)) {
    throw new RasterError(422, 'Rotated or sheared rasters are not supported.');
  }
  const crs = crsOf(full);
  const resX = Math.abs(resolution[0]!);
  const resY = Math.abs(resolution[1]!);
  if (![origin[0], origin[1]].every(Number.isFinite) || !(resX > 0 && resX < Infinity && resY > 0 && resY < Infinity)) {
    throw new RasterError(
      422,
      `The file's georeferencing is not usable: origin ${origin[0]}, ${origin[1]}, pixel size ${resX} × ${resY}.`,
    );
  }
  let originX = origin[0]!;
  let originY = origin[1]!;
  // GDAL treats PixelIsPoint tie points as pixel centres.
  if (full.getGeoKeys()?.GTRasterTypeGeoKey === 2) {
    originX -= resX / 2;
    originY += resY / 2;
  }
  return { originX, originY, resX, resY, crs };
}

/** The full image and its overviews, largest first, each with its mask; other IFDs are ignored. */
async function levelsOf(
  full: GeoTIFFImage,
  others: GeoTIFFImage[],
  width: number,
  height: number,
  resX: number,
  resY: number,
): Promise<Level[]> {
  const levels: Level[] = [await levelOf(full, width, height, resX, resY)];
  const masks: GeoTIFFImage[] = [];
  for (const image of others) {
    const kind = (await tag<number>(image.getFileDirectory(), 'NewSubfileType')) ?? 0;
    if (kind & 4) masks.push(image);
    else if (kind & 1) levels.push(await levelOf(image, width, height, resX, resY));
  }
  levels.sort((a, b) => b.width - a.width);
  for (const mask of masks) {
    const level = levels.find((l) => l.width === mask.getWidth() && l.height === mask.getHeight());
    if (!level) continue;
    // The reader takes a mask block by its image's block coordinates, as GDAL writes them.
    if (mask.getTileWidth() !== level.blockWidth || mask.getTileHeight() !== level.blockHeight) {
      throw new RasterError(
        422,
        `The file's mask is in ${mask.getTileWidth()} × ${mask.getTileHeight()} blocks, its image in ${level.blockWidth} × ${level.blockHeight}: rewrite it with GDAL.`,
      );
    }
    level.mask = mask;
  }
  return levels;
}

/** What the bands are: nodata, GDAL's scales, offsets and descriptions, alpha, palette and colours. */
async function bandsOf(full: GeoTIFFImage, fd: ImageFileDirectory, bandCount: number) {
  const nodata = full.getGDALNoData();
  const { scales, offsets, descriptions, dataset } = parseGdalMetadata(
    await tag<string>(fd, 'GDAL_METADATA'),
    bandCount,
  );
  const extraSamples = (await tag<number[]>(fd, 'ExtraSamples')) ?? [];
  const photometric = (await tag<number>(fd, 'PhotometricInterpretation')) ?? 1;
  const alphaBand =
    extraSamples.length > 0 &&
    (extraSamples[extraSamples.length - 1] === 1 || extraSamples[extraSamples.length - 1] === 2)
      ? bandCount - 1
      : null;
  const colorMap = await tag<Uint16Array | number[]>(fd, 'ColorMap');
  const palette = colorMap && photometric === 3 ? paletteOf(colorMap) : null;
  const colorInterpretation = Array.from({ length: bandCount }, (_, i) => {
    if (i === alphaBand) return 'alpha';
    if (photometric === 3) return 'palette';
    if ((photometric === 2 || photometric === 6) && i < 3) return ['red', 'green', 'blue'][i]!;
    return 'gray';
  });
  return {
    // NaN is a nodata value of its own; infinities and absent values are none.
    nodata: (nodata !== null && Number.isFinite(nodata)) || Number.isNaN(nodata ?? 0) ? nodata : null,
    scales,
    offsets,
    descriptions,
    dataset,
    alphaBand,
    palette,
    colorInterpretation,
  };
}

/** A TIFF ColorMap (all reds, then greens, then blues, 16 bits each) as opaque 8-bit RGBA entries. */
function paletteOf(colorMap: Uint16Array | number[]): NonNullable<Cog['palette']> {
  const entries = colorMap.length / 3;
  return Array.from(
    { length: entries },
    (_, i) =>
      [colorMap[i]! >> 8, colorMap[entries + i]! >> 8, colorMap[2 * entries + i]! >> 8, 255] as [
        number,
        number,
        number,
        number,
      ],
  );
}

/**
 * Whether a tiled file is laid out as a COG: its IFDs before its data (GDAL's ghost area says so,
 * or the first block lies past the header), and overviews unless it is small.
 */
async function cloudOptimized(
  tiff: GeoTIFF,
  full: GeoTIFFImage,
  levels: Level[],
  headerEnd: number,
  size: number,
  width: number,
  height: number,
): Promise<boolean> {
  const ghost = await tiff.getGhostValues().catch(() => null);
  const firstData = full.isTiled ? Number(await full.getFileDirectory().loadValueIndexed('TileOffsets', 0)) : 0;
  return (
    full.isTiled &&
    (ghost?.LAYOUT === 'IFDS_BEFORE_DATA' || firstData >= Math.min(headerEnd, size) || levels.length > 1) &&
    (levels.length > 1 || Math.max(width, height) <= 512)
  );
}
