import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';

// Fresh keys for every run: two signing keys, so rotation (verify by kid) is exercised.
async function testSigningKeys(): Promise<string> {
  const keys = [];
  for (const kid of ['unit-a', 'unit-b']) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    keys.push({ ...(await exportJWK(privateKey)), kid, alg: 'ES256' });
  }
  return JSON.stringify({ keys });
}

const FIXTURE_COG = fileURLToPath(new URL('../../../shared/fixtures/cog/cog.tif', import.meta.url));

/**
 * What GDAL says of the COG the in-process raster tests serve (test/unit/raster-routes.test.ts):
 * its size, bands, exact statistics and the value at its centre. Statistics are computed afresh
 * through a VRT, which keeps GDAL's .aux.xml out of the read-only fixtures.
 */
function gdalOracle(): string {
  const gdal = (command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { encoding: 'utf8' });
    } catch (error) {
      throw new Error(`The raster route tests compare with GDAL (${command}): \`npm test\` installs it.`, {
        cause: error,
      });
    }
  };
  const scratch = mkdtempSync(join(tmpdir(), 'oracle-'));
  try {
    const vrt = join(scratch, 'cog.vrt');
    gdal('gdalbuildvrt', ['-q', vrt, FIXTURE_COG]);
    const info = JSON.parse(gdal('gdalinfo', ['-json', '-stats', vrt]));
    const ring: number[][] = info.wgs84Extent.coordinates[0];
    const lons = ring.map((p) => p[0]!);
    const lats = ring.map((p) => p[1]!);
    const centre = [(Math.min(...lons) + Math.max(...lons)) / 2, (Math.min(...lats) + Math.max(...lats)) / 2];
    const value = Number(gdal('gdallocationinfo', ['-valonly', '-wgs84', FIXTURE_COG, ...centre.map(String)]));
    const bands = info.bands.map((b: { type: string; metadata: { '': Record<string, string> } }) => ({
      type: b.type,
      min: Number(b.metadata['']!.STATISTICS_MINIMUM),
      max: Number(b.metadata['']!.STATISTICS_MAXIMUM),
      mean: Number(b.metadata['']!.STATISTICS_MEAN),
    }));
    return JSON.stringify({ size: info.size, bands, centre, value });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The colormaps the unit tests ask matplotlib about (test/unit/colormaps.test.ts): each kind it has. */
const MATPLOTLIB_COLORMAPS = [
  'viridis',
  'viridis_r',
  'greys',
  'coolwarm',
  'twilight',
  'jet',
  'terrain',
  'cubehelix',
  'nipy_spectral',
  'gist_earth',
  'tab10',
  'set1',
];

/**
 * matplotlib's own tables for those colormaps, sampled as rio-tiler samples them: 256 points from 0
 * to 1, as bytes (scaled by 255 and truncated). Debian's python3-matplotlib, hence /usr/bin/python3
 * rather than whichever python3 comes first on PATH.
 */
function matplotlibOracle(): string {
  const script = [
    'import json, sys, matplotlib, numpy',
    'by_lower_name = {name.lower(): name for name in matplotlib.colormaps}',
    'samples = numpy.linspace(0, 1, 256)',
    'print(json.dumps({n: matplotlib.colormaps[by_lower_name[n]](samples, bytes=True).tolist() for n in sys.argv[1:]}))',
  ].join('\n');
  try {
    return execFileSync('/usr/bin/python3', ['-c', script, ...MATPLOTLIB_COLORMAPS], { encoding: 'utf8' });
  } catch (error) {
    throw new Error('The colormap tests compare with matplotlib (/usr/bin/python3): `npm test` installs it.', {
      cause: error,
    });
  }
}

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: fileURLToPath(new URL('../../wrangler.toml', import.meta.url)), environment: 'dev' },
      miniflare: {
        bindings: {
          JWT_SIGNING_KEYS: await testSigningKeys(),
          // Unit tests never reach a database; a closed port lets /health prove it names the failing part.
          DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
          MAX_BODY_BYTES: '4096',
          CORS_ORIGINS: 'https://viewer.example,https://qgis.example',
          // A converter that is not there (a closed port): jobs must retry, back off and give up.
          CONVERTER_URL: 'http://127.0.0.1:1',
          CONVERTER_SECRET: 'unit',
          JOB_MAX_ATTEMPTS: '3',
          GDAL_ORACLE: gdalOracle(),
          MATPLOTLIB_COLORMAPS: matplotlibOracle(),
        },
        dataBlobBindings: { FIXTURE_COG: new Uint8Array(readFileSync(FIXTURE_COG)) },
      },
    })),
  ],
  resolve: {
    // pg require()s pg-protocol, whose "import" entry is ESM in a CommonJS package; wrangler's
    // bundler copes, the test runner's module loader does not, so point it at the CommonJS build.
    alias: { 'pg-protocol': fileURLToPath(new URL('../../node_modules/pg-protocol/dist/index.js', import.meta.url)) },
  },
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/unit/**/*.test.ts'],
    // The first request loads the whole Worker through Vite's transform pipeline, which takes seconds.
    testTimeout: 30_000,
  },
});
