import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { ApiError } from '../platform/http/problem';
import { isUuid } from '../platform/auth/access';
import { vectorLayerScope } from '../platform/auth/tokens';
import { assertTokenStands, canReadProject, isolateCache, remembered, verifiedToken } from '../platform/auth/grants';
import { layersById, type LayerRow } from './layers';

/** Layers as tiles need them (no bounds), remembered like every other grant (../platform/auth/grants.ts). */
const tileLayers = isolateCache<LayerRow | null>(2_000);

/**
 * The layers, if the caller may read every one: their project's readers, anyone for public
 * projects, or a `token` scoped to the layer (one layer per token).
 */
export async function readableLayers(
  c: Context<AppEnv>,
  ids: string[],
  options: { bounds?: boolean } = {},
): Promise<LayerRow[]> {
  const missing = () => new ApiError(404, 'not-found', 'No such layer.');
  if (ids.length === 0 || ids.length > 16 || !ids.every(isUuid)) throw missing();
  const token = c.req.query('token');
  if (token && ids.length > 1)
    throw new ApiError(
      400,
      'bad-request',
      'A token opens one layer: ask for its tiles alone, or sign in to combine layers.',
    );
  const claims = token ? await verifiedToken(c, token, vectorLayerScope(ids[0]!)) : null;
  const layers = options.bounds
    ? await layersById(c.var.db, ids, options)
    : await Promise.all(
        ids.map((id) =>
          remembered(
            c,
            tileLayers,
            id,
            async () => (await layersById(c.var.db, [id]))[0] ?? null,
            (l) => l !== null,
          ),
        ),
      );
  for (const id of ids) {
    const layer = layers.find((l) => l?.id === id);
    if (!layer) throw missing();
    if (claims) await assertTokenStands(c, claims, { projectId: layer.projectId, epoch: layer.epoch, isPublic: false });
    else if (!(await canReadProject(c, layer.projectId))) throw missing();
  }
  return ids.map((id) => layers.find((l) => l?.id === id)!);
}
