// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the local dev database
// (created, with PostgreSQL and PostGIS installed, if missing). Running it twice is a no-op.
import { prepareDatabase } from './lib/postgres';
import { log } from './lib/system';

const url = await prepareDatabase(process.env.DEV_DATABASE ?? 'edge_tiles');
log(`migrations applied to ${url.replace(/:[^:@/]*@/, ':***@')}`);
