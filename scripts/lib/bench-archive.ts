import { PMTiles } from 'pmtiles';
import { DiskSource } from './disk-source';
import { FIXTURES } from './seed';

export type Tile = [z: number, x: number, y: number];

/** The PMTiles archive the vector and access parts serve: a fixture the stack seeds into the bucket. */
export const BENCH_ARCHIVE = 'usgs-mt-whitney-8-15-webp-512.pmtiles';

/**
 * The archive on local disk (the reference R2 serving is compared with) and every tile it holds at
 * zooms 12–15: its bounds walked at each zoom, tiles the archive lacks left out.
 */
export async function benchArchiveTiles(): Promise<{ local: PMTiles; tiles: Tile[] }> {
  const local = new PMTiles(new DiskSource(`${FIXTURES}/pmtiles/${BENCH_ARCHIVE}`));
  const header = await local.getHeader();
  const tiles: Tile[] = [];
  for (const z of [12, 13, 14, 15]) {
    const n = 2 ** z;
    const x0 = Math.floor(((header.minLon + 180) / 360) * n);
    const x1 = Math.floor(((header.maxLon + 180) / 360) * n);
    const yOf = (lat: number) =>
      Math.floor(
        ((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * n,
      );
    for (let x = x0; x <= x1; x++)
      for (let y = yOf(header.maxLat); y <= yOf(header.minLat); y++)
        if (await local.getZxy(z, x, y)) tiles.push([z, x, y]);
  }
  return { local, tiles };
}
