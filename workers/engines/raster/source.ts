/**
 * Byte-range access to one object, PMTiles-style: every read names the etag it expects, so a file
 * replaced between two reads is detected instead of being mixed with the old one.
 */
export interface Source {
  /** Stable identity of the object (its bucket key). */
  readonly key: string;
  getBytes(offset: number, length: number, signal?: AbortSignal, etag?: string): Promise<RangeResponse>;
}

export interface RangeResponse {
  data: ArrayBuffer;
  etag: string;
  /** Size of the whole object. */
  size: number;
}

/** The object changed (or vanished) since its header was read: re-open it and try again. */
export class EtagMismatch extends Error {}

export class ObjectNotFound extends Error {}

/** Counts what a request cost, for Server-Timing, the tests and the bench. */
export class ReadStats {
  reads = 0;
  bytes = 0;
  /** Time with at least one read in flight: reads made side by side count once. */
  millis = 0;
  private inFlight = 0;
  private since = 0;

  async time<T>(read: () => Promise<T>): Promise<T> {
    if (this.inFlight++ === 0) this.since = performance.now();
    try {
      return await read();
    } finally {
      if (--this.inFlight === 0) this.millis += performance.now() - this.since;
    }
  }
}

export class R2Source implements Source {
  constructor(
    private readonly bucket: R2Bucket,
    readonly key: string,
    private readonly stats: ReadStats = new ReadStats(),
  ) {}

  /** The body is read inside the timing: R2 streams it, so its arrival is part of the read. */
  getBytes(offset: number, length: number, _signal?: AbortSignal, etag?: string): Promise<RangeResponse> {
    return this.stats.time(async () => {
      const object = await this.bucket.get(this.key, {
        range: { offset, length },
        onlyIf: etag ? { etagMatches: etag } : undefined,
      });
      this.stats.reads += 1;
      if (!object) throw new ObjectNotFound(this.key);
      // With onlyIf, R2 answers a failed precondition with the object's metadata and no body.
      if (!('body' in object)) throw new EtagMismatch(this.key);
      const data = await object.arrayBuffer();
      this.stats.bytes += data.byteLength;
      return { data, etag: object.etag, size: object.size };
    });
  }
}
