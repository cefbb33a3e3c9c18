import { useEffect, useRef, useState } from 'preact/hooks';
import type { Map as MapLibreMap, RequestTransformFunction } from 'maplibre-gl';
import { MapCanvas } from './map-canvas';
import { removeLayer, updateLayer, type MapLayer } from './layers';
import { showLayer, signed, type Signing } from './show-layer';
import { cameraOf, linkCameras, linkPointers, type Camera } from './compare-sync';
import { readPoint, rounded, type LonLat, type SideReading } from './compare-pointer';
import { latestWins } from './latest-wins';
import { SwipeDivider } from './compare-swipe';
import { ErrorNote, Select } from '../ui/kit';
import { asError } from '../ui/as-error';

type Mode = 'side' | 'swipe';

const rasterLayers = (layers: MapLayer[]) => layers.filter((l) => l.kind === 'raster');

/** The sidebar's toggle into and out of comparing (two raster layers are needed). */
export function CompareButton(props: { layers: MapLayer[]; comparing: boolean; onToggle: () => void }) {
  const enough = rasterLayers(props.layers).length >= 2;
  return (
    <p class="compare-control">
      <button
        type="button"
        aria-pressed={props.comparing}
        disabled={!enough && !props.comparing}
        onClick={props.onToggle}
      >
        Compare
      </button>{' '}
      {!enough && <small class="muted">Comparing needs two raster layers.</small>}
    </p>
  );
}

// Full strength: a layer faded on the main map would hide what is being compared.
const atFullStrength = (layer: MapLayer): MapLayer => ({ ...layer, visible: true, opacity: 1 });

/**
 * Shows a layer on one side while it is chosen there (prepared first if the main map has not shown
 * it yet), following its rendering (bands, stretch) as it is restyled.
 */
function useSideLayer(
  map: MapLibreMap | undefined,
  layer: MapLayer | undefined,
  signing: Signing,
  fail: (e: Error) => void,
) {
  const shown = useRef<{ layer: MapLayer; names: string[] } | null>(null);
  useEffect(() => {
    if (!map || !layer) return;
    let live = true;
    showLayer(map, atFullStrength(layer), signing).then(
      (added) => (live ? (shown.current = added) : removeLayer(map, added.layer, added.names)),
      (e: unknown) => fail(asError(e)),
    );
    return () => {
      live = false;
      if (shown.current) removeLayer(map, shown.current.layer, shown.current.names);
      shown.current = null;
    };
  }, [map, layer?.id]);
  useEffect(() => {
    // Until the main map prepares it, the layer has no style of its own: keep the one prepared here.
    if (!map || !layer?.raster || !shown.current) return;
    shown.current.layer = atFullStrength(layer);
    updateLayer(map, shown.current.layer, shown.current.names);
  }, [map, layer]);
}

interface Reading {
  at: LonLat;
  left: SideReading;
  right: SideReading;
}

const formatValue = (v: number | null) => (v === null ? 'no data' : Number.isInteger(v) ? String(v) : v.toPrecision(6));
const sideText = (r: SideReading) =>
  'note' in r ? r.note : r.bands.map((b) => `${b.name} ${formatValue(b.value)}`).join(', ');

function Readout({ reading }: { reading?: Reading }) {
  return (
    <output class="compare-readout" aria-label="Values under the pointer">
      {!reading ? (
        'Move the pointer over a map to read both layers there.'
      ) : (
        <>
          <span class="at">
            {reading.at[0]}, {reading.at[1]}
          </span>
          <span>Left: {sideText(reading.left)}</span>
          <span>Right: {sideText(reading.right)}</span>
        </>
      )}
    </output>
  );
}

interface PaneProps {
  left?: MapLayer;
  right?: MapLayer;
  mode: Mode;
  signing: Signing;
  camera: Camera;
  onMove: (camera: Camera) => void;
  onReading: (reading: Reading) => void;
  onError: (error: Error) => void;
}

/**
 * The two maps, one mechanism for both modes: side by side they sit in a row; in swipe mode they
 * are stacked and the right one is clipped at the divider. Switching mode only changes the layout.
 */
function CompareMaps(props: PaneProps) {
  const [left, setLeft] = useState<MapLibreMap>();
  const [right, setRight] = useState<MapLibreMap>();
  const [position, setPosition] = useState(50);
  const sides = useRef({ left: props.left, right: props.right });
  sides.current = { left: props.left, right: props.right };
  const transformRequest: RequestTransformFunction = (url) => ({ url: signed(props.signing, url) });
  useSideLayer(left, props.left, props.signing, props.onError);
  useSideLayer(right, props.right, props.signing, props.onError);

  useEffect(() => {
    if (!left || !right) return;
    for (const map of [left, right]) map.jumpTo(props.camera);
    const unlink = linkCameras(left, right);
    const moved = () => props.onMove(cameraOf(left));
    left.on('moveend', moved);
    const read = async (at: LonLat, signal: AbortSignal): Promise<Reading> => {
      const { left: l, right: r } = sides.current;
      const none: SideReading = { note: 'no layer chosen' };
      const [a, b] = await Promise.all([
        l ? readPoint(l, props.signing, at, signal) : none,
        r ? readPoint(r, props.signing, at, signal) : none,
      ]);
      return { at, left: a, right: b };
    };
    const reader = latestWins(read, props.onReading, props.onError);
    const unpoint = linkPointers(left, right, (at) => reader.request(rounded(at)));
    return () => {
      unlink();
      unpoint();
      reader.dispose();
      left.off('moveend', moved);
    };
  }, [left, right]);

  return (
    <div class={`compare-maps ${props.mode}`} style={{ '--swipe': `${position}%` }}>
      <MapCanvas label="Left map" class="compare-map" transformRequest={transformRequest} onReady={setLeft} />
      <MapCanvas
        label="Right map"
        class="compare-map compare-top"
        transformRequest={transformRequest}
        onReady={setRight}
      />
      {props.mode === 'swipe' && <SwipeDivider position={position} onChange={setPosition} />}
    </div>
  );
}

function LayerSelect(props: { label: string; layers: MapLayer[]; value?: string; onChange: (id: string) => void }) {
  return (
    <Select label={props.label} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
      {props.layers.map((l) => (
        <option key={l.id} value={l.id}>
          {l.name}
        </option>
      ))}
    </Select>
  );
}

/** Two raster layers compared over the map: side by side or swiped, cameras and pointer linked. */
export function Compare(props: {
  layers: MapLayer[];
  signing: Signing;
  camera: Camera;
  onMove: (camera: Camera) => void;
  onClose: () => void;
}) {
  const rasters = rasterLayers(props.layers);
  const [leftId, setLeftId] = useState(rasters[0]?.id);
  const [rightId, setRightId] = useState(rasters[1]?.id ?? rasters[0]?.id);
  const [mode, setMode] = useState<Mode>('side');
  const [reading, setReading] = useState<Reading>();
  const [error, setError] = useState<Error>();
  const modes: Array<[Mode, string]> = [
    ['side', 'Side by side'],
    ['swipe', 'Swipe'],
  ];
  return (
    <section class="compare" aria-label="Compare layers">
      <div class="compare-bar">
        <LayerSelect label="Left layer" layers={rasters} value={leftId} onChange={setLeftId} />
        <LayerSelect label="Right layer" layers={rasters} value={rightId} onChange={setRightId} />
        <fieldset class="compare-mode">
          <legend>Mode</legend>
          {modes.map(([value, label]) => (
            <label key={value} class="check">
              <input type="radio" name="compare-mode" checked={mode === value} onChange={() => setMode(value)} />{' '}
              {label}
            </label>
          ))}
        </fieldset>
        <button type="button" onClick={props.onClose}>
          Close compare
        </button>
      </div>
      <ErrorNote error={error} />
      <CompareMaps
        left={rasters.find((l) => l.id === leftId)}
        right={rasters.find((l) => l.id === rightId)}
        mode={mode}
        signing={props.signing}
        camera={props.camera}
        onMove={props.onMove}
        onReading={(r) => {
          setError(undefined);
          setReading(r);
        }}
        onError={setError}
      />
      <Readout reading={reading} />
    </section>
  );
}

/**
 * The map page's compare mode: its toggle for the sidebar, and its maps over the main one, which
 * meanwhile is out of reach of the keyboard and screen readers. Leaving puts the main map where
 * compare ended; `camera` is that view while comparing (the address follows it).
 */
export function useCompareMode(
  map: MapLibreMap | undefined,
  layers: MapLayer[],
  signing: Signing,
  onMove: (camera: Camera) => void,
) {
  const [comparing, setComparing] = useState(false);
  const camera = useRef<Camera>();
  const stop = () => {
    if (camera.current) map?.jumpTo(camera.current);
    camera.current = undefined;
    setComparing(false);
  };
  return {
    /** While comparing, the map under the overlay is out of reach (keyboard, screen readers). */
    active: comparing,
    camera: () => camera.current,
    button: (
      <CompareButton layers={layers} comparing={comparing} onToggle={() => (comparing ? stop() : setComparing(true))} />
    ),
    overlay: comparing && map && (
      <Compare
        layers={layers}
        signing={signing}
        camera={cameraOf(map)}
        onMove={(moved) => {
          camera.current = moved;
          onMove(moved);
        }}
        onClose={stop}
      />
    ),
  };
}
