import { ApiError } from './problem';

/**
 * One HTTP byte range (RFC 9110 §14) against an object of `size` bytes: `bytes=a-b`, `bytes=a-`
 * or `bytes=-n`. Several ranges are answered whole (allowed by the RFC); an unsatisfiable one is a 416.
 */
export function parseRange(header: string | undefined, size: number): { offset: number; length: number } | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  const unsatisfiable = () =>
    new ApiError(416, 'range-not-satisfiable', `The object has ${size} bytes.`, {
      headers: { 'content-range': `bytes */${size}` },
    });
  if (match[1] === '') {
    const suffix = Math.min(Number(match[2]), size);
    if (suffix === 0) throw unsatisfiable();
    return { offset: size - suffix, length: suffix };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) throw unsatisfiable();
  return { offset: start, length: end - start + 1 };
}
