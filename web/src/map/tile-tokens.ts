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
const ID = /\/(?:data-products|pmtiles|vector)\/([0-9a-f-]{36})(?=[/.,])/;

export class TileTokens {
  private readonly tokens = new Map<string, Minted>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly mint: Mint) {}

  /** Fetches the layer's token (once) and keeps it fresh until `forget`. */
  async ensure(id: string): Promise<void> {
    if (this.tokens.has(id)) return;
    await this.renew(id);
  }

  private async renew(id: string): Promise<void> {
    const minted = await this.mint(id);
    this.tokens.set(id, minted);
    const life = minted.expiresAt - Date.now();
    this.timers.set(
      id,
      setTimeout(() => void this.renew(id).catch(() => setTimeout(() => void this.renew(id), 10_000)), life * RENEW_AT),
    );
  }

  forget(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.tokens.delete(id);
  }

  dispose(): void {
    for (const id of [...this.tokens.keys()]) this.forget(id);
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
    const signed = new URL(url, location.origin);
    signed.searchParams.set('token', minted.token);
    return signed.href;
  }
}
