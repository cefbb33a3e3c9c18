import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../durable-objects/job';

function spec(id: string): JobSpec {
  return {
    id,
    kind: 'raster',
    uploadId: null,
    origin: 'http://127.0.0.1',
    input: {
      key: 'projects/p/uploads/u/a.tif',
      filename: 'a.tif',
      projectId: crypto.randomUUID(),
      dataProductId: crypto.randomUUID(),
      productType: 'ortho',
    },
  };
}

const alarmIn = (id: string) =>
  runInDurableObject(env.JOBS.get(env.JOBS.idFromName(id)), async (_i, state) => {
    const at = await state.storage.getAlarm();
    return at === null ? null : at - Date.now();
  });

describe('Job', () => {
  it('retries a converter that cannot be reached with doubling delays, then fails with the reason', async () => {
    const id = crypto.randomUUID();
    const job = env.JOBS.get(env.JOBS.idFromName(id));
    expect(await job.start(spec(id))).toMatchObject({ state: 'queued', attempts: 0 });
    // Starting it again changes nothing.
    expect(await job.start({ ...spec(id), kind: 'vector' })).toMatchObject({ kind: 'raster' });
    // The alarm runs it by itself: three attempts, 1 s then 2 s apart (JOB_RETRY_BASE_SECONDS=1 in dev).
    const deadline = Date.now() + 20_000;
    while ((await job.status())!.state !== 'failed' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const failed = (await job.status())!;
    expect(failed).toMatchObject({ state: 'failed', attempts: 3 });
    expect(failed.error).toMatch(/the converter could not be reached/);
    expect(failed.log.filter((line) => /^attempt \d failed/.test(line))).toHaveLength(3);
    expect(await alarmIn(id)).toBeNull();

    const { events, state } = (await job.events(0, 0))!;
    expect(state).toBe('failed');
    const states = events.filter((e) => e.type === 'state');
    expect(states.map((e) => e.state)).toEqual([
      'queued',
      'running',
      'queued',
      'running',
      'queued',
      'running',
      'failed',
    ]);
    expect(
      states
        .filter((e) => e.state === 'queued')
        .slice(1)
        .map((e) => e.message),
    ).toEqual([
      expect.stringMatching(/could not be reached.*retrying in 1 s/),
      expect.stringMatching(/retrying in 2 s/),
    ]);
    const starts = states.filter((e) => e.state === 'running').map((e) => e.at);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(900);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(1900);

    // Run again, it gets its own three attempts, numbered on from the last.
    expect(await job.retry()).toMatchObject({ ok: true, value: { state: 'queued', attempts: 3 } });
    const again = Date.now() + 20_000;
    while ((await job.status())!.state !== 'failed' && Date.now() < again) await new Promise((r) => setTimeout(r, 100));
    expect(await job.status()).toMatchObject({ state: 'failed', attempts: 6 });
  });

  it('cancels, refuses to cancel twice, and runs again on retry', async () => {
    const id = crypto.randomUUID();
    const job = env.JOBS.get(env.JOBS.idFromName(id));
    await job.start(spec(id));
    expect(await job.cancel()).toMatchObject({ ok: true, value: { state: 'cancelled' } });
    expect(await alarmIn(id)).toBeNull();
    expect(await job.cancel()).toMatchObject({ ok: false, status: 409 });
    const before = (await job.status())!.attempts;
    // Attempt numbers keep counting, so an old attempt's signed URLs never open a new one.
    expect(await job.retry()).toMatchObject({ ok: true, value: { state: 'queued', attempts: before } });
    expect(await job.retry()).toMatchObject({ ok: false, status: 409 });
    // Its alarm runs it again by itself.
    const deadline = Date.now() + 10_000;
    while ((await job.status())!.attempts === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect((await job.status())!.attempts).toBe(before + 1);
    // A signed URL of an attempt that is not running opens nothing.
    expect(await job.ioGrant(1)).toBeNull();
  });

  it('wakes a waiting event reader as soon as something happens', async () => {
    const id = crypto.randomUUID();
    const job = env.JOBS.get(env.JOBS.idFromName(id));
    await job.start(spec(id));
    const seen = (await job.events(0, 0))!.events.at(-1)!.seq;
    const started = Date.now();
    const waiting = job.events(seen, 10_000);
    // Whatever comes first (the first attempt starting, or this cancel) wakes the reader.
    await new Promise((r) => setTimeout(r, 100));
    await job.cancel();
    const woke = (await waiting)!;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(woke.events.length).toBeGreaterThan(0);
    expect(woke.events[0]!.seq).toBe(seen + 1);
  });

  it('knows no job it was never given', async () => {
    const job = env.JOBS.get(env.JOBS.idFromName(crypto.randomUUID()));
    expect(await job.status()).toBeNull();
    expect(await job.cancel()).toMatchObject({ ok: false, status: 404 });
    expect(await job.events(0, 0)).toBeNull();
  });
});
