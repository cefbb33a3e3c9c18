import type pg from 'pg';
import type { RunRequest } from '../../../workers/jobs/protocol';
import type { Run } from './run';
import type { SignedUrlStore } from './store';

/** What every kind of work gets: its run, the bucket, the database and a scratch directory of its own. */
export interface WorkContext {
  run: Run;
  request: RunRequest;
  store: SignedUrlStore;
  db: pg.Pool;
  dir: string;
}

/** Where a data product's outputs live: one prefix per product, so a re-run overwrites, never adds. */
export const productPrefix = (request: RunRequest): string =>
  `projects/${request.input.projectId}/data-products/${request.input.dataProductId}/`;

export const stem = (filename: string): string => filename.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_') || 'data';
