/**
 * A bounded map whose entries expire, for what an isolate may remember for a short, stated time
 * (who a credential is, who may read what). It keeps the promise of a lookup, not its result, so
 * the dozens of tile requests a map fires at once share one database query; a lookup that fails is
 * forgotten at once. Insertion order is recency; past `maxEntries` the least recent go.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; expires: number; settled: boolean }>();

  constructor(private readonly maxEntries: number) {}

  /**
   * The value kept for `key` while it is fresh, else the one `load` gives. `fresh` says whether the
   * answer was already there (false when this call loaded it or waited for another call's load).
   */
  async get(
    key: string,
    ttlMs: number,
    load: () => Promise<V>,
    keep: (value: V) => boolean = () => true,
  ): Promise<{ value: V; fresh: boolean }> {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && entry.expires > now) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      const fresh = entry.settled;
      return { value: await entry.value, fresh };
    }
    const value = load();
    const created = { value, expires: now + ttlMs, settled: false };
    this.entries.delete(key);
    this.entries.set(key, created);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    try {
      const loaded = await value;
      created.settled = true;
      if (!keep(loaded)) this.forget(key, value);
      return { value: loaded, fresh: false };
    } catch (error) {
      this.forget(key, value);
      throw error;
    }
  }

  private forget(key: string, value: Promise<V>): void {
    if (this.entries.get(key)?.value === value) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
