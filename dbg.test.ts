import { it } from 'vitest';
import { gdalwarp, parseNpy, mercatorTileBounds } from './test/integration/gdal';
it('x', async () => {
  const z = 9, x = 81, y = 178;
  for (const et of [[], ['-et', '0']]) {
    const ref = await gdalwarp('/work/shared/fixtures/cog/dsm_lerc.tif', ['-t_srs', 'EPSG:3857', '-te', ...mercatorTileBounds(z, x, y).map(String), '-ts', '256', '256', '-r', 'near', '-dstalpha', ...et]);
    const r = await fetch('http://127.0.0.1:8787/data-products/ee8c5e54-b162-484b-99ed-fd1f547194f8/tiles/WebMercatorQuad/' + z + '/' + x + '/' + y + '.npy', { headers: { 'x-api-key': 'etk_GtS59RDEVTKm_1TCIUt9hCukfmFQJH95ODMWUaHVWWweGR74GrAB3Q7A' } });
    const ours = parseNpy(await r.arrayBuffer());
    let eq = 0, v = 0;
    for (let i = 0; i < 65536; i++) { if (ours.bands[1][i] && ref.bands[1][i]) { v++; if (ours.bands[0][i] === ref.bands[0][i]) eq++; } }
    console.log(et, r.status, eq / v, v);
  }
});
