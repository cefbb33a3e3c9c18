const MiB = 1024 * 1024;
/**
 * The server cuts uploads into R2 parts of this size (UPLOAD_PART_SIZE, docs/api.md); OPTIONS does not
 * say it. Chunks that are a multiple of it are stored without re-buffering.
 */
const PART_SIZE = 16 * MiB;
/** Two parts a request: well under Cloudflare's 100 MB body cap, and little to send again after a drop. */
const PREFERRED_CHUNK = 2 * PART_SIZE;

export interface UploadLimits {
  /** The largest upload the server takes (Tus-Max-Size), in bytes. */
  maxSize: number;
  /** The bytes sent per PATCH. */
  chunkSize: number;
}

/** The chunk size: as preferred, unless the server's largest body is smaller; a multiple of a part if it can be. */
export function chunkSizeFor(maxChunk: number): number {
  if (maxChunk >= PREFERRED_CHUNK) return PREFERRED_CHUNK;
  return maxChunk >= PART_SIZE ? Math.floor(maxChunk / PART_SIZE) * PART_SIZE : maxChunk;
}

async function ask(): Promise<UploadLimits> {
  const response = await fetch('/uploads', { method: 'OPTIONS' });
  const maxSize = Number(response.headers.get('tus-max-size'));
  const maxChunk = Number(response.headers.get('upload-max-chunk-size'));
  if (!response.ok || !(maxSize > 0) || !(maxChunk > 0))
    throw new Error('The upload service did not say its limits; retry in a moment.');
  return { maxSize, chunkSize: chunkSizeFor(maxChunk) };
}

let asked: Promise<UploadLimits> | null = null;

/** What OPTIONS /uploads says, asked once per page (and again after a failure). */
export function uploadLimits(): Promise<UploadLimits> {
  asked ??= ask().catch((error: unknown) => {
    asked = null;
    throw error;
  });
  return asked;
}
