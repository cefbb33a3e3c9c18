// Every hostile input class of issue 18, as the request that makes it: the integration suite checks
// each is refused with a 4xx problem, and `npm run bench -- hostile` times it and weighs workerd.
import type { SeedFile } from './seed';

export interface HostileRequest {
  name: string;
  path: string;
  method?: 'GET' | 'POST';
  body?: unknown;
  /** The status the service answers with. */
  status: 400 | 404 | 413 | 422;
}

/** A closed ring of `n` vertices round a small circle near (lon, lat). */
function circle(lon: number, lat: number, n: number): number[][] {
  const ring = Array.from({ length: n }, (_, i) => [
    lon + 0.001 * Math.cos((2 * Math.PI * i) / n),
    lat + 0.001 * Math.sin((2 * Math.PI * i) / n),
  ]);
  return [...ring, ring[0]!];
}

export function hostileRequests(seed: SeedFile): HostileRequest[] {
  const byKey = (name: string) => `url=${encodeURIComponent(seed.objects[name]!)}`;
  const cog = byKey('reads.tif');
  const pmtiles = (name: string) => seed.objects[name]!.replace(/\.pmtiles$/, '');
  const preview = (name: string) => `/cog/preview.png?${byKey(name)}&max_size=256`;
  return [
    {
      name: 'preview of a few-hundred-byte TIFF declaring 100000² pixels in one tile',
      path: preview('declared-100k.tif'),
      status: 400,
    },
    {
      name: 'preview of a 100000² TIFF whose tile index the file cannot hold',
      path: preview('declared-100k-tiled.tif'),
      status: 422,
    },
    { name: 'preview of a TIFF declaring 2^31 pixels', path: preview('declared-2g.tif'), status: 400 },
    {
      name: 'tile of a TIFF declaring 2^31 pixels, at its full resolution',
      path: `/cog/tiles/WebMercatorQuad/16/32768/32768.png?${byKey('declared-2g.tif')}`,
      status: 422,
    },
    { name: 'DEFLATE bomb: a 256² tile inflating to 64 MiB', path: preview('deflate-bomb.tif'), status: 422 },
    { name: 'PackBits bomb: a 256² tile unpacking to 64 MiB', path: preview('packbits-bomb.tif'), status: 422 },
    { name: 'LZW bomb: a 256² tile decoding to 64 MB', path: preview('lzw-bomb.tif'), status: 422 },
    {
      name: 'an 8192 × 4096 internal tile (32 MiB decoded), for a tile of it',
      path: `/cog/tiles/WebMercatorQuad/12/2048/2048.png?${byKey('huge-block.tif')}`,
      status: 422,
    },
    { name: '1 × 1-pixel internal tiles', path: preview('tiny-tiles.tif'), status: 400 },
    {
      name: 'a PMTiles root directory of 4 million entries',
      path: `/pmtiles/${pmtiles('directory-bomb.pmtiles')}/0/0/0.mvt`,
      status: 422,
    },
    {
      name: 'PMTiles metadata inflating to 64 MiB',
      path: `/pmtiles/${pmtiles('metadata-bomb.pmtiles')}/metadata`,
      status: 422,
    },
    {
      name: 'a PMTiles tile inflating to 64 MiB',
      path: `/pmtiles/${pmtiles('tile-bomb.pmtiles')}/0/0/0.mvt`,
      status: 422,
    },
    {
      name: 'bidx repeated 4000 times',
      path: `/cog/tiles/WebMercatorQuad/0/0/0.png?${cog}&${'bidx=1&'.repeat(4000)}`,
      status: 400,
    },
    {
      name: 'an expression with 682 outputs on a 512-px tile',
      path: `/cog/tiles/WebMercatorQuad/0/0/0.npy?${cog}&tilesize=512&expression=${encodeURIComponent(Array(682).fill('b1').join(';'))}`,
      status: 400,
    },
    {
      name: 'a 2048-px tile (tilesize 512 @4x)',
      path: `/cog/tiles/WebMercatorQuad/0/0/0@4x.png?${cog}&tilesize=512`,
      status: 400,
    },
    { name: 'a 4096 × 4096 preview', path: `/cog/preview.png?${cog}&width=4096&height=4096`, status: 400 },
    {
      name: 'full-resolution statistics of a 100-Mpx sparse TIFF',
      path: `/cog/statistics?${byKey('sparse-100mpx.tif')}&max_size=0`,
      status: 400,
    },
    {
      name: 'statistics of a 100-Mpx TIFF without overviews, max_size=256',
      path: `/cog/statistics?${byKey('sparse-100mpx.tif')}&max_size=256`,
      status: 400,
    },
    {
      name: 'POST statistics with a 25000-vertex polygon',
      path: `/cog/statistics?${cog}`,
      method: 'POST',
      status: 400,
      body: {
        type: 'Feature',
        properties: {},
        geometry: { type: 'Polygon', coordinates: [circle(-60.5, 72.5, 25000)] },
      },
    },
    { name: 'NUL byte in url=', path: '/cog/info?url=a%00b', status: 400 },
    { name: 'bbox at ±1e308', path: `/cog/bbox/-1e308,-1e308,1e308,1e308.png?${cog}`, status: 400 },
    { name: 'point at 1e308', path: `/cog/point/1e308,1e308?${cog}`, status: 404 },
    {
      name: 'colormap_name=__proto__',
      path: `/cog/tiles/WebMercatorQuad/0/0/0.png?${cog}&colormap_name=__proto__`,
      status: 400,
    },
    {
      name: '4000 nested parentheses in a CQL2 text filter',
      path: `/stac/search?filter-lang=cql2-text&filter=${'('.repeat(4000)}id='x'${')'.repeat(4000)}`,
      status: 400,
    },
    {
      name: 'GET sortby with 200 keys',
      path: `/stac/search?sortby=${Array.from({ length: 200 }, (_, i) => `p${i}`).join(',')}`,
      status: 400,
    },
  ];
}
