import { EventSourceParserStream } from 'eventsource-parser/stream';
import { api, ProblemError, type Schemas } from '../api/client';
import { problemMessage } from '../api/problem';

export type JobState = Schemas['Job']['state'];

/** One server-sent event of a job (durable-objects/job.ts): a change of state, or progress. */
export interface JobEvent {
  seq: number;
  type: 'state' | 'progress';
  state: JobState;
  progress: number;
  message: string;
  attempt: number;
}

export const TERMINAL: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

const STATES: readonly string[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] satisfies JobState[];
/** The job list types its state as any string; this says it is one of a job's. */
export const isJobState = (state: string): state is JobState => STATES.includes(state);

/** How long to wait before reconnecting when the server does not say (its `retry:` field does). */
const DEFAULT_RETRY_MS = 2_000;
/** The wait grows with each failure in a row, up to this many times the server's. */
const MAX_BACKOFF = 8;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

interface Reading {
  after: number;
  state: JobState | null;
  retryMs: number;
}

/** Reads one stream to its end, passing each event on; `reading` keeps where it got to. */
async function readStream(jobId: string, reading: Reading, onEvent: (e: JobEvent) => void, signal: AbortSignal) {
  const { data, error, response } = await api.GET('/jobs/{jobId}/events', {
    params: { path: { jobId } },
    headers: reading.after > 0 ? { 'last-event-id': String(reading.after) } : {},
    parseAs: 'stream',
    signal,
  });
  if (!response.ok || !data) throw new ProblemError(response.status, problemMessage(response.status, error));
  const reader = data
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ onRetry: (ms) => (reading.retryMs = ms) }))
    .getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    const event = JSON.parse(value.data) as JobEvent;
    reading.after = Number(value.id ?? event.seq);
    reading.state = event.state;
    onEvent(event);
  }
}

/**
 * Follows a job's server-sent events until it ends; resolves with its final state. EventSource cannot
 * send an Authorization header, so this is a fetch signed by the API client, parsed by
 * eventsource-parser. The server closes the stream once the job has ended; a stream that drops
 * before that is reopened after the last event seen (Last-Event-ID), so nothing is missed or doubled.
 * `onConnection` says whether the stream is up, for a "reconnecting…" note.
 */
export async function followJob(
  jobId: string,
  options: {
    after?: number;
    signal: AbortSignal;
    onEvent: (event: JobEvent) => void;
    onConnection?: (live: boolean) => void;
  },
): Promise<{ state: JobState | null; after: number }> {
  const reading: Reading = { after: options.after ?? 0, state: null, retryMs: DEFAULT_RETRY_MS };
  let failures = 0;
  while (!options.signal.aborted) {
    try {
      const seen = reading.after;
      options.onConnection?.(true);
      await readStream(jobId, reading, options.onEvent, options.signal);
      if (reading.state && TERMINAL.has(reading.state)) break;
      failures = reading.after > seen ? 0 : failures + 1;
    } catch (error) {
      if (options.signal.aborted) break;
      // Refused (gone, or access taken away): reconnecting cannot help.
      if (error instanceof ProblemError && error.status < 500 && error.status !== 429) throw error;
      failures += 1;
    }
    options.onConnection?.(false);
    await sleep(reading.retryMs * Math.min(2 ** Math.max(failures - 1, 0), MAX_BACKOFF), options.signal);
  }
  return { state: reading.state, after: reading.after };
}
