import { formatValue } from './style-model';

const WIDTH = 300;
const HEIGHT = 64;

/**
 * A band's histogram as bars, with the stretch's [min, max] shaded: the person sees which values
 * the colours are spread over. Drawn in SVG (no canvas to size or redraw).
 */
export function Histogram(props: {
  histogram: [number[], number[]];
  label: string;
  range?: [number, number] | null;
  color?: string;
}) {
  const [counts, edges] = props.histogram;
  const lo = edges[0] ?? 0;
  const hi = edges[edges.length - 1] ?? 1;
  const span = hi - lo || 1;
  const x = (v: number) => Math.max(0, Math.min(WIDTH, ((v - lo) / span) * WIDTH));
  const top = Math.max(1, ...counts);
  const barWidth = WIDTH / Math.max(1, counts.length);
  const range = props.range;
  const summary =
    `Histogram of ${props.label}: ${counts.length} bins from ${formatValue(lo)} to ${formatValue(hi)}` +
    (range ? `; stretch ${formatValue(range[0])} to ${formatValue(range[1])}` : '');
  return (
    <figure class="histogram">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={summary}>
        {range && (
          <rect class="stretch" x={x(range[0])} y="0" width={Math.max(1, x(range[1]) - x(range[0]))} height={HEIGHT} />
        )}
        {counts.map((c, i) => {
          const h = (c / top) * HEIGHT;
          return (
            <rect key={i} x={i * barWidth} y={HEIGHT - h} width={barWidth} height={h} fill={props.color ?? '#495057'} />
          );
        })}
        {range?.map((v, i) => (
          <line key={i} class="edge" x1={x(v)} x2={x(v)} y1="0" y2={HEIGHT} />
        ))}
      </svg>
      <figcaption>
        <span>{formatValue(lo)}</span>
        <span>{props.label}</span>
        <span>{formatValue(hi)}</span>
      </figcaption>
    </figure>
  );
}
