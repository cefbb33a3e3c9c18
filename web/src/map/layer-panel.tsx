import type { MapLayer } from './layers';

export interface LayerActions {
  change: (id: string, patch: Partial<MapLayer>) => void;
  move: (id: string, by: -1 | 1) => void;
  fit: (layer: MapLayer) => void;
  select: (id: string) => void;
}

/** The layers, top first: visibility, opacity, order and "fit to layer", each named for screen readers. */
export function LayerPanel(props: { layers: MapLayer[]; selected?: string; actions: LayerActions }) {
  const { layers, actions } = props;
  if (layers.length === 0) return <p class="empty">This project has no data to show yet.</p>;
  return (
    <ul class="layers" aria-label="Layers">
      {layers.map((layer, i) => (
        <li key={layer.id} class={props.selected === layer.id ? 'selected' : ''}>
          <label class="check">
            <input
              type="checkbox"
              checked={layer.visible}
              aria-label={`Show ${layer.name}`}
              onChange={(e) => actions.change(layer.id, { visible: e.currentTarget.checked })}
            />
          </label>
          <button
            type="button"
            class="link name"
            aria-pressed={props.selected === layer.id}
            onClick={() => actions.select(layer.id)}
          >
            {layer.name}
          </button>
          <span class="badge">{layer.product?.type ?? layer.kind}</span>
          <input
            type="range"
            min="0"
            max="1"
            step="0.05"
            value={layer.opacity}
            aria-label={`Opacity of ${layer.name}`}
            onInput={(e) => actions.change(layer.id, { opacity: Number(e.currentTarget.value) })}
          />
          <span class="tools">
            <button
              type="button"
              aria-label={`Move ${layer.name} up`}
              disabled={i === 0}
              onClick={() => actions.move(layer.id, -1)}
            >
              ↑
            </button>
            <button
              type="button"
              aria-label={`Move ${layer.name} down`}
              disabled={i === layers.length - 1}
              onClick={() => actions.move(layer.id, 1)}
            >
              ↓
            </button>
            <button
              type="button"
              aria-label={`Fit to ${layer.name}`}
              disabled={!layer.bbox}
              onClick={() => actions.fit(layer)}
            >
              Fit
            </button>
          </span>
        </li>
      ))}
    </ul>
  );
}
