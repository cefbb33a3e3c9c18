import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Database } from '../platform/db/client';
import { jobState, jobs } from '../platform/db/schema';
import { hasRoleSql } from '../platform/auth/access';
import type { Principal } from '../platform/auth/principal';
import { followJob } from '../data-products/store';
import type { JobInput } from './protocol';

/** The `jobs` table: a listing mirror of the Job Durable Objects, which own each job's truth. */

export type JobState = (typeof jobState.enumValues)[number];

/** A job as its Durable Object holds it, the fields the listing keeps. */
export interface JobMirror {
  id: string;
  kind: string;
  input: JobInput;
  uploadId: string | null;
  state: JobState;
  progress: number;
  message: string;
  attempts: number;
  result: object | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
}

const excluded = (column: PgColumn): SQL => sql`excluded.${sql.identifier(column.name)}`;
const dateOf = (t: number | null) => (t === null ? null : new Date(t));

/**
 * Writes the job's row and, in the same statement, moves its product's status with it (the data
 * products' lifecycle decides which states move it).
 */
export async function mirrorJob(db: Database, job: JobMirror): Promise<void> {
  const product = followJob(db, job.input.dataProductId, job.state);
  await (product ? db.with(db.$with('product').as(product)) : db)
    .insert(jobs)
    .values({
      id: job.id,
      kind: job.kind,
      projectId: job.input.projectId,
      dataProductId: job.input.dataProductId,
      uploadId: job.uploadId,
      state: job.state,
      progress: job.progress,
      message: job.message,
      attempts: job.attempts,
      input: { ...job.input },
      result: job.result ? { ...job.result } : null,
      error: job.error,
      startedAt: dateOf(job.startedAt),
      finishedAt: dateOf(job.finishedAt),
    })
    .onConflictDoUpdate({
      target: jobs.id,
      set: {
        kind: excluded(jobs.kind),
        state: excluded(jobs.state),
        progress: excluded(jobs.progress),
        message: excluded(jobs.message),
        attempts: excluded(jobs.attempts),
        result: excluded(jobs.result),
        error: excluded(jobs.error),
        startedAt: excluded(jobs.startedAt),
        finishedAt: excluded(jobs.finishedAt),
        updatedAt: sql`now()`,
      },
    });
}

export interface JobListing {
  id: string;
  kind: string;
  state: string;
  progress: number;
  message: string;
  attempts: number;
  project_id: string | null;
  data_product_id: string | null;
  upload_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

/** Timestamps to the microsecond, as Postgres has them: a page's cursor must name its last row exactly. */
const exactTime = (column: PgColumn): SQL<string> => sql<string>`to_json(${column}) #>> '{}'`;

/**
 * Jobs newest first: of `project`, or else of every project the principal has a role on; after the
 * cursor's (created_at, id) when one is given. One row more than `limit` tells that a next page exists.
 */
export function listJobs(
  db: Database,
  principal: Principal,
  query: { project?: string; state?: JobState; after: [string, string] | null; limit: number },
): Promise<JobListing[]> {
  const { project, state, after, limit } = query;
  return db
    .select({
      id: jobs.id,
      kind: jobs.kind,
      state: jobs.state,
      progress: jobs.progress,
      message: jobs.message,
      attempts: jobs.attempts,
      project_id: jobs.projectId,
      data_product_id: jobs.dataProductId,
      upload_id: jobs.uploadId,
      error: jobs.error,
      created_at: exactTime(jobs.createdAt),
      updated_at: exactTime(jobs.updatedAt),
    })
    .from(jobs)
    .where(
      and(
        project ? eq(jobs.projectId, project) : hasRoleSql(jobs.projectId, principal, 'viewer'),
        state ? eq(jobs.state, state) : undefined,
        after ? sql`(${jobs.createdAt}, ${jobs.id}) < (${after[0]}::timestamptz, ${after[1]})` : undefined,
      ),
    )
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(limit + 1);
}
