import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { latestWins } from '../../web/src/map/latest-wins';
import { datetimeRange, textFilter } from '../../web/src/catalog/criteria';
import { shareMint } from '../../web/src/share/share-mint';
import type { SharedView } from '../../web/src/share/share-types';

const PRODUCT = '3f477d1f-ae07-412d-8960-a60fd48b363f';

describe("the compare readout's reads", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reads at once, then at most once per interval with the latest point, aborting the read in flight', async () => {
    const asked: number[] = [];
    const signals: AbortSignal[] = [];
    const shown: number[] = [];
    const reads = latestWins(
      (n: number, signal) => {
        asked.push(n);
        signals.push(signal);
        return new Promise<number>((resolve) => setTimeout(() => resolve(n), 400));
      },
      (n) => shown.push(n),
      (e) => {
        throw e;
      },
      250,
    );
    reads.request(1);
    reads.request(2);
    reads.request(3);
    expect(asked).toEqual([1]);
    await vi.advanceTimersByTimeAsync(250);
    // 2 was superseded before its turn; 3 is asked, and the read of 1 is aborted.
    expect(asked).toEqual([1, 3]);
    expect(signals[0]!.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(shown).toEqual([3]);
    reads.request(4);
    expect(asked).toEqual([1, 3, 4]);
    reads.dispose();
    expect(signals[2]!.aborted).toBe(true);
  });
});

describe("the catalog's criteria", () => {
  it('makes a datetime range with open ends and the last day whole, and refuses one backwards', () => {
    expect(datetimeRange('', '')).toBeUndefined();
    expect(datetimeRange('2024-06-01', '')).toBe('2024-06-01T00:00:00Z/..');
    expect(datetimeRange('', '2024-06-30')).toBe('../2024-06-30T23:59:59.999Z');
    expect(() => datetimeRange('2024-07-01', '2024-06-01')).toThrow(/after/);
  });

  it('matches text in the title or id, quotes and wildcards escaped', () => {
    expect(textFilter('  ')).toBeUndefined();
    expect(textFilter('June')).toBe("title LIKE '%June%' OR id LIKE '%June%'");
    expect(textFilter("it's 50%_")).toBe("title LIKE '%it''s 50\\%\\_%' OR id LIKE '%it''s 50\\%\\_%'");
  });
});

describe("a shared view's tile tokens", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const view = (token: string): SharedView => ({
    project: { id: 'p', title: 'P', description: '', boundary: null },
    flights: [],
    data_products: [
      // Only what the tokens are read from; the rest of a product does not matter here.
      {
        id: PRODUCT,
        tiles: { token, expires_in: 3600, expires_at: 'a date the app must not rely on', tilejson: '' },
      } as unknown as SharedView['data_products'][number],
    ],
    expires_at: new Date(Date.now() + 86_400_000).toISOString(),
  });

  it('uses the token the page opened with while fresh, then fetches the view again once for all', async () => {
    const refresh = vi.fn(async () => view('t2'));
    const mint = shareMint(view('t1'), refresh);
    await expect(mint(PRODUCT, 'data-product')).resolves.toMatchObject({ token: 't1' });
    expect(refresh).not.toHaveBeenCalled();
    vi.advanceTimersByTime(45 * 60_000);
    const [a, b] = await Promise.all([mint(PRODUCT, 'data-product'), mint(PRODUCT, 'data-product')]);
    expect([a.token, b.token]).toEqual(['t2', 't2']);
    expect(refresh).toHaveBeenCalledTimes(1);
    await expect(mint('0c8f8d3e-0000-4000-8000-000000000000', 'data-product')).rejects.toThrow(/no longer shared/);
  });
});
