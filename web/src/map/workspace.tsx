import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Map as MapLibreMap, RequestTransformFunction } from 'maplibre-gl';
import { MapCanvas } from './map-canvas';
import { LayerPanel, type LayerActions } from './layer-panel';
import { addLayer, orderLayers, updateLayer, type MapLayer } from './layers';
import { TileTokens, type Mint } from './tile-tokens';
import { readViewState, writeViewState } from './view-state';
import { ErrorNote } from '../ui/kit';
import { asError } from '../ui/as-error';
import { StylePanel } from './style-panel';
import { Legend } from './style-legend';
import { MapAnalysis, type SaveBoundary } from './analysis-tools';
import { prepareLayer, signed, tokenOfSigning, type Signing } from './show-layer';
import { WorkspaceContext, type WorkspaceApi } from './workspace-context';
import { useCompareMode } from './compare';
import { cameraOf, type Camera } from './compare-sync';
import { unionOf } from './bbox';

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
  /**
   * Told when a layer's tile token could not be renewed before it expired; true when it dealt with
   * that itself, else the page says so.
   */
  onTokenLost?: (id: string, error: unknown) => boolean;
  /** Saves a drawn polygon as the project's boundary; absent where the caller may not. */
  saveBoundary?: SaveBoundary;
  toolbar?: ComponentChildren;
}

/** The page's tile tokens (none where every layer is public), given up with the page. */
function useTileTokens(mint: Mint | null, lost: (id: string, error: unknown) => void): TileTokens | null {
  const tokens = useMemo(() => (mint ? new TileTokens(mint, lost) : null), [mint]);
  useEffect(() => () => tokens?.dispose(), [tokens]);
  return tokens;
}

/** What the layer panel does to the list: change one, move it up or down, fit the map to it, select it. */
function layerActions(
  setLayers: (update: (layers: MapLayer[]) => MapLayer[]) => void,
  map: MapLibreMap | undefined,
  select: (id: string) => void,
): LayerActions {
  return {
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
    select,
  };
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
  const tokens = useTileTokens(props.mint, (id, error) => {
    if (props.onTokenLost?.(id, error)) return;
    const name = current.current.find((l) => l.id === id)?.name ?? id;
    setError(`${name}: its tiles can no longer be signed (${asError(error).message}). Reload the page.`);
  });
  const signing: Signing = { tokens, needsToken: props.needsToken };
  const transformRequest: RequestTransformFunction = (url) => ({ url: signed(signing, url) });
  const tokenOf = tokenOfSigning(signing);
  const compare = useCompareMode(map, layers, signing, (camera) => writeHash(camera, current.current));

  /** Layers are prepared (all at once) and added when first shown: a hidden layer costs no request. */
  const prepared = useRef(new Set<string>());
  const load = async (m: MapLibreMap, list: MapLayer[]): Promise<MapLayer[]> => {
    for (const layer of list) prepared.current.add(layer.id);
    const outcomes = await Promise.allSettled(list.map((layer) => prepareLayer(layer, signing)));
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
    const extent = unionOf(added.filter((l) => l.bbox).map((l) => l.bbox!));
    if (view) m.jumpTo({ center: view.center, zoom: view.zoom });
    else if (extent) m.fitBounds(extent, { padding: 40, animate: false });
    m.on('moveend', () => writeHash(cameraOf(m), current.current));
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
    writeHash(compare.camera() ?? cameraOf(map), layers);
  }, [map, layers]);

  const actions = layerActions(setLayers, map, setSelected);

  const workspace: WorkspaceApi = {
    map,
    layers,
    // Shown, it is prepared and added by the effect above, as any layer first shown.
    addLayer: (layer) => setLayers((ls) => [{ ...layer, visible: true }, ...ls.filter((l) => l.id !== layer.id)]),
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
        {compare.button}
        <WorkspaceContext.Provider value={workspace}>{props.children}</WorkspaceContext.Provider>
      </aside>
      <div class="map-area">
        <div class="map-main" inert={compare.active}>
          <MapCanvas label="Map" transformRequest={transformRequest} onReady={(m) => void ready(m)} />
          {map && (
            <MapAnalysis
              map={map}
              layers={layers}
              selected={chosen}
              tokenOf={tokenOf}
              saveBoundary={props.saveBoundary}
            />
          )}
          <Legend layers={layers} selected={chosen} />
        </div>
        {compare.overlay}
      </div>
    </div>
  );
}

function writeHash(camera: Camera, layers: MapLayer[]): void {
  const hash = writeViewState({
    view: camera,
    layers: layers.filter((l) => l.visible).map((l) => l.id),
  });
  history.replaceState(history.state, '', hash);
}
