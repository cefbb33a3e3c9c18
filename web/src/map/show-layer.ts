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
 * What a layer needs before it is added: its token (tile requests are signed synchronously) and
 * the names of its vector layers (none for rasters).
 */
export async function prepareLayer(layer: MapLayer, signing: Signing): Promise<string[]> {
  if (signing.tokens && signing.needsToken(layer)) await signing.tokens.ensure(layer.id);
  return layer.kind === 'raster' ? [] : vectorLayerNames(signed(signing, tileJsonUrl(layer)));
}

/** Puts a layer on a map (below `before`, else on top), once prepared; answers its vector layer names. */
export async function showLayer(
  map: MapLibreMap,
  layer: MapLayer,
  signing: Signing,
  before?: string,
): Promise<string[]> {
  const names = await prepareLayer(layer, signing);
  addLayer(map, layer, names, before);
  return names;
}
