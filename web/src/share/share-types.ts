import type { components } from '../api/schema';

type Schemas = components['schemas'];

/** A signed link to a private project (`POST /projects/{id}/shares`). */
export interface Share {
  token: string;
  expires_at: string;
  expires_in: number;
  project_id: string;
}

/** A data product as the shared view lists it: with a fresh signed tile token of its own. */
export type SharedProduct = Schemas['DataProduct'] & {
  tiles: { token: string; expires_at: string; tilejson: string | null };
};

/** What a share link opens (`GET /shares/{token}`, no credentials). */
export interface SharedView {
  project: { id: string; title: string; description: string; boundary: unknown };
  flights: Array<Schemas['Flight']>;
  data_products: SharedProduct[];
  expires_at: string;
}
