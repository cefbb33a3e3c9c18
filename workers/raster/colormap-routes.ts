import { createRoute, z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { etag } from 'hono/etag';
import type { AppEnv } from '../platform/env';
import { createRouter, errors, handBuilt, jsonResponse } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { COLORMAP_NAMES, colormapLut, type Lut } from '../engines/raster/colormaps';
import { renderRamp } from '../engines/raster/render';
import { formatOf } from './query';
import { binary } from './responses';
import { ColorMapList, ColorMapValues } from './schemas';

// TiTiler's colormap endpoints (its ColorMapFactory): the names colormap_name takes, and each map's
// values or a picture of its ramp. Public: they describe the service, not anyone's data.

const router = createRouter();

/** The tables change only with a deployment: any cache may keep them a day and revalidate by ETag. */
const CACHE_CONTROL = 'public, max-age=86400';

const cacheable = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.status === 200) c.res.headers.set('cache-control', CACHE_CONTROL);
});
// hono's etag() digests the body it wraps, and answers If-None-Match with a 304.
for (const path of ['/colorMaps', '/colorMaps/*']) router.use(path, etag(), cacheable);

const TAGS = ['colormaps'];

router.openapi(
  createRoute({
    method: 'get',
    path: '/colorMaps',
    tags: TAGS,
    summary: 'The colormaps colormap_name takes (TiTiler /colorMaps)',
    responses: { 200: jsonResponse(ColorMapList, 'Each colormap’s name and a link to its values') },
  }),
  (c) => {
    const origin = new URL(c.req.url).origin;
    const colormaps = COLORMAP_NAMES.map((id) => ({
      id,
      links: [
        {
          href: `${origin}/colorMaps/${id}`,
          rel: 'item',
          type: 'application/json',
          title: `Definition of ${id} ColorMap`,
        },
      ],
    }));
    return c.json({ colormaps }, 200);
  },
);

/**
 * The largest side of a ramp's image, far more than a legend needs: at 1024 × 1024 the pixels, the
 * .npy planes or the encoder's rows and the output hold about 12 MiB, within the 24 MiB one raster
 * output may hold (BUDGET.pixelBytes).
 */
const RAMP_MAX_SIDE = 1024;

const RampFormat = z.enum(['json', 'png', 'jpeg', 'jpg', 'webp', 'npy']);
const side = (description: string) =>
  z.coerce.number().int().min(1).max(RAMP_MAX_SIDE).optional().openapi({ description });

const ColorMapQuery = z.object({
  f: RampFormat.optional().openapi({ description: 'json (the default), or an image of the ramp' }),
  format: RampFormat.optional().openapi({ description: 'The name TiTiler gave `f` before 0.24' }),
  orientation: z.enum(['horizontal', 'vertical']).default('horizontal').openapi({ description: 'Image orientation' }),
  height: side('Image height (20 px horizontal, 256 px vertical by default)'),
  width: side('Image width (256 px horizontal, 20 px vertical by default)'),
});
type ColorMapQuery = z.infer<typeof ColorMapQuery>;

type ColorMapValues = z.infer<typeof ColorMapValues>;

/** TiTiler's answer: every index of the table, "0" to "255", with its [r, g, b, a]. */
const valuesOf = (lut: Lut): ColorMapValues =>
  Object.fromEntries(Array.from({ length: 256 }, (_, i) => [String(i), Array.from(lut.subarray(i * 4, i * 4 + 4))]));

/** The format asked for, by either of TiTiler's names for it. */
function askedFormat(query: ColorMapQuery): z.infer<typeof RampFormat> {
  if (query.f && query.format && query.f !== query.format)
    throw new ApiError(400, 'validation-error', `f=${query.f} and format=${query.format} disagree: give one.`);
  return query.f ?? query.format ?? 'json';
}

router.openapi(
  createRoute({
    method: 'get',
    path: '/colorMaps/{colorMapId}',
    tags: TAGS,
    summary: 'A colormap’s values, or an image of its ramp (TiTiler /colorMaps/{colorMapId})',
    request: {
      params: z.object({ colorMapId: z.string().openapi({ example: 'viridis', description: 'See GET /colorMaps' }) }),
      query: ColorMapQuery,
    },
    responses: {
      200: {
        description: 'The values as JSON, or the ramp as the image format asked for',
        content: { 'application/json': { schema: ColorMapValues }, ...binary('').content },
      },
      304: { description: 'Not modified' },
      ...errors(400, 404),
    },
  }),
  async (c) => {
    const { colorMapId } = c.req.valid('param');
    const query = c.req.valid('query');
    const lut = colormapLut(colorMapId);
    if (!lut) throw new ApiError(404, 'not-found', `Unknown colormap ${colorMapId}; see /colorMaps.`);
    const asked = askedFormat(query);
    if (asked === 'json') return c.json(valuesOf(lut), 200);
    const vertical = query.orientation === 'vertical';
    const size = {
      width: query.width ?? (vertical ? 20 : 256),
      height: query.height ?? (vertical ? 256 : 20),
      vertical,
    };
    const { body, contentType } = await renderRamp(lut, size, formatOf(asked));
    return handBuilt(new Response(body, { headers: { 'content-type': contentType } }));
  },
);

export default router;
