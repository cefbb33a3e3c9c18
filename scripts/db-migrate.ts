// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the local dev database
// `edge_tiles` (created, with PostgreSQL and PostGIS installed, if missing). Running it twice is a no-op.
import { prepareDatabase } from './lib/postgres';
import { log } from './lib/system';

const url = await prepareDatabase('edge_tiles', { explicitUrl: process.env.DATABASE_URL });
log(`migrations applied to ${url.replace(/:[^:@/]*@/, ':***@')}`);
