import { useId, useState } from 'preact/hooks';
import { api, must } from '../api/client';
import { ErrorNote, Loading } from '../ui/kit';
import { useAsync } from '../ui/use-async';

let listing: Promise<string[]> | null = null;

/**
 * The colormaps colormap_name takes, once per page: the server's list, without the `_r` twins
 * (the reverse toggle makes those).
 */
export function colormapNames(): Promise<string[]> {
  listing ??= must(api.GET('/colorMaps')).then(({ colormaps }) => {
    const ids = colormaps.map((c) => c.id);
    const all = new Set(ids);
    return ids.filter((id) => !(id.endsWith('_r') && all.has(id.slice(0, -2))));
  });
  listing.catch(() => (listing = null));
  return listing;
}

/** A picture of a colormap's ramp, drawn by the server (same origin, cached a day). */
export const rampUrl = (name: string, width = 160, height = 12): string =>
  `/colorMaps/${encodeURIComponent(name)}?format=png&width=${width}&height=${height}`;

/**
 * Every colormap as a radio (a group the arrow keys walk), each drawn as its ramp and named by its
 * name, filtered by a search field; "none" first.
 */
export function ColormapPicker(props: {
  value: string | null;
  reverse: boolean;
  noneLabel: string;
  onChange: (name: string | null) => void;
  onReverse: (reverse: boolean) => void;
}) {
  const names = useAsync(colormapNames, []);
  const [search, setSearch] = useState('');
  const group = useId();
  const shown = (names.data ?? []).filter((n) => n.includes(search.trim().toLowerCase()));
  const option = (name: string | null, label: string) => (
    <label key={label} class={`ramp-option${props.value === name ? ' chosen' : ''}`}>
      <input type="radio" name={group} checked={props.value === name} onChange={() => props.onChange(name)} />
      {name ? (
        <img src={rampUrl(`${name}${props.reverse ? '_r' : ''}`)} alt="" loading="lazy" width={160} height={12} />
      ) : (
        <span class="ramp-none" />
      )}
      <span>{label}</span>
    </label>
  );
  return (
    <fieldset class="colormaps">
      <legend>Colormap</legend>
      <input
        type="search"
        placeholder="Search colormaps"
        aria-label="Search colormaps"
        value={search}
        onInput={(e) => setSearch(e.currentTarget.value)}
      />
      <label class="check">
        <input type="checkbox" checked={props.reverse} onChange={(e) => props.onReverse(e.currentTarget.checked)} />
        Reverse colormap
      </label>
      <ErrorNote error={names.error && `Could not load the colormaps: ${names.error.message}. Reload to try again.`} />
      {names.loading && !names.data && <Loading what="the colormaps" />}
      <div class="ramps">
        {option(null, props.noneLabel)}
        {shown.map((n) => option(n, n))}
        {names.data && shown.length === 0 && <p class="empty">No colormap is called “{search}”.</p>}
      </div>
    </fieldset>
  );
}
