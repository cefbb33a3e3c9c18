import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../workers/platform/env';
import { numberVar } from '../workers/platform/config';
import { withDatabase, type Database } from '../workers/platform/db/client';
import { signingKeys } from '../workers/platform/auth/signing-keys';
import { signResourceToken } from '../workers/platform/auth/tokens';
import type { CatalogTarget } from '../workers/catalog/publish';
import { converterFor } from '../workers/jobs/converter';
import { JobInputError } from '../workers/jobs/input-error';
import { jobKind, type CompletionPhase, type JobKindName, type KindContext } from '../workers/jobs/kinds';
import { jobIoScope } from '../workers/jobs/io';
import { mirrorJob, type JobState } from '../workers/jobs/store';
import type { JobInput, RunPhase, RunResult, RunStatus } from '../workers/jobs/protocol';
import { failure, type Outcome } from '../workers/platform/errors';
import { errorMessage } from '../workers/platform/util/error-message';

export interface JobSpec {
  id: string;
  kind: JobKindName;
  input: JobInput;
  /** The Worker's origin, where the converter fetches its input and sends its outputs. */
  origin: string;
  uploadId: string | null;
  catalog?: CatalogTarget;
}

export interface JobResult extends Partial<Omit<RunResult, 'phases'>> {
  dataProductId: string;
  keys: string[];
  stacItem?: { collection: string; item: string };
  /** Seconds per phase of the last attempt: queue (waiting for the converter), transfer, gdal, db, catalog. */
  phases: Partial<Record<RunPhase | 'queue' | CompletionPhase, number>>;
}

export interface JobView {
  id: string;
  kind: JobKindName;
  state: JobState;
  progress: number;
  message: string;
  attempts: number;
  log: string[];
  result: JobResult | null;
  error: string | null;
  projectId: string;
  dataProductId: string;
  uploadId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobEvent {
  seq: number;
  at: number;
  /** `state` when the job changes state (a retry included), `progress` as its work advances. */
  type: 'state' | 'progress';
  state: JobState;
  progress: number;
  message: string;
  attempt: number;
}

interface JobRecord extends JobSpec {
  state: JobState;
  progress: number;
  message: string;
  attempts: number;
  result: JobResult | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /**
   * Attempts made before the job was last run again: attempt numbers keep counting across runs (an
   * old attempt's signed URLs never open a new one), while the limit counts this run's only.
   */
  attemptBase: number;
  /** When the current attempt was queued, and how long it waited for the converter to take it. */
  queuedAt: number;
  queueSeconds: number;
  /** The converter's last answer: a running job whose converter stays silent past the timeout is retried. */
  heartbeatAt: number;
  /** The last converter event already taken in. */
  cursor: number;
  pollMs: number;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

const TERMINAL: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);
const LOG_LINES = 400;
const EVENTS_KEPT = 2000;
const EVENTS_PER_READ = 500;
/** Polls are quick while the converter is busy reporting and back off while it works silently. */
const POLL_MIN_MS = 200;
const POLL_MAX_MS = 2000;
/** The converter's signed URLs outlive any single request it makes, not the attempt's timeout. */
const IO_TOKEN_TTL = 3600;

/**
 * One processing job (SQLite-backed): its state machine, progress, attempts, bounded log and
 * result. The alarm drives it: it hands the work to the converter, polls it for progress (its
 * answers are the heartbeat), retries transient failures with exponential backoff and gives up
 * after JOB_MAX_ATTEMPTS. A `jobs` row mirrors it for listing.
 */
export class Job extends DurableObject<Bindings> {
  private readonly waiters = new Set<() => void>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS job (k INTEGER PRIMARY KEY CHECK (k = 1), doc TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY AUTOINCREMENT, line TEXT NOT NULL);`);
  }

  private load(): JobRecord | null {
    const row = this.ctx.storage.sql.exec<{ doc: string }>('SELECT doc FROM job WHERE k = 1').toArray()[0];
    return row ? (JSON.parse(row.doc) as JobRecord) : null;
  }

  private save(job: JobRecord): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO job (k, doc) VALUES (1, ?) ON CONFLICT (k) DO UPDATE SET doc = excluded.doc',
      JSON.stringify(job),
    );
  }

  /** Stores a change of state and tells the event readers. */
  private changeState(job: JobRecord): void {
    this.save(job);
    this.emit(job, 'state');
  }

  private emit(job: JobRecord, type: JobEvent['type']): void {
    const event = {
      at: Date.now(),
      type,
      state: job.state,
      progress: job.progress,
      message: job.message,
      attempt: job.attempts,
    };
    this.ctx.storage.sql.exec('INSERT INTO events (doc) VALUES (?)', JSON.stringify(event));
    this.ctx.storage.sql.exec('DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?', EVENTS_KEPT);
    for (const wake of this.waiters) wake();
  }

  private log(lines: string[]): void {
    for (const line of lines) this.ctx.storage.sql.exec('INSERT INTO log (line) VALUES (?)', line);
    this.ctx.storage.sql.exec('DELETE FROM log WHERE seq <= (SELECT MAX(seq) FROM log) - ?', LOG_LINES);
  }

  private view(job: JobRecord): JobView {
    const log = this.ctx.storage.sql
      .exec<{ line: string }>('SELECT line FROM log ORDER BY seq')
      .toArray()
      .map((r) => r.line);
    return {
      id: job.id,
      kind: job.kind,
      state: job.state,
      progress: job.progress,
      message: job.message,
      attempts: job.attempts,
      log,
      result: job.result,
      error: job.error,
      projectId: job.input.projectId,
      dataProductId: job.input.dataProductId,
      uploadId: job.uploadId,
      createdAt: new Date(job.createdAt).toISOString(),
      startedAt: iso(job.startedAt),
      finishedAt: iso(job.finishedAt),
    };
  }

  /** Creates the job and queues it; starting a job that exists returns it unchanged. */
  async start(spec: JobSpec): Promise<JobView> {
    const existing = this.load();
    if (existing) return this.view(existing);
    const now = Date.now();
    const job: JobRecord = {
      ...spec,
      state: 'queued',
      progress: 0,
      message: 'queued',
      attempts: 0,
      attemptBase: 0,
      result: null,
      error: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      queuedAt: now,
      queueSeconds: 0,
      heartbeatAt: now,
      cursor: 0,
      pollMs: POLL_MIN_MS,
    };
    this.changeState(job);
    await this.ctx.storage.setAlarm(now);
    await this.mirror(job);
    return this.view(job);
  }

  async status(): Promise<JobView | null> {
    const job = this.load();
    return job ? this.view(job) : null;
  }

  /**
   * Events after `after`; with none yet and the job still going, waits up to `waitMs` for the next.
   * `done`: the job has ended and these are its last events.
   */
  async events(
    after: number,
    waitMs: number,
  ): Promise<{ events: Array<JobEvent>; state: JobState; done: boolean } | null> {
    const read = () =>
      this.ctx.storage.sql
        .exec<{ seq: number; doc: string }>(
          'SELECT seq, doc FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
          after,
          EVENTS_PER_READ,
        )
        .toArray()
        .map((r) => ({ seq: r.seq, ...(JSON.parse(r.doc) as Omit<JobEvent, 'seq'>) }));
    const job = this.load();
    if (!job) return null;
    let events = read();
    if (events.length === 0 && !TERMINAL.has(job.state)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        this.waiters.add(done);
      });
      events = read();
    }
    const { state } = this.load()!;
    return { events, state, done: TERMINAL.has(state) && events.length < EVENTS_PER_READ };
  }

  /** What attempt `attempt` may read and write through its signed URLs: nothing once it is over. */
  async ioGrant(attempt: number): Promise<{ readKey: string; writePrefix: string } | null> {
    const job = this.load();
    if (!job || job.state !== 'running' || job.attempts !== attempt) return null;
    return {
      readKey: job.input.key,
      writePrefix: `projects/${job.input.projectId}/data-products/${job.input.dataProductId}/`,
    };
  }

  async cancel(): Promise<Outcome<JobView>> {
    const job = this.load();
    if (!job) return failure('not-found', 'No such job.');
    if (TERMINAL.has(job.state)) return failure('conflict', `The job has already ${job.state}.`);
    const wasRunning = job.state === 'running';
    job.state = 'cancelled';
    job.message = 'cancelled';
    job.finishedAt = Date.now();
    this.changeState(job);
    await this.ctx.storage.deleteAlarm();
    if (wasRunning && 'converterWork' in jobKind(job.kind)) {
      // The converter kills the attempt's processes. If it cannot be told, its run can still write
      // nothing: the attempt's signed URLs already refuse it (ioGrant).
      try {
        const response = await this.converter(job).fetch(`/runs/${job.id}`, { method: 'DELETE' });
        await response.body?.cancel();
      } catch (error) {
        console.error('converter not told of the cancel', job.id, errorMessage(error));
      }
    }
    await this.mirror(job);
    return { ok: true, value: this.view(job) };
  }

  /** Runs a finished job again, from its first attempt; its outputs are replaced, never doubled. */
  async retry(): Promise<Outcome<JobView>> {
    const job = this.load();
    if (!job) return failure('not-found', 'No such job.');
    if (!TERMINAL.has(job.state))
      return failure('conflict', `The job is ${job.state}; cancel it first to run it again.`);
    Object.assign(job, {
      state: 'queued',
      progress: 0,
      message: 'queued again',
      attemptBase: job.attempts,
      error: null,
      finishedAt: null,
      queuedAt: Date.now(),
    });
    this.changeState(job);
    await this.ctx.storage.setAlarm(Date.now());
    await this.mirror(job);
    return { ok: true, value: this.view(job) };
  }

  override async alarm(): Promise<void> {
    const job = this.load();
    if (job?.state === 'queued') await this.dispatch(job);
    else if (job?.state === 'running') await this.poll(job);
  }

  private converter(job: JobRecord) {
    return converterFor(this.env, job.id);
  }

  /** What a job kind's own steps get. */
  private kindContext(): KindContext {
    return { bucket: this.env.DATA, withDatabase: (use) => this.withDatabase(use) };
  }

  /** The record as it is now, if attempt `attempt` is still the one running (a cancel may have come in meanwhile). */
  private stillRunning(attempt: number): JobRecord | null {
    const job = this.load();
    return job && job.state === 'running' && job.attempts === attempt ? job : null;
  }

  private async dispatch(job: JobRecord): Promise<void> {
    const now = Date.now();
    job.attempts += 1;
    job.state = 'running';
    job.startedAt ??= now;
    job.heartbeatAt = now;
    job.cursor = 0;
    job.pollMs = POLL_MIN_MS;
    job.progress = 0;
    job.message = `attempt ${job.attempts} started`;
    job.queueSeconds = (now - job.queuedAt) / 1000;
    this.changeState(job);
    await this.mirror(job);
    const attempt = job.attempts;
    // A cancel may have come in while the mirror was written.
    if (!this.stillRunning(attempt)) return;
    const kind = jobKind(job.kind);
    if ('runInWorker' in kind) {
      try {
        const result = await kind.runInWorker(this.kindContext(), job.input);
        return await this.succeed(attempt, { ...result, phases: {} });
      } catch (error) {
        return await this.failAttempt(attempt, errorMessage(error), !(error instanceof JobInputError));
      }
    }
    try {
      const keys = await signingKeys(this.env.JWT_SIGNING_KEYS);
      const token = await signResourceToken(keys, { sub: null, scope: jobIoScope(job.id, attempt) }, IO_TOKEN_TTL);
      const response = await this.converter(job).fetch('/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jobId: job.id,
          attempt,
          kind: kind.converterWork,
          input: job.input,
          io: { baseUrl: `${job.origin}/jobs/${job.id}/io/${attempt}`, token },
        }),
      });
      const text = await response.text();
      if (!response.ok)
        return await this.failAttempt(
          attempt,
          `the converter refused the job (${response.status}): ${text.slice(0, 300)}`,
          response.status >= 500,
        );
    } catch (error) {
      return await this.failAttempt(attempt, `the converter could not be reached: ${errorMessage(error)}`, true);
    }
    const current = this.stillRunning(attempt);
    if (!current) return;
    current.heartbeatAt = Date.now();
    this.save(current);
    await this.ctx.storage.setAlarm(Date.now() + POLL_MIN_MS);
  }

  private async poll(job: JobRecord): Promise<void> {
    const attempt = job.attempts;
    const timeoutMs = numberVar(this.env, 'JOB_HEARTBEAT_SECONDS') * 1000;
    let status: RunStatus;
    try {
      const response = await this.converter(job).fetch(`/runs/${job.id}?after=${job.cursor}`);
      if (response.status === 404) {
        await response.body?.cancel();
        return await this.failAttempt(attempt, 'the converter lost this attempt (it restarted or was replaced)', true);
      }
      if (!response.ok) throw new Error(`${response.status} ${(await response.text()).slice(0, 200)}`);
      status = await response.json<RunStatus>();
    } catch (error) {
      const current = this.stillRunning(attempt);
      if (!current) return;
      if (Date.now() - current.heartbeatAt > timeoutMs) {
        return await this.failAttempt(
          attempt,
          `no heartbeat from the converter for ${timeoutMs / 1000} s (${errorMessage(error)})`,
          true,
        );
      }
      await this.ctx.storage.setAlarm(Date.now() + POLL_MAX_MS);
      return;
    }
    const current = this.stillRunning(attempt);
    if (!current) return;
    if (status.attempt !== attempt)
      return await this.failAttempt(
        attempt,
        `the converter is running attempt ${status.attempt}, not ${attempt}`,
        true,
      );
    current.heartbeatAt = Date.now();
    const lines: string[] = [];
    let moved = false;
    for (const event of status.events) {
      current.cursor = Math.max(current.cursor, event.seq);
      if (event.type === 'log') lines.push(event.message);
      else {
        current.progress = Math.max(current.progress, Math.min(99, event.progress ?? current.progress));
        current.message = event.message;
        this.emit(current, 'progress');
        moved = true;
      }
    }
    if (lines.length) this.log(lines);
    current.pollMs = status.events.length ? POLL_MIN_MS : Math.min(POLL_MAX_MS, current.pollMs * 2);
    this.save(current);
    if (moved) await this.mirror(current);
    if (status.state === 'succeeded' && status.result) {
      return this.succeed(attempt, status.result);
    }
    if (status.state === 'failed')
      return this.failAttempt(
        attempt,
        status.error?.message ?? 'the conversion failed',
        status.error?.transient ?? false,
      );
    if (status.state === 'cancelled') return this.failAttempt(attempt, 'the converter cancelled this attempt', true);
    await this.ctx.storage.setAlarm(Date.now() + current.pollMs);
  }

  /** The work is done: the kind's completion step runs (a raster's STAC item), then the job has succeeded. */
  private async succeed(attempt: number, result: JobResult): Promise<void> {
    const job = this.stillRunning(attempt);
    if (!job) return;
    result.phases.queue = job.queueSeconds;
    const step = jobKind(job.kind).completion;
    if (step) {
      job.message = step.message;
      this.emit(job, 'progress');
      const started = Date.now();
      try {
        Object.assign(result, await step.run(this.kindContext(), job));
      } catch (error) {
        return this.failAttempt(attempt, errorMessage(error), !(error instanceof JobInputError));
      }
      result.phases[step.phase] = (Date.now() - started) / 1000;
    }
    const current = this.stillRunning(attempt);
    if (!current) return;
    Object.assign(current, {
      state: 'succeeded',
      progress: 100,
      message: 'done',
      result,
      error: null,
      finishedAt: Date.now(),
    });
    this.changeState(current);
    await this.ctx.storage.deleteAlarm();
    await this.mirror(current);
  }

  /** A transient failure is retried after 2^(n-1) × JOB_RETRY_BASE_SECONDS (n: this run's attempt), until the attempts run out. */
  private async failAttempt(attempt: number, reason: string, transient: boolean): Promise<void> {
    const job = this.stillRunning(attempt);
    if (!job) return;
    this.log([`attempt ${attempt} failed: ${reason}`]);
    const maxAttempts = numberVar(this.env, 'JOB_MAX_ATTEMPTS');
    const tried = job.attempts - job.attemptBase;
    if (transient && tried < maxAttempts) {
      const delay = numberVar(this.env, 'JOB_RETRY_BASE_SECONDS') * 1000 * 2 ** (tried - 1);
      job.state = 'queued';
      job.message = `attempt ${attempt} failed (${reason}); retrying in ${Math.round(delay / 1000)} s`;
      job.queuedAt = Date.now() + delay;
      this.changeState(job);
      await this.ctx.storage.setAlarm(job.queuedAt);
    } else {
      Object.assign(job, { state: 'failed', message: reason, error: reason, finishedAt: Date.now() });
      this.changeState(job);
      await this.ctx.storage.deleteAlarm();
    }
    await this.mirror(job);
  }

  private withDatabase<T>(use: (db: Database) => Promise<T>): Promise<T> {
    return withDatabase({ url: this.env.DATABASE_URL, driver: this.env.DB_DRIVER }, use);
  }

  /**
   * The `jobs` row and the product's status follow the job. They are a listing only (this object
   * owns the truth), so a database that is down does not stop the job.
   */
  private async mirror(job: JobRecord): Promise<void> {
    try {
      await this.withDatabase((db) => mirrorJob(db, job));
    } catch (error) {
      // The driver's own error (its wrapper repeats the whole statement and its parameters).
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      console.error('jobs row not updated', job.id, job.state, errorMessage(cause));
    }
  }
}
