import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Feature } from 'geojson';

const SOURCE = 'analysis';
const COLOR = '#f08c00';

/** The drawn polygon, its corners and the clicked point, above every layer (one GeoJSON source). */
export function showShapes(map: MapLibreMap, features: Feature[]): void {
  const data = { type: 'FeatureCollection' as const, features };
  const source = map.getSource<GeoJSONSource>(SOURCE);
  if (source) {
    source.setData(data);
    for (const id of [`${SOURCE}-fill`, `${SOURCE}-line`, `${SOURCE}-point`]) map.moveLayer(id);
    return;
  }
  map.addSource(SOURCE, { type: 'geojson', data });
  map.addLayer({
    id: `${SOURCE}-fill`,
    type: 'fill',
    source: SOURCE,
    filter: ['==', ['geometry-type'], 'Polygon'],
    paint: { 'fill-color': COLOR, 'fill-opacity': 0.15 },
  });
  map.addLayer({
    id: `${SOURCE}-line`,
    type: 'line',
    source: SOURCE,
    filter: ['!=', ['geometry-type'], 'Point'],
    paint: { 'line-color': COLOR, 'line-width': 2 },
  });
  map.addLayer({
    id: `${SOURCE}-point`,
    type: 'circle',
    source: SOURCE,
    filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-color': '#fff', 'circle-stroke-color': COLOR, 'circle-stroke-width': 2, 'circle-radius': 4 },
  });
}

export type Position = [number, number];

export const pointFeature = (p: Position): Feature => ({
  type: 'Feature',
  properties: {},
  geometry: { type: 'Point', coordinates: p },
});

/** A closed ring as a polygon (three corners or more), else the open line drawn so far. */
export function ringFeature(corners: Position[]): Feature | null {
  if (corners.length < 2) return null;
  if (corners.length === 2)
    return { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: corners } };
  return { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[...corners, corners[0]!]] } };
}

/** Coordinates as sent and shown: 7 decimals (about a centimetre), so what the panel says is what was asked. */
export const rounded = (lng: number, lat: number): Position => [Number(lng.toFixed(7)), Number(lat.toFixed(7))];
