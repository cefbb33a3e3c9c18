import type { MapLayer } from './layers';
import { signed, type Signing } from './show-layer';

export type LonLat = [number, number];

/** One side's values under the pointer, or why there are none. */
export type SideReading = { bands: Array<{ name: string; value: number | null }> } | { note: string };

/** Six decimals (about 10 cm): what the readout shows is exactly what was asked for. */
export const rounded = ([lon, lat]: LonLat): LonLat => [Number(lon.toFixed(6)), Number(lat.toFixed(6))];

const inside = (layer: MapLayer, [lon, lat]: LonLat) =>
  !layer.bbox || (lon >= layer.bbox[0] && lon <= layer.bbox[2] && lat >= layer.bbox[1] && lat <= layer.bbox[3]);

interface PointValues {
  values: Array<number | null>;
  band_names: string[];
  masked: boolean[];
}

/** The layer's pixel values at a point (`/point`), with its band selection or expression, raw (no stretch). */
export async function readPoint(
  layer: MapLayer,
  signing: Signing,
  at: LonLat,
  signal: AbortSignal,
): Promise<SideReading> {
  // Outside the layer's extent the API answers 404: no need to ask.
  if (!inside(layer, at)) return { note: 'outside the data' };
  const q = new URLSearchParams();
  for (const b of layer.render.bidx ?? []) q.append('bidx', String(b));
  if (layer.render.expression) q.set('expression', layer.render.expression);
  if (layer.render.nodata) q.set('nodata', layer.render.nodata);
  const query = q.size ? `?${q}` : '';
  const response = await fetch(signed(signing, `/data-products/${layer.id}/point/${at[0]},${at[1]}${query}`), {
    signal,
  });
  if (response.status === 404) return { note: 'outside the data' };
  if (!response.ok) return { note: `could not be read (${response.status})` };
  const point = (await response.json()) as PointValues;
  return {
    bands: point.band_names.map((name, i) => ({ name, value: point.masked[i] ? null : (point.values[i] ?? null) })),
  };
}
