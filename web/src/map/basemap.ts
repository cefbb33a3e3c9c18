import type { Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countriesUrl from 'world-atlas/countries-50m.json?url';

/**
 * The basemap is ours and offline: Natural Earth's 1:50m countries (world-atlas) served with the
 * app, drawn as land and borders. No request leaves the origin, and no glyphs or sprites are needed
 * (nothing is labelled).
 */
export const BASE_STYLE: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'water', type: 'background', paint: { 'background-color': '#d7e6ef' } }],
};

export interface Basemap {
  land: GeoJSON.FeatureCollection;
  borders: GeoJSON.MultiLineString;
}

/** Fetches and unpacks the countries (started before the map is ready, so neither waits for the other). */
export async function loadBasemap(): Promise<Basemap> {
  const response = await fetch(countriesUrl);
  if (!response.ok) throw new Error(`basemap: ${response.status}`);
  const world = (await response.json()) as Topology<{ countries: GeometryCollection }>;
  const countries = world.objects.countries;
  return { land: feature(world, countries), borders: mesh(world, countries, (a, b) => a !== b) };
}

/** Adds the land and borders under every other layer, whenever they arrive. */
export function addBasemap(map: MapLibreMap, basemap: Basemap): void {
  map.addSource('land', { type: 'geojson', data: basemap.land });
  map.addSource('borders', { type: 'geojson', data: basemap.borders });
  const above = map.getStyle().layers[1]?.id;
  map.addLayer({ id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#f4f1ea' } }, above);
  map.addLayer(
    { id: 'borders', type: 'line', source: 'borders', paint: { 'line-color': '#b9b2a6', 'line-width': 0.7 } },
    above,
  );
}
