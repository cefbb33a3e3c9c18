import { RasterTileSource, VectorTileSource, type Map as MapLibreMap, type LayerSpecification } from 'maplibre-gl';
import type { Schemas } from '../api/client';
import type { RasterInfo, RasterRender, RasterStyle } from './style-model';
import { asBbox, type Bbox } from './bbox';

export type { RasterRender };

/** A data product as a map needs it (a share link's view leaves out where its file lies). */
export type ShownProduct = Omit<Schemas['DataProduct'], 'r2_key'>;

export type LayerKind = 'raster' | 'pmtiles' | 'vector';
export type { Bbox } from './bbox';

/** A layer of the map: a data product (COG or PMTiles) or a PostGIS vector layer. */
export interface MapLayer {
  /** The data product's or vector layer's id. */
  id: string;
  name: string;
  kind: LayerKind;
  visible: boolean;
  /** 0–1 */
  opacity: number;
  bbox: Bbox | null;
  render: RasterRender;
  /** Fill/line colour of vector data. */
  color: string;
  /** What the raster holds (bands, their types and statistics), for the style controls. */
  product?: ShownProduct;
  /** A raster's bands and data type, read before its first tiles (style-data.ts). */
  raster?: RasterInfo;
  /** What the style panel set; `render` follows from it. */
  style?: RasterStyle;
  /** Why the layer could not be loaded, said plainly. */
  problem?: string;
}

export const RASTER_TYPES = new Set(['ortho', 'dsm', 'multispectral']);

export function layerOfProduct(p: ShownProduct): MapLayer | null {
  const kind: LayerKind | null = RASTER_TYPES.has(p.type) ? 'raster' : p.type === 'pmtiles' ? 'pmtiles' : null;
  if (!kind || p.status !== 'ready') return null;
  const bbox = asBbox(p.bbox);
  return {
    id: p.id,
    name: p.filename,
    kind,
    visible: true,
    opacity: 1,
    bbox,
    render: {},
    color: '#d9480f',
    product: p,
  };
}

export function layerOfVector(v: Schemas['VectorLayer']): MapLayer {
  const bbox = asBbox(v.bounds);
  return { id: v.id, name: v.name, kind: 'vector', visible: true, opacity: 0.8, bbox, render: {}, color: '#1c7ed6' };
}

/** The query string of a raster rendering (bidx repeats, one rescale per band, as TiTiler reads them). */
export function renderQuery(render: RasterRender): URLSearchParams {
  const q = new URLSearchParams();
  for (const b of render.bidx ?? []) q.append('bidx', String(b));
  if (render.expression) q.set('expression', render.expression);
  for (const [min, max] of render.rescale ?? []) q.append('rescale', `${min},${max}`);
  if (render.colormap_name) q.set('colormap_name', render.colormap_name);
  if (render.nodata !== undefined && render.nodata !== '') q.set('nodata', render.nodata);
  return q;
}

/** The TileJSON a layer's source loads. */
export function tileJsonUrl(layer: MapLayer): string {
  switch (layer.kind) {
    case 'raster': {
      // Drawn when zoomed out too (from the overviews): the COG's own minzoom would hide a layer
      // fitted to its extent a fraction of a zoom below it.
      const q = renderQuery(layer.render);
      q.set('minzoom', '0');
      return `/data-products/${layer.id}/WebMercatorQuad/tilejson.json?${q.toString()}`;
    }
    case 'pmtiles':
      return `/pmtiles/${layer.id}.json`;
    case 'vector':
      return `/vector/${layer.id}.json`;
  }
}

const sourceId = (layer: MapLayer) => `layer-${layer.id}`;

/** The style layers a map layer draws with (vector data: fill, line and circle for any geometry). */
export function styleLayerIds(layer: MapLayer, vectorLayers: string[] = []): string[] {
  if (layer.kind === 'raster' || vectorLayers.length === 0) return [sourceId(layer)];
  return vectorLayers.flatMap((v) => ['fill', 'line', 'circle'].map((t) => `${sourceId(layer)}-${v}-${t}`));
}

function vectorStyles(layer: MapLayer, vectorLayers: string[]): LayerSpecification[] {
  const source = sourceId(layer);
  const visibility = layer.visible ? 'visible' : 'none';
  return vectorLayers.flatMap((v): LayerSpecification[] => [
    {
      id: `${source}-${v}-fill`,
      type: 'fill',
      source,
      'source-layer': v,
      filter: ['==', ['geometry-type'], 'Polygon'],
      layout: { visibility },
      paint: { 'fill-color': layer.color, 'fill-opacity': layer.opacity * 0.35 },
    },
    {
      id: `${source}-${v}-line`,
      type: 'line',
      source,
      'source-layer': v,
      filter: ['!=', ['geometry-type'], 'Point'],
      layout: { visibility },
      paint: { 'line-color': layer.color, 'line-opacity': layer.opacity, 'line-width': 1.5 },
    },
    {
      id: `${source}-${v}-circle`,
      type: 'circle',
      source,
      'source-layer': v,
      filter: ['==', ['geometry-type'], 'Point'],
      layout: { visibility },
      paint: { 'circle-color': layer.color, 'circle-opacity': layer.opacity, 'circle-radius': 4 },
    },
  ]);
}

/** Adds the layer's source and style layers below `before` (or on top). */
export function addLayer(map: MapLibreMap, layer: MapLayer, vectorLayers: string[], before?: string): void {
  const source = sourceId(layer);
  const url = tileJsonUrl(layer);
  if (vectorLayers.length > 0) {
    map.addSource(source, { type: 'vector', url });
    for (const style of vectorStyles(layer, vectorLayers)) map.addLayer(style, before);
    return;
  }
  map.addSource(source, { type: 'raster', url });
  map.addLayer(
    {
      id: source,
      type: 'raster',
      source,
      layout: { visibility: layer.visible ? 'visible' : 'none' },
      paint: { 'raster-opacity': layer.opacity, 'raster-fade-duration': 0 },
    },
    before,
  );
}

export function removeLayer(map: MapLibreMap, layer: MapLayer, vectorLayers: string[]): void {
  for (const id of styleLayerIds(layer, vectorLayers)) if (map.getLayer(id)) map.removeLayer(id);
  if (map.getSource(sourceId(layer))) map.removeSource(sourceId(layer));
}

/** Visibility and opacity in place; a new rendering (bands, stretch, colormap) reloads the source's TileJSON. */
export function updateLayer(map: MapLibreMap, layer: MapLayer, vectorLayers: string[]): void {
  for (const id of styleLayerIds(layer, vectorLayers)) {
    if (!map.getLayer(id)) continue;
    map.setLayoutProperty(id, 'visibility', layer.visible ? 'visible' : 'none');
    if (layer.kind === 'raster' || vectorLayers.length === 0) map.setPaintProperty(id, 'raster-opacity', layer.opacity);
    else if (id.endsWith('-fill')) {
      map.setPaintProperty(id, 'fill-opacity', layer.opacity * 0.35);
      map.setPaintProperty(id, 'fill-color', layer.color);
    } else {
      const type = id.endsWith('-line') ? 'line' : 'circle';
      map.setPaintProperty(id, `${type}-opacity`, layer.opacity);
      map.setPaintProperty(id, `${type}-color`, layer.color);
    }
  }
  const source = map.getSource(sourceId(layer));
  const url = tileJsonUrl(layer);
  if ((source instanceof RasterTileSource || source instanceof VectorTileSource) && source.url !== url)
    source.setUrl(url);
}

/** Stacks the layers' style layers in list order (first = top), above the basemap. */
export function orderLayers(map: MapLibreMap, layers: Array<{ layer: MapLayer; vectorLayers: string[] }>): void {
  for (const { layer, vectorLayers } of [...layers].reverse())
    for (const id of styleLayerIds(layer, vectorLayers)) if (map.getLayer(id)) map.moveLayer(id);
}
