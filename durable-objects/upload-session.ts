import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../workers/platform/env';
import { withDatabase } from '../workers/platform/db/client';
import { drain } from '../workers/platform/http/drain';
import { jobKindFor } from '../workers/jobs/kinds';
import { failure, type Outcome } from '../workers/platform/errors';
import { initialStatus } from '../workers/data-products/store';
import { mirrorUpload, recordCompletion } from '../workers/uploads/store';
import {
  DIGEST_NAMES,
  toBase64,
  type Checksum,
  type UploadStatus,
  type UploadTarget,
} from '../workers/engines/tus/protocol';

export interface UploadInit {
  id: string;
  userId: string;
  target: UploadTarget;
  /** The Upload-Metadata header as the client sent it (HEAD returns it verbatim). */
  metadata: string;
  length: number | null;
  maxSize: number;
  partSize: number;
  expirySeconds: number;
  /** A whole-file checksum from Upload-Metadata (`checksum: "sha256 <base64>"`), verified on completion. */
  fileChecksum: Checksum | null;
  /** Decided at creation, so a completion that is retried writes the same rows. */
  dataProductId: string;
  /** The job that turns the file into its product; none for raw files. */
  jobId: string | null;
  /** The Worker's origin, handed to the job for its converter's signed URLs. */
  origin: string;
}

/** Everything one upload is; kept as one SQLite row, rewritten on every change. */
interface UploadRecord extends UploadInit {
  offset: number;
  expiresAt: number;
  key: string;
  multipartUploadId: string | null;
  state: UploadStatus['state'];
  completed: boolean;
  error: string | null;
}

export interface Caller {
  userId: string;
  isAdmin: boolean;
}

export interface PatchRequest {
  offset: number;
  checksum?: Checksum;
  /** Upload-Length sent with a PATCH, for uploads created with Upload-Defer-Length. */
  length?: number;
}

/** SQLite rows hold at most 2 MB: buffered bytes are kept in rows of 1 MiB. */
const ROW_BYTES = 1024 * 1024;

/**
 * One tus upload (SQLite-backed). PATCHes are serialised; bytes are cut into equal R2 multipart
 * parts, and what does not fill a part is kept in this object's SQLite rows until the next PATCH.
 * An offset is acknowledged only once its bytes are in R2 or in SQLite (the output gate holds the
 * answer until the write is durable). An alarm expires an idle upload before R2's own 7-day limit.
 */
export class UploadSession extends DurableObject<Bindings> {
  /** A PATCH is streaming: another one for this upload waits for nothing and gets 423. */
  private busy = false;
  /** The tail as last committed, so consecutive PATCHes need not read it back from SQLite. */
  private cachedTail: Uint8Array | null = null;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS upload (k INTEGER PRIMARY KEY CHECK (k = 1), doc TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS parts (part_number INTEGER PRIMARY KEY, etag TEXT NOT NULL, size INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS tail (seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL);`);
  }

  private database() {
    return { url: this.env.DATABASE_URL, driver: this.env.DB_DRIVER };
  }

  private load(): UploadRecord | null {
    const row = this.ctx.storage.sql.exec<{ doc: string }>('SELECT doc FROM upload WHERE k = 1').toArray()[0];
    return row ? (JSON.parse(row.doc) as UploadRecord) : null;
  }

  private save(record: UploadRecord): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO upload (k, doc) VALUES (1, ?) ON CONFLICT (k) DO UPDATE SET doc = excluded.doc',
      JSON.stringify(record),
    );
  }

  private tail(): Uint8Array {
    if (this.cachedTail) return this.cachedTail;
    const rows = this.ctx.storage.sql.exec<{ bytes: ArrayBuffer }>('SELECT bytes FROM tail ORDER BY seq').toArray();
    const size = rows.reduce((n, r) => n + r.bytes.byteLength, 0);
    const out = new Uint8Array(size);
    let at = 0;
    for (const r of rows) {
      out.set(new Uint8Array(r.bytes), at);
      at += r.bytes.byteLength;
    }
    return out;
  }

  private appendTail(bytes: Uint8Array): void {
    const [{ next }] = this.ctx.storage.sql
      .exec<{ next: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM tail')
      .toArray() as [{ next: number }];
    for (let at = 0, seq = next; at < bytes.length; at += ROW_BYTES, seq++) {
      this.ctx.storage.sql.exec('INSERT INTO tail (seq, bytes) VALUES (?, ?)', seq, bytes.slice(at, at + ROW_BYTES));
    }
  }

  private parts(): R2UploadedPart[] {
    return this.ctx.storage.sql
      .exec<{ part_number: number; etag: string }>('SELECT part_number, etag FROM parts ORDER BY part_number')
      .toArray()
      .map((r) => ({ partNumber: r.part_number, etag: r.etag }));
  }

  private status(record: UploadRecord): UploadStatus {
    return {
      id: record.id,
      offset: record.offset,
      length: record.length,
      state: record.state,
      metadata: record.metadata,
      expiresAt: record.expiresAt,
      key: record.key,
      dataProductId: record.completed ? record.dataProductId : null,
      jobId: record.completed ? record.jobId : null,
      error: record.error,
    };
  }

  /** The record, if `caller` may touch it; an upload of someone else does not exist for them. */
  private access(caller: Caller): Outcome<UploadRecord> {
    const record = this.load();
    if (!record || (record.userId !== caller.userId && !caller.isAdmin)) return failure('not-found', 'No such upload.');
    if (record.state === 'terminated') return failure('not-found', 'This upload was terminated.');
    if (record.state === 'expired') return failure('upload-expired', 'This upload expired; start a new one.');
    return { ok: true, value: record };
  }

  /** Pushes expiry back: an upload expires once it has been idle for its expiry time. */
  private extend(record: UploadRecord): void {
    record.expiresAt = Date.now() + record.expirySeconds * 1000;
  }

  private async touch(record: UploadRecord): Promise<void> {
    this.extend(record);
    this.save(record);
    await this.ctx.storage.setAlarm(record.expiresAt);
  }

  async create(init: UploadInit): Promise<UploadStatus> {
    const existing = this.load();
    if (existing) return this.status(existing);
    const record: UploadRecord = {
      ...init,
      offset: 0,
      expiresAt: 0,
      key: `projects/${init.target.projectId}/uploads/${init.id}/${init.target.filename}`,
      multipartUploadId: null,
      state: 'created',
      completed: false,
      error: null,
    };
    await this.touch(record);
    if (record.length === 0) await this.complete(record);
    return this.status(record);
  }

  async head(caller: Caller): Promise<Outcome<UploadStatus>> {
    const access = this.access(caller);
    if (!access.ok) return access;
    // A completion cut short (the process died after the last byte) is finished by the next look at it.
    if (!access.value.completed && access.value.length !== null && access.value.offset === access.value.length)
      await this.complete(access.value);
    return { ok: true, value: this.status(access.value) };
  }

  async patch(
    caller: Caller,
    request: PatchRequest,
    body: ReadableStream<Uint8Array> | null,
  ): Promise<Outcome<UploadStatus>> {
    const refuse = async <T>(outcome: Outcome<T>): Promise<Outcome<T>> => {
      await drain(body);
      return outcome;
    };
    if (this.busy) return refuse(failure('upload-locked', 'Another PATCH of this upload is in progress.'));
    const access = this.access(caller);
    if (!access.ok) return refuse(access);
    const record = access.value;
    if (request.offset !== record.offset)
      return refuse(failure('conflict', `Upload-Offset is ${request.offset} but the upload is at ${record.offset}.`));
    if (request.length !== undefined) {
      if (record.length !== null && record.length !== request.length)
        return refuse(failure('bad-request', `Upload-Length is already ${record.length}.`));
      if (request.length < record.offset)
        return refuse(failure('bad-request', 'Upload-Length is less than what was already uploaded.'));
      if (request.length > record.maxSize)
        return refuse(failure('payload-too-large', `Uploads are limited to ${record.maxSize} bytes.`));
      record.length = request.length;
    }
    if (record.completed) return refuse({ ok: true, value: this.status(record) });
    this.busy = true;
    try {
      const outcome = await this.receive(record, request, body);
      if (outcome.ok && record.length !== null && record.offset === record.length) await this.complete(record);
      return outcome.ok ? { ok: true, value: this.status(record) } : outcome;
    } finally {
      this.busy = false;
    }
  }

  private multipart(record: UploadRecord): Promise<R2MultipartUpload> | R2MultipartUpload {
    if (record.multipartUploadId) return this.env.DATA.resumeMultipartUpload(record.key, record.multipartUploadId);
    return this.env.DATA.createMultipartUpload(record.key).then((upload) => {
      record.multipartUploadId = upload.uploadId;
      // Saved at once, so that expiry can abort it even if this PATCH never commits.
      this.save(record);
      return upload;
    });
  }

  /**
   * Streams a PATCH body into parts. Nothing is recorded until the end: with a checksum, only a
   * verified chunk counts; without one, whatever arrived before the client went away counts.
   */
  private async receive(
    record: UploadRecord,
    request: PatchRequest,
    body: ReadableStream<Uint8Array> | null,
  ): Promise<Outcome<null>> {
    const limit = record.length ?? record.maxSize;
    const old = this.tail();
    // Two part buffers: one uploading to R2 while the next fills from the request.
    const parts = {
      filling: new Uint8Array(record.partSize),
      spare: null as Uint8Array<ArrayBuffer> | null,
      inFlight: null as { upload: Promise<R2UploadedPart>; bytes: Uint8Array<ArrayBuffer> } | null,
    };
    parts.filling.set(old);
    let filled = old.length;
    let received = 0;
    const flushed: Array<R2UploadedPart & { size: number }> = [];
    let nextPart = (this.parts().at(-1)?.partNumber ?? 0) + 1;
    let upload: R2MultipartUpload | null = null;
    const settle = async () => {
      if (!parts.inFlight) return;
      flushed.push({ ...(await parts.inFlight.upload), size: record.partSize });
      parts.spare = parts.inFlight.bytes;
      parts.inFlight = null;
    };
    const digest = request.checksum ? new crypto.DigestStream(DIGEST_NAMES[request.checksum.algorithm]) : null;
    const hasher = digest?.getWriter();
    let interrupted = false;
    if (body) {
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (record.offset + received + value.length > limit) {
            await settle();
            reader.releaseLock();
            await drain(body);
            return record.length === null
              ? failure('payload-too-large', `Uploads are limited to ${record.maxSize} bytes.`)
              : failure('bad-request', `The chunk goes past Upload-Length (${record.length}).`);
          }
          await hasher?.write(value);
          received += value.length;
          for (let at = 0; at < value.length;) {
            const n = Math.min(record.partSize - filled, value.length - at);
            parts.filling.set(value.subarray(at, at + n), filled);
            filled += n;
            at += n;
            if (filled === record.partSize) {
              await settle();
              upload ??= await this.multipart(record);
              parts.inFlight = { upload: upload.uploadPart(nextPart, parts.filling), bytes: parts.filling };
              nextPart++;
              parts.filling = parts.spare ?? new Uint8Array(record.partSize);
              parts.spare = null;
              filled = 0;
            }
          }
        }
      } catch {
        // The client went away mid-chunk: keep what arrived (tus resumes from the new offset).
        interrupted = true;
      }
      await settle();
    }
    const buffer = parts.filling;
    if (hasher && digest && request.checksum) {
      if (interrupted)
        return failure('bad-request', 'The chunk was cut short, so its checksum cannot be verified; it was discarded.');
      await hasher.close();
      const actual = toBase64(await digest.digest);
      if (actual !== request.checksum.digest) {
        return failure(
          'checksum-mismatch',
          `Upload-Checksum does not match the chunk (${request.checksum.algorithm} ${actual}); it was discarded.`,
        );
      }
    }
    this.ctx.storage.transactionSync(() => {
      for (const part of flushed) {
        this.ctx.storage.sql.exec(
          'INSERT INTO parts (part_number, etag, size) VALUES (?, ?, ?) ON CONFLICT (part_number) DO UPDATE ' +
            'SET etag = excluded.etag, size = excluded.size',
          part.partNumber,
          part.etag,
          part.size,
        );
      }
      if (flushed.length) {
        this.ctx.storage.sql.exec('DELETE FROM tail');
        this.appendTail(buffer.subarray(0, filled));
      } else this.appendTail(buffer.subarray(old.length, filled));
      record.offset += received;
      record.state = 'uploading';
      this.extend(record);
      this.save(record);
    });
    this.cachedTail = buffer.slice(0, filled);
    await this.ctx.storage.setAlarm(record.expiresAt);
    return { ok: true, value: null };
  }

  /**
   * Assembles the object, checks it, and records it (idempotent: a retry after a crash at any
   * point finishes the job without duplicating anything).
   */
  private async complete(record: UploadRecord): Promise<void> {
    if (record.completed) return;
    const bucket = this.env.DATA;
    const existing = await bucket.head(record.key);
    if (!existing || existing.size !== record.length) {
      const tail = this.tail();
      let parts = this.parts();
      if (parts.length === 0) {
        await bucket.put(record.key, tail);
        if (record.multipartUploadId)
          await bucket
            .resumeMultipartUpload(record.key, record.multipartUploadId)
            .abort()
            .catch(() => undefined);
      } else {
        const upload = await this.multipart(record);
        if (tail.length) {
          const last = await upload.uploadPart(parts.at(-1)!.partNumber + 1, tail);
          this.ctx.storage.sql.exec(
            'INSERT INTO parts (part_number, etag, size) VALUES (?, ?, ?)',
            last.partNumber,
            last.etag,
            tail.length,
          );
          this.ctx.storage.sql.exec('DELETE FROM tail');
          this.cachedTail = null;
          parts = this.parts();
        }
        await upload.complete(parts);
      }
    }
    const object = await bucket.head(record.key);
    if (!object || object.size !== record.length) {
      return this.fail(record, `The assembled object has ${object?.size ?? 0} bytes, not ${record.length}.`);
    }
    if (record.fileChecksum) {
      const body = await bucket.get(record.key);
      const digest = new crypto.DigestStream(DIGEST_NAMES[record.fileChecksum.algorithm]);
      await body!.body.pipeTo(digest);
      const actual = toBase64(await digest.digest);
      if (actual !== record.fileChecksum.digest) {
        await bucket.delete(record.key);
        return this.fail(
          record,
          `The file's ${record.fileChecksum.algorithm} is ${actual}, not ${record.fileChecksum.digest} as its metadata says; it was deleted.`,
        );
      }
    }
    await this.register(record);
    this.ctx.storage.sql.exec('DELETE FROM tail');
    this.cachedTail = null;
    this.ctx.storage.sql.exec('DELETE FROM parts');
    record.completed = true;
    record.state = 'completed';
    this.save(record);
    await this.ctx.storage.deleteAlarm();
  }

  /**
   * The upload and its data product in Postgres (each written once), then its job started (a job
   * that exists is left as it is), so a completion retried after a crash writes and starts nothing twice.
   */
  private async register(record: UploadRecord): Promise<void> {
    const t = record.target;
    const kind = jobKindFor(t.type);
    await withDatabase(this.database(), (db) =>
      recordCompletion(db, record, {
        id: record.dataProductId,
        projectId: t.projectId,
        flightId: t.flightId,
        type: t.type,
        status: initialStatus(kind !== null),
        r2Key: record.key,
        filename: t.filename,
      }),
    );
    if (!kind || !record.jobId) return;
    await this.env.JOBS.get(this.env.JOBS.idFromName(record.jobId)).start({
      id: record.jobId,
      kind,
      uploadId: record.id,
      origin: record.origin,
      input: {
        key: record.key,
        filename: t.filename,
        projectId: t.projectId,
        dataProductId: record.dataProductId,
        productType: t.type,
      },
    });
  }

  private async fail(record: UploadRecord, error: string): Promise<void> {
    record.state = 'failed';
    record.error = error;
    this.save(record);
    await this.ctx.storage.deleteAlarm();
    await this.mirror(record);
  }

  /**
   * Keeps the `uploads` row's state in step. It is a listing only (this object owns the truth), so a
   * database that is down does not stop an upload from being expired or terminated.
   */
  private async mirror(record: UploadRecord): Promise<void> {
    try {
      await withDatabase(this.database(), (db) => mirrorUpload(db, record));
    } catch (error) {
      console.error('uploads row not updated', record.id, record.state, (error as Error).message);
    }
  }

  /** Frees everything the upload holds in R2 and here: its multipart upload and its buffered bytes. */
  private async release(record: UploadRecord, state: 'expired' | 'terminated'): Promise<void> {
    if (record.multipartUploadId) {
      await this.env.DATA.resumeMultipartUpload(record.key, record.multipartUploadId)
        .abort()
        .catch(() => undefined);
    }
    this.cachedTail = null;
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec('DELETE FROM tail');
      this.ctx.storage.sql.exec('DELETE FROM parts');
      record.state = state;
      this.save(record);
    });
    await this.ctx.storage.deleteAlarm();
    await this.mirror(record);
  }

  async terminate(caller: Caller): Promise<Outcome<null>> {
    if (this.busy) return failure('upload-locked', 'A PATCH of this upload is in progress.');
    const access = this.access(caller);
    if (!access.ok) return access;
    if (access.value.completed) return failure('conflict', 'This upload is complete; delete its data product instead.');
    await this.release(access.value, 'terminated');
    return { ok: true, value: null };
  }

  override async alarm(): Promise<void> {
    const record = this.load();
    if (
      !record ||
      record.completed ||
      record.state === 'expired' ||
      record.state === 'terminated' ||
      record.state === 'failed'
    )
      return;
    if (record.length !== null && record.offset === record.length) return this.complete(record);
    if (Date.now() < record.expiresAt) {
      await this.ctx.storage.setAlarm(record.expiresAt);
      return;
    }
    await this.release(record, 'expired');
  }
}
