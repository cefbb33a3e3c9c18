import type { MapLayer } from './layers';
import { rampUrl } from './style-colormaps';
import { outputsOf } from './style-panel';
import { colormapName, formatValue } from './style-model';

/** The layer the legend explains: the selected one if it is drawn as one band, else the topmost such. */
function legendLayer(layers: MapLayer[], selected: MapLayer | undefined): MapLayer | undefined {
  const oneBand = (l: MapLayer | undefined) =>
    l?.kind === 'raster' &&
    l.visible &&
    l.style &&
    l.raster &&
    l.style.mode !== 'rgb' &&
    !(l.raster.paletted && !l.style.colormap);
  return oneBand(selected) ? selected : layers.find(oneBand);
}

/** A colorbar for a single-band or index rendering: its ramp, the stretch's ends and what is shown. */
export function Legend(props: { layers: MapLayer[]; selected: MapLayer | undefined }) {
  const layer = legendLayer(props.layers, props.selected);
  if (!layer?.style || !layer.raster) return null;
  const [min, max] = layer.render.rescale?.[0] ?? [0, 255];
  const colormap = colormapName(layer.style);
  const what = outputsOf(layer.style, layer.raster)[0]!.label;
  return (
    <figure class="legend" aria-label="Legend">
      <figcaption>
        <strong>{what}</strong> <span class="muted">{layer.name}</span>
      </figcaption>
      {colormap ? (
        <img src={rampUrl(colormap, 200, 12)} alt={`${colormap} colormap`} />
      ) : (
        <div class="ramp-gray" role="img" aria-label="gray ramp" />
      )}
      <div class="ends">
        <span aria-label="Minimum">{formatValue(min)}</span>
        <span aria-label="Maximum">{formatValue(max)}</span>
      </div>
    </figure>
  );
}
