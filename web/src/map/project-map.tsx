import { Link } from 'wouter-preact';
import { api, must, type Schemas } from '../api/client';
import { productsOf } from '../pages/footprint';
import { ErrorNote, Loading } from '../ui/kit';
import { useAsync } from '../ui/use-async';
import { layerOfProduct, layerOfVector, type MapLayer } from './layers';
import { mintedNow, type Mint } from './tile-tokens';
import { Workspace } from './workspace';
import { CatalogPanel } from '../catalog/catalog-panel';
import { ShareControl } from '../share/share-control';
import { canManage, useUser } from '../auth/use-user';

type Project = Schemas['Project'];

async function projectLayers(project: Project): Promise<MapLayer[]> {
  const [products, vectors] = await Promise.all([productsOf(project.id), must(api.GET('/vector'))]);
  return [
    ...products.flatMap((p) => layerOfProduct(p) ?? []),
    ...vectors.layers.filter((v) => v.project_id === project.id).map(layerOfVector),
  ];
}

/** A signed-in caller's tile tokens: one per private data product or vector layer. */
const mintAsCaller: Mint = async (id, kind) => {
  const minted = await must(
    kind === 'vector-layer'
      ? api.POST('/vector/{layerId}/token', { params: { path: { layerId: id } } })
      : api.POST('/data-products/{dataProductId}/token', { params: { path: { dataProductId: id } } }),
  );
  return mintedNow(minted.token, minted.expires_in);
};

/** A polygon drawn on the map becomes the project's boundary (the ring closed, as GeoJSON wants). */
async function saveBoundary(projectId: string, ring: Array<[number, number]>): Promise<void> {
  const boundary = { type: 'Polygon' as const, coordinates: [[...ring, ring[0]!]] };
  await must(api.PATCH('/projects/{projectId}', { params: { path: { projectId } }, body: { boundary } }));
}

/** A project's map: its ready rasters, archives and vector layers. */
export function ProjectMap({ projectId }: { projectId: string }) {
  const user = useUser();
  const loaded = useAsync(async () => {
    const project = await must(api.GET('/projects/{projectId}', { params: { path: { projectId } } }));
    return { project, layers: await projectLayers(project) };
  }, [projectId, user?.id]);
  if (loaded.error)
    return (
      <section class="narrow">
        <ErrorNote error={loaded.error} />
        <Link href="/">Back to the projects</Link>
      </section>
    );
  if (!loaded.data) return <Loading what="the map" />;
  const { project, layers } = loaded.data;
  // Public data needs no token; a layer of another project (added from the catalog) is judged by its own.
  const isPrivate = (layer: MapLayer) =>
    !layer.product?.is_public && !(project.is_public && layer.product?.project_id === project.id);
  const manages = canManage(project);
  return (
    <Workspace
      key={`${project.id}|${user?.id ?? ''}`}
      title={project.title}
      layers={layers}
      mint={user ? mintAsCaller : null}
      needsToken={isPrivate}
      saveBoundary={manages ? (ring) => saveBoundary(project.id, ring) : undefined}
      toolbar={
        <nav class="crumbs" aria-label="Breadcrumbs">
          <Link href="/">Projects</Link> › <Link href={`/projects/${project.id}`}>{project.title}</Link>
        </nav>
      }
    >
      <ShareControl project={project} hash={() => location.hash} />
      <CatalogPanel />
    </Workspace>
  );
}
