import type { ComponentChildren } from 'preact';
import { ErrorNote, Loading } from './kit';
import { useAsync } from './use-async';

/** A part of the app loaded on first use (its own chunk), with its loading and error states. */
export function Lazy<M>(props: { what: string; load: () => Promise<M>; render: (module: M) => ComponentChildren }) {
  const { data, error } = useAsync(props.load, [props.load]);
  if (error) return <ErrorNote error={`Could not load ${props.what}: ${error.message}`} />;
  if (!data) return <Loading what={props.what} />;
  return <>{props.render(data)}</>;
}
