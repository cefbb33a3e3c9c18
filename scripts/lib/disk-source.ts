import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { RangeResponse, Source } from 'pmtiles';

/** A PMTiles archive on local disk: the reference the tests and the bench compare R2 serving with. */
export class DiskSource implements Source {
  constructor(private readonly path: string) {}

  getKey(): string {
    return this.path;
  }

  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    const fd = openSync(this.path, 'r');
    try {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, fstatSync(fd).size - offset)));
      readSync(fd, buffer, 0, buffer.length, offset);
      return { data: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length) as ArrayBuffer };
    } finally {
      closeSync(fd);
    }
  }
}
