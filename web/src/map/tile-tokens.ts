/**
 * Signed tile tokens for private layers. MapLibre asks for tiles synchronously (transformRequest),
 * so a layer's token is fetched before the layer is added and renewed in the background well before
 * it expires: tiles in view stay (MapLibre keys them by tile, not by URL), new ones carry the new
 * token, and the map never flickers.
 */
export interface Minted {
  token: string;
  /**
   * When it expires, in this browser's clock (ms since the epoch): worked out from the seconds it
   * lives when it arrives, never from the server's date, so a skewed clock cannot make it look dead.
   */
  expiresAt: number;
}

/** What kind of layer a token opens: data products and vector layers are minted at different routes. */
export type TokenKind = 'data-product' | 'vector-layer';

/** How a token is obtained for a layer. */
export type Mint = (id: string, kind: TokenKind) => Promise<Minted>;

/** A token's lifetime in this browser's clock, from the seconds it lives as the API says. */
export const mintedNow = (token: string, expiresIn: number): Minted => ({
  token,
  expiresAt: Date.now() + expiresIn * 1000,
});

/** Renew once this share of a token's life has passed; no sooner than MIN_DELAY_MS, whatever it says. */
const RENEW_AT = 0.75;
const MIN_DELAY_MS = 5_000;
const RETRY_MS = 10_000;
const ID = /\/(?:data-products|pmtiles|vector)\/([0-9a-f-]{36})(?=[/.,])/;

export class TileTokens {
  private readonly tokens = new Map<string, Minted>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Layers still on the map, and their kind: a renewal that lands after `forget` is dropped. */
  private readonly wanted = new Map<string, TokenKind>();

  /** `lost` hears of a layer whose token could not be renewed before it expired. */
  constructor(
    private readonly mint: Mint,
    private readonly lost: (id: string, error: unknown) => void = () => undefined,
  ) {}

  /** Fetches the layer's token (once) and keeps it fresh until `forget`. */
  async ensure(id: string, kind: TokenKind): Promise<void> {
    if (this.wanted.has(id)) return;
    this.wanted.set(id, kind);
    try {
      await this.renew(id);
    } catch (error) {
      this.wanted.delete(id);
      throw error;
    }
  }

  private async renew(id: string): Promise<void> {
    const kind = this.wanted.get(id);
    if (!kind) return;
    const minted = await this.mint(id, kind);
    if (!this.wanted.has(id)) return;
    this.tokens.set(id, minted);
    this.schedule(id, (minted.expiresAt - Date.now()) * RENEW_AT);
  }

  /** The next renewal; a failed one (offline, say) is tried again while the current token lives. */
  private schedule(id: string, delay: number): void {
    clearTimeout(this.timers.get(id));
    const retry = (error: unknown) => {
      const current = this.tokens.get(id);
      if (current && current.expiresAt - Date.now() > RETRY_MS) this.schedule(id, RETRY_MS);
      else this.lost(id, error);
    };
    this.timers.set(
      id,
      setTimeout(() => void this.renew(id).catch(retry), Math.max(MIN_DELAY_MS, delay)),
    );
  }

  forget(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.tokens.delete(id);
    this.wanted.delete(id);
  }

  dispose(): void {
    for (const id of [...this.wanted.keys()]) this.forget(id);
  }

  /** A layer's current token, for API calls beside its tiles (statistics, point values); none for a public layer. */
  token(id: string): string | undefined {
    return this.tokens.get(id)?.token;
  }

  /** The URL with its layer's current token (any older one replaced), or as it is for a public layer. */
  sign(url: string): string {
    const id = ID.exec(url)?.[1];
    const minted = id === undefined ? undefined : this.tokens.get(id);
    if (!minted) return url;
    // Absolute (MapLibre's requests) or root-relative (the app's own fetches): kept as it came.
    const relative = url.startsWith('/');
    const signed = new URL(url, relative ? 'http://relative.invalid' : undefined);
    signed.searchParams.set('token', minted.token);
    return relative ? `${signed.pathname}${signed.search}` : signed.href;
  }
}
