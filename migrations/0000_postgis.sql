-- Hand-written: drizzle-kit cannot express extensions. Everything after this migration uses PostGIS
-- geometry columns and gen_random_uuid() (core since PostgreSQL 13).
CREATE EXTENSION IF NOT EXISTS postgis;
