import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Map as MapLibreMap, RequestTransformFunction } from 'maplibre-gl';
import { MapCanvas } from './map-canvas';
import { LayerPanel, type LayerActions } from './layer-panel';
import { addLayer, orderLayers, tileJsonUrl, updateLayer, type Bbox, type MapLayer } from './layers';
import { TileTokens, type Mint } from './tile-tokens';
import { readViewState, writeViewState } from './view-state';
import { ErrorNote } from '../ui/kit';
import { prepareRaster, type TokenOf } from './style-data';
import { StylePanel } from './style-panel';
import { Legend } from './style-legend';
import { MapAnalysis } from './analysis-tools';

/** The names of a vector source's layers, from its TileJSON (none for raster tiles). */
async function vectorLayerNames(url: string): Promise<string[]> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  const tilejson = (await response.json()) as { vector_layers?: Array<{ id: string }> };
  return (tilejson.vector_layers ?? []).map((l) => l.id);
}

const union = (boxes: Bbox[]): Bbox | null =>
  boxes.length === 0
    ? null
    : [
        Math.min(...boxes.map((b) => b[0])),
        Math.min(...boxes.map((b) => b[1])),
        Math.max(...boxes.map((b) => b[2])),
        Math.max(...boxes.map((b) => b[3])),
      ];

/** Layers in the order and visibility the address asks for, the rest after them, hidden. */
function initialLayers(layers: MapLayer[]): MapLayer[] {
  const wanted = readViewState().layers;
  if (!wanted) return layers;
  const byId = new Map(layers.map((l) => [l.id, l]));
  const first = wanted.flatMap((id) => (byId.has(id) ? [{ ...byId.get(id)!, visible: true }] : []));
  return [...first, ...layers.filter((l) => !wanted.includes(l.id)).map((l) => ({ ...l, visible: false }))];
}

export interface WorkspaceProps {
  title: string;
  layers: MapLayer[];
  /** Mints a tile token for a layer that needs one; null when every layer is public. */
  mint: Mint | null;
  needsToken: (layer: MapLayer) => boolean;
  /** Extra panels (catalog, share…) under the layer list. */
  children?: ComponentChildren;
  toolbar?: ComponentChildren;
}

/** The map page: MapLibre with the project's layers and the panel that controls them. */
export function Workspace(props: WorkspaceProps) {
  const [layers, setLayers] = useState(() => initialLayers(props.layers));
  const [selected, setSelected] = useState<string>();
  const [error, setError] = useState<string>();
  const [map, setMap] = useState<MapLibreMap>();
  const vectorNames = useRef(new Map<string, string[]>());
  const current = useRef(layers);
  current.current = layers;
  const tokens = useMemo(() => (props.mint ? new TileTokens(props.mint) : null), [props.mint]);
  useEffect(() => () => tokens?.dispose(), [tokens]);
  const sign = (url: string) => (tokens ? tokens.sign(url) : url);
  const transformRequest: RequestTransformFunction = (url) => ({ url: sign(url) });

  const tokenOf: TokenOf = (id) => tokens?.token(id);

  /**
   * A layer's token, its vector layer names, and a raster's bands and first render (before any tile
   * is asked for).
   */
  const prepare = async (layer: MapLayer): Promise<{ layer: MapLayer; names: string[] }> => {
    if (tokens && props.needsToken(layer)) await tokens.ensure(layer.id);
    if (layer.kind === 'raster') return { layer: { ...layer, ...(await prepareRaster(layer, tokenOf)) }, names: [] };
    return { layer, names: await vectorLayerNames(sign(tileJsonUrl(layer))) };
  };

  /** Layers are prepared (all at once) and added when first shown: a hidden layer costs no request. */
  const prepared = useRef(new Set<string>());
  const load = async (m: MapLibreMap, list: MapLayer[]): Promise<MapLayer[]> => {
    for (const layer of list) prepared.current.add(layer.id);
    const outcomes = await Promise.allSettled(list.map(prepare));
    const failures: Array<[string, string]> = [];
    const added: MapLayer[] = [];
    const byName = (id: string) => list.find((l) => l.id === id)?.name ?? id;
    for (let i = list.length - 1; i >= 0; i--) {
      const [layer, outcome] = [list[i]!, outcomes[i]!];
      if (outcome.status === 'rejected') {
        const why = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
        failures.push([layer.id, why]);
        continue;
      }
      vectorNames.current.set(layer.id, outcome.value.names);
      addLayer(m, outcome.value.layer, outcome.value.names);
      added.push(outcome.value.layer);
    }
    const byId = new Map(added.map((l) => [l.id, l]));
    const failed = new Map(failures);
    setLayers((ls) =>
      ls.map((l) =>
        byId.has(l.id)
          ? { ...byId.get(l.id)!, visible: l.visible, opacity: l.opacity }
          : failed.has(l.id)
            ? { ...l, problem: failed.get(l.id) }
            : l,
      ),
    );
    if (failures.length)
      setError(`Some layers could not be loaded. ${failures.map(([id, why]) => `${byName(id)}: ${why}`).join('; ')}`);
    return added;
  };

  const ready = async (m: MapLibreMap) => {
    const added = await load(
      m,
      layers.filter((l) => l.visible),
    );
    const view = readViewState().view;
    const extent = union(added.filter((l) => l.bbox).map((l) => l.bbox!));
    if (view) m.jumpTo({ center: view.center, zoom: view.zoom });
    else if (extent) m.fitBounds(extent, { padding: 40, animate: false });
    m.on('moveend', () => writeHash(m, current.current));
    setMap(m);
  };

  useEffect(() => {
    if (!map) return;
    const shown = layers.filter((l) => l.visible && !prepared.current.has(l.id));
    if (shown.length > 0) void load(map, shown);
    for (const layer of layers) updateLayer(map, layer, vectorNames.current.get(layer.id) ?? []);
    orderLayers(
      map,
      layers.map((layer) => ({ layer, vectorLayers: vectorNames.current.get(layer.id) ?? [] })),
    );
    writeHash(map, layers);
  }, [map, layers]);

  const actions: LayerActions = {
    change: (id, patch) => setLayers((ls) => ls.map((l) => (l.id === id ? { ...l, ...patch } : l))),
    move: (id, by) =>
      setLayers((ls) => {
        const i = ls.findIndex((l) => l.id === id);
        const next = [...ls];
        const [moved] = next.splice(i, 1);
        next.splice(Math.max(0, Math.min(ls.length - 1, i + by)), 0, moved!);
        return next;
      }),
    fit: (layer) => layer.bbox && map?.fitBounds(layer.bbox, { padding: 40 }),
    select: setSelected,
  };

  const chosen = layers.find((l) => l.id === selected);
  return (
    <div class="workspace">
      <aside class="sidebar" aria-label="Map controls">
        <h1>{props.title}</h1>
        {props.toolbar}
        <ErrorNote error={error} />
        <h2>Layers</h2>
        <LayerPanel layers={layers} selected={selected} actions={actions} />
        {chosen && (
          <StylePanel
            key={chosen.id}
            layer={chosen}
            vectorLayers={vectorNames.current.get(chosen.id)}
            tokenOf={tokenOf}
            onChange={(p) => actions.change(chosen.id, p)}
          />
        )}
        {props.children}
      </aside>
      <div class="map-area">
        <MapCanvas label="Map" transformRequest={transformRequest} onReady={(m) => void ready(m)} />
        {map && <MapAnalysis map={map} layers={layers} selected={chosen} tokenOf={tokenOf} />}
        <Legend layers={layers} selected={chosen} />
      </div>
    </div>
  );
}

function writeHash(map: MapLibreMap, layers: MapLayer[]): void {
  const center = map.getCenter();
  const hash = writeViewState({
    view: { zoom: map.getZoom(), center: [center.lng, center.lat] },
    layers: layers.filter((l) => l.visible).map((l) => l.id),
  });
  history.replaceState(history.state, '', hash);
}
