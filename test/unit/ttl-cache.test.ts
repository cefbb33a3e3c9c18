import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../workers/platform/util/ttl-cache';

describe('TtlCache (what an isolate remembers about access)', () => {
  it('loads once for concurrent callers, then answers from memory until the entry expires', async () => {
    const cache = new TtlCache<number>(10);
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((r) => setTimeout(r, 5));
      return loads;
    };
    const first = await Promise.all([cache.get('k', 50, load), cache.get('k', 50, load), cache.get('k', 50, load)]);
    expect(loads).toBe(1);
    expect(first.map((r) => r.value)).toEqual([1, 1, 1]);
    // The callers that waited for another's load did wait on it: not fresh.
    expect(first.every((r) => !r.fresh)).toBe(true);
    expect(await cache.get('k', 50, load)).toEqual({ value: 1, fresh: true });
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.get('k', 50, load)).toEqual({ value: 2, fresh: false });
    expect(loads).toBe(2);
  });

  it('forgets failed loads and values it is told not to keep', async () => {
    const cache = new TtlCache<string | null>(10);
    await expect(cache.get('k', 1000, () => Promise.reject(new Error('database down')))).rejects.toThrow(
      'database down',
    );
    expect(await cache.get('k', 1000, async () => 'up')).toEqual({ value: 'up', fresh: false });
    const pending = () => Promise.resolve(null);
    await cache.get('p', 1000, pending, (v) => v !== null);
    expect(
      (
        await cache.get(
          'p',
          1000,
          async () => 'ready',
          (v) => v !== null,
        )
      ).value,
    ).toBe('ready');
  });

  it('keeps at most maxEntries, dropping the least recently used, and clears', async () => {
    const cache = new TtlCache<string>(2);
    const value = (v: string) => async () => v;
    await cache.get('a', 1000, value('a'));
    await cache.get('b', 1000, value('b'));
    await cache.get('a', 1000, value('x'));
    await cache.get('c', 1000, value('c'));
    expect((await cache.get('a', 1000, value('new a'))).value).toBe('a');
    expect((await cache.get('b', 1000, value('new b'))).value).toBe('new b');
    cache.clear();
    expect((await cache.get('a', 1000, value('after clear'))).value).toBe('after clear');
  });
});
