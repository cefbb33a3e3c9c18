import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { UploadInit } from '../../durable-objects/upload-session';
import { parseChecksum, parseMetadata, TusError, uploadTarget } from '../../workers/engines/tus/protocol';

const MiB = 1024 * 1024;
const owner = { userId: 'u-1', isAdmin: false };

function init(id: string, overrides: Partial<UploadInit> = {}): UploadInit {
  return {
    id,
    userId: owner.userId,
    metadata: '',
    length: 40 * MiB,
    maxSize: 1024 * MiB,
    partSize: 5 * MiB,
    expirySeconds: 3600,
    fileChecksum: null,
    target: {
      projectId: '00000000-0000-4000-8000-000000000001',
      flightId: '00000000-0000-4000-8000-000000000002',
      type: 'raw',
      filename: 'a.bin',
    },
    dataProductId: crypto.randomUUID(),
    jobId: null,
    origin: 'http://127.0.0.1',
    ...overrides,
  };
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
const stream = (data: Uint8Array, delayMs = 0) =>
  new ReadableStream<Uint8Array>({
    async start(controller) {
      for (let at = 0; at < data.length; at += MiB) {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        controller.enqueue(data.slice(at, at + MiB));
      }
      controller.close();
    },
  });
const sha256 = async (data: Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', data))));

async function inside(id: string) {
  return runInDurableObject(env.UPLOADS.get(env.UPLOADS.idFromName(id)), (_instance, state) => ({
    record: JSON.parse(state.storage.sql.exec<{ doc: string }>('SELECT doc FROM upload').one().doc) as {
      key: string;
      multipartUploadId: string | null;
      state: string;
      offset: number;
    },
    tailBytes: state.storage.sql.exec<{ n: number }>('SELECT COALESCE(SUM(length(bytes)), 0) AS n FROM tail').one().n,
    parts: state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM parts').one().n,
  }));
}

describe('tus headers', () => {
  it('reads Upload-Metadata and Upload-Checksum, refusing what the protocol does not allow', () => {
    expect(parseMetadata(`filename ${btoa('a b.tif')},type ${btoa('ortho')},empty`)).toEqual({
      filename: 'a b.tif',
      type: 'ortho',
      empty: '',
    });
    expect(() => parseMetadata('filename !!notbase64')).toThrow(TusError);
    expect(() => parseMetadata(`a ${btoa('1')},a ${btoa('2')}`)).toThrow(/twice/);
    expect(parseChecksum('sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=')).toEqual({
      algorithm: 'sha1',
      digest: 'Kq5sNclPz7QV2+lfQIuc6R7oRu0=',
    });
    expect(() => parseChecksum('md5 abc')).toThrow(expect.objectContaining({ status: 400 }));
    const target = { project: 'p', flight: 'f', type: 'ortho', filename: 'x.tif' };
    expect(uploadTarget(target).type).toBe('ortho');
    expect(() => uploadTarget({ ...target, filename: 'x.zip' })).toThrow(expect.objectContaining({ status: 415 }));
    expect(() => uploadTarget({ ...target, filename: '../x.tif' })).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => uploadTarget({ ...target, type: 'movie' })).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('UploadSession', () => {
  it('keeps parts equal and the tail in SQLite, and discards a chunk whose checksum fails', async () => {
    const id = crypto.randomUUID().replace(/-/g, '');
    const stub = env.UPLOADS.get(env.UPLOADS.idFromName(id));
    await stub.create(init(id));
    const first = bytes(12 * MiB + 3);
    const ok = await stub.patch(
      owner,
      { offset: 0, checksum: { algorithm: 'sha256', digest: await sha256(first) } },
      stream(first),
    );
    expect(ok).toMatchObject({ ok: true, value: { offset: 12 * MiB + 3 } });
    expect(await inside(id)).toMatchObject({ parts: 2, tailBytes: 2 * MiB + 3 });
    const bad = await stub.patch(
      owner,
      { offset: 12 * MiB + 3, checksum: { algorithm: 'sha256', digest: await sha256(bytes(10)) } },
      stream(bytes(6 * MiB)),
    );
    expect(bad).toMatchObject({ ok: false, status: 460 });
    expect(await inside(id)).toMatchObject({ parts: 2, tailBytes: 2 * MiB + 3, record: { offset: 12 * MiB + 3 } });
    const wrongOffset = await stub.patch(owner, { offset: 5 }, stream(bytes(10)));
    expect(wrongOffset).toMatchObject({ ok: false, status: 409 });
    expect(await stub.head({ userId: 'someone-else', isAdmin: false })).toMatchObject({ ok: false, status: 404 });
  });

  it('serialises PATCHes: a concurrent one gets 423 and the bytes stay intact', async () => {
    const id = crypto.randomUUID().replace(/-/g, '');
    const stub = env.UPLOADS.get(env.UPLOADS.idFromName(id));
    const data = bytes(8 * MiB, 7);
    await stub.create(init(id));
    const slow = stub.patch(owner, { offset: 0 }, stream(data, 20));
    await new Promise((r) => setTimeout(r, 30));
    const rival = await stub.patch(owner, { offset: 0 }, stream(bytes(8 * MiB, 99)));
    expect(rival).toMatchObject({ ok: false, status: 423 });
    expect(await slow).toMatchObject({ ok: true, value: { offset: data.length } });
    // One 5 MiB part went to R2; the rest is the winner's bytes, none of the rival's.
    const tail = await runInDurableObject(stub, (_instance, state) => {
      const rows = state.storage.sql.exec<{ bytes: ArrayBuffer }>('SELECT bytes FROM tail ORDER BY seq').toArray();
      return new Uint8Array(rows.flatMap((r) => [...new Uint8Array(r.bytes)]));
    });
    expect(tail.length).toBe(3 * MiB);
    expect(await sha256(tail)).toBe(await sha256(data.subarray(5 * MiB)));
  });

  it('expires when idle: the multipart upload is aborted and no buffered byte remains', async () => {
    const id = crypto.randomUUID().replace(/-/g, '');
    const stub = env.UPLOADS.get(env.UPLOADS.idFromName(id));
    await stub.create(init(id, { expirySeconds: 1 }));
    expect(await stub.patch(owner, { offset: 0 }, stream(bytes(7 * MiB)))).toMatchObject({ ok: true });
    const before = await inside(id);
    expect(before).toMatchObject({ parts: 1, tailBytes: 2 * MiB });
    expect(before.record.multipartUploadId).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1100));
    await runDurableObjectAlarm(stub);
    const after = await inside(id);
    expect(after).toMatchObject({ parts: 0, tailBytes: 0, record: { state: 'expired' } });
    expect(await stub.head(owner)).toMatchObject({ ok: false, status: 410 });
    expect(await stub.patch(owner, { offset: 7 * MiB }, stream(bytes(1)))).toMatchObject({ ok: false, status: 410 });
    const multipart = env.DATA.resumeMultipartUpload(before.record.key, before.record.multipartUploadId!);
    await expect(multipart.uploadPart(2, bytes(5 * MiB))).rejects.toThrow();
  });

  it('terminates: everything is released and the upload is gone', async () => {
    const id = crypto.randomUUID().replace(/-/g, '');
    const stub = env.UPLOADS.get(env.UPLOADS.idFromName(id));
    await stub.create(init(id));
    await stub.patch(owner, { offset: 0 }, stream(bytes(6 * MiB)));
    expect(await stub.terminate(owner)).toMatchObject({ ok: true });
    expect(await inside(id)).toMatchObject({ parts: 0, tailBytes: 0, record: { state: 'terminated' } });
    expect(await stub.head(owner)).toMatchObject({ ok: false, status: 404 });
  });
});
