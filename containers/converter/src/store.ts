import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { TransientError, type Run } from './run';

/** Outputs larger than this go up as multipart uploads (Cloudflare refuses request bodies over 100 MB). */
const DEFAULT_PART_SIZE = 64 * 1024 * 1024;

export interface StoredObject {
  key: string;
  size: number;
  sha256: string;
}

/**
 * The bucket as the converter sees it: job-scoped signed URLs served by the Worker
 * (`{baseUrl}/objects/{key}?token=…`). Files stream to and from disk; nothing is held whole in memory.
 */
export class SignedUrlStore {
  private readonly partSize: number;

  constructor(
    private readonly run: Run,
    private readonly baseUrl: string,
    private readonly token: string,
  ) {
    const configured = Number(process.env.CONVERTER_PART_SIZE);
    this.partSize = Number.isFinite(configured) && configured >= 5 * 1024 * 1024 ? configured : DEFAULT_PART_SIZE;
  }

  url(path: string, key: string, query: Record<string, string> = {}): string {
    const params = new URLSearchParams({ ...query, token: this.token });
    return `${this.baseUrl}/${path}/${key.split('/').map(encodeURIComponent).join('/')}?${params}`;
  }

  private async call(url: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Response> {
    this.run.check();
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: this.run.abort.signal });
    } catch (error) {
      this.run.check();
      throw new TransientError(`the bucket could not be reached: ${(error as Error).message}`);
    }
    if (response.ok) return response;
    const detail = await response.text().catch(() => '');
    const message = `${init.method ?? 'GET'} ${new URL(url).pathname} answered ${response.status}: ${detail.slice(0, 300)}`;
    // A server error is worth another attempt; a refusal (403, 404, 413) is not.
    throw response.status >= 500 || response.status === 429 ? new TransientError(message) : new Error(message);
  }

  async download(key: string, path: string): Promise<number> {
    const response = await this.call(this.url('objects', key));
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(path), {
      signal: this.run.abort.signal,
    });
    return (await stat(path)).size;
  }

  async upload(key: string, path: string, contentType: string): Promise<StoredObject> {
    const { size } = await stat(path);
    const sha256 = await fileSha256(path);
    if (size <= this.partSize) {
      await this.put(this.url('objects', key), path, 0, size, contentType);
      return { key, size, sha256 };
    }
    const created = await this.call(this.url('multipart', key), {
      method: 'POST',
      headers: { 'content-type': contentType },
    });
    const { uploadId } = (await created.json()) as { uploadId: string };
    const parts: Array<{ partNumber: number; etag: string }> = [];
    for (let start = 0, partNumber = 1; start < size; start += this.partSize, partNumber++) {
      const length = Math.min(this.partSize, size - start);
      const response = await this.put(
        this.url('multipart', key, { uploadId, partNumber: String(partNumber) }),
        path,
        start,
        length,
        'application/octet-stream',
      );
      parts.push((await response.json()) as { partNumber: number; etag: string });
    }
    await this.call(this.url('multipart', key, { uploadId, complete: '1' }), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ parts }),
    });
    return { key, size, sha256 };
  }

  private put(url: string, path: string, start: number, length: number, contentType: string): Promise<Response> {
    const body =
      length === 0
        ? ''
        : (Readable.toWeb(
            createReadStream(path, { start, end: start + length - 1 }),
          ) as unknown as ReadableStream<Uint8Array>);
    return this.call(url, {
      method: 'PUT',
      headers: { 'content-type': contentType, 'content-length': String(length) },
      body,
      duplex: 'half',
    });
  }
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
