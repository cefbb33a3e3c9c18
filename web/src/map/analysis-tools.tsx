import { useEffect, useRef, useState } from 'preact/hooks';
import type { Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';
import type { MapLayer } from './layers';
import { pointFeature, ringFeature, rounded, showShapes, type Position } from './analysis-overlay';
import { useDrawPolygon } from './analysis-draw';
import { PointValues } from './analysis-point';
import { StatisticsPanel } from './analysis-stats';
import type { TokenOf } from './style-data';
import { ErrorNote, useAction } from '../ui/kit';

const readable = (l: MapLayer | undefined): l is MapLayer => l?.kind === 'raster' && l.raster !== undefined;

/** Saves a closed ring (WGS 84) as the project's boundary. */
export type SaveBoundary = (ring: Position[]) => Promise<void>;

/** A drawn polygon made the project's boundary (managers), with its outcome said. */
function BoundaryButton(props: { ring: Position[]; save: SaveBoundary }) {
  const { pending, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  useEffect(() => setSaved(false), [props.ring]);
  return (
    <>
      <button
        type="button"
        disabled={pending || saved}
        onClick={() =>
          void run(async () => {
            await props.save(props.ring);
            setSaved(true);
          })
        }
      >
        {saved ? 'Saved as the project boundary' : "Use as the project's boundary"}
      </button>
      <ErrorNote error={error} />
    </>
  );
}

/**
 * What the map answers about the data: a click reads the values at that point, a drawn polygon
 * gets the statistics inside it. The selected raster layer is asked; with none selected, a click
 * reads every visible raster layer and a polygon the topmost one.
 */
export function MapAnalysis(props: {
  map: MapLibreMap;
  layers: MapLayer[];
  selected: MapLayer | undefined;
  tokenOf: TokenOf;
  saveBoundary?: SaveBoundary | undefined;
}) {
  const { map } = props;
  const [drawing, setDrawing] = useState(false);
  const [point, setPoint] = useState<Position>();
  const [ring, setRing] = useState<Position[]>();
  const visible = props.layers.filter((l) => readable(l) && l.visible);
  const target = readable(props.selected) ? props.selected : visible[0];

  useDrawPolygon(
    map,
    drawing,
    (corners) => {
      setDrawing(false);
      setRing(corners);
      setPoint(undefined);
    },
    () => setDrawing(false),
  );

  // A click that is not drawing reads the values there.
  const drawingNow = useRef(drawing);
  drawingNow.current = drawing;
  useEffect(() => {
    const onClick = (e: MapMouseEvent) => {
      if (drawingNow.current) return;
      setPoint(rounded(e.lngLat.lng, e.lngLat.lat));
    };
    map.on('click', onClick);
    return () => void map.off('click', onClick);
  }, [map]);

  // The shapes on the map follow the panels (the draft while drawing is the drawing's own).
  useEffect(() => {
    if (drawing) return;
    const shape = ring ? ringFeature(ring) : null;
    showShapes(map, [...(shape ? [shape] : []), ...(point ? [pointFeature(point)] : [])]);
  }, [map, drawing, ring, point]);

  const start = () => {
    setRing(undefined);
    setPoint(undefined);
    setDrawing(true);
  };
  return (
    <>
      <div class="map-tools" role="toolbar" aria-label="Analysis">
        <button
          type="button"
          aria-pressed={drawing}
          disabled={!target && !drawing && !props.saveBoundary}
          onClick={() => (drawing ? setDrawing(false) : start())}
        >
          {drawing ? 'Cancel drawing' : 'Draw polygon'}
        </button>
        {drawing && (
          <p class="hint" role="status">
            Click the corners; Enter or a double-click finishes, Escape cancels, Backspace removes the last corner.
          </p>
        )}
        {ring && !drawing && props.saveBoundary && <BoundaryButton ring={ring} save={props.saveBoundary} />}
        {!target && <p class="hint">Turn on a raster layer to read its values or statistics.</p>}
      </div>
      <div class="overlay-panels">
        {point && !drawing && (
          <PointValues
            at={point}
            layers={readable(props.selected) ? [props.selected] : visible}
            tokenOf={props.tokenOf}
            close={() => setPoint(undefined)}
          />
        )}
        {ring && target && !drawing && (
          <StatisticsPanel layer={target} ring={ring} tokenOf={props.tokenOf} close={() => setRing(undefined)} />
        )}
      </div>
    </>
  );
}
