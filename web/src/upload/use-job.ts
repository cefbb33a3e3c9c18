import { useEffect, useRef, useState } from 'preact/hooks';
import { api, must } from '../api/client';
import { followJob, TERMINAL, type JobState } from './job-events';
import { asError } from '../ui/as-error';

/** What a job's row shows: from the job list at first, then from its events. */
export interface JobView {
  id: string;
  state: JobState;
  progress: number;
  message: string;
  error: string | null;
}

export interface LiveJob {
  job: JobView;
  /** The event stream dropped and is being reopened. */
  reconnecting: boolean;
  /** Why the job could not be followed (its events refused), if so. */
  followError: Error | null;
  /** Runs a finished job again (managers) and follows it. */
  retry: () => Promise<void>;
}

/**
 * A job followed live while it runs. `onSettled` is told its final state when it ends while watched
 * (not when it was already over, so a list can refresh without refreshing forever), and null when a
 * retry sets it going again.
 */
export function useJob(initial: JobView, onSettled?: (state: JobState | null) => void): LiveJob {
  const [job, setJob] = useState(initial);
  const [reconnecting, setReconnecting] = useState(false);
  const [followError, setFollowError] = useState<Error | null>(null);
  const [round, setRound] = useState(0);
  const after = useRef(0);
  const settledRef = useRef(onSettled);
  settledRef.current = onSettled;
  const stateRef = useRef(job.state);
  stateRef.current = job.state;

  // Followed from the start, and again after a retry. Not re-run on a change of state: replayed
  // events may pass through an earlier attempt's end before reaching the present.
  useEffect(() => {
    if (TERMINAL.has(stateRef.current)) return;
    const controller = new AbortController();
    const { signal } = controller;
    followJob(job.id, {
      after: after.current,
      signal,
      onEvent: (e) => {
        after.current = e.seq;
        // A failure's event says why in its message; the job's record (read below) is the last word.
        const error = e.state === 'failed' ? e.message : null;
        setJob((j) => ({ ...j, state: e.state, progress: e.progress, message: e.message, error }));
      },
      onConnection: (live) => setReconnecting(!live),
    })
      .then(async ({ state }) => {
        if (signal.aborted || !state) return;
        // Events carry no error: the job's own record says why it failed (GDAL's message).
        const error = state === 'succeeded' ? null : (await jobRecord(job.id)).error;
        if (signal.aborted) return;
        setJob((j) => ({ ...j, state, error }));
        settledRef.current?.(state);
      })
      .catch((e: unknown) => !signal.aborted && setFollowError(asError(e)));
    return () => controller.abort();
  }, [job.id, round]);

  const retry = async () => {
    const again = await must(api.POST('/jobs/{jobId}/retry', { params: { path: { jobId: job.id } } }));
    setFollowError(null);
    settledRef.current?.(null);
    setJob({ id: again.id, state: again.state, progress: again.progress, message: again.message, error: null });
    setRound((r) => r + 1);
  };
  return { job, reconnecting, followError, retry };
}

const jobRecord = (jobId: string) => must(api.GET('/jobs/{jobId}', { params: { path: { jobId } } }));
