import { api, must, ProblemError } from '../api/client';
import { ErrorNote, Loading } from '../ui/kit';
import { useAsync } from '../ui/use-async';
import type { MapLayer } from './layers';
import type { Position } from './analysis-overlay';
import { histogramOf, type ApiBandStats, type TokenOf } from './style-data';
import { Histogram } from './style-histogram';
import { bandLabel, formatValue, INDICES } from './style-model';
import { OverlayPanel, readingsOf } from './analysis-panel';

type BandStatistics = ApiBandStats;

/** The columns of the table and of its CSV, in order. */
const COLUMNS: Array<{ key: string; label: string; of: (s: BandStatistics) => number | null | undefined }> = [
  { key: 'min', label: 'Minimum', of: (s) => s.min },
  { key: 'max', label: 'Maximum', of: (s) => s.max },
  { key: 'mean', label: 'Mean', of: (s) => s.mean },
  { key: 'std', label: 'Std. dev.', of: (s) => s.std },
  { key: 'median', label: 'Median', of: (s) => s.median },
  { key: 'p2', label: 'P2', of: (s) => percentile(s, 2) },
  { key: 'p25', label: 'P25', of: (s) => percentile(s, 25) },
  { key: 'p75', label: 'P75', of: (s) => percentile(s, 75) },
  { key: 'p98', label: 'P98', of: (s) => percentile(s, 98) },
  { key: 'count', label: 'Pixels', of: (s) => s.valid_pixels },
];
const PERCENTILES = ['2', '25', '75', '98'];

const numberOr = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function percentile(s: BandStatistics, p: number): number | null {
  return numberOr(s[`percentile_${p}`]);
}

interface Row {
  band: string;
  stats: BandStatistics;
}

interface Answer {
  rows: Row[];
  /** The polygon covered more pixels than one request reads: statistics of an overview. */
  overview: boolean;
}

/** Over the whole polygon at full resolution; a polygon wider than the API reads at once, from an overview. */
const OVERVIEW_SIZE = 2048;

/** The drawn ring as the Feature the API reads (a literal type: the request body wants an open object). */
const polygonOf = (ring: Position[]) => ({
  type: 'Feature' as const,
  properties: {},
  geometry: { type: 'Polygon' as const, coordinates: [[...ring, ring[0]!]] },
});
type Polygon = ReturnType<typeof polygonOf>;

async function polygonStatistics(layer: MapLayer, polygon: Polygon, tokenOf: TokenOf): Promise<Answer> {
  const style = layer.style;
  const { nodata, expression } = readingsOf(layer);
  const ask = (extra: { expression?: string; max_size?: number }) =>
    must(
      api.POST('/data-products/{dataProductId}/statistics', {
        params: {
          path: { dataProductId: layer.id },
          query: {
            token: tokenOf(layer.id),
            nodata,
            p: PERCENTILES,
            histogram_bins: 32,
            ...extra,
          },
        },
        body: polygon,
      }),
    ).then((answer): Record<string, BandStatistics> => (answer.type === 'Feature' ? answer.properties.statistics : {}));
  const both = (extra: { max_size?: number }): Promise<Record<string, BandStatistics>> =>
    Promise.all([ask(extra), expression ? ask({ ...extra, expression }) : {}]).then(([bands, math]) => ({
      ...bands,
      ...math,
    }));
  let overview = false;
  const statistics = await both({}).catch((e: unknown) => {
    if (!(e instanceof ProblemError && e.status === 400 && e.message.includes('max_size'))) throw e;
    overview = true;
    return both({ max_size: OVERVIEW_SIZE });
  });
  const name = (key: string) => {
    const band = layer.raster?.bands.find((b) => `b${b.index}` === key);
    if (band) return bandLabel(band);
    return style && key === expression ? INDICES[style.index].label : key;
  };
  return { rows: Object.entries(statistics).map(([key, stats]) => ({ band: name(key), stats })), overview };
}

const csvCell = (v: string | number | null | undefined) =>
  v === null || v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v);

/** The table as CSV, every number as the API gave it (no rounding). */
function download(layer: MapLayer, rows: Row[]): void {
  const lines = [
    ['band', ...COLUMNS.map((c) => c.key)].join(','),
    ...rows.map((r) => [csvCell(r.band), ...COLUMNS.map((c) => csvCell(c.of(r.stats)))].join(',')),
  ];
  const url = URL.createObjectURL(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${layer.name.replace(/\.[^.]+$/, '')}-statistics.csv`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Statistics of a raster layer inside a drawn polygon: the table, each band's histogram, a CSV. */
export function StatisticsPanel(props: { layer: MapLayer; ring: Position[]; tokenOf: TokenOf; close: () => void }) {
  const { layer } = props;
  const polygon = polygonOf(props.ring);
  const answer = useAsync(
    () => polygonStatistics(layer, polygon, props.tokenOf),
    // Asked again when what the layer shows changes (nodata, the index, the bands it is computed from).
    [layer.id, JSON.stringify(layer.render), layer.style?.nodata, JSON.stringify(props.ring)],
  );
  return (
    <OverlayPanel title="Statistics" class="statistics" close={props.close}>
      <p class="muted small">{layer.name}, inside the polygon</p>
      <ErrorNote error={answer.error && `Could not compute the statistics: ${answer.error.message}`} />
      {answer.loading && <Loading what="the statistics" />}
      {answer.data && <StatisticsTable layer={layer} answer={answer.data} />}
      <details>
        <summary>Polygon coordinates</summary>
        <textarea readOnly aria-label="Polygon GeoJSON" rows={4} value={JSON.stringify(polygon.geometry)} />
      </details>
    </OverlayPanel>
  );
}

function StatisticsTable({ layer, answer }: { layer: MapLayer; answer: Answer }) {
  if (answer.rows.length === 0) return <p class="empty">No pixel of this layer lies inside the polygon.</p>;
  return (
    <>
      {answer.overview && (
        <p class="muted small">The polygon covers more pixels than one request reads: these come from an overview.</p>
      )}
      <div class="table-scroll">
        <table class="stats">
          <thead>
            <tr>
              <td />
              {answer.rows.map((r) => (
                <th key={r.band} scope="col">
                  {r.band}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {COLUMNS.map((c) => (
              <tr key={c.key}>
                <th scope="row">{c.label}</th>
                {answer.rows.map((r) => {
                  const v = c.of(r.stats);
                  return <td key={r.band}>{v === null || v === undefined ? '–' : formatValue(v)}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {answer.rows.map((r) => (
        <Histogram key={r.band} histogram={histogramOf(r.stats)} label={r.band} />
      ))}
      <button type="button" class="primary" onClick={() => download(layer, answer.rows)}>
        Download CSV
      </button>
    </>
  );
}
