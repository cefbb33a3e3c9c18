import type { Database } from '../platform/db/client';
import { TILE_FORMATS, openArchive } from '../engines/pmtiles/archive';
import { JobInputError } from './input-error';
import type { JobInput } from './protocol';
import { errorMessage } from '../platform/util/error-message';
import { markArchiveReady } from '../data-products/store';

/**
 * A PMTiles upload: its header and metadata must read (the same reader that serves its tiles),
 * then the product is ready, its footprint the archive's bounds. Nothing is copied.
 */
export async function registerArchive(
  db: Database,
  bucket: R2Bucket,
  input: JobInput,
): Promise<{ dataProductId: string; keys: string[] }> {
  const archive = openArchive(bucket, input.key);
  let header;
  try {
    header = await archive.getHeader();
    await archive.getMetadata();
  } catch (error) {
    throw new JobInputError(`not a readable PMTiles v3 archive: ${errorMessage(error)}`);
  }
  if (!TILE_FORMATS[header.tileType])
    throw new JobInputError(`unsupported tile type ${header.tileType} in this archive`);
  const description = {
    tile_type: TILE_FORMATS[header.tileType]!.extensions[0],
    min_zoom: header.minZoom,
    max_zoom: header.maxZoom,
    center: [header.centerLon, header.centerLat, header.centerZoom],
    tiles: header.numAddressedTiles,
  };
  await markArchiveReady(db, input.dataProductId, {
    bounds: [header.minLon, header.minLat, header.maxLon, header.maxLat],
    description,
  });
  return { dataProductId: input.dataProductId, keys: [input.key] };
}
