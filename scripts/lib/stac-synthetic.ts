// Synthetic STAC data for the bench: realistic enough for the planner (clustered footprints, dates over
// years, varied properties), and deterministic, so two runs measure the same catalog.

export const COLLECTIONS = 50;
export const FIRST_DAY = Date.UTC(2017, 0, 1);
export const DAYS = 8 * 365;
export const PLATFORMS = ['sentinel-2a', 'sentinel-2b', 'landsat-8', 'landsat-9', 'planetscope', 'drone'];

/** mulberry32: a tiny seeded PRNG. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Region {
  id: string;
  lon: number;
  lat: number;
  platforms: string[];
}

/** Each collection covers a region (a mission over an area), 20° across. */
export function regions(): Region[] {
  const rand = random(7);
  return Array.from({ length: COLLECTIONS }, (_, i) => ({
    id: `bench-${String(i).padStart(2, '0')}`,
    lon: -170 + rand() * 330,
    lat: -55 + rand() * 120,
    platforms: [PLATFORMS[i % PLATFORMS.length]!, PLATFORMS[(i + 2) % PLATFORMS.length]!],
  }));
}

export function collectionDocument(region: Region) {
  return {
    type: 'Collection',
    stac_version: '1.0.0',
    id: region.id,
    description: `Synthetic acquisitions around ${region.lon.toFixed(1)}, ${region.lat.toFixed(1)}`,
    license: 'CC0-1.0',
    keywords: region.platforms,
    extent: {
      spatial: { bbox: [[region.lon - 10, region.lat - 10, region.lon + 10, region.lat + 10]] },
      temporal: { interval: [['2017-01-01T00:00:00Z', '2024-12-31T23:59:59Z']] },
    },
    links: [],
  };
}

/** A scene footprint: a slightly rotated quadrilateral about 0.1–0.5° across. */
export function footprint(rand: () => number, lon: number, lat: number) {
  const size = 0.1 + rand() * 0.4;
  const angle = (rand() - 0.5) * 0.4;
  const corners = [
    [-1, -1],
    [1, -1],
    [1, 1],
    [-1, 1],
  ].map(([dx, dy]) => {
    const x = ((dx! * Math.cos(angle) - dy! * Math.sin(angle)) * size) / 2;
    const y = ((dx! * Math.sin(angle) + dy! * Math.cos(angle)) * size) / 2;
    return [Math.round((lon + x) * 1e6) / 1e6, Math.round((lat + y) * 1e6) / 1e6];
  });
  const ring = [...corners, corners[0]!];
  const xs = ring.map((p) => p[0]!);
  const ys = ring.map((p) => p[1]!);
  return {
    geometry: { type: 'Polygon', coordinates: [ring] },
    bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
  };
}

/** `count` items spread evenly over the regions, as NDJSON lines (collections first). */
export async function* syntheticCatalog(count: number): AsyncGenerator<string> {
  const all = regions();
  for (const region of all) yield JSON.stringify(collectionDocument(region));
  const rand = random(42);
  for (let i = 0; i < count; i++) {
    const region = all[i % all.length]!;
    const lon = Math.max(-179.5, Math.min(179.5, region.lon + (rand() - 0.5) * 20));
    const lat = Math.max(-85, Math.min(85, region.lat + (rand() - 0.5) * 20));
    const { geometry, bbox } = footprint(rand, lon, lat);
    const when = new Date(FIRST_DAY + Math.floor(rand() * DAYS * 86_400) * 1000);
    const platform = region.platforms[Math.floor(rand() * region.platforms.length)]!;
    const id = `${region.id}-${String(i).padStart(7, '0')}`;
    yield JSON.stringify({
      type: 'Feature',
      stac_version: '1.0.0',
      id,
      collection: region.id,
      geometry,
      bbox,
      properties: {
        datetime: when.toISOString(),
        platform,
        'eo:cloud_cover': Math.round(rand() * 1000) / 10,
        gsd: platform === 'drone' ? 0.05 : platform.startsWith('landsat') ? 30 : 10,
        'view:off_nadir': Math.round(rand() * 300) / 10,
      },
      links: [],
      assets: {
        visual: {
          href: `https://example.org/${region.id}/${id}.tif`,
          type: 'image/tiff; application=geotiff; profile=cloud-optimized',
          roles: ['data'],
        },
      },
    });
  }
}
