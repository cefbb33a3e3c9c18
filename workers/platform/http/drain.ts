/**
 * Reads the rest of a body without keeping it, up to a bound. A body that is cancelled instead, or
 * left unread, breaks the request that follows it on the connection in wrangler dev. Cloudflare
 * itself caps request bodies at 100 MB.
 */
export async function drain(
  body: ReadableStream<Uint8Array> | null | undefined,
  limit = 128 * 1024 * 1024,
): Promise<void> {
  if (!body) return;
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = body.getReader();
  } catch {
    return; // Already being read, or already read.
  }
  let read = 0;
  try {
    while (read < limit) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away: nothing left to discard.
  }
}
