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
  const boxes = (await productsOf(projectId)).flatMap((p) => (p.status === 'ready' && p.bbox ? [p.bbox] : []));
  if (boxes.length === 0) throw new Error('No ready data product has a footprint yet: upload data first.');
  const [w, s, e, n] = [0, 1, 2, 3].map((i) => (i < 2 ? Math.min : Math.max)(...boxes.map((b) => b[i] ?? NaN))) as [
    number,
    number,
    number,
    number,
  ];
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
