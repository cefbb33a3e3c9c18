import type { Map as MapLibreMap } from 'maplibre-gl';
import { addLayer, tileJsonUrl, type MapLayer } from './layers';
import { prepareRaster, type TokenOf } from './style-data';
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

export const tokenOfSigning =
  (signing: Signing): TokenOf =>
  (id) =>
    signing.tokens?.token(id);

/**
 * A layer ready to add: its token (tile requests are signed synchronously), its vector layer
 * names, and a raster's bands and first render, before any tile is asked for (a raster already
 * prepared keeps its style).
 */
export async function prepareLayer(layer: MapLayer, signing: Signing): Promise<{ layer: MapLayer; names: string[] }> {
  if (signing.tokens && signing.needsToken(layer))
    await signing.tokens.ensure(layer.id, layer.kind === 'vector' ? 'vector-layer' : 'data-product');
  if (layer.kind === 'raster')
    return {
      layer: layer.raster ? layer : { ...layer, ...(await prepareRaster(layer, tokenOfSigning(signing))) },
      names: [],
    };
  return { layer, names: await vectorLayerNames(signed(signing, tileJsonUrl(layer))) };
}

/** Puts a layer on a map (below `before`, else on top), prepared first; answers what was added. */
export async function showLayer(
  map: MapLibreMap,
  layer: MapLayer,
  signing: Signing,
  before?: string,
): Promise<{ layer: MapLayer; names: string[] }> {
  const prepared = await prepareLayer(layer, signing);
  addLayer(map, prepared.layer, prepared.names, before);
  return prepared;
}
