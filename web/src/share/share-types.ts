import type { components } from '../api/schema';

type Schemas = components['schemas'];

/** A signed link to a private project (`POST /projects/{id}/shares`). */
export type Share = Schemas['Share'];

/**
 * What a share link opens (`GET /shares/{token}`, no credentials): the project, its flights and its
 * ready data products, each with a fresh tile token of its own (`tiles`).
 */
export type SharedView = Schemas['SharedProject'];
