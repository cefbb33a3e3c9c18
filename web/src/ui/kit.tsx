import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { asError } from './as-error';

/** A labelled input: the label names it for screen readers and tests. */
export function Field(props: { label: string; hint?: string } & JSX.InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const { label, hint, ...input } = props;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} {...input} />
      {hint && <small>{hint}</small>}
    </div>
  );
}

export function TextArea(props: { label: string } & JSX.TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  const { label, ...area } = props;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea id={id} {...area} />
    </div>
  );
}

export function Select(props: { label: string; children: ComponentChildren } & JSX.SelectHTMLAttributes) {
  const id = useId();
  const { label, children, ...select } = props;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} {...select}>
        {children}
      </select>
    </div>
  );
}

/** An error said plainly, announced to screen readers. */
export const ErrorNote = ({ error }: { error: Error | string | undefined | null }) =>
  error ? (
    <p class="error" role="alert">
      {typeof error === 'string' ? error : error.message}
    </p>
  ) : null;

export const Loading = ({ what }: { what: string }) => (
  <p class="muted" role="status" aria-live="polite">
    Loading {what}…
  </p>
);

export const Empty = ({ children }: { children: ComponentChildren }) => <p class="empty">{children}</p>;

/**
 * A button whose action runs after the person confirms it (deletes). Focus goes to the question's
 * "Yes" and back to the button on Cancel, so a keyboard user is never left on a vanished control.
 */
export function ConfirmButton(props: { label: string; question: string; onConfirm: () => Promise<unknown> | void }) {
  const [asking, setAsking] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const yes = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (asked.current) trigger.current?.focus();
    asked.current = asking;
  }, [asking]);
  if (!asking)
    return (
      <button ref={trigger} type="button" class="danger" onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  return (
    <span class="confirm" role="group" aria-label={props.question}>
      {props.question}{' '}
      <button
        ref={yes}
        type="button"
        class="danger"
        onClick={() => void Promise.resolve(props.onConfirm()).finally(() => setAsking(false))}
      >
        Yes, {props.label.toLowerCase()}
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** Runs an async action from a form or button, keeping its pending state and error. */
export function useAction(): {
  pending: boolean;
  error: Error | undefined;
  run: (action: () => Promise<void>) => Promise<boolean>;
} {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<Error>();
  /** True when the action succeeded (its error is kept and shown otherwise). */
  const run = async (action: () => Promise<void>): Promise<boolean> => {
    setPending(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (e) {
      setError(asError(e));
      return false;
    } finally {
      setPending(false);
    }
  };
  return { pending, error, run };
}
