const CLEAR = 256;
const END = 257;
const FIRST_FREE = 258;
const MAX_CODES = 4096;

/**
 * TIFF's LZW (MSB-first codes of 9 to 12 bits, the width growing one code early as libtiff writes
 * it), decoded into `limit` bytes at most: past that the stream is a bomb or corrupt, and it is
 * refused rather than grown. geotiff's decoder has no such bound and builds a JavaScript array.
 */
export function decodeLzw(input: Uint8Array, limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  // Each code is a prefix code plus one byte; its string is found by walking prefixes back.
  const prefix = new Uint16Array(MAX_CODES);
  const suffix = new Uint8Array(MAX_CODES);
  const length = new Uint16Array(MAX_CODES);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    length[i] = 1;
  }
  let next = FIRST_FREE;
  let width = 9;
  let bitPos = 0;
  const totalBits = input.length * 8;
  let written = 0;
  let previous = -1;

  const read = (): number => {
    // A stream that ends without its end code ends there, as libtiff reads it.
    if (bitPos + width > totalBits) return END;
    let code = 0;
    for (let i = 0; i < width; i++, bitPos++) code = (code << 1) | ((input[bitPos >> 3]! >> (7 - (bitPos & 7))) & 1);
    return code;
  };
  /** Writes code's string; returns its first byte. */
  const emit = (code: number): number => {
    const n = length[code]!;
    if (written + n > limit) throw new RangeError(`LZW data decodes past the block's ${limit} bytes`);
    let c = code;
    for (let i = written + n - 1; i >= written; i--) {
      out[i] = suffix[c]!;
      c = prefix[c]!;
    }
    written += n;
    return out[written - n]!;
  };
  const add = (code: number, byte: number) => {
    if (next >= MAX_CODES) return;
    prefix[next] = code;
    suffix[next] = byte;
    length[next] = length[code]! + 1;
    next++;
  };

  for (let code = read(); code !== END; code = read()) {
    if (code === CLEAR) {
      next = FIRST_FREE;
      width = 9;
      previous = -1;
      continue;
    }
    if (previous === -1) {
      if (code > 255) throw new Error(`LZW code ${code} after a clear code`);
      emit(code);
    } else if (code < next) {
      add(previous, emit(code));
    } else if (code === next) {
      // The code being defined: the previous string and its own first byte.
      const first = emit(previous);
      if (written + 1 > limit) throw new RangeError(`LZW data decodes past the block's ${limit} bytes`);
      out[written++] = first;
      add(previous, first);
    } else {
      throw new Error(`LZW code ${code} is not yet defined`);
    }
    previous = code;
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return written === limit ? out : out.subarray(0, written);
}
