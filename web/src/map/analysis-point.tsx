import { api, must, ProblemError } from '../api/client';
import { ErrorNote, Loading } from '../ui/kit';
import { useAsync } from '../ui/use-async';
import type { MapLayer } from './layers';
import type { Position } from './analysis-overlay';
import type { TokenOf } from './style-data';
import { bandLabel, formatValue, INDICES } from './style-model';
import { OverlayPanel, readingsOf } from './analysis-panel';

interface Reading {
  layer: MapLayer;
  /** null: outside the data */
  values: Array<{ band: string; value: number | null }> | null;
}

const inside = (layer: MapLayer, [lon, lat]: Position) =>
  !layer.bbox || (lon >= layer.bbox[0] && lon <= layer.bbox[2] && lat >= layer.bbox[1] && lat <= layer.bbox[3]);

/** GET …/point for a layer: its bands (and its index, when it shows one); null outside the data. */
async function readPoint(layer: MapLayer, at: Position, tokenOf: TokenOf): Promise<Reading> {
  if (!inside(layer, at)) return { layer, values: null };
  const { nodata, expression } = readingsOf(layer);
  const index = expression ? layer.style!.index : null;
  const ask = (extra: { expression?: string }) =>
    must(
      api.GET('/data-products/{dataProductId}/point/{coordinates}', {
        params: {
          path: { dataProductId: layer.id, coordinates: `${at[0]},${at[1]}` },
          query: { token: tokenOf(layer.id), nodata, ...extra },
        },
      }),
    );
  try {
    const [bands, math] = await Promise.all([ask({}), expression ? ask({ expression }) : null]);
    const name = (b: string) => {
      const band = layer.raster?.bands.find((x) => `b${x.index}` === b);
      return band ? bandLabel(band) : b;
    };
    const values = bands.band_names.map((b, i) => ({
      band: name(b),
      value: bands.masked[i] ? null : (bands.values[i] ?? null),
    }));
    if (math && index)
      values.push({ band: INDICES[index].label, value: math.masked[0] ? null : (math.values[0] ?? null) });
    return { layer, values };
  } catch (e) {
    // The footprint's box is wider than the data: a point in its corner is outside it.
    if (e instanceof ProblemError && e.status === 404) return { layer, values: null };
    throw e;
  }
}

/** The values of every band of the given layers at a clicked point. */
export function PointValues(props: { at: Position; layers: MapLayer[]; tokenOf: TokenOf; close: () => void }) {
  const { at, layers } = props;
  const readings = useAsync(
    () => Promise.all(layers.map((l) => readPoint(l, at, props.tokenOf))),
    // Read again when what a layer shows changes (its nodata, or the index computed from its bands).
    [at[0], at[1], layers.map((l) => `${l.id}:${JSON.stringify(l.render)}:${l.style?.nodata ?? ''}`).join()],
  );
  return (
    <OverlayPanel title="Point values" class="point-values" close={props.close}>
      <p class="coords" aria-label="Coordinates">
        {at[0]}, {at[1]}
      </p>
      {layers.length === 0 && <p class="empty">No raster layer is shown here: turn one on or select it.</p>}
      <ErrorNote error={readings.error && `Could not read the values: ${readings.error.message}`} />
      {readings.loading && <Loading what="the values" />}
      {readings.data?.map(({ layer, values }) => (
        <div key={layer.id}>
          <h3>{layer.name}</h3>
          {values ? (
            <table class="values">
              <tbody>
                {values.map((v) => (
                  <tr key={v.band}>
                    <th scope="row">{v.band}</th>
                    <td>{v.value === null ? 'nodata' : formatValue(v.value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">Outside the data.</p>
          )}
        </div>
      ))}
    </OverlayPanel>
  );
}
