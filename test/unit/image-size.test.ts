import { describe, expect, it } from 'vitest';
import { TileType } from 'pmtiles';
import { imageWidth, isRasterTileType } from '../../workers/engines/pmtiles/image-size';

const bytes = (...parts: Array<string | number[]>) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe('the width of a raster tile, from its image header', () => {
  it('PNG: IHDR', () => {
    const png = bytes(
      [0x89],
      'PNG',
      [13, 10, 26, 10],
      [0, 0, 0, 13],
      'IHDR',
      [0, 0, 1, 0],
      [0, 0, 1, 0],
      [8, 6, 0, 0, 0],
    );
    expect(imageWidth(TileType.Png, png)).toBe(256);
  });

  it('JPEG: the first start-of-frame segment, after others (APP0, DHT)', () => {
    const jpeg = bytes(
      [0xff, 0xd8],
      [0xff, 0xe0, 0, 4, 0, 0],
      [0xff, 0xc4, 0, 3, 0],
      [0xff, 0xc2, 0, 11, 8, 0x01, 0x00, 0x02, 0x00, 3, 0, 0, 0],
    );
    expect(imageWidth(TileType.Jpeg, jpeg)).toBe(512);
  });

  it('WebP: lossy, lossless and extended', () => {
    const riff = (chunk: string, body: number[]) => bytes('RIFF', [0, 0, 0, 0], 'WEBP', chunk, [0, 0, 0, 0], body);
    expect(imageWidth(TileType.Webp, riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x00, 0x02, 0x00, 0x02]))).toBe(512);
    // VP8L: signature 0x2f, then width − 1 in 14 bits.
    expect(imageWidth(TileType.Webp, riff('VP8L', [0x2f, 0xff, 0x00, 0, 0, 0, 0, 0, 0, 0]))).toBe(256);
    expect(imageWidth(TileType.Webp, riff('VP8X', [0, 0, 0, 0, 0xff, 0x01, 0, 0xff, 0x01, 0]))).toBe(512);
  });

  it('AVIF: the ispe property', () => {
    expect(
      imageWidth(TileType.Avif, bytes([0, 0, 0, 20], 'ftypavif', [0, 0, 0, 20], 'ispe', [0, 0, 0, 0], [0, 0, 2, 0])),
    ).toBe(512);
  });

  it('says nothing of what it cannot read, nor of vector tiles', () => {
    expect(imageWidth(TileType.Png, bytes('not an image at all, not at all'))).toBeNull();
    expect(imageWidth(TileType.Jpeg, bytes([0xff, 0xd8, 0x00]))).toBeNull();
    expect(imageWidth(TileType.Mvt, bytes([0x1a, 0x2f]))).toBeNull();
    expect(isRasterTileType(TileType.Mvt)).toBe(false);
    expect(isRasterTileType(TileType.Webp)).toBe(true);
  });
});
