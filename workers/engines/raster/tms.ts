/** OGC TileMatrixSets served here: the two that web maps and TiTiler clients use. */
export interface TileMatrixSet {
  id: 'WebMercatorQuad' | 'WorldCRS84Quad';
  title: string;
  uri: string;
  crs: string;
  /** proj4 name of the CRS, as known to proj4js. */
  proj4: string;
  /** Top-left corner of matrix 0. */
  originX: number;
  originY: number;
  /** Cell size of zoom 0, in CRS units, for 256-pixel tiles. */
  resolution0: number;
  /** Tiles across zoom 0. */
  matrixWidth0: number;
  matrixHeight0: number;
  bounds: [number, number, number, number];
  /** WGS 84 extent, for TileJSON. */
  wgs84Bounds: [number, number, number, number];
  maxZoom: number;
}

const HALF_WORLD = 20037508.342789244;

export const TILE_MATRIX_SETS: Record<TileMatrixSet['id'], TileMatrixSet> = {
  WebMercatorQuad: {
    id: 'WebMercatorQuad',
    title: 'Google Maps Compatible for the World',
    uri: 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad',
    crs: 'http://www.opengis.net/def/crs/EPSG/0/3857',
    proj4: 'EPSG:3857',
    originX: -HALF_WORLD,
    originY: HALF_WORLD,
    resolution0: (2 * HALF_WORLD) / 256,
    matrixWidth0: 1,
    matrixHeight0: 1,
    bounds: [-HALF_WORLD, -HALF_WORLD, HALF_WORLD, HALF_WORLD],
    wgs84Bounds: [-180, -85.0511287798066, 180, 85.0511287798066],
    maxZoom: 24,
  },
  WorldCRS84Quad: {
    id: 'WorldCRS84Quad',
    title: 'CRS84 for the World',
    uri: 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WorldCRS84Quad',
    crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84',
    proj4: 'EPSG:4326',
    originX: -180,
    originY: 90,
    resolution0: 180 / 256,
    matrixWidth0: 2,
    matrixHeight0: 1,
    bounds: [-180, -90, 180, 90],
    wgs84Bounds: [-180, -90, 180, 90],
    maxZoom: 23,
  },
};

export function tileMatrixSet(id: string): TileMatrixSet | undefined {
  return Object.hasOwn(TILE_MATRIX_SETS, id) ? TILE_MATRIX_SETS[id as TileMatrixSet['id']] : undefined;
}

export function matrixSize(tms: TileMatrixSet, z: number): { width: number; height: number } {
  return { width: tms.matrixWidth0 * 2 ** z, height: tms.matrixHeight0 * 2 ** z };
}

/** [minx, miny, maxx, maxy] of a tile, in the TMS CRS. */
export function tileBounds(tms: TileMatrixSet, z: number, x: number, y: number): [number, number, number, number] {
  const span = (tms.resolution0 * 256) / 2 ** z;
  const minx = tms.originX + x * span;
  const maxy = tms.originY - y * span;
  return [minx, maxy - span, minx + span, maxy];
}

export function isValidTile(tms: TileMatrixSet, z: number, x: number, y: number): boolean {
  if (!Number.isInteger(z) || z < 0 || z > tms.maxZoom) return false;
  const { width, height } = matrixSize(tms, z);
  return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < width && y < height;
}

/** Zoom whose cell size is the closest at or below `resolution` (CRS units per pixel, 256-px tiles). */
export function zoomForResolution(tms: TileMatrixSet, resolution: number): number {
  const z = Math.ceil(Math.log2(tms.resolution0 / resolution) - 1e-9);
  return Math.max(0, Math.min(tms.maxZoom, z));
}

export function tileMatrixSetDocument(tms: TileMatrixSet, tileSize = 256) {
  // Scale denominators assume OGC's 0.28 mm pixel; degrees are converted at the equator.
  const metresPerUnit = tms.id === 'WorldCRS84Quad' ? (2 * Math.PI * 6378137) / 360 : 1;
  return {
    id: tms.id,
    title: tms.title,
    uri: tms.uri,
    crs: tms.crs,
    orderedAxes: tms.id === 'WorldCRS84Quad' ? ['Lon', 'Lat'] : ['X', 'Y'],
    tileMatrices: Array.from({ length: tms.maxZoom + 1 }, (_, z) => {
      const cellSize = (tms.resolution0 * 256) / 2 ** z / tileSize;
      const { width, height } = matrixSize(tms, z);
      return {
        id: String(z),
        scaleDenominator: (cellSize * metresPerUnit) / 0.00028,
        cellSize,
        cornerOfOrigin: 'topLeft' as const,
        pointOfOrigin: [tms.originX, tms.originY],
        tileWidth: tileSize,
        tileHeight: tileSize,
        matrixWidth: width,
        matrixHeight: height,
      };
    }),
  };
}
