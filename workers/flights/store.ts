import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { flights } from '../platform/db/schema';
import { ApiError } from '../platform/http/problem';
import { isUuid } from '../platform/auth/access';

export type FlightRow = typeof flights.$inferSelect;
/** A flight's columns as written; those left undefined, drizzle leaves untouched. */
export type FlightColumns = Partial<Omit<typeof flights.$inferInsert, 'id' | 'projectId' | 'createdAt' | 'updatedAt'>>;

/** The flight, which must belong to the project named in the path. */
/** The project's flight by that id, if it has one. */
export async function flightOf(db: Database, projectId: string, flightId: string): Promise<FlightRow | undefined> {
  if (!isUuid(flightId)) return undefined;
  const [flight] = await db
    .select()
    .from(flights)
    .where(and(eq(flights.id, flightId), eq(flights.projectId, projectId)));
  return flight;
}

export async function findFlight(db: Database, projectId: string, flightId: string): Promise<FlightRow> {
  const flight = await flightOf(db, projectId, flightId);
  if (!flight) throw new ApiError(404, 'not-found', 'Flight not found.');
  return flight;
}

/** A project's flights by acquisition date. */
export function flightsOf(db: Database, projectId: string): Promise<FlightRow[]> {
  return db
    .select()
    .from(flights)
    .where(eq(flights.projectId, projectId))
    .orderBy(asc(flights.acquisitionDate), asc(flights.id));
}

export async function createFlight(
  db: Database,
  projectId: string,
  columns: FlightColumns & { acquisitionDate: string },
): Promise<FlightRow> {
  const [flight] = await db
    .insert(flights)
    .values({ ...columns, projectId })
    .returning();
  return flight!;
}

export async function updateFlight(db: Database, flightId: string, columns: FlightColumns): Promise<FlightRow> {
  const [flight] = await db
    .update(flights)
    .set({ ...columns, updatedAt: new Date() })
    .where(eq(flights.id, flightId))
    .returning();
  return flight!;
}

/** Deletes a flight and, by cascade, its data products. */
export async function deleteFlight(db: Database, flightId: string): Promise<void> {
  await db.delete(flights).where(eq(flights.id, flightId));
}
