import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, json, type TestUser } from '../integration/helpers';
import { tusCreate, uploadStatus, waitForJob } from '../integration/world';

/** The field both synthetic flights cover: 0.01° square, 256 × 256 pixels. */
export const FIELD = { west: -96.6, south: 39.08, east: -96.59, north: 39.09, size: 256 };
export const FIELD_CENTER: [number, number] = [(FIELD.west + FIELD.east) / 2, (FIELD.south + FIELD.north) / 2];

/**
 * A three-band byte GeoTIFF of the field, made with GDAL from raw bytes: `red` is (200, column, 40),
 * `blue` is (40, row, 200), so a screenshot tells the two apart and every pixel reads differently.
 */
export function fieldGeoTiff(colour: 'red' | 'blue'): Uint8Array {
  const n = FIELD.size;
  const raw = new Uint8Array(3 * n * n);
  for (let row = 0; row < n; row++)
    for (let col = 0; col < n; col++) {
      const i = row * n + col;
      raw[i] = colour === 'red' ? 200 : 40;
      raw[n * n + i] = colour === 'red' ? col : row;
      raw[2 * n * n + i] = colour === 'red' ? 40 : 200;
    }
  const dir = mkdtempSync(join(tmpdir(), 'field-'));
  try {
    writeFileSync(join(dir, 'field.raw'), raw);
    writeFileSync(
      join(dir, 'field.hdr'),
      `ENVI\nsamples = ${n}\nlines = ${n}\nbands = 3\nheader offset = 0\nfile type = ENVI Standard\ndata type = 1\ninterleave = bsq\nbyte order = 0\n`,
    );
    const out = join(dir, 'field.tif');
    execFileSync('gdal_translate', [
      '-q',
      '-of',
      'GTiff',
      '-a_srs',
      'EPSG:4326',
      '-a_ullr',
      ...[FIELD.west, FIELD.north, FIELD.east, FIELD.south].map(String),
      join(dir, 'field.raw'),
      out,
    ]);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Uploads a GeoTIFF with tus into a flight and waits for its job: the ready data product's id. */
export async function uploadRaster(
  user: TestUser,
  project: string,
  flight: string,
  filename: string,
  bytes: Uint8Array,
): Promise<string> {
  const upload = await tusCreate(user, project, flight, 'ortho', filename, bytes);
  const status = await uploadStatus(user, upload.id);
  const job = await waitForJob(user, status.jobId!, (s) => ['succeeded', 'failed', 'cancelled'].includes(s), 120_000);
  if (job.state !== 'succeeded') throw new Error(`${filename}: job ${job.state}: ${job.error}`);
  return (await uploadStatus(user, upload.id)).dataProductId!;
}

export interface FieldProject {
  id: string;
  /** The June flight's product (red) and the July flight's (blue). */
  june: string;
  july: string;
}

/**
 * A private project of `owner` with two flights of the field, one synthetic raster each. The
 * flights are named "June <tag>" and "July <tag>", so their catalog items' titles are this run's.
 */
export async function fieldProject(owner: TestUser, title: string, tag: string): Promise<FieldProject> {
  const as = { token: owner.token };
  const project = await json<{ id: string }>(await call('/projects', { ...as, json: { title } }), 201);
  const flight = async (name: string, date: string) =>
    (
      await json<{ id: string }>(
        await call(`/projects/${project.id}/flights`, { ...as, json: { name, acquisition_date: date } }),
        201,
      )
    ).id;
  const [june, july] = await Promise.all([flight(`June ${tag}`, '2024-06-12'), flight(`July ${tag}`, '2024-07-17')]);
  const [juneProduct, julyProduct] = await Promise.all([
    uploadRaster(owner, project.id, june, 'june.tif', fieldGeoTiff('red')),
    uploadRaster(owner, project.id, july, 'july.tif', fieldGeoTiff('blue')),
  ]);
  return { id: project.id, june: juneProduct, july: julyProduct };
}
