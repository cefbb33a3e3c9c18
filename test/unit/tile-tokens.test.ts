import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TileTokens, type Minted } from '../../web/src/map/tile-tokens';

const PRODUCT = '3f477d1f-ae07-412d-8960-a60fd48b363f';
const OTHER = '9c2576ed-81f8-4e0a-9e32-56ee63c7a959';

describe("the web app's tile tokens", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('signs only the layer it holds a token for, replacing any older token, absolute or relative', async () => {
    const tokens = new TileTokens(async () => ({ token: 't1', expiresAt: Date.now() + 3_600_000 }));
    await tokens.ensure(PRODUCT, 'data-product');
    expect(tokens.sign(`http://x.test/data-products/${PRODUCT}/tiles/WebMercatorQuad/3/1/2.png?token=old&bidx=1`)).toBe(
      `http://x.test/data-products/${PRODUCT}/tiles/WebMercatorQuad/3/1/2.png?token=t1&bidx=1`,
    );
    expect(tokens.sign(`/pmtiles/${PRODUCT}.json`)).toBe(`/pmtiles/${PRODUCT}.json?token=t1`);
    expect(tokens.sign(`/data-products/${OTHER}/WebMercatorQuad/tilejson.json`)).toBe(
      `/data-products/${OTHER}/WebMercatorQuad/tilejson.json`,
    );
    tokens.dispose();
  });

  it('renews a token before it expires, so tiles asked for later carry the new one', async () => {
    let n = 0;
    const mint = vi.fn(async (): Promise<Minted> => ({ token: `t${++n}`, expiresAt: Date.now() + 1_000_000 }));
    const tokens = new TileTokens(mint);
    await tokens.ensure(PRODUCT, 'data-product');
    await tokens.ensure(PRODUCT, 'data-product');
    expect(mint).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(700_000);
    expect(tokens.sign(`/vector/${PRODUCT}/1/0/0.mvt`)).toContain('token=t1');
    await vi.advanceTimersByTimeAsync(100_000);
    expect(mint).toHaveBeenCalledTimes(2);
    expect(tokens.sign(`/vector/${PRODUCT}/1/0/0.mvt`)).toContain('token=t2');
    tokens.forget(PRODUCT);
    await vi.advanceTimersByTimeAsync(2_000_000);
    expect(mint).toHaveBeenCalledTimes(2);
    expect(tokens.sign(`/vector/${PRODUCT}/1/0/0.mvt`)).not.toContain('token=');
  });

  it('tries a failed renewal again while the current token lives, and a failed first one on the next ensure', async () => {
    const answers: Array<() => Minted> = [
      () => ({ token: 'first', expiresAt: Date.now() + 100_000 }),
      () => {
        throw new Error('offline');
      },
      () => ({ token: 'second', expiresAt: Date.now() + 100_000 }),
    ];
    const tokens = new TileTokens(async () => answers.shift()!());
    await tokens.ensure(PRODUCT, 'data-product');
    await vi.advanceTimersByTimeAsync(75_000);
    expect(tokens.sign(`/pmtiles/${PRODUCT}.json`)).toContain('token=first');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tokens.sign(`/pmtiles/${PRODUCT}.json`)).toContain('token=second');
    tokens.dispose();

    let fail = true;
    const flaky = new TileTokens(async () => {
      if (fail) throw new Error('offline');
      return { token: 'late', expiresAt: Date.now() + 100_000 };
    });
    await expect(flaky.ensure(OTHER, 'data-product')).rejects.toThrow('offline');
    fail = false;
    await flaky.ensure(OTHER, 'data-product');
    expect(flaky.sign(`/pmtiles/${OTHER}.json`)).toContain('token=late');
    flaky.dispose();
  });

  it('asks for each kind of layer at its own route, and gives up, saying so, once the token has expired', async () => {
    const kinds: string[] = [];
    const lost: string[] = [];
    let calls = 0;
    const tokens = new TileTokens(
      async (id, kind) => {
        kinds.push(`${id}:${kind}`);
        if (++calls > 1) throw new Error('the link was withdrawn');
        return { token: 't', expiresAt: Date.now() + 60_000 };
      },
      (id, error) => lost.push(`${id}: ${String(error)}`),
    );
    await tokens.ensure(OTHER, 'vector-layer');
    expect(kinds).toEqual([`${OTHER}:vector-layer`]);
    // The renewal at 45 s fails; one retry 10 s later while the token lives (15 s left), then it is given up.
    await vi.advanceTimersByTimeAsync(45_000);
    expect(lost).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lost).toEqual([`${OTHER}: Error: the link was withdrawn`]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toBe(3);
    tokens.dispose();
  });

  it('never renews sooner than a few seconds apart, whatever the expiry says (a skewed clock)', async () => {
    const mint = vi.fn(async (): Promise<Minted> => ({ token: 'x', expiresAt: Date.now() - 60_000 }));
    const tokens = new TileTokens(mint);
    await tokens.ensure(PRODUCT, 'data-product');
    await vi.advanceTimersByTimeAsync(4_900);
    expect(mint).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(mint).toHaveBeenCalledTimes(2);
    tokens.dispose();
  });
});
