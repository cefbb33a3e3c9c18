import { useId } from 'preact/hooks';
import { Select } from '../ui/kit';
import {
  INDICES,
  ROLE_NAMES,
  bandLabel,
  expressionOf,
  missingRoles,
  type BandInfo,
  type IndexName,
  type RasterStyle,
  type Role,
} from './style-model';

type Set = (patch: Partial<RasterStyle>) => void;

function BandSelect(props: {
  label: string;
  bands: BandInfo[];
  value: number | undefined;
  set: (b: number) => void;
  optional?: boolean;
}) {
  return (
    <Select label={props.label} value={props.value ?? ''} onChange={(e) => props.set(Number(e.currentTarget.value))}>
      {props.optional && <option value="">— none —</option>}
      {props.bands.map((b) => (
        <option key={b.index} value={b.index}>
          {bandLabel(b)}
        </option>
      ))}
    </Select>
  );
}

const MODES: Array<{ mode: RasterStyle['mode']; label: string }> = [
  { mode: 'single', label: 'Single band' },
  { mode: 'rgb', label: 'Red, green, blue' },
  { mode: 'index', label: 'Index' },
];

/** Why an index cannot be computed, in words; null when it can. */
export function whyNot(index: IndexName, style: RasterStyle): string | null {
  const missing = missingRoles(index, style.roles);
  if (missing.length === 0) return null;
  const words = missing.map((r) => ROLE_NAMES[r]);
  const names = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]!}` : words[0]!;
  return `${INDICES[index].label} needs the ${names} band${missing.length > 1 ? 's' : ''}: say which below.`;
}

/** A preset: band math, a fixed range where the index has one (else p2–p98), and a diverging colormap. */
function presetStyle(index: IndexName): Partial<RasterStyle> {
  const range = INDICES[index].range;
  return {
    mode: 'index',
    index,
    colormap: 'rdylgn',
    reverse: false,
    ...(range ? { stretch: 'custom', custom: [range] } : { stretch: 'p2' }),
  };
}

function Presets(props: { style: RasterStyle; bands: BandInfo[]; set: Set }) {
  const { style } = props;
  const indices = Object.keys(INDICES) as IndexName[];
  const reasons = indices.flatMap((i) => whyNot(i, style) ?? []);
  return (
    <div class="presets">
      <div class="actions" role="group" aria-label="Presets">
        {indices.map((index) => (
          <button
            key={index}
            type="button"
            aria-pressed={style.mode === 'index' && style.index === index}
            disabled={whyNot(index, style) !== null}
            onClick={() => props.set(presetStyle(index))}
          >
            {INDICES[index].label}
          </button>
        ))}
      </div>
      {reasons.map((r) => (
        <p key={r} class="muted small">
          {r}
        </p>
      ))}
      <details open={reasons.length === indices.length}>
        <summary>Band roles</summary>
        {(Object.keys(ROLE_NAMES) as Role[]).map((role) => (
          <BandSelect
            key={role}
            label={`${ROLE_NAMES[role][0]!.toUpperCase()}${ROLE_NAMES[role].slice(1)} band`}
            bands={props.bands}
            value={style.roles[role]}
            optional
            set={(b) => props.set({ roles: { ...style.roles, [role]: Number.isFinite(b) && b > 0 ? b : undefined } })}
          />
        ))}
      </details>
    </div>
  );
}

/** What is drawn: one band, three as red/green/blue, or an index; with the bands each needs. */
export function BandChoice(props: { style: RasterStyle; bands: BandInfo[]; set: Set }) {
  const { style, bands, set } = props;
  const group = useId();
  const rgbNames = ['Red', 'Green', 'Blue'];
  const expression = expressionOf(style.index, style.roles);
  const computable = (Object.keys(INDICES) as IndexName[]).find((i) => whyNot(i, style) === null);
  // One band: nothing to choose, no colour composite and no index to compute.
  if (bands.length < 2) return null;
  return (
    <>
      <fieldset class="modes">
        <legend>Show</legend>
        {MODES.map((m) => (
          <label key={m.mode} class="check">
            <input
              type="radio"
              name={group}
              checked={style.mode === m.mode}
              disabled={(m.mode === 'rgb' && bands.length < 3) || (m.mode === 'index' && !computable)}
              onChange={() =>
                set(
                  m.mode !== 'index'
                    ? { mode: m.mode }
                    : presetStyle(whyNot(style.index, style) ? computable! : style.index),
                )
              }
            />
            {m.label}
          </label>
        ))}
      </fieldset>
      {style.mode === 'single' && (
        <BandSelect label="Band" bands={bands} value={style.band} set={(band) => set({ band })} />
      )}
      {style.mode === 'rgb' &&
        rgbNames.map((name, i) => (
          <BandSelect
            key={name}
            label={`${name} channel`}
            bands={bands}
            value={style.rgb[i]}
            set={(b) => set({ rgb: style.rgb.map((old, j) => (j === i ? b : old)) as RasterStyle['rgb'] })}
          />
        ))}
      {style.mode === 'index' && expression && (
        <p class="small">
          {INDICES[style.index].label} = <code>{expression}</code>
        </p>
      )}
      <Presets style={style} bands={bands} set={set} />
    </>
  );
}
