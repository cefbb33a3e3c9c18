import { Upload, type DetailedError } from 'tus-js-client';
import { api, must } from '../api/client';
import { fileChecksum } from './checksum';
import { uploadLimits, type UploadLimits } from './limits';
import { SpeedMeter } from './speed';
import { ENDPOINT, discard, earlierUploadOf, signRequest, uploadIdOf, type StoredUpload } from './stored-uploads';
import { retryNote, tooLarge, uploadFailure, worthRetrying } from './upload-errors';
import { announceUpload } from './upload-events';
import { guessType, isChosenType, type ChosenType } from './upload-types';
import { asError } from '../ui/as-error';

/**
 * Waits before each try after a failure, in ms. tus-js-client starts over from the first delay once
 * bytes go through again, so these only have to outlast one outage: about ten minutes in all.
 */
const RETRY_DELAYS = [0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000, 60_000, 60_000, 120_000, 120_000, 180_000];

export type Phase =
  | 'checking' // looking for an earlier, unfinished upload of the same file
  | 'ready' // waiting for the person to choose its type and start
  | 'queued' // waiting for another upload to finish
  | 'hashing'
  | 'uploading'
  | 'retrying'
  | 'paused'
  | 'finishing' // asking the server what became of the file
  | 'done'
  | 'failed'
  | 'cancelled';

const ACTIVE: ReadonlySet<Phase> = new Set(['hashing', 'uploading', 'retrying', 'finishing']);

/** What the server made of a finished upload. */
export interface UploadResult {
  dataProductId: string | null;
  jobId: string | null;
}

export interface UploadState {
  phase: Phase;
  type: ChosenType;
  /** Bytes sent (the server has at least those acknowledged before them). */
  loaded: number;
  /** Smoothed bytes per second while sending; null before it is measured. */
  speed: number | null;
  /** How much the server already held when this took up an earlier upload (0–1), else null. */
  resumedFrom: number | null;
  /** What is happening when the phase alone does not say it (the wait before a retry). */
  note: string | null;
  error: string | null;
  /** The upload exists on the server, so its type is settled. */
  created: boolean;
  result: UploadResult | null;
}

/** One file going to a flight over tus: its state, observed by the list that shows it. */
export class FileUpload {
  readonly key = crypto.randomUUID();
  private current: UploadState;
  private tus: Upload | null = null;
  private earlier: StoredUpload | null = null;
  private limits: UploadLimits | null = null;
  private readonly meter = new SpeedMeter();

  constructor(
    readonly file: File,
    readonly projectId: string,
    readonly flightId: string,
    private readonly changed: (upload: FileUpload) => void,
  ) {
    const base = { loaded: 0, speed: null, resumedFrom: null, note: null, error: null, result: null };
    this.current = { ...base, phase: 'checking', type: guessType(file.name), created: false };
  }

  get state(): UploadState {
    return this.current;
  }

  get active(): boolean {
    return ACTIVE.has(this.current.phase);
  }

  /** The upload's address on the server, once it has one (taken up or created). */
  get uploadUrl(): string | null {
    return this.tus?.url ?? this.earlier?.previous.uploadUrl ?? null;
  }

  private set(next: Partial<UploadState>): void {
    this.current = { ...this.current, ...next };
    this.changed(this);
  }

  /** Looks for an unfinished upload of the same file into this flight; if there is one, goes on with it. */
  async prepare(): Promise<void> {
    try {
      this.earlier = await earlierUploadOf(this.file, this.flightId);
    } catch {
      // Storage or the status check failed: the upload simply starts afresh.
      this.earlier = null;
    }
    if (!this.earlier) return this.set({ phase: 'ready' });
    const { status, previous } = this.earlier;
    const type = previous.metadata.type ?? '';
    const share = status.length ? status.offset / status.length : 0;
    // The person already started this file once: dropping it again means go on, as it was.
    this.set({
      phase: 'queued',
      type: isChosenType(type) ? type : this.current.type,
      created: true,
      loaded: status.offset,
      resumedFrom: share,
    });
  }

  setType(type: ChosenType): void {
    if (this.current.created) return;
    // Not on the server yet: the next start creates it with the new type.
    this.tus = null;
    this.set({ type, error: null });
  }

  /** Queues the upload (or its resumption); the list starts it when a slot is free. */
  start(): void {
    if (['ready', 'paused', 'failed'].includes(this.current.phase)) this.set({ phase: 'queued', error: null });
  }

  /** Sends it: called by the list when its turn comes. Moves out of `queued` at once. */
  async run(): Promise<void> {
    this.set({ phase: this.tus || this.earlier ? 'uploading' : 'hashing', note: null });
    try {
      this.limits ??= await uploadLimits();
      if (this.file.size > this.limits.maxSize) return this.fail(tooLarge(this.file.name, this.limits.maxSize));
      this.tus ??= await this.makeTus(this.limits);
    } catch (error) {
      return this.fail(asError(error).message);
    }
    if (this.current.phase === 'cancelled' || this.current.phase === 'paused') return;
    this.meter.reset();
    this.set({ phase: 'uploading' });
    this.tus.start();
  }

  private async makeTus(limits: UploadLimits): Promise<Upload> {
    const metadata: Record<string, string> = this.earlier
      ? { ...this.earlier.previous.metadata }
      : {
          project: this.projectId,
          flight: this.flightId,
          type: this.current.type,
          filename: this.file.name,
        };
    if (!this.earlier) {
      const checksum = await fileChecksum(this.file);
      if (checksum) metadata.checksum = checksum;
    }
    const tus = new Upload(this.file, {
      endpoint: ENDPOINT,
      chunkSize: limits.chunkSize,
      retryDelays: RETRY_DELAYS,
      metadata,
      removeFingerprintOnSuccess: true,
      onBeforeRequest: signRequest,
      onUploadUrlAvailable: () => this.set({ created: true }),
      onProgress: (sent) => this.set({ phase: 'uploading', note: null, loaded: sent, speed: this.meter.sample(sent) }),
      onShouldRetry: (error, attempt) => this.retrying(error, attempt),
      onError: (error) => this.fail(uploadFailure(error, this.failureContext())),
      onSuccess: () => void this.finish(),
    });
    if (this.earlier) tus.resumeFromPreviousUpload(this.earlier.previous);
    return tus;
  }

  private failureContext() {
    return { filename: this.file.name, type: this.current.type, maxSize: this.limits?.maxSize ?? null };
  }

  private retrying(error: DetailedError, attempt: number): boolean {
    if (!worthRetrying(error)) return false;
    this.meter.reset();
    this.set({ phase: 'retrying', speed: null, note: retryNote(error, RETRY_DELAYS, attempt) });
    return true;
  }

  private fail(message: string): void {
    this.set({ phase: 'failed', error: message, note: null, speed: null });
  }

  private async finish(): Promise<void> {
    this.set({ phase: 'finishing', loaded: this.file.size, speed: null });
    try {
      const status = await must(
        api.GET('/uploads/{uploadId}', { params: { path: { uploadId: uploadIdOf(this.tus!.url!) } } }),
      );
      if (status.state === 'failed') return this.fail(`The server could not keep the file: ${status.error ?? ''}`);
      const result = { dataProductId: status.dataProductId, jobId: status.jobId };
      this.set({ phase: 'done', result });
      announceUpload({ flightId: this.flightId, ...result });
    } catch (error) {
      this.fail(`Uploaded, but its status could not be read: ${asError(error).message}`);
    }
  }

  async pause(): Promise<void> {
    this.set({ phase: 'paused', speed: null, note: null });
    await this.tus?.abort();
  }

  /** Stops the upload and deletes what the server holds of it; the list drops it once that is done. */
  async cancel(): Promise<void> {
    const { tus, earlier } = this;
    let error: string | null = null;
    try {
      if (tus) await tus.abort(true);
      else if (earlier) await discard(earlier);
    } catch (e) {
      const why = asError(e).message;
      error = `Stopped, but the server could not be told to delete it (${why}); it expires within a day.`;
    }
    this.set({ phase: 'cancelled', speed: null, note: null, error });
  }
}
