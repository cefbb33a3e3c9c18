import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { productPrefix, stem, type WorkContext } from './context';
import { runJson, runTool } from './tools';
import type { RunResult } from '../../../workers/jobs/protocol';
import { markRasterReady } from '../../../workers/data-products/store';
import { describeRaster, type GdalInfo } from './describe';

/** Compression for the COG: lossless by default (DEFLATE, predictor 2 for integers and 3 for floats). */
function cogOptions(compression: string | undefined): string[] {
  const options = [
    '-co',
    'BLOCKSIZE=512',
    '-co',
    'BIGTIFF=IF_SAFER',
    '-co',
    'NUM_THREADS=ALL_CPUS',
    '-co',
    'OVERVIEWS=IGNORE_EXISTING',
  ];
  switch (compression) {
    case 'jpeg':
    case 'webp':
      return [...options, '-co', `COMPRESS=${compression.toUpperCase()}`, '-co', 'QUALITY=90'];
    case 'lerc':
      return [...options, '-co', 'COMPRESS=LERC_DEFLATE', '-co', 'MAX_Z_ERROR=0'];
    default:
      return [...options, '-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=YES'];
  }
}

/**
 * Resampling and what marks the area outside the source once reprojected: its nodata value, or
 * else an alpha band (unless it has one already). Paletted and other categorical data stay nearest.
 */
function warpOptions(info: GdalInfo): string[] {
  const categorical = info.bands.some((b) => b.colorInterpretation === 'Palette');
  const nodata = info.bands[0]?.noDataValue;
  const hasAlpha = info.bands.some((b) => b.colorInterpretation === 'Alpha');
  return [
    '-r',
    categorical ? 'near' : 'bilinear',
    ...(nodata !== undefined ? ['-dstnodata', String(nodata)] : hasAlpha ? [] : ['-dstalpha']),
  ];
}

/** `-scale_n min max` for bands that are not bytes, so the preview spans each band's own range. */
function previewScaling(info: GdalInfo, bands: number[]): string[] {
  if (info.bands.every((b) => b.type === 'Byte')) return [];
  return [
    '-ot',
    'Byte',
    ...bands.flatMap((n, i) => {
      const b = info.bands[n - 1]!;
      return [`-scale_${i + 1}`, String(b.minimum ?? 0), String(b.maximum ?? 255), '0', '255'];
    }),
  ];
}

/**
 * GeoTIFF → COG: describe and validate with gdalinfo, convert unless the file is already a COG,
 * take exact statistics and a histogram, make a PNG preview, store both, and record the product.
 */
export async function convertRaster({ run, request, store, db, dir }: WorkContext): Promise<Omit<RunResult, 'phases'>> {
  const { input } = request;
  const source = join(dir, 'source.tif');
  run.enter('transfer');
  run.progress(2, 'downloading the upload');
  await store.download(input.key, source);

  run.enter('gdal');
  run.progress(10, 'reading the file (gdalinfo)');
  const info = await runJson<GdalInfo>(run, 'gdalinfo', ['-json', source]);
  if (!info.geoTransform) throw new Error('the file has no georeferencing (gdalinfo shows no geotransform)');
  const isCog = info.metadata?.IMAGE_STRUCTURE?.LAYOUT === 'COG' && !input.crs;
  const cog = isCog ? source : join(dir, 'cog.tif');
  if (isCog) run.progress(60, 'already a cloud-optimized GeoTIFF: kept as it is');
  else if (input.crs) {
    await runTool(
      run,
      'gdalwarp',
      ['-of', 'COG', '-t_srs', input.crs, ...warpOptions(info), ...cogOptions(input.compression), source, cog],
      {
        progress: { from: 12, to: 60, message: `reprojecting to ${input.crs} as a COG (gdalwarp)` },
      },
    );
  } else {
    await runTool(run, 'gdal_translate', ['-of', 'COG', ...cogOptions(input.compression), source, cog], {
      progress: { from: 12, to: 60, message: 'converting to COG (gdal_translate)' },
    });
  }
  run.progress(62, 'statistics and histogram (gdalinfo -stats -hist)');
  const described = await runJson<GdalInfo>(run, 'gdalinfo', ['-json', '-stats', '-hist', '-mdd', 'all', cog]);
  const previewBands = described.bands.filter((b) => b.colorInterpretation !== 'Alpha').length >= 3 ? [1, 2, 3] : [1];
  const [w, h] = described.size;
  const preview = join(dir, 'preview.png');
  run.progress(70, 'preview');
  await runTool(run, 'gdal_translate', [
    '-of',
    'PNG',
    '-outsize',
    w >= h ? '512' : '0',
    w >= h ? '0' : '512',
    ...previewBands.flatMap((b) => ['-b', String(b)]),
    ...previewScaling(described, previewBands),
    '-q',
    cog,
    preview,
  ]);

  run.enter('transfer');
  run.progress(75, 'storing the COG');
  const prefix = productPrefix(request);
  const stored = await store.upload(
    `${prefix}${stem(input.filename)}.tif`,
    cog,
    'image/tiff; application=geotiff; profile=cloud-optimized',
  );
  run.progress(85, 'storing the preview');
  const thumbnail = await store.upload(`${prefix}preview.png`, preview, 'image/png');

  run.enter('db');
  run.progress(90, 'recording the data product');
  const metadata = {
    source_key: input.key,
    preview_key: thumbnail.key,
    sha256: stored.sha256,
    size_bytes: stored.size,
    cog: {
      converted: !isCog,
      compression: described.metadata?.IMAGE_STRUCTURE?.COMPRESSION ?? null,
      overviews: described.bands[0]?.overviews?.length ?? 0,
    },
  };
  // Its version moves only if the COG's bytes did (the store's versioning rule): a re-run changes no cache key.
  await markRasterReady(drizzle({ client: db }), input.dataProductId, {
    key: stored.key,
    sha256: stored.sha256,
    // The output's own description: a reprojected COG has another CRS, grid and footprint than its source.
    ...describeRaster(described, info.geoTransform),
    metadata,
  });
  run.progress(95, 'data product ready');
  return {
    dataProductId: input.dataProductId,
    keys: [stored.key, thumbnail.key],
    cog: { converted: !isCog, sizeBytes: stored.size },
  };
}
