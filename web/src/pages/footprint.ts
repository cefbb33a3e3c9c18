import { asBbox, unionOf } from '../map/bbox';
import { api, must, type Schemas } from '../api/client';

type Polygon = { type: 'Polygon'; coordinates: number[][][] };

/** Every data product of a project, flight by flight. */
export async function productsOf(projectId: string): Promise<Array<Schemas['DataProduct']>> {
  const flights = await must(api.GET('/projects/{projectId}/flights', { params: { path: { projectId } } }));
  const lists = await Promise.all(
    flights.map((f) =>
      must(
        api.GET('/projects/{projectId}/flights/{flightId}/data-products', {
          params: { path: { projectId, flightId: f.id } },
        }),
      ),
    ),
  );
  return lists.flat();
}

/** The extent of a project's ready data (WGS 84) as a polygon, for its boundary. */
export async function footprintOf(projectId: string): Promise<Polygon> {
  const box = unionOf(
    (await productsOf(projectId)).flatMap((p) => {
      const bbox = p.status === 'ready' ? asBbox(p.bbox) : null;
      return bbox ? [bbox] : [];
    }),
  );
  if (!box) throw new Error('No ready data product has a footprint yet: upload data first.');
  const [w, s, e, n] = box;
  return {
    type: 'Polygon',
    coordinates: [
      [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s],
      ],
    ],
  };
}
