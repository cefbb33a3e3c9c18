import { beforeAll, describe, expect, it } from 'vitest';
import { call, json, newUser, problem, seed, type TestUser } from './helpers';

/**
 * The escalation found in review, step by step: a new account creates a team of its own, joins
 * another, and then reaches for the demo tenant's private project on every route family. Each
 * attempt must be answered as if the project did not exist, and no list may show it.
 */
describe('a new account with teams of its own cannot touch another tenant’s private project', () => {
  const project = seed.demoProjectId;
  const flight = seed.demoFlightId;
  const cog = seed.dataProducts['cog.tif']!;
  const pmtiles = seed.dataProducts['usgs-mt-whitney-8-15-webp-512.pmtiles']!;
  let jumper: TestUser;
  let layer: string;

  beforeAll(async () => {
    // The tenant's own state: a private project (as seeded) with a vector layer.
    const tenant = { apiKey: seed.admin.apiKey };
    expect((await json<{ is_public: boolean }>(await call(`/projects/${project}`, tenant), 200)).is_public).toBe(false);
    layer = (
      await json<{ id: string }>(
        await call(`/projects/${project}/vector-layers?name=escalation`, {
          ...tenant,
          json: {
            type: 'FeatureCollection',
            features: [
              { type: 'Feature', properties: { n: 1 }, geometry: { type: 'Point', coordinates: [-118.29, 36.58] } },
            ],
          },
        }),
        201,
      )
    ).id;
    // The attacker: registers, creates a team (and so owns one), and is a plain member of another.
    jumper = await newUser('jumper');
    await json(await call('/teams', { token: jumper.token, json: { name: 'my own team' } }), 201);
    const other = await newUser('other-team-owner');
    const otherTeam = await json<{ id: string }>(
      await call('/teams', { token: other.token, json: { name: 'another team' } }),
      201,
    );
    await json(
      await call(`/teams/${otherTeam.id}/members`, {
        token: other.token,
        json: { user_id: jumper.id, role: 'member' },
      }),
      200,
    );
  });

  const as = () => ({ token: jumper.token });
  const notFound = async (path: string, options: Parameters<typeof call>[1] = {}) => {
    const response = await call(path, { ...as(), ...options });
    await problem(response, 404, 'not-found');
  };

  it('projects, members and flights', async () => {
    await notFound(`/projects/${project}`);
    await notFound(`/projects/${project}`, { method: 'PATCH', json: { title: 'mine now' } });
    await notFound(`/projects/${project}`, { method: 'DELETE' });
    await notFound(`/projects/${project}/members`);
    await notFound(`/projects/${project}/members`, { json: { user_id: jumper.id, role: 'owner' } });
    await notFound(`/projects/${project}/flights`);
    await notFound(`/projects/${project}/flights/${flight}`);
    await notFound(`/projects/${project}/flights/${flight}`, { method: 'DELETE' });
    for (const query of ['', '?public=true']) {
      const listed = await json<Array<{ id: string }>>(await call(`/projects${query}`, as()), 200);
      expect(listed.map((p) => p.id)).not.toContain(project);
    }
  });

  it('data products, their files and tokens', async () => {
    await notFound(`/projects/${project}/flights/${flight}/data-products`);
    await notFound(`/projects/${project}/flights/${flight}/data-products`, {
      json: { type: 'ortho', r2_key: cog.key, is_public: true },
    });
    await notFound(`/data-products/${cog.id}`);
    await notFound(`/data-products/${cog.id}`, { method: 'PATCH', json: { is_public: true } });
    await notFound(`/data-products/${cog.id}/token`, { method: 'POST' });
    await notFound(`/data-products/${cog.id}/file`);
  });

  it('raster tiles by key and by product, PMTiles by key and by id', async () => {
    await notFound(`/cog/info?url=${encodeURIComponent(cog.key)}`);
    await notFound(`/cog/tiles/WebMercatorQuad/0/0/0.png?url=${encodeURIComponent(cog.key)}&rescale=0,8000`);
    await notFound(`/data-products/${cog.id}/info`);
    await notFound(`/data-products/${cog.id}/tiles/WebMercatorQuad/0/0/0.png?rescale=0,8000`);
    await notFound(`/pmtiles/${pmtiles.key.replace(/\.pmtiles$/, '')}/metadata`);
    await notFound(`/pmtiles/${pmtiles.id}/12/689/1590.webp`);
  });

  it('vector tiles, features and the catalog', async () => {
    await notFound(`/vector/${layer}.json`);
    await notFound(`/vector/${layer}/0/0/0.mvt`);
    await notFound(`/vector/${layer}/token`, { method: 'POST' });
    await notFound(`/features/collections/${layer}`);
    await notFound(`/features/collections/${layer}/items`);
    expect(JSON.stringify(await json(await call('/vector', as()), 200))).not.toContain(layer);
    expect(JSON.stringify(await json(await call('/features/collections', as()), 200))).not.toContain(layer);
    await notFound(`/projects/${project}/vector-layers?name=x`, {
      json: {
        type: 'FeatureCollection',
        features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [0, 0] } }],
      },
    });
    await notFound(`/projects/${project}/stac/publish`, { method: 'POST' });
    await notFound(`/stac/collections/${project}`);
    const search = await json<{ features: Array<{ collection: string }> }>(
      await call(`/stac/search?collections=${project}`, as()),
      200,
    );
    expect(search.features).toHaveLength(0);
  });

  it('uploads, ingest and jobs', async () => {
    const metadata = `project ${btoa(project)},flight ${btoa(flight)},type ${btoa('ortho')},filename ${btoa('x.tif')}`;
    await problem(
      await call('/uploads', {
        method: 'POST',
        ...as(),
        headers: { 'tus-resumable': '1.0.0', 'upload-length': '10', 'upload-metadata': metadata },
      }),
      404,
      'not-found',
    );
    await notFound('/ingest', { json: { key: cog.key, flight } });
    await notFound(`/jobs?project=${project}`);
    const jobs = await json<{ jobs: Array<{ project_id: string }> }>(await call('/jobs', as()), 200);
    expect(jobs.jobs.map((j) => j.project_id)).not.toContain(project);
  });
});
