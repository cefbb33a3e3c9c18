import type { Bindings } from '../platform/env';
import type { Principal } from '../platform/auth/principal';
import { canRead, projectAccess } from '../platform/auth/access';
import { withDatabase } from '../platform/db/client';
import type { Job } from '../../durable-objects/job';

/** How often an open event stream checks that its reader still reads the job's project. */
const STREAM_RECHECK_MS = 15_000;

export interface EventReader {
  principal: Principal | null;
  projectId: string;
}

/**
 * Server-sent events: `state` and `progress`, each with its sequence number as the event id, from
 * `after` on until the job ends, its reader goes away or loses access to the job's project.
 * `waitUntil` keeps the pump alive after the response has been answered.
 */
export function jobEventStream(
  env: Bindings,
  job: DurableObjectStub<Job>,
  reader: EventReader,
  after: number,
  waitUntil: (work: Promise<unknown>) => void,
): ReadableStream<Uint8Array> {
  // The stream outlives the request's database connection: later checks open their own.
  const stillReads = () =>
    withDatabase({ url: env.DATABASE_URL, driver: env.DB_DRIVER }, async (db) =>
      canRead(await projectAccess(db, reader.principal, reader.projectId)),
    );
  let checked = Date.now();
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  waitUntil(
    (async () => {
      try {
        await writer.write(encoder.encode('retry: 2000\n\n'));
        for (;;) {
          const batch = await job.events(after, 15_000);
          if (!batch) break;
          for (const event of batch.events) {
            await writer.write(
              encoder.encode(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
            );
            after = event.seq;
          }
          if (batch.events.length === 0) await writer.write(encoder.encode(': still working\n\n'));
          if (batch.done) break;
          // Access taken away mid-stream ends the stream (within STREAM_RECHECK_MS).
          if (Date.now() - checked >= STREAM_RECHECK_MS) {
            checked = Date.now();
            if (!(await stillReads())) break;
          }
        }
        await writer.close();
      } catch {
        // The client went away.
        await writer.abort().catch(() => undefined);
      }
    })(),
  );
  return readable;
}
