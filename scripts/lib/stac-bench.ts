// The STAC part of `npm run bench`: a million synthetic items in their own database (loaded once, kept
// between runs), searched through the Worker; p50/p95 per kind of search, and the plans PostgreSQL ran.
import pg from 'pg';
import { PgDialect } from 'drizzle-orm/pg-core';
import { createDatabase } from '../../workers/platform/db/client';
import { pageQuery } from '../../workers/catalog/item-store';
import { parseSearchBody, parseSearchParameters, planSearch } from '../../workers/catalog/search';
import { visibleItems } from '../../workers/catalog/visibility';
import { DEV_DIR, ROOT } from './dev-env';
import { loadStac } from './stac-load';
import { DAYS, FIRST_DAY, PLATFORMS, random, regions, syntheticCatalog } from './stac-synthetic';
import { freePort, prepareStack, startWorker, stopStack, stopWorker, type StackOptions } from './stack';
import { log } from './system';
import { percentile, round } from './figures';

const ITEMS = 1_000_000;
const RUNS = 60;
/** Requests of every kind first, so the isolate, its code paths and the buffer cache are warm. */
const WARMUP_ALL = 40;

async function ensureLoaded(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM stac_items WHERE collection_id LIKE 'bench-%'",
    );
    if (Number(rows[0]!.n) === ITEMS) return;
    log(`stac bench: loading ${ITEMS.toLocaleString('en')} synthetic items (once; kept in edge_tiles_stac_bench)`);
    await client.query("DELETE FROM stac_collections WHERE id LIKE 'bench-%'");
    const handle = createDatabase({ url, driver: 'pg' });
    try {
      const result = await loadStac(handle.db, syntheticCatalog(ITEMS), {
        progress: (n) => {
          if (n % 200_000 === 0) log(`stac bench: ${n} items`);
        },
      });
      log(
        `stac bench: loaded in ${result.seconds.toFixed(0)} s (${Math.round(result.items / result.seconds)} items/s with npm run stac:load's loader)`,
      );
    } finally {
      await handle.close();
    }
    await client.query('VACUUM ANALYZE stac_items');
  } finally {
    await client.end();
  }
}

interface Search {
  name: string;
  /** A request for run `i`: a GET query string or a POST body. */
  make: (rand: () => number) => { query?: string; body?: Record<string, unknown> };
}

const window = (rand: () => number) => {
  const start = FIRST_DAY + Math.floor(rand() * (DAYS - 180)) * 86_400_000;
  return `${new Date(start).toISOString()}/${new Date(start + 180 * 86_400_000).toISOString()}`;
};

function searches(): Search[] {
  const all = regions();
  const around = (rand: () => number, half: number) => {
    const r = all[Math.floor(rand() * all.length)]!;
    const lon = r.lon + (rand() - 0.5) * 16;
    const lat = r.lat + (rand() - 0.5) * 16;
    return [lon - half, lat - half, lon + half, lat + half].map((v) => Math.round(v * 1000) / 1000);
  };
  return [
    {
      name: 'bbox + datetime, limit 10',
      make: (rand) => ({ query: `bbox=${around(rand, 1).join(',')}&datetime=${window(rand)}&limit=10` }),
    },
    {
      name: 'bbox + datetime, limit 100',
      make: (rand) => ({ query: `bbox=${around(rand, 1).join(',')}&datetime=${window(rand)}&limit=100` }),
    },
    {
      name: 'CQL2 property filter, limit 10',
      make: (rand) => ({
        query: `limit=10&filter=${encodeURIComponent(`"eo:cloud_cover" < ${5 + Math.floor(rand() * 15)} AND platform = '${PLATFORMS[Math.floor(rand() * PLATFORMS.length)]}'`)}`,
      }),
    },
    {
      name: 'intersects polygon (POST), limit 10',
      make: (rand) => {
        const [minx, miny, maxx, maxy] = around(rand, 0.75);
        const cx = (minx! + maxx!) / 2;
        const cy = (miny! + maxy!) / 2;
        const ring = Array.from({ length: 5 }, (_, k) => [
          cx + 0.75 * Math.cos((k * 2 * Math.PI) / 5),
          cy + 0.75 * Math.sin((k * 2 * Math.PI) / 5),
        ]);
        return { body: { intersects: { type: 'Polygon', coordinates: [[...ring, ring[0]]] }, limit: 10 } };
      },
    },
  ];
}

const parseQuery = (query: string) => Object.fromEntries(new URLSearchParams(query));

/** EXPLAIN ANALYZE of the page query the Worker runs for this request (same code builds it). */
async function explain(url: string, request: { query?: string; body?: Record<string, unknown> }): Promise<string> {
  const search = request.body ? parseSearchBody(request.body) : parseSearchParameters(parseQuery(request.query!));
  const query = new PgDialect().sqlToQuery(pageQuery(planSearch(search, visibleItems(null))));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // As the Worker runs it (runSearch).
    await client.query('SET max_parallel_workers_per_gather = 0');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${query.sql}`,
      query.params,
    );
    return rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n');
  } finally {
    await client.end();
  }
}

export interface StacBench {
  rows: string[][];
  plans: string[];
}

export async function benchStac(): Promise<StacBench> {
  const options: StackOptions = {
    database: 'edge_tiles_stac_bench',
    envName: 'stac-bench',
    persistTo: `${ROOT}.wrangler/stac-bench-state`,
    port: await freePort(),
    seedFile: `${DEV_DIR}/seed.stac-bench.json`,
  };
  const stack = await prepareStack(options);
  await ensureLoaded(stack.databaseUrl);
  const worker = await startWorker(stack, options, 'ignore');
  const rows: string[][] = [];
  const plans: string[] = [];
  const timed = async (path: string, body?: Record<string, unknown>) => {
    const started = performance.now();
    const response = await fetch(
      `${stack.baseUrl}${path}`,
      body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {},
    );
    const page = (await response.json()) as {
      features: unknown[];
      links: Array<{ rel: string; href: string }>;
      numberMatched: number;
      context?: { matched_is_estimate?: boolean };
    };
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(page)}`);
    return { ms: performance.now() - started, page };
  };
  try {
    const warm = random(5);
    for (let i = 0; i < WARMUP_ALL; i++) {
      const request = searches()[i % 4]!.make(warm);
      await timed(request.query ? `/stac/search?${request.query}` : '/stac/search', request.body);
    }
    for (const search of searches()) {
      // The same 60 requests twice: first with whatever the caches hold (pages never read before come
      // from disk), then again with them warm.
      const passes: number[][] = [];
      let returned = 0;
      let estimated = 0;
      let example: ReturnType<Search['make']> | undefined;
      for (let pass = 0; pass < 2; pass++) {
        const rand = random(1234);
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const request = search.make(rand);
          example ??= request;
          const { ms, page } = await timed(
            request.query ? `/stac/search?${request.query}` : '/stac/search',
            request.body,
          );
          times.push(ms);
          if (pass === 1) {
            returned += page.features.length;
            if (page.context?.matched_is_estimate) estimated++;
          }
        }
        passes.push(times);
      }
      const [cold, warm] = passes as [number[], number[]];
      rows.push([
        search.name,
        String(RUNS),
        `${round(percentile(warm, 50))}`,
        `${round(percentile(warm, 95))}`,
        `${round(percentile(cold, 50))} / ${round(percentile(cold, 95))}`,
        `${round(returned / RUNS)}`,
        `${estimated}/${RUNS}`,
      ]);
      plans.push(
        `${search.name} (${example!.query ?? JSON.stringify(example!.body)}):\n${await explain(stack.databaseUrl, example!)}`,
      );
    }
    // Deep paging: the 100th page of a wide search, reached by following `next` tokens.
    const rand = random(99);
    const times: number[] = [];
    let lastQuery = '';
    for (let i = 0; i < 12; i++) {
      const r = regions()[Math.floor(rand() * 50)]!;
      let path = `/stac/search?bbox=${r.lon - 10},${r.lat - 10},${r.lon + 10},${r.lat + 10}&limit=10`;
      for (let page = 1; page < 100; page++) {
        const { page: body } = await timed(path);
        path = body.links.find((l) => l.rel === 'next')!.href.slice(stack.baseUrl.length);
      }
      const { ms } = await timed(path);
      if (i >= 2) times.push(ms);
      lastQuery = path.slice('/stac/search?'.length);
    }
    rows.push([
      'page 100 by token (bbox, limit 10)',
      String(times.length),
      `${round(percentile(times, 50))}`,
      `${round(percentile(times, 95))}`,
      '-',
      '10',
      '-',
    ]);
    plans.push(
      `page 100 (${decodeURIComponent(lastQuery).slice(0, 120)}…):\n${await explain(stack.databaseUrl, { query: lastQuery })}`,
    );
    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    const {
      rows: [size],
    } = await client.query<{ items: string; collections: string }>(
      'SELECT (SELECT count(*) FROM stac_items) AS items, (SELECT count(*) FROM stac_collections) AS collections',
    );
    await client.end();
    log(`stac bench: ${Number(size!.items).toLocaleString('en')} items in ${size!.collections} collections`);
  } finally {
    await stopWorker(worker);
    await stopStack(stack);
  }
  return { rows, plans };
}
