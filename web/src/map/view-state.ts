/**
 * What the address says about the map: `#view=zoom/lat/lon&layers=id,id`, so a reload, a bookmark
 * or a shared link opens the same view with the same layers.
 */
export interface ViewState {
  view?: { zoom: number; center: [number, number] };
  layers?: string[];
}

export function readViewState(hash: string = location.hash): ViewState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state: ViewState = {};
  const [zoom, lat, lon] = (params.get('view') ?? '').split('/').map(Number);
  if ([zoom, lat, lon].every((n) => n !== undefined && Number.isFinite(n)))
    state.view = { zoom: zoom!, center: [lon!, lat!] };
  const layers = params.get('layers');
  if (layers) state.layers = layers.split(',').filter(Boolean);
  return state;
}

export function writeViewState(state: Required<ViewState>): string {
  const { zoom, center } = state.view;
  const view = `${zoom.toFixed(2)}/${center[1].toFixed(5)}/${center[0].toFixed(5)}`;
  return `#view=${view}&layers=${state.layers.join(',')}`;
}
