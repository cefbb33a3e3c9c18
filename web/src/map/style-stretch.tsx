import { useState } from 'preact/hooks';
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

/**
 * A number typed freely: the text is the field's own (a lone "-" or "1e" on the way to a number
 * stays), and only a whole number reaches the style.
 */
function NumberField(props: { label: string; value: number; set: (n: number) => void; min?: number }) {
  const [text, setText] = useState(String(props.value));
  const valid = (t: string) =>
    t.trim() !== '' && Number.isFinite(Number(t)) && (props.min === undefined || Number(t) >= props.min);
  return (
    <Field
      label={props.label}
      inputMode="decimal"
      value={text}
      aria-invalid={!valid(text)}
      onInput={(e) => {
        setText(e.currentTarget.value);
        if (valid(e.currentTarget.value)) props.set(Number(e.currentTarget.value));
      }}
    />
  );
}

function CustomRange(props: { output: Output; range: [number, number]; set: (range: [number, number]) => void }) {
  const [min, max] = props.range;
  return (
    <div class="inline">
      <NumberField label={`Minimum of ${props.output.label}`} value={min} set={(n) => props.set([n, max])} />
      <NumberField label={`Maximum of ${props.output.label}`} value={max} set={(n) => props.set([min, n])} />
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
        <NumberField label="k (standard deviations)" value={style.k} min={0.1} set={(k) => props.set({ k })} />
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
