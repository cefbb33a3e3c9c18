import type { ChildProcess } from 'node:child_process';
import type { RunEvent, RunPhase, RunRequest, RunResult, RunState, RunStatus } from '../../../workers/jobs/protocol';

/** Lines of output kept per run (GDAL can be chatty); the Job keeps its own bounded log. */
const MAX_EVENTS = 2000;

/** A failure worth another attempt (a lost connection, the Worker briefly away), as opposed to bad input. */
export class TransientError extends Error {}

/** The run was cancelled: whatever it was doing stops, and nothing more is written. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

/**
 * One attempt of one job inside the converter: its events (progress and log lines), the child
 * processes it runs (killed on cancel), and how it ended. Held in memory only: a converter that
 * restarts has no runs, and the Job sees that as a lost attempt and retries.
 */
export class Run {
  state: RunState = 'running';
  result?: RunResult;
  error?: { message: string; transient: boolean };
  readonly abort = new AbortController();
  private readonly events: RunEvent[] = [];
  private seq = 0;
  private readonly children = new Set<ChildProcess>();
  private phase: RunPhase | undefined;
  private phaseStarted = 0;
  readonly phases: Partial<Record<RunPhase, number>> = {};

  constructor(readonly request: RunRequest) {}

  get jobId(): string {
    return this.request.jobId;
  }

  private push(event: Omit<RunEvent, 'seq' | 'at'>): void {
    this.events.push({ seq: ++this.seq, at: Date.now(), ...event });
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
  }

  progress(progress: number, message: string): void {
    this.check();
    this.push({
      type: 'progress',
      progress: Math.round(progress),
      message,
      ...(this.phase ? { phase: this.phase } : {}),
    });
  }

  /** Paths of this machine that the job's log names: shown to the project's readers as `<work>`. */
  private readonly hidden: string[] = [];

  /**
   * Keeps `path` out of every log line and error from now on. A job's log is for the project's
   * readers (GDAL's own words help them), the converter's file system is not.
   */
  hide(path: string): void {
    this.hidden.push(path);
  }

  private redact(text: string): string {
    return this.hidden.reduce((out, path) => out.split(path).join('<work>'), text);
  }

  log(message: string): void {
    if (message.trim()) this.push({ type: 'log', message: this.redact(message).slice(0, 2000) });
  }

  /** Starts timing a phase (the time of the one before is added to its total). */
  enter(phase: RunPhase): void {
    this.closePhase();
    this.phase = phase;
    this.phaseStarted = performance.now();
  }

  private closePhase(): void {
    if (this.phase)
      this.phases[this.phase] = (this.phases[this.phase] ?? 0) + (performance.now() - this.phaseStarted) / 1000;
    this.phase = undefined;
  }

  /** Throws once the run is cancelled, so steps stop between their commands too. */
  check(): void {
    if (this.abort.signal.aborted) throw new CancelledError();
  }

  adopt(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  cancel(): void {
    if (this.state !== 'running') return;
    this.abort.abort();
    for (const child of this.children) child.kill('SIGKILL');
    this.state = 'cancelled';
  }

  succeed(result: Omit<RunResult, 'phases'>): void {
    this.closePhase();
    if (this.state !== 'running') return;
    this.result = { ...result, phases: this.phases };
    this.state = 'succeeded';
  }

  fail(error: unknown): void {
    this.closePhase();
    if (this.state !== 'running') return;
    const message = this.redact(error instanceof Error ? error.message : String(error));
    this.error = { message, transient: error instanceof TransientError };
    this.log(`failed: ${message}`);
    this.state = 'failed';
  }

  status(after: number): RunStatus {
    return {
      jobId: this.jobId,
      attempt: this.request.attempt,
      state: this.state,
      events: this.events.filter((e) => e.seq > after),
      ...(this.result ? { result: this.result } : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }
}
