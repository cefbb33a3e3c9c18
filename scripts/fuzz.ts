// `npm run fuzz`: property-based fuzzing of every engine that reads what a client or an uploaded
// file says, in Node, with fast-check and fixed seeds. Each input must be refused with the engine's
// own error (which the routes turn into a 4xx) or answered; never another exception (a 500), a
// hang, or memory past the request budget.
//   npm run fuzz                    a fixed number of inputs per target (what `npm test` runs)
//   npm run fuzz -- --minutes 30    as many as fit in 30 minutes, shared between the targets
//   npm run fuzz -- --seed 7 tiff   another seed, some targets only
// Prints one JSON line per target, then a summary; exits 1 when a target found something.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { DEV_DIR } from './lib/dev-env';
import fc from 'fast-check';
import { PgDialect } from 'drizzle-orm/pg-core';
import { FIXTURES } from './lib/seed';
import type { RangeResponse, Source } from '../workers/engines/raster/source';
import { openCog } from '../workers/engines/raster/cog-cache';
import { cogInfo } from '../workers/engines/raster/info';
import { renderTile } from '../workers/engines/raster/tile';
import { render } from '../workers/engines/raster/render';
import { statistics } from '../workers/engines/raster/analysis';
import { TILE_MATRIX_SETS } from '../workers/engines/raster/tms';
import { boundsIn } from '../workers/engines/raster/warp';
import { RasterError } from '../workers/engines/raster/errors';
import { parseExpression } from '../workers/engines/raster/expression';
import { COLORMAP_NAMES, lookupCustom, namedColormap, parseColormap } from '../workers/engines/raster/colormaps';
import { parseCql2Text } from '../workers/engines/cql2/cql2-text';
import { compileCql2 } from '../workers/engines/cql2/cql2';
import { itemResolver } from '../workers/catalog/search';
import { CatalogError } from '../workers/engines/cql2/errors';
import { TusError, parseChecksum, parseMetadata, parseSize, uploadTarget } from '../workers/engines/tus/protocol';
import { openArchiveFrom } from '../workers/engines/pmtiles/archive';

/** An input slower than this is a hang (the routes answer hostile input in well under a second). */
const INPUT_MS = 2000;
/** Memory one input may take (peak RSS growth, or buffers left): the request budget (workers/engines/raster/budget.ts) and the isolate's caches. */
const INPUT_BYTES = 96 * 1024 * 1024;
/** Inputs per target when no time is given: a few minutes in all inside `npm test`. */
const DEFAULT_RUNS = 300;

interface Target<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  /** Runs the input through the engine; resolves, or throws what `refused` accepts. */
  run: (input: T) => Promise<unknown> | unknown;
  refused: (error: unknown) => boolean;
}

const anyError = (error: unknown) => error instanceof Error;
let serial = 0;

/** Bytes in memory behind the raster Source interface, under a key no other input used (headers are cached by key). */
class MemorySource implements Source {
  readonly key = `fuzz-${++serial}`;
  constructor(private readonly bytes: Uint8Array) {}

  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    const data = this.bytes.slice(offset, Math.min(this.bytes.length, offset + length));
    return { data: data.buffer, etag: 'fuzz', size: this.bytes.length };
  }
}

/** The same bytes as a PMTiles source. */
const pmtilesSource = (bytes: Uint8Array) => {
  const key = `fuzz-${++serial}`;
  return {
    getKey: () => key,
    getBytes: async (offset: number, length: number) => ({
      data: bytes.slice(offset, Math.min(bytes.length, offset + length)).buffer,
    }),
  };
};

const files = (dir: string, extension: string) =>
  readdirSync(`${FIXTURES}/${dir}`)
    .filter((name) => name.endsWith(extension))
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(`${FIXTURES}/${dir}/${name}`)) }));

/** A fixture with bytes overwritten, in its first 16 KiB (headers, directories) or anywhere (tiles), and maybe cut short. */
function mutated(fixtures: Array<{ name: string; bytes: Uint8Array }>) {
  const edit = fc.record({
    at: fc.nat(),
    value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0xff, 0x7f, 0x80)),
    anywhere: fc.boolean(),
  });
  return fc
    .record({
      fixture: fc.constantFrom(...fixtures),
      edits: fc.array(edit, { minLength: 1, maxLength: 24 }),
      cut: fc.option(fc.double({ min: 0.05, max: 1, noNaN: true }), { freq: 4 }),
      zoom: fc.integer({ min: 0, max: 22 }),
    })
    .map(({ fixture, edits, cut, zoom }) => {
      const bytes = fixture.bytes.slice(
        0,
        cut === null ? undefined : Math.max(8, Math.floor(fixture.bytes.length * cut)),
      );
      for (const { at, value, anywhere } of edits)
        bytes[at % (anywhere ? bytes.length : Math.min(bytes.length, 16384))] = value;
      return { name: fixture.name, bytes, zoom };
    });
}

const tms = TILE_MATRIX_SETS.WebMercatorQuad;

/** What the raster routes do with a file: info, the tile at its centre, a preview-sized statistics pass. */
async function exerciseTiff({ bytes, zoom }: { bytes: Uint8Array; zoom: number }): Promise<void> {
  const source = new MemorySource(bytes);
  const cog = await openCog(source);
  cogInfo(cog);
  const bands = Array.from({ length: Math.min(cog.bandCount, 3) }, (_, i) => i);
  const extent = boundsIn(cog, tms.proj4);
  if (extent) {
    const n = 2 ** zoom;
    const span = tms.bounds[2] - tms.bounds[0];
    const x = Math.min(n - 1, Math.max(0, Math.floor((((extent[0] + extent[2]) / 2 - tms.bounds[0]) / span) * n)));
    const y = Math.min(n - 1, Math.max(0, Math.floor(((tms.bounds[3] - (extent[1] + extent[3]) / 2) / span) * n)));
    const block = await renderTile(cog, source, tms, zoom, x, y, { size: 256, bands, resampling: 'bilinear' });
    if (block)
      await render(block, cog, bands, {}, cog.dataType === 'uint8' || cog.dataType === 'uint16' ? 'png' : 'npy');
  }
  await statistics(cog, source, {
    bands,
    maxSize: 64,
    integer: !cog.dataType.startsWith('float'),
    percentiles: [2, 98],
    bins: 10,
  });
}

async function exercisePmtiles({ bytes, zoom }: { bytes: Uint8Array; zoom: number }): Promise<void> {
  const archive = openArchiveFrom(pmtilesSource(bytes));
  const header = await archive.getHeader();
  await archive.getMetadata();
  const z = Math.min(zoom, header.maxZoom, 26);
  await archive.getZxy(z, 0, 0);
  await archive.getZxy(z, (2 ** z) >> 1, (2 ** z) >> 1);
}

/** Well-formed CQL2 text: comparisons, spatial and temporal predicates joined by AND, OR and NOT. */
const cql2Predicate = fc.letrec<{ predicate: string }>((tie) => ({
  predicate: fc.oneof(
    { depthSize: 'small' },
    fc
      .tuple(
        fc.constantFrom('id', 'collection', 'eo:cloud_cover', 'gsd', 'platform', 'nope'),
        fc.constantFrom('=', '<>', '<', '>=', 'LIKE'),
        fc.oneof(
          fc.double().map(String),
          fc.string({ maxLength: 10 }).map((t) => `'${t.replace(/'/g, "''")}'`),
        ),
      )
      .map(([p, op, v]) => `${p} ${op} ${v}`),
    fc
      .tuple(
        fc.constantFrom('S_INTERSECTS', 'S_WITHIN', 'S_DISJOINT'),
        fc.array(fc.double({ noNaN: true }), { minLength: 4, maxLength: 4 }),
      )
      .map(([f, [a, b, c, d]]) => `${f}(geometry, BBOX(${a},${b},${c},${d}))`),
    fc
      .tuple(
        fc.constantFrom('T_INTERSECTS', 'T_BEFORE', 'T_AFTER'),
        fc.date({ noInvalidDate: true }),
        fc.date({ noInvalidDate: true }),
      )
      .map(([f, a, b]) => `${f}(datetime, INTERVAL('${a.toISOString()}', '${b.toISOString()}'))`),
    fc
      .tuple(fc.constantFrom('id', 'eo:cloud_cover'), fc.array(fc.integer(), { minLength: 1, maxLength: 5 }))
      .map(([p, v]) => `${p} IN (${v.join(', ')})`),
    fc
      .tuple(tie('predicate'), fc.constantFrom('AND', 'OR'), tie('predicate'))
      .map(([a, op, b]) => `(${a}) ${op} (${b})`),
    tie('predicate').map((p) => `NOT (${p})`),
  ),
})).predicate;

/** CQL2 text: well formed, from its own words (most past the tokenizer), and plain strings. */
const cql2Text = fc.oneof(
  cql2Predicate,
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'id',
          'collection',
          'datetime',
          'eo:cloud_cover',
          'properties.gsd',
          '"quoted name"',
          'geometry',
        ),
        fc.constantFrom(
          '=',
          '<>',
          '<',
          '<=',
          '>',
          '>=',
          '(',
          ')',
          ',',
          'AND',
          'OR',
          'NOT',
          'LIKE',
          'IN',
          'BETWEEN',
          'IS',
          'NULL',
          'TRUE',
          'FALSE',
          'S_INTERSECTS',
          'S_WITHIN',
          'T_INTERSECTS',
          'T_BEFORE',
          'A_CONTAINS',
          'CASEI',
          'ACCENTI',
          'BBOX',
          'POINT',
          'POLYGON',
          'INTERVAL',
          'TIMESTAMP',
          'DATE',
          '+',
          '-',
          '*',
          '/',
        ),
        fc.constantFrom(
          "'a'",
          "'2024-01-01T00:00:00Z'",
          "'..'",
          "'%x_'",
          "''''",
          '1',
          '-1e308',
          '1e308',
          '0.5',
          'NaN',
          '((',
          '))',
          'POINT(1 2)',
          'BBOX(-180,-90,180,90)',
        ),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 40 },
    )
    .map((words) => words.join(' ')),
  fc.string({ maxLength: 200 }),
);

/** CQL2 JSON: operator trees of the right shape with wrong parts, and arbitrary JSON. */
const cql2Json: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({ property: fc.constantFrom('id', 'datetime', 'eo:cloud_cover', 'geometry', 'nope', '__proto__') }),
    // Comparisons of the right shape, most of which compile.
    fc
      .tuple(
        fc.constantFrom('=', '<>', '<', '>=', 'like'),
        fc.constantFrom('id', 'collection', 'eo:cloud_cover', 'gsd'),
        fc.oneof(fc.string({ maxLength: 8 }), fc.double(), fc.integer()),
      )
      .map(([op, property, value]) => ({ op, args: [{ property }, value] })),
    fc.record({
      op: fc.constantFrom(
        'and',
        'or',
        'not',
        '=',
        '<',
        'like',
        'in',
        'between',
        'isNull',
        's_intersects',
        't_intersects',
        'a_contains',
        'casei',
        'accenti',
        '+',
        'div',
        'constructor',
      ),
      args: fc.array(tie('node'), { maxLength: 4 }),
    }),
  ),
})).node;

const expressionText = fc.oneof(
  fc
    .array(
      fc.constantFrom(
        'b1',
        'b2',
        'b3',
        'b4',
        'b0',
        '+',
        '-',
        '*',
        '/',
        '**',
        '^',
        '(',
        ')',
        ';',
        ',',
        '1.5',
        '0',
        '1e308',
        '-1e-308',
        'sqrt',
        'abs',
        'log',
        'where',
        'min',
        'max',
        '>',
        '<',
        '==',
        '&',
        '|',
        '~',
        'pi',
        'nan',
        'constructor',
        '__proto__',
      ),
      { maxLength: 40 },
    )
    .map((t) => t.join(' ')),
  fc.string({ maxLength: 100 }),
);

const rgba = fc.tuple(
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 0, max: 255 }),
);
const colormapJson = fc.oneof(
  // Well-formed discrete maps and interval lists, as TiTiler takes them.
  fc
    .dictionary(fc.integer({ min: -1000, max: 65535 }).map(String), rgba, { minKeys: 1, maxKeys: 20 })
    .map((v) => JSON.stringify(v)),
  fc
    .array(fc.tuple(fc.tuple(fc.double({ noNaN: true }), fc.double({ noNaN: true })), rgba), {
      minLength: 1,
      maxLength: 10,
    })
    .map((v) => JSON.stringify(v)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.oneof(fc.integer().map(String), fc.string({ maxLength: 6 })),
      fc.array(fc.oneof(fc.integer({ min: -10, max: 300 }), fc.double()), { maxLength: 5 }),
      { maxKeys: 20 },
    )
    .map((v) => JSON.stringify(v)),
  fc
    .array(
      fc.tuple(fc.tuple(fc.double(), fc.double()), fc.array(fc.integer({ min: -1, max: 256 }), { maxLength: 5 })),
      { maxLength: 10 },
    )
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 100 }),
);

const base64 = (text: string) => Buffer.from(text).toString('base64');
const tusHeaders = fc.record({
  metadata: fc.oneof(
    fc
      .array(
        fc.tuple(
          fc.constantFrom('project', 'flight', 'type', 'filename', 'x', '', ' ', 'a b'),
          fc.oneof(fc.string({ maxLength: 30 }).map(base64), fc.string({ maxLength: 10 })),
        ),
        { maxLength: 6 },
      )
      .map((pairs) => pairs.map(([k, v]) => `${k} ${v}`).join(',')),
    // Complete metadata with plausible values, most of which name a target.
    fc
      .record({
        project: fc.uuid(),
        flight: fc.uuid(),
        type: fc.constantFrom('ortho', 'dsm', 'raw', 'point_cloud', 'pmtiles', 'vector', 'nope'),
        filename: fc.oneof(
          fc.constantFrom('a.tif', 'b.TIFF', 'c.pmtiles', 'd.geojson', 'e.laz', '../x.tif', 'a/b.tif', '.tif'),
          fc.string({ maxLength: 300 }),
        ),
      })
      .map((m) =>
        Object.entries(m)
          .map(([k, v]) => `${k} ${base64(v)}`)
          .join(','),
      ),
    fc.string({ maxLength: 300 }),
  ),
  length: fc.oneof(fc.bigInt({ min: -1n, max: 2n ** 70n }).map(String), fc.string({ maxLength: 20 })),
  checksum: fc.oneof(
    fc.tuple(fc.constantFrom('sha1', 'sha256', 'md5', ''), fc.string({ maxLength: 44 })).map(([a, d]) => `${a} ${d}`),
    fc.string({ maxLength: 60 }),
  ),
});

const dialect = new PgDialect();

/** A target with its input type hidden, so that targets of every type sit in one list. */
interface Fuzzer {
  name: string;
  fuzz: (seed: number, runs: number, millis: number | null) => Promise<Outcome>;
}
const define = <T>(target: Target<T>): Fuzzer => ({
  name: target.name,
  fuzz: (seed, runs, millis) => fuzz(target, seed, runs, millis),
});

const TARGETS: Fuzzer[] = [
  define({
    name: 'tiff',
    arbitrary: mutated(files('cog', '.tif')),
    run: exerciseTiff,
    refused: (e) => e instanceof RasterError,
  }),
  // PMTiles errors are all the archive's fault: the route answers any with a 422, so only hangs and memory count here.
  define({
    name: 'pmtiles',
    arbitrary: mutated(files('pmtiles', '.pmtiles')),
    run: exercisePmtiles,
    refused: anyError,
  }),
  define({
    name: 'cql2-text',
    arbitrary: cql2Text,
    run: (text: string) => dialect.sqlToQuery(compileCql2(parseCql2Text(text), itemResolver)),
    refused: (e) => e instanceof CatalogError,
  }),
  define({
    name: 'cql2-json',
    arbitrary: cql2Json,
    run: (json: unknown) => dialect.sqlToQuery(compileCql2(json, itemResolver)),
    refused: (e) => e instanceof CatalogError,
  }),
  define({
    name: 'expression',
    arbitrary: fc.tuple(expressionText, fc.array(fc.double(), { minLength: 4, maxLength: 4 })),
    run: ([text, pixel]: [string, number[]]) =>
      parseExpression(text, 3).outputs.map((output) => output(Float64Array.from(pixel))),
    refused: (e) => e instanceof RasterError,
  }),
  define({
    name: 'colormap',
    arbitrary: fc.tuple(
      fc.oneof(
        fc.constantFrom(...COLORMAP_NAMES),
        fc.string({ maxLength: 20 }),
        fc.constantFrom('__proto__', 'constructor', 'toString'),
      ),
      colormapJson,
      fc.double(),
    ),
    run: ([name, json, value]: [string, string, number]) => {
      try {
        namedColormap(name);
      } finally {
        lookupCustom(parseColormap(json), value);
      }
    },
    refused: (e) => e instanceof RasterError,
  }),
  define({
    name: 'tus-headers',
    arbitrary: tusHeaders,
    // Each header through its own parser, so that one refusal does not hide the others' inputs.
    run: ({ metadata, length, checksum }: { metadata: string; length: string; checksum: string }) => {
      const refusals: unknown[] = [];
      for (const parse of [
        () => parseSize(length, 'Upload-Length'),
        () => parseChecksum(checksum),
        () => uploadTarget(parseMetadata(metadata)),
      ]) {
        try {
          parse();
        } catch (error) {
          if (!(error instanceof TusError)) throw error;
          refusals.push(error);
        }
      }
      if (refusals.length > 0) throw refusals[0];
    },
    refused: (e) => e instanceof TusError,
  }),
];

interface Outcome {
  target: string;
  inputs: number;
  refused: number;
  slowestMs: number;
  mostBytes: number;
  failure?: string;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function fuzz<T>(target: Target<T>, seed: number, runs: number, millis: number | null): Promise<Outcome> {
  const outcome: Outcome = { target: target.name, inputs: 0, refused: 0, slowestMs: 0, mostBytes: 0 };
  const property = fc.asyncProperty(target.arbitrary, async (input) => {
    outcome.inputs += 1;
    gc?.();
    const before = process.memoryUsage().arrayBuffers;
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    try {
      await target.run(input);
    } catch (error) {
      if (!target.refused(error)) throw error;
      outcome.refused += 1;
    }
    const elapsed = performance.now() - started;
    // Buffers the input left behind, or the process's peak RSS raised above where it stood: the
    // peak catches what was allocated and freed within the input.
    const grown = Math.max(process.memoryUsage().arrayBuffers - before, process.resourceUsage().maxRSS * 1024 - rss);
    outcome.slowestMs = Math.max(outcome.slowestMs, elapsed);
    outcome.mostBytes = Math.max(outcome.mostBytes, grown);
    if (elapsed > INPUT_MS) throw new Error(`took ${Math.round(elapsed)} ms`);
    if (grown > INPUT_BYTES) throw new Error(`took ${Math.round(grown / 1048576)} MiB`);
  });
  const details = await fc.check(property, {
    seed,
    numRuns: millis === null ? runs : Number.MAX_SAFE_INTEGER,
    interruptAfterTimeLimit: millis ?? undefined,
    markInterruptAsFailure: false,
    endOnFailure: true,
  });
  if (details.failed) {
    const error =
      details.errorInstance instanceof Error
        ? `${details.errorInstance.name}: ${details.errorInstance.message}\n${details.errorInstance.stack ?? ''}`
        : String(details.errorInstance);
    const example = JSON.stringify(details.counterexample, (_, v) =>
      v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? String(v) : v,
    )?.slice(0, 2000);
    outcome.failure = `${error.slice(0, 2000)}\ncounterexample (seed ${seed}, path ${details.counterexamplePath}): ${example}`;
    // A file that broke an engine is kept, to be opened again by hand.
    const file = (details.counterexample?.[0] as { bytes?: unknown } | undefined)?.bytes;
    if (file instanceof Uint8Array) {
      mkdirSync(`${DEV_DIR}/fuzz`, { recursive: true });
      writeFileSync(`${DEV_DIR}/fuzz/${target.name}.bin`, file);
      outcome.failure += `\nthe input is in .dev/fuzz/${target.name}.bin`;
    }
  }
  return outcome;
}

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args.splice(i, 2)[1]) : undefined;
};
const minutes = option('minutes');
const seed = option('seed') ?? 20261202;
const runs = option('runs') ?? DEFAULT_RUNS;
const chosen = TARGETS.filter((t) => args.length === 0 || args.includes(t.name));
if (chosen.length === 0) throw new Error(`unknown target: choose from ${TARGETS.map((t) => t.name).join(', ')}`);
if (!gc) console.warn('fuzz: run with --expose-gc for exact memory figures (npm run fuzz does)');

const outcomes: Outcome[] = [];
for (const target of chosen) {
  const outcome = await target.fuzz(seed, runs, minutes === undefined ? null : (minutes * 60_000) / chosen.length);
  outcomes.push(outcome);
  console.log(
    JSON.stringify({
      ...outcome,
      mostBytes: `${(outcome.mostBytes / 1048576).toFixed(1)} MiB`,
      slowestMs: Math.round(outcome.slowestMs),
    }),
  );
}
const failed = outcomes.filter((o) => o.failure);
for (const o of failed) console.error(`\n${o.target} FOUND:\n${o.failure}`);
console.log(
  `fuzz: ${outcomes.reduce((sum, o) => sum + o.inputs, 0)} inputs over ${outcomes.length} targets, ${failed.length} found something`,
);
process.exit(failed.length > 0 ? 1 : 0);
