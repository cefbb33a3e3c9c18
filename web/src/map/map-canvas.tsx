import { useEffect, useRef } from 'preact/hooks';
import maplibregl, { type Map as MapLibreMap, type RequestTransformFunction } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { BASE_STYLE, addBasemap, loadBasemap } from './basemap';

/** A MapLibre map in a box; `onReady` gets it once the basemap is drawn. */
export function MapCanvas(props: {
  label: string;
  transformRequest: RequestTransformFunction;
  onReady: (map: MapLibreMap) => void;
  class?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const map = new maplibregl.Map({
      container: box.current!,
      style: BASE_STYLE,
      center: [0, 20],
      zoom: 1.5,
      transformRequest: props.transformRequest,
      attributionControl: { compact: true, customAttribution: 'Natural Earth' },
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({}), 'bottom-left');
    // The data does not wait for the basemap: both load at once, the basemap slides in underneath.
    const basemap = loadBasemap();
    map.once('load', () => {
      props.onReady(map);
      basemap.then(
        (b) => addBasemap(map, b),
        (e: unknown) => console.warn('The basemap could not be loaded:', e),
      );
    });
    return () => map.remove();
    // The map is made once per mount; its callbacks are read through refs by their owners.
  }, []);
  return <div ref={box} class={props.class ?? 'map'} role="region" aria-label={props.label} />;
}
