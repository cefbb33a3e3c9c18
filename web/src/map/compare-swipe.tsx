import type { JSX } from 'preact';
import { useRef } from 'preact/hooks';

const clamp = (n: number) => Math.max(0, Math.min(100, n));

/** Arrow keys move the divider by 1 % (10 % with Shift), Page Up/Down by 10 %, Home/End to an edge. */
function keyStep(event: KeyboardEvent, position: number): number | null {
  const step = event.shiftKey ? 10 : 1;
  switch (event.key) {
    case 'ArrowLeft':
    case 'ArrowDown':
      return position - step;
    case 'ArrowRight':
    case 'ArrowUp':
      return position + step;
    case 'PageDown':
      return position - 10;
    case 'PageUp':
      return position + 10;
    case 'Home':
      return 0;
    case 'End':
      return 100;
    default:
      return null;
  }
}

/**
 * The swipe divider: a slider over the maps (percent of their width from the left) that the
 * pointer drags and the keyboard moves. Only the divider takes pointer events; the maps keep theirs.
 */
export function SwipeDivider({ position, onChange }: { position: number; onChange: (percent: number) => void }) {
  const dragging = useRef(false);
  const fromPointer = (event: PointerEvent, element: HTMLElement) => {
    const box = element.parentElement!.getBoundingClientRect();
    onChange(clamp(((event.clientX - box.left) / box.width) * 100));
  };
  const pointer: JSX.HTMLAttributes<HTMLDivElement> = {
    onPointerDown: (e) => {
      dragging.current = true;
      e.currentTarget.setPointerCapture(e.pointerId);
      e.currentTarget.focus();
    },
    onPointerMove: (e) => dragging.current && fromPointer(e, e.currentTarget),
    onPointerUp: () => (dragging.current = false),
    onPointerCancel: () => (dragging.current = false),
  };
  return (
    <div
      class="swipe-divider"
      style={{ left: `${position}%` }}
      role="slider"
      tabIndex={0}
      aria-label="Swipe position"
      aria-orientation="horizontal"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(position)}
      aria-valuetext={`${Math.round(position)} % from the left`}
      onKeyDown={(e) => {
        const next = keyStep(e, position);
        if (next === null) return;
        e.preventDefault();
        onChange(clamp(next));
      }}
      {...pointer}
    >
      <span class="swipe-handle" aria-hidden="true">
        ⟷
      </span>
    </div>
  );
}
