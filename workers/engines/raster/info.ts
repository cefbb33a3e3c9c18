import type { Cog } from './cog';
import { boundsIn } from './warp';

/** rio-tiler's Info model, and what a client needs beyond it to judge how the file is laid out. */
export interface Info {
  bounds: [number, number, number, number];
  crs: string;
  band_metadata: Array<[string, Record<string, string>]>;
  band_descriptions: Array<[string, string]>;
  dtype: string;
  nodata_type: 'Alpha' | 'Mask' | 'Nodata' | 'None';
  colorinterp: string[];
  scales: number[];
  offsets: number[];
  colormap: Record<string, [number, number, number, number]> | null;
  driver: 'GTiff';
  count: number;
  width: number;
  height: number;
  overviews: number[];
  nodata_value: number | null;
  geographic_bounds: [number, number, number, number] | null;
  proj4: string;
  resolution: [number, number];
  block_size: [number, number];
  compression: string;
  interleave: 'pixel' | 'band';
  is_tiled: boolean;
  cloud_optimized: boolean;
}

/** `/cog/info` in TiTiler's (rio-tiler's Info model) shape. */
export function cogInfo(cog: Cog): Info {
  const wgs84 = boundsIn(cog, 'EPSG:4326');
  const full = cog.levels[0]!;
  return {
    bounds: cog.bounds,
    crs: cog.crs.epsg ? `http://www.opengis.net/def/crs/EPSG/0/${cog.crs.epsg}` : cog.crs.proj4,
    band_metadata: cog.descriptions.map((_, i) => [`b${i + 1}`, {}]),
    band_descriptions: cog.descriptions.map((d, i) => [`b${i + 1}`, d]),
    dtype: cog.dataType,
    nodata_type:
      cog.alphaBand !== null ? 'Alpha' : cog.levels[0]!.mask ? 'Mask' : cog.nodata !== null ? 'Nodata' : 'None',
    colorinterp: cog.colorInterpretation,
    scales: cog.scales,
    offsets: cog.offsets,
    colormap: cog.palette ? Object.fromEntries(cog.palette.map((c, i) => [String(i), c])) : null,
    driver: 'GTiff',
    count: cog.bandCount,
    width: cog.width,
    height: cog.height,
    overviews: cog.levels.slice(1).map((l) => Math.round(cog.width / l.width)),
    nodata_value: cog.nodata,
    // Beyond TiTiler: what a client needs to judge how the file is laid out.
    geographic_bounds: wgs84,
    proj4: cog.crs.proj4,
    resolution: [full.resX, full.resY],
    block_size: [full.blockWidth, full.blockHeight],
    compression: cog.compression,
    interleave: cog.interleave,
    is_tiled: cog.isTiled,
    cloud_optimized: cog.isCloudOptimized,
  };
}
