/** PackBits (Apple's run-length code), decoded into `limit` bytes at most. */
export function decodePackbits(input: Uint8Array, limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  let written = 0;
  const room = (n: number) => {
    if (written + n > limit) throw new RangeError(`PackBits data decodes past the block's ${limit} bytes`);
  };
  for (let i = 0; i < input.length;) {
    const header = (input[i++]! << 24) >> 24;
    if (header >= 0) {
      const n = header + 1;
      if (i + n > input.length) throw new RangeError('PackBits data ends inside a literal run');
      room(n);
      out.set(input.subarray(i, i + n), written);
      written += n;
      i += n;
    } else if (header !== -128) {
      const n = 1 - header;
      room(n);
      out.fill(input[i++] ?? 0, written, written + n);
      written += n;
    }
  }
  return written === limit ? out : out.subarray(0, written);
}
