/**
 * A least-recently-used map bounded by the bytes its values hold, for per-isolate caches (COG
 * headers, COG tile bytes, rendered tiles). Insertion order is recency: a hit moves the entry to the
 * end. A value over `largest` bytes is not kept, so one big value cannot push out many small ones.
 */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(
    readonly capacity: number,
    private readonly largest = Infinity,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.largest) return;
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.capacity || oldest === key) break;
      this.entries.delete(oldest);
      this.total -= entry.bytes;
    }
  }

  /** Corrects the size of `key` once it is known, if it still holds `value`. */
  resize(key: string, value: V, bytes: number): void {
    if (this.entries.get(key)?.value === value) this.set(key, value, bytes);
  }

  /** Drops `key`; with `only`, just while it still holds that value (not a newer one). */
  delete(key: string, only?: V): void {
    const entry = this.entries.get(key);
    if (!entry || (only !== undefined && entry.value !== only)) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
  }
}
