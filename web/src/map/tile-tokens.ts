/**
 * Signed tile tokens for private layers. MapLibre asks for tiles synchronously (transformRequest),
 * so a layer's token is fetched before the layer is added and renewed in the background well before
 * it expires: tiles in view stay (MapLibre keys them by tile, not by URL), new ones carry the new
 * token, and the map never flickers.
 */
export interface Minted {
  token: string;
  /** ms since the epoch */
  expiresAt: number;
}

/** How a token is obtained for a layer id (a data product or a vector layer). */
export type Mint = (id: string) => Promise<Minted>;

/** Renew once this share of a token's life has passed. */
const RENEW_AT = 0.75;
const RETRY_MS = 10_000;
const ID = /\/(?:data-products|pmtiles|vector)\/([0-9a-f-]{36})(?=[/.,])/;

export class TileTokens {
  private readonly tokens = new Map<string, Minted>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Layers still on the map: a renewal that lands after `forget` is dropped. */
  private readonly wanted = new Set<string>();

  constructor(private readonly mint: Mint) {}

  /** Fetches the layer's token (once) and keeps it fresh until `forget`. */
  async ensure(id: string): Promise<void> {
    if (this.wanted.has(id)) return;
    this.wanted.add(id);
    try {
      await this.renew(id);
    } catch (error) {
      this.wanted.delete(id);
      throw error;
    }
  }

  private async renew(id: string): Promise<void> {
    const minted = await this.mint(id);
    if (!this.wanted.has(id)) return;
    this.tokens.set(id, minted);
    this.schedule(id, (minted.expiresAt - Date.now()) * RENEW_AT);
  }

  /** The next renewal; a failed one (offline, say) is tried again while the current token lives. */
  private schedule(id: string, delay: number): void {
    this.timers.set(
      id,
      setTimeout(() => void this.renew(id).catch(() => this.schedule(id, RETRY_MS)), delay),
    );
  }

  forget(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.tokens.delete(id);
    this.wanted.delete(id);
  }

  dispose(): void {
    for (const id of [...this.wanted]) this.forget(id);
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
