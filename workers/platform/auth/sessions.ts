import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../db/client';
import { sessions, users } from '../db/schema';
import { randomToken, sha256Hex } from './crypto';
import type { Principal } from './principal';
import { forgetAccess } from './grants';

/**
 * Refresh tokens are opaque and single-use: each refresh revokes the presented token and issues a
 * new one in the same family. Presenting an already-rotated token means it leaked, so the whole
 * family (every token descended from that login) is revoked, unless it comes again within
 * RETRY_GRACE of its rotation with its successor unused (an answer lost, see below).
 */
export async function startSession(db: Database, userId: string, ttlSeconds: number, familyId = crypto.randomUUID()) {
  const refreshToken = randomToken(32);
  const [row] = await db
    .insert(sessions)
    .values({
      userId,
      familyId,
      tokenHash: await sha256Hex(refreshToken),
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    })
    .returning({ id: sessions.id });
  return { refreshToken, familyId, id: row!.id };
}

export type RotateResult =
  | { ok: true; userId: string; refreshToken: string; familyId: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused' };

export async function rotateSession(db: Database, refreshToken: string, ttlSeconds: number): Promise<RotateResult> {
  const result = await rotate(db, refreshToken, ttlSeconds);
  // A reuse revoked the whole sign-in though the request fails (401): once that has committed, the
  // isolate forgets the sessions it knew, so that the family's access tokens stop here at once.
  if (!result.ok && result.reason === 'reused') forgetAccess();
  return result;
}

async function rotate(db: Database, refreshToken: string, ttlSeconds: number): Promise<RotateResult> {
  const tokenHash = await sha256Hex(refreshToken);
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(sessions).where(eq(sessions.tokenHash, tokenHash)).for('update');
    if (!row) return { ok: false, reason: 'unknown' } as const;
    const expired = row.expiresAt.getTime() <= Date.now();
    if (row.revokedAt) {
      const lost = expired ? undefined : await lostSuccessor(tx, row.id);
      if (!lost) {
        await revokeFamily(tx, row.familyId);
        return { ok: false, reason: 'reused' } as const;
      }
      // The same token again, moments after its rotation, its successor never used: the answer was
      // lost, not the token. The successor is dropped (revoked, not rotated: presenting it later is
      // a reuse) for a new one.
      await tx
        .update(sessions)
        .set({ revokedAt: sql`now()` })
        .where(eq(sessions.id, lost));
    } else if (expired) {
      return { ok: false, reason: 'expired' } as const;
    }
    const next = await startSession(tx, row.userId, ttlSeconds, row.familyId);
    await tx
      .update(sessions)
      .set({ revokedAt: sql`coalesce(${sessions.revokedAt}, now())`, rotatedTo: next.id })
      .where(eq(sessions.id, row.id));
    return { ok: true, userId: row.userId, refreshToken: next.refreshToken, familyId: next.familyId } as const;
  });
}

/**
 * How long after a rotation its token may be presented again. A browser that reloads or closes a
 * tab while its refresh is in flight loses the answer, and its next page presents the same token:
 * without this, that would end the sign-in of every tab as a theft. Past it, or once the successor
 * has been used, a second use is a reuse (OAuth 2.0 Security BCP's refresh token rotation; Auth0's
 * "reuse interval").
 */
const RETRY_GRACE = sql`interval '30 seconds'`;

/**
 * The successor that the rotation of session `rotatedId` issued, if that rotation is recent and the
 * successor still stands unused. Once only: a successor issued by a second chance is newer than the
 * rotation, so the same token a third time is a reuse, and the grace never slides.
 */
async function lostSuccessor(db: Database, rotatedId: string): Promise<string | undefined> {
  const rotated = alias(sessions, 'rotated');
  const [row] = await db
    .select({ id: sessions.id })
    .from(sessions)
    .innerJoin(rotated, eq(rotated.rotatedTo, sessions.id))
    .where(
      and(
        eq(rotated.id, rotatedId),
        isNull(sessions.revokedAt),
        // Issued in the rotation's own transaction, whose now() both carry (compared in SQL:
        // JavaScript dates drop the microseconds).
        eq(sessions.createdAt, rotated.revokedAt),
        gt(rotated.revokedAt, sql`now() - ${RETRY_GRACE}`),
      ),
    )
    .for('update', { of: sessions });
  return row?.id;
}

export async function revokeFamily(db: Database, familyId: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.familyId, familyId), isNull(sessions.revokedAt)));
}

/** The sign-in (refresh-token family) a refresh token belongs to, whether or not it still stands. */
export async function sessionFamilyOf(db: Database, refreshToken: string): Promise<string | undefined> {
  const [row] = await db
    .select({ familyId: sessions.familyId })
    .from(sessions)
    .where(eq(sessions.tokenHash, await sha256Hex(refreshToken)));
  return row?.familyId;
}

/** The principal of an access token, provided its login has not been ended by logout or reuse. */
export async function sessionPrincipal(db: Database, userId: string, familyId: string): Promise<Principal | null> {
  const [row] = await db
    .select({ email: users.email, isAdmin: users.isAdmin })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.familyId, familyId),
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
      ),
    )
    .limit(1);
  return row ? { userId, email: row.email, isAdmin: row.isAdmin, via: 'session', sessionFamilyId: familyId } : null;
}

/** Whether a sign-in (a refresh-token family) still stands: not ended by logout or reuse, not expired. */
export async function sessionStands(db: Database, familyId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.familyId, familyId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)))
    .limit(1);
  return row !== undefined;
}
