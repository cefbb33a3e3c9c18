import { ErrorNote, Field, Loading, Select } from '../ui/kit';
import { Histogram } from './style-histogram';
import {
  STRETCHES,
  canSkipStretch,
  outputKeys,
  stretchRange,
  type RasterInfo,
  type RasterStyle,
  type StatsByBand,
  type StretchKind,
} from './style-model';

export interface Output {
  label: string;
  color?: string;
}

/** The output bands' [min, max] under the style's stretch, for the custom fields to start from. */
export const rangesOf = (style: RasterStyle, stats: StatsByBand | null): Array<[number, number]> =>
  outputKeys(style).map((key, i) => stretchRange(style, stats?.[key], i) ?? [0, 255]);

function CustomRange(props: { output: Output; range: [number, number]; set: (range: [number, number]) => void }) {
  const [min, max] = props.range;
  const number = (text: string, fallback: number) =>
    text.trim() === '' || !Number.isFinite(Number(text)) ? fallback : Number(text);
  return (
    <div class="inline">
      <Field
        label={`Minimum of ${props.output.label}`}
        type="number"
        step="any"
        value={min}
        onInput={(e) => props.set([number(e.currentTarget.value, min), max])}
      />
      <Field
        label={`Maximum of ${props.output.label}`}
        type="number"
        step="any"
        value={max}
        onInput={(e) => props.set([min, number(e.currentTarget.value, max)])}
      />
    </div>
  );
}

/** How values are spread over the colours: from the statistics, or typed; each output band's histogram. */
export function StretchControls(props: {
  style: RasterStyle;
  info: RasterInfo;
  outputs: Output[];
  stats: StatsByBand | null;
  statsError?: Error;
  set: (patch: Partial<RasterStyle>) => void;
}) {
  const { style, stats } = props;
  const kinds = STRETCHES.filter((s) => s.kind !== 'none' || canSkipStretch(style, props.info));
  const choose = (kind: StretchKind) =>
    props.set(kind === 'custom' ? { stretch: kind, custom: rangesOf(style, stats) } : { stretch: kind });
  const keys = outputKeys(style);
  return (
    <div class="stretch">
      <Select label="Stretch" value={style.stretch} onChange={(e) => choose(e.currentTarget.value as StretchKind)}>
        {kinds.map((s) => (
          <option key={s.kind} value={s.kind}>
            {s.label}
          </option>
        ))}
      </Select>
      {style.stretch === 'std' && (
        <Field
          label="k (standard deviations)"
          type="number"
          min="0.5"
          max="5"
          step="0.5"
          value={style.k}
          onInput={(e) => Number(e.currentTarget.value) > 0 && props.set({ k: Number(e.currentTarget.value) })}
        />
      )}
      {style.stretch === 'custom' &&
        props.outputs.map((output, i) => (
          <CustomRange
            key={output.label}
            output={output}
            range={style.custom[i] ?? [0, 255]}
            set={(range) =>
              props.set({ custom: props.outputs.map((_, j) => (j === i ? range : (style.custom[j] ?? [0, 255]))) })
            }
          />
        ))}
      <ErrorNote
        error={
          props.statsError &&
          `Could not read the statistics (${props.statsError.message}). Choose a custom minimum and maximum instead.`
        }
      />
      {!stats && !props.statsError && <Loading what="the statistics" />}
      {props.outputs.map((output, i) => {
        const band = stats?.[keys[i] ?? ''];
        return band?.histogram ? (
          <Histogram
            key={output.label}
            histogram={band.histogram}
            label={output.label}
            color={output.color}
            range={style.stretch === 'none' ? null : stretchRange(style, band, i)}
          />
        ) : null;
      })}
    </div>
  );
}
