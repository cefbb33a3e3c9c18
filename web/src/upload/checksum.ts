/**
 * crypto.subtle digests one buffer and cannot stream, so hashing means reading the whole file into
 * memory: worth it up to this size (a second or two, and memory a tab can spare). Bigger files go
 * without a whole-file checksum; each request is still protected by TCP and TLS, and the offsets the
 * server acknowledges are what it stored.
 */
const CHECKSUM_MAX_BYTES = 256 * 1024 * 1024;

/** `sha256 <base64>` of the whole file, which the server verifies on completion; null for big files. */
export async function fileChecksum(file: Blob): Promise<string | null> {
  if (file.size > CHECKSUM_MAX_BYTES) return null;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return `sha256 ${btoa(binary)}`;
}
