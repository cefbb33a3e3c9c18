import { useEffect, useRef } from 'preact/hooks';
import type { Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';
import { pointFeature, ringFeature, rounded, showShapes, type Position } from './analysis-overlay';

/** Two clicks closer than this (px) are one corner: a double-click's clicks, say. */
const SAME_CORNER_PX = 4;

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName);

/**
 * Drawing a polygon on the map while `active`: a click adds a corner, Space adds the map's centre
 * (for the keyboard, with the arrow keys panning), Backspace takes the last corner back, Enter or a
 * double-click finishes (three corners or more), Escape cancels. A dozen handlers on a GeoJSON
 * source: a drawing library would weigh more than the map page's own code for this one shape.
 */
export function useDrawPolygon(
  map: MapLibreMap,
  active: boolean,
  finish: (ring: Position[]) => void,
  cancel: () => void,
): void {
  const callbacks = useRef({ finish, cancel });
  callbacks.current = { finish, cancel };
  useEffect(() => {
    if (!active) return;
    const corners: Position[] = [];
    let cursor: Position | null = null;
    const draw = () => {
      const shape = ringFeature(cursor ? [...corners, cursor] : corners);
      showShapes(map, [...(shape ? [shape] : []), ...corners.map(pointFeature)]);
    };
    const add = (p: Position) => {
      const last = corners[corners.length - 1];
      const near = last && map.project(last).dist(map.project(p)) < SAME_CORNER_PX;
      if (!near) corners.push(p);
      draw();
    };
    const done = () => {
      if (corners.length < 3) return;
      callbacks.current.finish([...corners]);
    };
    const onClick = (e: MapMouseEvent) => add(rounded(e.lngLat.lng, e.lngLat.lat));
    const onMove = (e: MapMouseEvent) => {
      cursor = rounded(e.lngLat.lng, e.lngLat.lat);
      draw();
    };
    const onDoubleClick = (e: MapMouseEvent) => {
      e.preventDefault();
      done();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') callbacks.current.cancel();
      else if (e.key === 'Enter' && !typing(e.target)) done();
      else if (e.key === 'Backspace' && !typing(e.target)) {
        corners.pop();
        draw();
      } else if (e.key === ' ' && !typing(e.target)) {
        e.preventDefault();
        const c = map.getCenter();
        add(rounded(c.lng, c.lat));
      }
    };
    map.doubleClickZoom.disable();
    map.getCanvas().style.cursor = 'crosshair';
    map.on('click', onClick);
    map.on('mousemove', onMove);
    map.on('dblclick', onDoubleClick);
    window.addEventListener('keydown', onKey);
    draw();
    return () => {
      map.off('click', onClick);
      map.off('mousemove', onMove);
      map.off('dblclick', onDoubleClick);
      window.removeEventListener('keydown', onKey);
      map.getCanvas().style.cursor = '';
      map.doubleClickZoom.enable();
    };
  }, [map, active]);
}
