import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Map as MapLibreMap, RequestTransformFunction } from 'maplibre-gl';
import { MapCanvas } from './map-canvas';
import { LayerPanel, type LayerActions } from './layer-panel';
import { addLayer, orderLayers, updateLayer, type Bbox, type MapLayer } from './layers';
import { TileTokens, type Mint } from './tile-tokens';
import { readViewState, writeViewState } from './view-state';
import { prepareLayer, showLayer, signed, type Signing } from './show-layer';
import { WorkspaceContext, type WorkspaceApi } from './workspace-context';
import { Compare, CompareButton, type Camera } from './compare';
import { ErrorNote } from '../ui/kit';

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
  const signing: Signing = { tokens, needsToken: props.needsToken };
  const transformRequest: RequestTransformFunction = (url) => ({ url: signed(signing, url) });
  const [comparing, setComparing] = useState(false);
  const compareCamera = useRef<Camera>();

  const ready = async (m: MapLibreMap) => {
    // Tokens and vector layer names fetched for all layers at once; then added in order.
    const prepared = await Promise.allSettled(layers.map((layer) => prepareLayer(layer, signing)));
    const failures: string[] = [];
    for (let i = layers.length - 1; i >= 0; i--) {
      const [layer, outcome] = [layers[i]!, prepared[i]!];
      if (outcome.status === 'rejected') {
        failures.push(
          `${layer.name}: ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`,
        );
        continue;
      }
      vectorNames.current.set(layer.id, outcome.value);
      addLayer(m, layer, outcome.value);
    }
    if (failures.length) setError(`Some layers could not be loaded. ${failures.join('; ')}`);
    const view = readViewState().view;
    const extent = union(layers.filter((l) => l.visible && l.bbox).map((l) => l.bbox!));
    if (view) m.jumpTo({ center: view.center, zoom: view.zoom });
    else if (extent) m.fitBounds(extent, { padding: 40, animate: false });
    m.on('moveend', () => writeHash(cameraOf(m), current.current));
    setMap(m);
  };

  useEffect(() => {
    if (!map) return;
    for (const layer of layers) updateLayer(map, layer, vectorNames.current.get(layer.id) ?? []);
    orderLayers(
      map,
      layers.map((layer) => ({ layer, vectorLayers: vectorNames.current.get(layer.id) ?? [] })),
    );
    writeHash(compareCamera.current ?? cameraOf(map), layers);
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

  const workspace: WorkspaceApi = {
    map,
    layers,
    addLayer: async (layer) => {
      if (!map) throw new Error('The map is still loading: try again in a moment.');
      if (!current.current.some((l) => l.id === layer.id))
        vectorNames.current.set(layer.id, await showLayer(map, layer, signing));
      setLayers((ls) => [{ ...layer, visible: true }, ...ls.filter((l) => l.id !== layer.id)]);
    },
  };
  // Under the compare maps, the main map is out of reach of the keyboard and screen readers too.
  useEffect(() => {
    if (map) map.getContainer().inert = comparing;
  }, [map, comparing]);
  const stopComparing = () => {
    if (compareCamera.current) map?.jumpTo(compareCamera.current);
    compareCamera.current = undefined;
    setComparing(false);
  };

  return (
    <div class="workspace">
      <aside class="sidebar" aria-label="Map controls">
        <h1>{props.title}</h1>
        {props.toolbar}
        <ErrorNote error={error} />
        <h2>Layers</h2>
        <LayerPanel layers={layers} selected={selected} actions={actions} />
        <CompareButton
          layers={layers}
          comparing={comparing}
          onToggle={() => (comparing ? stopComparing() : setComparing(true))}
        />
        <WorkspaceContext.Provider value={workspace}>{props.children}</WorkspaceContext.Provider>
      </aside>
      <div class="map-area">
        <MapCanvas label="Map" transformRequest={transformRequest} onReady={(m) => void ready(m)} />
        {comparing && map && (
          <Compare
            layers={layers}
            signing={signing}
            camera={cameraOf(map)}
            onMove={(camera) => {
              compareCamera.current = camera;
              writeHash(camera, current.current);
            }}
            onClose={stopComparing}
          />
        )}
      </div>
    </div>
  );
}

const cameraOf = (map: MapLibreMap): Camera => ({ center: map.getCenter().toArray(), zoom: map.getZoom() });

function writeHash(camera: Camera, layers: MapLayer[]): void {
  const hash = writeViewState({
    view: camera,
    layers: layers.filter((l) => l.visible).map((l) => l.id),
  });
  history.replaceState(history.state, '', hash);
}
