import { ErrorNote, useAction } from '../ui/kit';
import { TERMINAL, type JobState } from './job-events';
import { useJob, type JobView } from './use-job';
import './job-progress.css';

function describe(job: JobView): string {
  if (job.state === 'queued') return 'Queued for processing…';
  if (job.state === 'succeeded') return 'Processed.';
  return `${job.message || 'Processing'} ${Math.round(job.progress)} %`;
}

/**
 * A product's processing as it happens: the job's step (GDAL's command, say) and progress, then its
 * end; a failure says GDAL's message and, for managers, offers to run the job again.
 */
export function JobProgress(props: {
  job: JobView;
  /** What is processed, for the accessible names ("Processing progress of ortho.tif"). */
  label: string;
  canRetry: boolean;
  /** The job ended while shown (its final state), or was set going again (null). */
  onSettled?: (state: JobState | null) => void;
}) {
  const { job, reconnecting, followError, retry } = useJob(props.job, props.onSettled);
  const again = useAction();
  const over = TERMINAL.has(job.state);
  return (
    <div class="job" role="group" aria-label={`Processing of ${props.label}`}>
      {job.state !== 'failed' && job.state !== 'cancelled' && (
        <>
          <progress
            aria-label={`Processing progress of ${props.label}`}
            max={100}
            value={job.state === 'succeeded' ? 100 : job.progress}
          />
          <span class="muted" role="status">
            {describe(job)}
            {reconnecting && !over && ' (connection lost — reconnecting…)'}
          </span>
        </>
      )}
      {job.state === 'failed' && <ErrorNote error={`Processing failed: ${job.error ?? 'the job gave no reason.'}`} />}
      {job.state === 'cancelled' && <p class="muted">Processing was cancelled.</p>}
      {props.canRetry && job.state === 'failed' && (
        <span class="muted">
          Retry runs it again; if the file itself is at fault, delete this product and upload a corrected file.
        </span>
      )}
      {props.canRetry && (job.state === 'failed' || job.state === 'cancelled') && (
        <button
          type="button"
          disabled={again.pending}
          aria-label={`Retry processing of ${props.label}`}
          onClick={() => void again.run(retry)}
        >
          Retry
        </button>
      )}
      <ErrorNote error={followError ?? again.error} />
    </div>
  );
}
