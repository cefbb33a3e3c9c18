import type { ComponentChildren } from 'preact';
import type { MapLayer } from './layers';
import { expressionOf } from './style-model';

/** A closable panel over the map, named by its title for screen readers. */
export function OverlayPanel(props: { title: string; class: string; close: () => void; children: ComponentChildren }) {
  return (
    <section class={`overlay-panel ${props.class}`} aria-label={props.title}>
      <header>
        <h2>{props.title}</h2>
        <button type="button" aria-label={`Close the ${props.title.toLowerCase()}`} onClick={props.close}>
          ×
        </button>
      </header>
      {props.children}
    </section>
  );
}

/** What a layer's readings are asked with: its nodata override, and its index's band math when it shows one. */
export function readingsOf(layer: MapLayer): { nodata?: string; expression: string | null } {
  const style = layer.style;
  return {
    nodata: style?.nodata || undefined,
    expression: style?.mode === 'index' ? expressionOf(style.index, style.roles) : null,
  };
}
