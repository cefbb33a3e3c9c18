import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { MapLayer } from './layers';

/** What the map page offers the panels under its layer list (catalog, share…). */
export interface WorkspaceApi {
  /** The map, once its basemap is drawn. */
  map?: MapLibreMap;
  layers: MapLayer[];
  /** Puts a layer on the map, on top (shown again if it is there already); it loads in the background. */
  addLayer: (layer: MapLayer) => void;
}

export const WorkspaceContext = createContext<WorkspaceApi | null>(null);

export function useWorkspace(): WorkspaceApi {
  const workspace = useContext(WorkspaceContext);
  if (!workspace) throw new Error('useWorkspace: not inside a map workspace');
  return workspace;
}
