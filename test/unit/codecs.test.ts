import { describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { decodeLzw } from '../../workers/engines/raster/codecs/lzw';
import { decodePackbits } from '../../workers/engines/raster/codecs/packbits';
import {
  jpegScans,
  jpegSize,
  lercExtent,
  webpSize,
  zstdContentSize,
} from '../../workers/engines/raster/codecs/declared-size';
import { lzwBombCodes, lzwStream } from '../../scripts/lib/hostile-files';

describe('bounded codecs', () => {
  it("PackBits decodes Apple's example (TN1023) and stops at the block's size", () => {
    const packed = Uint8Array.from([
      0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa,
    ]);
    const expected = [
      0xaa,
      0xaa,
      0xaa,
      0x80,
      0x00,
      0x2a,
      0xaa,
      0xaa,
      0xaa,
      0xaa,
      0x80,
      0x00,
      0x2a,
      0x22,
      ...Array(10).fill(0xaa),
    ];
    expect([...decodePackbits(packed, 24)]).toEqual(expected);
    expect(() => decodePackbits(packed, 23)).toThrow(/past the block's 23 bytes/);
    // 64 KiB of runs of 128 zeros unpack to 4 MiB: refused at a 64 KiB block.
    const bomb = new Uint8Array(65536).map((_, i) => (i % 2 === 0 ? 0x81 : 0));
    expect(() => decodePackbits(bomb, 65536)).toThrow(RangeError);
  });

  it('LZW decodes literal, repeated and self-referencing codes, and stops at the block size', () => {
    // "ABABABA": A, B (defines AB = 258), AB (defines BA = 259), ABA (260, the code being defined), end.
    const stream = lzwStream([256, 65, 66, 258, 260, 257]);
    expect(new TextDecoder().decode(decodeLzw(stream, 7))).toBe('ABABABA');
    expect(() => decodeLzw(stream, 6)).toThrow(/past the block's 6 bytes/);
    const bomb = lzwStream(lzwBombCodes());
    expect(bomb.length).toBeLessThan(7000);
    expect(() => decodeLzw(bomb, 65536)).toThrow(RangeError);
  });

  it('read the size a stream declares from its header', () => {
    // JPEG: SOI, then SOF0 with height 300, width 200.
    expect(
      jpegSize(
        Uint8Array.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x2c, 0x00, 0xc8, 0x03, 0, 0, 0, 0, 0, 0, 0]),
      ),
    ).toEqual({ width: 200, height: 300 });
    expect(jpegSize(Uint8Array.from([0xff, 0xd8, 0x00, 0x00]))).toBeNull();
    // Start-of-scan markers count; a stuffed 0xFF 0x00 in the data does not.
    expect(jpegScans(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0x12, 0xff, 0x00, 0xff, 0xda, 0xff, 0xd9]))).toBe(2);
    // WebP lossless (VP8L): 14-bit width − 1 and height − 1 after the signature byte 0x2f.
    const vp8l = new Uint8Array(30);
    vp8l.set(new TextEncoder().encode('RIFF'), 0);
    vp8l.set(new TextEncoder().encode('WEBPVP8L'), 8);
    vp8l[20] = 0x2f;
    new DataView(vp8l.buffer).setUint32(21, 511 | (255 << 14), true);
    expect(webpSize(vp8l)).toEqual({ width: 512, height: 256 });
    // Zstandard: a single-segment frame with a 4-byte content size of 70000.
    const frame = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0x70, 0x11, 0x01, 0x00]);
    expect(zstdContentSize(frame)).toBe(70000);
    expect(zstdContentSize(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00]))).toBeNull();
  });

  it('measure every plane of a LERC2 blob and where it ends', () => {
    // Version 3 header: 256 × 128 float32 (type 6), 90 bytes in all, followed by zeros.
    const blob = new Uint8Array(200);
    const view = new DataView(blob.buffer);
    blob.set(new TextEncoder().encode('Lerc2 '));
    view.setInt32(6, 3, true);
    view.setUint32(14, 128, true);
    view.setUint32(18, 256, true);
    view.setInt32(26, 8, true);
    view.setInt32(30, 90, true);
    view.setInt32(34, 6, true);
    expect(lercExtent(blob)).toEqual({ bytes: 128 * 256 * 4, end: 90, type: 6 });
    // A micro block of 8192² would be allocated before anything is decoded.
    view.setInt32(26, 8192, true);
    expect(lercExtent(blob)).toBeNull();
    expect(lercExtent(deflateSync(blob))).toBeNull();
  });
});
