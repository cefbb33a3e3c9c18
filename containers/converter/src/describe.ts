import type { RasterFile } from '../../../workers/data-products/store';

/** The parts of `gdalinfo -json` used here. */
export interface GdalInfo {
  size: [number, number];
  geoTransform?: number[];
  wgs84Extent?: { type: 'Polygon'; coordinates: number[][][] };
  coordinateSystem?: { wkt: string };
  metadata?: { IMAGE_STRUCTURE?: Record<string, string> };
  stac?: { 'proj:epsg'?: number | null };
  bands: Array<{
    band: number;
    type: string;
    description?: string;
    colorInterpretation?: string;
    noDataValue?: number | string;
    overviews?: unknown[];
    minimum?: number;
    maximum?: number;
    mean?: number;
    stdDev?: number;
    metadata?: Record<string, Record<string, string>>;
    histogram?: { count: number; min: number; max: number; buckets: number[] };
  }>;
}

/** A band's statistics as TiTiler reports them (`b1`, `b2`, …), from GDAL's exact statistics and histogram. */
function bandStatistics(info: GdalInfo): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    info.bands.map((b) => {
      const h = b.histogram;
      const edges = h ? Array.from({ length: h.count + 1 }, (_, i) => h.min + ((h.max - h.min) * i) / h.count) : [];
      const validPercent = Number(b.metadata?.['']?.STATISTICS_VALID_PERCENT ?? 100);
      return [
        `b${b.band}`,
        {
          min: b.minimum,
          max: b.maximum,
          mean: b.mean,
          std: b.stdDev,
          valid_percent: validPercent,
          ...(h ? { histogram: [h.buckets, edges] } : {}),
        },
      ];
    }),
  );
}

/**
 * What a data product records of its COG, from `gdalinfo -json -stats -hist -mdd all` of the COG
 * itself: the footprint, CRS, grid, bands and statistics. The converter writes it for every file it
 * makes, and the seed for the demo fixtures, so both kinds of product carry the same description.
 * `sourceGeoTransform` (the input's, checked to exist) stands in where GDAL printed none for the COG.
 */
export function describeRaster(
  described: GdalInfo,
  sourceGeoTransform: number[],
): Pick<RasterFile, 'footprint' | 'crs' | 'resolution' | 'bands' | 'stats'> {
  const epsg = described.stac?.['proj:epsg'];
  const gt = described.geoTransform ?? sourceGeoTransform;
  return {
    footprint: described.wgs84Extent ?? null,
    crs: epsg ? `EPSG:${epsg}` : (described.coordinateSystem?.wkt ?? null),
    resolution: [Math.abs(gt[1]!), Math.abs(gt[5]!)],
    bands: described.bands.map((b) => ({
      index: b.band,
      dataType: b.type,
      description: b.description ?? '',
      colorInterpretation: b.colorInterpretation ?? '',
      ...(b.noDataValue !== undefined ? { nodata: b.noDataValue } : {}),
    })),
    stats: bandStatistics(described),
  };
}
