import { asError } from '../ui/as-error';

/**
 * Runs `read` at most once per `intervalMs` with the latest argument (the pointer moves faster than
 * the API answers): a newer call aborts the one in flight, and only the latest answer is shown.
 */
export function latestWins<A, R>(
  read: (arg: A, signal: AbortSignal) => Promise<R>,
  show: (result: R) => void,
  fail: (error: Error) => void,
  intervalMs = 250,
): { request: (arg: A) => void; dispose: () => void } {
  let pending: { arg: A } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | undefined;
  const fire = () => {
    timer = undefined;
    if (!pending) return;
    const { arg } = pending;
    pending = undefined;
    inFlight?.abort();
    const controller = (inFlight = new AbortController());
    read(arg, controller.signal).then(
      (result) => controller.signal.aborted || show(result),
      (error: unknown) => controller.signal.aborted || fail(asError(error)),
    );
    timer = setTimeout(fire, intervalMs);
  };
  return {
    request: (arg) => {
      pending = { arg };
      if (!timer) fire();
    },
    dispose: () => {
      clearTimeout(timer);
      inFlight?.abort();
    },
  };
}
