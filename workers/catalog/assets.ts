import { eq, inArray } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { dataProducts, projects } from '../platform/db/schema';
import { canReadProductSql } from '../platform/auth/access';
import type { Principal } from '../platform/auth/principal';
import { signingKeys } from '../platform/auth/signing-keys';
import type { Bindings } from '../platform/env';
import { numberVar } from '../platform/config';
import { credentialOf, dataProductScope, signResourceToken } from '../platform/auth/tokens';
import { itemDocument, type ItemRow } from './item-store';

/** What asset links are made absolute and signed with. */
export interface AssetSigning {
  /** The service's origin, e.g. `https://host`: data products' asset paths are relative to it. */
  origin: string;
  /** The STAC API root, e.g. `https://host/stac`. */
  root: string;
  /** Where the signing keys and RESOURCE_TOKEN_TTL come from. */
  env: Bindings;
}

/**
 * A token per data product the caller may read but anonymous callers may not. Open to anyone: no
 * token. Readable by the caller: a token of theirs. Neither (an item catalogued somewhere they can
 * see, of a product they cannot read): no token, and the link stays shut.
 */
async function productTokens(
  db: Database,
  principal: Principal | null,
  productIds: string[],
  signing: AssetSigning,
): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  if (productIds.length === 0) return tokens;
  const product = { isPublic: dataProducts.isPublic, projectId: projects.id };
  const products = await db
    .select({
      id: dataProducts.id,
      open: canReadProductSql(product, null),
      readable: canReadProductSql(product, principal),
      epoch: projects.accessEpoch,
    })
    .from(dataProducts)
    .innerJoin(projects, eq(projects.id, dataProducts.projectId))
    .where(inArray(dataProducts.id, productIds));
  const keys = await signingKeys(signing.env.JWT_SIGNING_KEYS);
  const ttl = numberVar(signing.env, 'RESOURCE_TOKEN_TTL');
  for (const p of products.filter((found) => found.readable && !found.open)) {
    const claims = {
      sub: principal?.userId ?? null,
      scope: dataProductScope(p.id),
      epoch: p.epoch,
      credential: credentialOf(principal),
    };
    tokens.set(p.id, await signResourceToken(keys, claims, ttl));
  }
  return tokens;
}

/** Item documents for a page: asset paths of data products made absolute, signed when the data is private. */
export async function itemDocuments(
  db: Database,
  principal: Principal | null,
  rows: ItemRow[],
  signing: AssetSigning,
): Promise<Array<Record<string, unknown>>> {
  const productIds = [...new Set(rows.map((r) => r.data_product_id).filter((id): id is string => id !== null))];
  const tokens = await productTokens(db, principal, productIds, signing);
  return rows.map((row) => {
    const doc = itemDocument(row, { root: signing.root });
    if (row.data_product_id === null) return doc;
    const token = tokens.get(row.data_product_id) ?? null;
    const assets = Object.fromEntries(
      Object.entries(row.assets).map(([name, asset]) => {
        const href = String(asset.href);
        if (!href.startsWith('/')) return [name, asset];
        const url = new URL(href, signing.origin);
        if (token) url.searchParams.set('token', token);
        return [name, { ...asset, href: url.toString() }];
      }),
    );
    return { ...doc, assets };
  });
}
