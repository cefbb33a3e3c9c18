// `npm test`: the typecheck, then every suite. Unit tests run inside workerd (vitest-pool-workers); integration tests
// run in Node against a real `wrangler dev` on a fresh, migrated, seeded PostgreSQL database.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { log } from './lib/system';
import { DEV_DIR, ROOT } from './lib/dev-env';
import {
  ensureGdal,
  ensureMatplotlib,
  freePort,
  prepareStack,
  startSeededWorker,
  stopStack,
  stopWorker,
  type StackOptions,
} from './lib/stack';
import { FIXTURES } from './lib/seed';
import { HOSTILE_FILES } from './lib/hostile-files';
import { buildWeb, ensureChromium } from './lib/web';

function gdal(command: string, args: string[]): void {
  const result = spawnSync(command, ['-q', ...args], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} failed`);
}

/**
 * A GeoTIFF whose validity lives in an internal mask IFD (no nodata): cog_nodata.tif's nodata
 * turned into a mask band through a VRT, written with GDAL_TIFF_INTERNAL_MASK.
 */
function maskedTiff(dir: string): string {
  gdal('gdal_translate', [
    '-ot',
    'Byte',
    '-scale',
    '1',
    '2',
    '0',
    '255',
    `${FIXTURES}/cog/cog_nodata.tif`,
    `${dir}/mask-source.tif`,
  ]);
  gdal('gdalbuildvrt', [`${dir}/masked.vrt`, `${FIXTURES}/cog/cog_nodata.tif`]);
  const vrt = readFileSync(`${dir}/masked.vrt`, 'utf8')
    .replace(/\s*<NoDataValue>[^<]*<\/NoDataValue>/g, '')
    .replace(/<NODATA>[^<]*<\/NODATA>/g, '')
    .replace(
      '</VRTDataset>',
      `<MaskBand><VRTRasterBand dataType="Byte"><SimpleSource><SourceFilename relativeToVRT="0">${dir}/mask-source.tif</SourceFilename><SourceBand>1</SourceBand></SimpleSource></VRTRasterBand></MaskBand></VRTDataset>`,
    );
  writeFileSync(`${dir}/masked.vrt`, vrt);
  rmSync(`${dir}/masked.tif`, { force: true });
  const result = spawnSync(
    'gdal_translate',
    [
      '-q',
      '-co',
      'TILED=YES',
      '-co',
      'COMPRESS=DEFLATE',
      '--config',
      'GDAL_TIFF_INTERNAL_MASK',
      'YES',
      `${dir}/masked.vrt`,
      `${dir}/masked.tif`,
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('gdal_translate (masked) failed');
  return `${dir}/masked.tif`;
}

const HEADER_COPIES = 48;

/** Test TIFFs GDAL derives from the fixtures: name, command and its arguments (the output path follows them). */
function derivedTiffs(): Array<[string, string, string[]]> {
  return [
    [
      'scaled.tif',
      'gdal_translate',
      ['-a_scale', '0.5', '-a_offset', '100', '-co', 'TILED=YES', `${FIXTURES}/cog/cog.tif`],
    ],
    // 16-px tiles: a tile index (27,889 entries an array) far beyond the first 64 KiB.
    [
      'many-tiles.tif',
      'gdal_translate',
      [
        '-co',
        'TILED=YES',
        '-co',
        'BLOCKXSIZE=16',
        '-co',
        'BLOCKYSIZE=16',
        '-co',
        'COMPRESS=DEFLATE',
        `${FIXTURES}/cog/cog.tif`,
      ],
    ],
    // Band-interleaved (planar) PackBits, LERC+ZSTD, and sample types the fixtures lack.
    [
      'planar-packbits.tif',
      'gdal_translate',
      ['-co', 'TILED=YES', '-co', 'INTERLEAVE=BAND', '-co', 'COMPRESS=PACKBITS', `${FIXTURES}/cog/rgb_webp.tif`],
    ],
    [
      'lerc-zstd.tif',
      'gdal_translate',
      ['-co', 'TILED=YES', '-co', 'COMPRESS=LERC_ZSTD', `${FIXTURES}/cog/dsm_lerc.tif`],
    ],
    [
      'int32.tif',
      'gdal_translate',
      ['-ot', 'Int32', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', `${FIXTURES}/cog/cog_int16.tif`],
    ],
    [
      'uint32-pred2.tif',
      'gdal_translate',
      ['-ot', 'UInt32', '-co', 'TILED=YES', '-co', 'COMPRESS=LZW', '-co', 'PREDICTOR=2', `${FIXTURES}/cog/cog.tif`],
    ],
    [
      'float64-pred3.tif',
      'gdal_translate',
      [
        '-ot',
        'Float64',
        '-co',
        'TILED=YES',
        '-co',
        'COMPRESS=DEFLATE',
        '-co',
        'PREDICTOR=3',
        `${FIXTURES}/cog/float_lzw_pred3.tif`,
      ],
    ],
    // User-defined projections (no EPSG code), written by gdalwarp.
    [
      'lcc.tif',
      'gdalwarp',
      [
        '-t_srs',
        '+proj=lcc +lat_1=70 +lat_2=76 +lat_0=73 +lon_0=-57 +datum=WGS84 +units=m',
        '-co',
        'TILED=YES',
        '-co',
        'COMPRESS=DEFLATE',
        `${FIXTURES}/cog/cog.tif`,
      ],
    ],
    [
      'robinson.tif',
      'gdalwarp',
      ['-t_srs', '+proj=robin +datum=WGS84', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', `${FIXTURES}/cog/cog.tif`],
    ],
    // 100 million pixels in a few KB (sparse: no tile written): more than one statistics request may read at full resolution.
    [
      'big-sparse.tif',
      'gdal_create',
      [
        '-outsize',
        '10000',
        '10000',
        '-bands',
        '1',
        '-ot',
        'Byte',
        '-co',
        'TILED=YES',
        '-co',
        'SPARSE_OK=YES',
        '-co',
        'COMPRESS=DEFLATE',
        '-a_srs',
        'EPSG:3857',
        '-a_ullr',
        '0',
        '500000',
        '500000',
        '0',
      ],
    ],
    // No projection at all: an engineering CRS, which cannot be put on a map.
    [
      'local-crs.tif',
      'gdal_translate',
      ['-a_srs', 'LOCAL_CS["arbitrary grid",UNIT["metre",1]]', '-co', 'TILED=YES', `${FIXTURES}/cog/cog.tif`],
    ],
  ];
}

/** Files the raster tests need in the bucket besides the fixtures: broken ones, a non-COG, a mask IFD, scale/offset. */
function testObjects(): Array<{ name: string; file: string }> {
  const dir = `${DEV_DIR}/test-objects`;
  mkdirSync(dir, { recursive: true });
  ensureGdal();
  const derived = derivedTiffs();
  for (const [name, command, args] of derived) {
    rmSync(`${dir}/${name}`, { force: true });
    gdal(command, [...args, `${dir}/${name}`]);
  }
  const generated = [
    { name: 'masked.tif', file: maskedTiff(dir) },
    ...derived.map(([name]) => ({ name, file: `${dir}/${name}` })),
  ];
  const files = storedFiles();
  return [
    ...generated,
    ...Object.entries(files).map(([name, content]) => {
      writeFileSync(`${dir}/${name}`, content);
      return { name, file: `${dir}/${name}` };
    }),
  ];
}

/** Files written to the bucket as they are: broken ones, a stripped TIFF, hostile ones, header copies. */
function storedFiles(): Record<string, Uint8Array | string> {
  const cog = readFileSync(`${FIXTURES}/cog/cog.tif`);
  const small = readFileSync(`${FIXTURES}/cog/cog_rgb.tif`);
  return {
    'truncated.tif': cog.subarray(0, Math.floor(cog.length * 0.6)),
    'truncated-header.tif': cog.subarray(0, 300),
    'not-a-tiff.tif': 'This is plain text, not a TIFF.\n',
    // cog.tif under a key no other test reads, so that counting R2 reads starts from cold tile bytes.
    'reads.tif': cog,
    'stripped.tif': readFileSync(`${FIXTURES}/raw/RGB.byte.tif`),
    'invalid.pmtiles': readFileSync(`${FIXTURES}/pmtiles/invalid.pmtiles`),
    'invalid_v4.pmtiles': readFileSync(`${FIXTURES}/pmtiles/invalid_v4.pmtiles`),
    'empty.pmtiles': readFileSync(`${FIXTURES}/pmtiles/empty.pmtiles`),
    // Files that claim far more than they hold (issue 18): each must be refused before it is allocated.
    ...Object.fromEntries(Object.entries(HOSTILE_FILES).map(([name, { file }]) => [name, file()])),
    // More small COGs than an isolate would keep if each header were charged 1 MiB.
    ...Object.fromEntries(Array.from({ length: HEADER_COPIES }, (_, i) => [`headers-${i}.tif`, small])),
  };
}

interface SuiteResult {
  ok: boolean;
  passed: number;
  failed: number;
}

/** Runs a suite without blocking this process, whose event loop keeps the converter's supervisor going. */
/** `npm test -- raster input` runs the test files whose names hold one of these (both suites). */
const FILTERS = process.argv.slice(2);

async function vitest(name: string, config: string, env: NodeJS.ProcessEnv = {}): Promise<SuiteResult> {
  const report = `${DEV_DIR}/vitest-${name}.json`;
  rmSync(report, { force: true });
  const child = spawn(
    `${ROOT}node_modules/.bin/vitest`,
    [
      'run',
      '--config',
      config,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...(FILTERS.length > 0 ? ['--passWithNoTests', ...FILTERS] : []),
    ],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } },
  );
  const result = { status: await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
  const counts = existsSync(report)
    ? (JSON.parse(readFileSync(report, 'utf8')) as {
        numPassedTests: number;
        numFailedTests: number;
        numTotalTests: number;
      })
    : { numPassedTests: 0, numFailedTests: 0, numTotalTests: 0 };
  // A suite that ran nothing has not passed, unless a filter chose none of its files.
  const ok = result.status === 0 && (counts.numTotalTests > 0 || FILTERS.length > 0);
  return {
    ok,
    passed: counts.numPassedTests,
    failed: counts.numFailedTests + (ok || counts.numFailedTests > 0 ? 0 : 1),
  };
}

const options: StackOptions = {
  database: 'edge_tiles_test',
  databaseUrl: process.env.TEST_DATABASE_URL,
  fresh: true,
  envName: 'test',
  persistTo: `${ROOT}.wrangler/test-state`,
  port: await freePort(),
  seedFile: `${DEV_DIR}/seed.test.json`,
  extraObjects: testObjects(),
  // Small parts, so that the converter's multipart path carries the bigger test outputs.
  converterPartSize: 8 * 1024 * 1024,
  // The suite plays Cloudflare's part and names each client's address in CF-Connecting-IP, so
  // that throttling by address can be tested; `npm run dev` trusts no such header.
  workerVars: { CLIENT_ADDRESS_HEADER: 'cf-connecting-ip' },
};

// The tree must typecheck, lint and be formatted before anything runs (`npm run format` formats it).
for (const [what, tool, args] of [
  ['typecheck', 'tsc', ['--noEmit', '-p', ROOT]],
  ['typecheck (web)', 'tsc', ['--noEmit', '-p', `${ROOT}web`]],
  [
    'web client types match /openapi.json',
    'tsx',
    ['--import', './scripts/lib/wasm-loader.mjs', 'scripts/api-types.ts', '--check'],
  ],
  ['lint', 'eslint', [ROOT]],
  ['format', 'prettier', ['--check', ROOT]],
] as const) {
  log(what);
  if (spawnSync(`${ROOT}node_modules/.bin/${tool}`, args, { stdio: 'inherit', cwd: ROOT }).status !== 0) {
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

buildWeb();
ensureChromium();
rmSync(options.persistTo, { recursive: true, force: true });
const stack = await prepareStack(options);

ensureMatplotlib();
log('unit tests (workerd)');
const unit = await vitest('unit', 'test/unit/vitest.config.mts');

/** The fuzzers (`npm run fuzz`), a fixed number of inputs per target and fixed seeds: a target that finds something fails. */
async function fuzzers(): Promise<SuiteResult> {
  if (FILTERS.length > 0 && !FILTERS.includes('fuzz')) return { ok: true, passed: 0, failed: 0 };
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', './scripts/lib/wasm-loader.mjs', '--import', 'tsx', 'scripts/fuzz.ts'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    process.stdout.write(chunk);
  });
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const targets = out
    .split('\n')
    .filter((line) => line.startsWith('{"target"'))
    .map((line) => JSON.parse(line) as { failure?: string });
  const failed = targets.filter((t) => t.failure).length;
  const ok = status === 0 && targets.length > 0 && failed === 0;
  return { ok, passed: targets.length - failed, failed: failed + (ok || failed > 0 ? 0 : 1) };
}

log('fuzzers (Node, fixed seeds)');
const fuzz = await fuzzers();

log(`integration tests against wrangler dev at ${stack.baseUrl}`);
const worker = await startSeededWorker(stack, options, process.env.CI ? 'ignore' : 'inherit');
let integration: SuiteResult = { ok: false, passed: 0, failed: 1 };
let browser: SuiteResult = { ok: false, passed: 0, failed: 1 };
try {
  const stackEnv = {
    EDGE_TILES_SEED: options.seedFile,
    EDGE_TILES_DATABASE_URL: stack.databaseUrl,
    EDGE_TILES_ENV_FILE: stack.envFile,
    // The jobs tests kill the converter (its /health names its pid) to watch a job retry; its supervisor starts it again.
    EDGE_TILES_CONVERTER_URL: stack.converter.url,
  };
  integration = await vitest('integration', 'test/integration/vitest.config.mts', stackEnv);
  log('browser tests (the web app in headless Chromium) against the same stack');
  browser = await vitest('browser', 'test/browser/vitest.config.mts', stackEnv);
} finally {
  await stopWorker(worker);
  await stopStack(stack);
}

const suites = { unit, fuzz, integration, browser };
log(
  Object.entries(suites)
    .map(([name, suite]) => `${name}: ${suite.ok ? 'ok' : 'FAILED'}`)
    .join(', '),
);
const all = Object.values(suites);
console.log(`${all.reduce((n, s) => n + s.passed, 0)} passed, ${all.reduce((n, s) => n + s.failed, 0)} failed`);
process.exit(all.every((s) => s.ok) ? 0 : 1);
