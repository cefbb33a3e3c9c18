import type { Map as MapLibreMap } from 'maplibre-gl';
import { addLayer, tileJsonUrl, type MapLayer } from './layers';
import type { TileTokens } from './tile-tokens';

/** The names of a vector source's layers, from its TileJSON (none for raster tiles). */
async function vectorLayerNames(url: string): Promise<string[]> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  const tilejson = (await response.json()) as { vector_layers?: Array<{ id: string }> };
  return (tilejson.vector_layers ?? []).map((l) => l.id);
}

/** How a map signs its requests: the tile tokens when there are any, else URLs as they are. */
export interface Signing {
  tokens: TileTokens | null;
  needsToken: (layer: MapLayer) => boolean;
}

export const signed = (signing: Signing, url: string): string => (signing.tokens ? signing.tokens.sign(url) : url);

/**
 * Puts a layer on a map: its token first (tile requests are signed synchronously), then its
 * source and style layers below `before`. Answers the names of its vector layers (none for rasters).
 */
export async function showLayer(
  map: MapLibreMap,
  layer: MapLayer,
  signing: Signing,
  before?: string,
): Promise<string[]> {
  if (signing.tokens && signing.needsToken(layer)) await signing.tokens.ensure(layer.id);
  const names = layer.kind === 'raster' ? [] : await vectorLayerNames(signed(signing, tileJsonUrl(layer)));
  addLayer(map, layer, names, before);
  return names;
}
