// `npm run profile:render -- <file.tif> <z> <x> <y>`: the raster pipeline (read, decode, warp,
// PNG) on a local file in Node, for `node --cpu-prof`; R2 and the HTTP layer are left out.
import { openSync, readSync, fstatSync } from 'node:fs';
import type { Source, RangeResponse } from '../workers/engines/raster/source';
import { openCog } from '../workers/engines/raster/cog-cache';
import { renderTile } from '../workers/engines/raster/tile';
import { render } from '../workers/engines/raster/render';
import { TILE_MATRIX_SETS } from '../workers/engines/raster/tms';

/** A local file behind the same interface as R2. */
class FileSource implements Source {
  private fd: number;
  private size: number;
  constructor(readonly key: string) {
    this.fd = openSync(key, 'r');
    this.size = fstatSync(this.fd).size;
  }
  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    const len = Math.min(length, this.size - offset);
    const buf = Buffer.alloc(len);
    readSync(this.fd, buf, 0, len, offset);
    return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + len) as ArrayBuffer, etag: 'x', size: this.size };
  }
}
const file = process.argv[2];
const [z, cx, cy] = process.argv.slice(3).map(Number);
if (!file || z === undefined || cx === undefined || cy === undefined)
  throw new Error('usage: profile-render <file.tif> <z> <x> <y>');
const source = new FileSource(file);
const cog = await openCog(source);
const tms = TILE_MATRIX_SETS.WebMercatorQuad;
// Three neighbouring tiles, 60 rounds, the first 10 discarded as warm-up.
const phases = { tile: 0, render: 0 };
const times: number[] = [];
for (let round = 0; round < 60; round++) {
  for (let dx = -1; dx <= 1; dx++) {
    const t0 = performance.now();
    const block = await renderTile(cog, source, tms, z, cx + dx, cy, {
      size: 256,
      bands: [...Array(cog.bandCount).keys()].filter((b) => b !== cog.alphaBand),
      resampling: 'nearest',
    });
    const t1 = performance.now();
    if (block) await render(block, cog, [...Array(cog.bandCount).keys()], {}, 'png');
    const t2 = performance.now();
    if (round >= 10) {
      phases.tile += t1 - t0;
      phases.render += t2 - t1;
      times.push(t2 - t0);
    }
  }
}
times.sort((a, b) => a - b);
console.log(
  file,
  'per tile ms p50',
  times[times.length >> 1]!.toFixed(2),
  'tile',
  (phases.tile / times.length).toFixed(2),
  'encode',
  (phases.render / times.length).toFixed(2),
);
