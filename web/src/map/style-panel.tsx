import { useEffect, useRef, useState } from 'preact/hooks';
import { Empty, ErrorNote, Field, Loading } from '../ui/kit';
import { useAsync } from '../ui/use-async';
import type { MapLayer } from './layers';
import { BandChoice } from './style-bands';
import { ColormapPicker } from './style-colormaps';
import { layerStats, statsRequestOf, type TokenOf } from './style-data';
import { INDICES, bandLabel, expressionOf, isNodata, renderOf, type RasterInfo, type RasterStyle } from './style-model';
import { StretchControls, type Output } from './style-stretch';

/** Slider drags and typing settle this long before the layer asks for new tiles. */
const SETTLE_MS = 250;

const CHANNELS = ['#e03131', '#2f9e44', '#1971c2'];

/** The output bands of a style, named as the panels and the legend name them. */
export function outputsOf(style: RasterStyle, info: RasterInfo): Output[] {
  const label = (index: number) => {
    const band = info.bands.find((b) => b.index === index);
    return band ? bandLabel(band) : `b${index}`;
  };
  if (style.mode === 'single') return [{ label: label(style.band) }];
  if (style.mode === 'index') return [{ label: INDICES[style.index].label }];
  return style.rgb.map((b, i) => ({ label: `${['Red', 'Green', 'Blue'][i]!}: ${label(b)}`, color: CHANNELS[i] }));
}

function NodataField(props: { value: string; fileNodata: number | null; set: (nodata: string) => void }) {
  const [text, setText] = useState(props.value);
  const valid = text.trim() === '' || isNodata(text);
  return (
    <Field
      label="Nodata value"
      value={text}
      placeholder={props.fileNodata === null ? 'none' : String(props.fileNodata)}
      aria-invalid={!valid}
      hint={valid ? 'Pixels with this value are transparent. Empty keeps the file’s own.' : 'Type a number, or nan.'}
      onInput={(e) => {
        setText(e.currentTarget.value);
        if (e.currentTarget.value.trim() === '' || isNodata(e.currentTarget.value))
          props.set(e.currentTarget.value.trim());
      }}
    />
  );
}

/**
 * A raster's rendering: the draft style is the panel's own, and each settled change becomes the
 * layer's render (TiTiler's parameters) once the statistics its stretch needs have arrived.
 */
function RasterStyleForm(props: {
  layer: MapLayer;
  info: RasterInfo;
  tokenOf: TokenOf;
  onChange: (p: Partial<MapLayer>) => void;
}) {
  const { layer, info } = props;
  const [style, setStyle] = useState(layer.style!);
  const set = (patch: Partial<RasterStyle>) => setStyle((s) => ({ ...s, ...patch }));
  const request = statsRequestOf(style, expressionOf(style.index, style.roles));
  const key = JSON.stringify(request);
  const stats = useAsync(async () => ({ key, stats: await layerStats(layer, request, props.tokenOf) }), [key]);
  const current = stats.data?.key === key ? stats.data.stats : null;
  useEffect(() => {
    const render = renderOf(style, info, current ?? {});
    if (!render || (style === layer.style && JSON.stringify(render) === JSON.stringify(layer.render))) return;
    const timer = setTimeout(() => props.onChange({ style, render }), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [style, current]);
  const single = style.mode !== 'rgb';
  return (
    <>
      <BandChoice style={style} bands={info.bands} set={set} />
      <StretchControls
        style={style}
        info={info}
        outputs={outputsOf(style, info)}
        stats={current}
        statsError={stats.data?.key === key ? undefined : stats.error}
        set={set}
      />
      {single && (
        <ColormapPicker
          value={style.colormap}
          reverse={style.reverse}
          noneLabel={info.paletted && style.mode === 'single' ? 'None (the file’s own palette)' : 'None (gray)'}
          onChange={(colormap) => set({ colormap })}
          onReverse={(reverse) => set({ reverse })}
        />
      )}
      <NodataField value={style.nodata} fileNodata={info.nodata} set={(nodata) => set({ nodata })} />
    </>
  );
}

/** The selected layer's style: a raster's bands, stretch and colormap, or vector data's colour. */
export function StylePanel(props: {
  layer: MapLayer;
  /** The vector layers its tiles hold: none for raster tiles (a raster PMTiles archive); undefined until loaded. */
  vectorLayers: string[] | undefined;
  tokenOf: TokenOf;
  onChange: (patch: Partial<MapLayer>) => void;
}) {
  const { layer } = props;
  // Selecting a layer far down a long list brings its style into view.
  const section = useRef<HTMLElement>(null);
  useEffect(() => section.current?.scrollIntoView({ block: 'nearest' }), []);
  const body = () => {
    if (layer.problem) return <ErrorNote error={`It could not be loaded: ${layer.problem}`} />;
    if (layer.kind === 'raster' && layer.raster)
      return <RasterStyleForm layer={layer} info={layer.raster} tokenOf={props.tokenOf} onChange={props.onChange} />;
    if (layer.kind !== 'raster' && props.vectorLayers?.length === 0)
      return <Empty>This archive’s tiles are images, drawn as they are.</Empty>;
    if (layer.kind !== 'raster' && props.vectorLayers)
      return (
        <label class="check">
          <input
            type="color"
            value={layer.color}
            aria-label={`Colour of ${layer.name}`}
            onInput={(e) => props.onChange({ color: e.currentTarget.value })}
          />
          Colour
        </label>
      );
    // Layers are loaded when first shown.
    return layer.visible ? <Loading what="the layer" /> : <Empty>Turn the layer on to style it.</Empty>;
  };
  return (
    <section ref={section} class="style" aria-label="Style">
      <h2>Style</h2>
      <p class="muted small">{layer.name}</p>
      {body()}
    </section>
  );
}
