import { sql } from 'drizzle-orm';
import type { Db } from './connection.js';

// Position bookkeeping for collection entries. Positions are zero-based and contiguous, and a
// unique index on (collection_id, position) forbids two entries at one place, so every shift is
// done in two set-based steps through negative values that cannot collide with live positions.

/** Appends at the end; returns false (and changes nothing) when the track is already there. */
export function appendEntry(tx: Db, collectionId: string, trackId: string, now: number): boolean {
  const inserted = tx.run(sql`
    INSERT INTO collection_entries (collection_id, track_id, position, added_at)
    SELECT id, ${trackId}, track_count, ${now} FROM collections WHERE id = ${collectionId}
    ON CONFLICT (collection_id, track_id) DO NOTHING`);
  if (inserted.changes === 0) return false;
  tx.run(sql`
    UPDATE collections SET track_count = track_count + 1, version = version + 1, updated_at = ${now}
    WHERE id = ${collectionId}`);
  return true;
}

/**
 * Removes the entries matched by `collectionId` (or every collection when null) for `trackId`,
 * closes the gaps they leave, and updates counts and versions. Returns the collections touched.
 * The statement count is fixed, however many collections hold the track.
 */
export function removeEntries(tx: Db, trackId: string, collectionId: string | null, now: number): string[] {
  const removed = tx.all<{ collection_id: string; position: number }>(sql`
    DELETE FROM collection_entries
    WHERE track_id = ${trackId} AND (${collectionId} IS NULL OR collection_id = ${collectionId})
    RETURNING collection_id, position`);
  if (removed.length === 0) return [];
  const gaps = JSON.stringify(removed.map((r) => [r.collection_id, r.position]));
  tx.run(sql`
    UPDATE collection_entries AS e SET position = -e.position
    FROM (SELECT value ->> 0 AS collection_id, value ->> 1 AS position FROM json_each(${gaps})) AS gap
    WHERE e.collection_id = gap.collection_id AND e.position > gap.position`);
  tx.run(sql`
    UPDATE collection_entries SET position = -position - 1
    WHERE position < 0 AND collection_id IN (SELECT value ->> 0 FROM json_each(${gaps}))`);
  tx.run(sql`
    UPDATE collections SET track_count = track_count - 1, version = version + 1, updated_at = ${now}
    WHERE id IN (SELECT value ->> 0 FROM json_each(${gaps}))`);
  return removed.map((r) => r.collection_id);
}

/** Moves the given entries to new positions; the caller guarantees the result is a permutation. */
export function rewritePositions(
  tx: Db,
  collectionId: string,
  moves: readonly { trackId: string; position: number }[],
  now: number,
): void {
  const json = JSON.stringify(moves.map((m) => [m.trackId, m.position]));
  tx.run(sql`
    UPDATE collection_entries AS e SET position = -(move.position) - 1
    FROM (SELECT value ->> 0 AS track_id, value ->> 1 AS position FROM json_each(${json})) AS move
    WHERE e.collection_id = ${collectionId} AND e.track_id = move.track_id`);
  tx.run(sql`
    UPDATE collection_entries SET position = -position - 1
    WHERE collection_id = ${collectionId} AND position < 0`);
  tx.run(sql`
    UPDATE collections SET version = version + 1, updated_at = ${now} WHERE id = ${collectionId}`);
}

/**
 * The entries at positions [start, end) of each requested collection, in one statement however
 * many collections and ranges are asked for; rows come back tagged with the request's index.
 */
export function entriesInRanges(
  db: Db,
  ranges: readonly { collectionId: string; start: number; end: number }[],
): { request: number; collectionId: string; trackId: string; position: number; addedAt: number }[] {
  const json = JSON.stringify(ranges.map((r) => [r.collectionId, r.start, r.end]));
  return db.all(sql`
    SELECT r.key AS request, e.collection_id AS collectionId, e.track_id AS trackId,
           e.position AS position, e.added_at AS addedAt
    FROM json_each(${json}) AS r
    JOIN collection_entries AS e
      ON e.collection_id = r.value ->> 0 AND e.position >= r.value ->> 1 AND e.position < r.value ->> 2
    ORDER BY r.key, e.position`);
}
