import { sql } from 'drizzle-orm';
import type { EntryRange } from './database.js';
import type { Connection } from './prepared.js';
import type { EntryRow } from './rows.js';

// Position bookkeeping for collection entries. Positions are zero-based and contiguous, and a
// unique index on (collection_id, position) forbids two entries at one place, so every shift is
// done in two set-based steps through negative values that cannot collide with live positions.
// Lists of ids travel as one JSON parameter, so the statement count does not grow with them;
// expanding that JSON into rows (dialect-sql.ts) is the only SQL the two dialects write
// differently. Values taken out of JSON are CAST, since PostgreSQL's ->> yields text.
// (database.ts documents each operation, under Writes.)

export async function appendEntry({ db: tx, dialect: d }: Connection, collectionId: string, trackId: string, now: number): Promise<boolean> {
  const inserted = await d.all(
    tx,
    sql`
    INSERT INTO collection_entries (collection_id, track_id, position, added_at)
    SELECT id, CAST(${trackId} AS TEXT), track_count, CAST(${now} AS BIGINT) FROM collections WHERE id = ${collectionId}
    ON CONFLICT (collection_id, track_id) DO NOTHING
    RETURNING track_id`,
  );
  if (inserted.length === 0) return false;
  await d.run(tx, sql`
    UPDATE collections SET track_count = track_count + 1, version = version + 1, updated_at = ${now}
    WHERE id = ${collectionId}`);
  return true;
}

export async function removeEntries(
  { db: tx, dialect: d }: Connection,
  trackId: string,
  collectionId: string | null,
  now: number,
): Promise<string[]> {
  const removed = await d.all<{ collection_id: string; position: number }>(
    tx,
    sql`
    DELETE FROM collection_entries
    WHERE track_id = ${trackId} AND (CAST(${collectionId} AS TEXT) IS NULL OR collection_id = ${collectionId})
    RETURNING collection_id, position`,
  );
  if (removed.length === 0) return [];
  const gaps = JSON.stringify(removed.map((r) => [r.collection_id, Number(r.position)]));
  await d.run(tx, sql`
    UPDATE collection_entries AS e SET position = -e.position
    FROM (SELECT value ->> 0 AS collection_id, CAST(value ->> 1 AS INTEGER) AS position FROM ${d.jsonArray(gaps, removed.length)} AS j) AS gap
    WHERE e.collection_id = gap.collection_id AND e.position > gap.position`);
  await d.run(tx, sql`
    UPDATE collection_entries SET position = -position - 1
    WHERE position < 0 AND collection_id IN (SELECT value ->> 0 FROM ${d.jsonArray(gaps, removed.length)} AS j)`);
  await d.run(tx, sql`
    UPDATE collections SET track_count = track_count - 1, version = version + 1, updated_at = ${now}
    WHERE id IN (SELECT value ->> 0 FROM ${d.jsonArray(gaps, removed.length)} AS j)`);
  return removed.map((r) => r.collection_id);
}

export async function moveEntries(
  { db: tx, dialect: d }: Connection,
  collectionId: string,
  moves: readonly { trackId: string; position: number }[],
  now: number,
): Promise<void> {
  const json = JSON.stringify(moves.map((m) => [m.trackId, m.position]));
  await d.run(tx, sql`
    UPDATE collection_entries AS e SET position = -(move.position) - 1
    FROM (SELECT value ->> 0 AS track_id, CAST(value ->> 1 AS INTEGER) AS position FROM ${d.jsonArray(json, moves.length)} AS j) AS move
    WHERE e.collection_id = ${collectionId} AND e.track_id = move.track_id`);
  await d.run(tx, sql`
    UPDATE collection_entries SET position = -position - 1
    WHERE collection_id = ${collectionId} AND position < 0`);
  await d.run(tx, sql`
    UPDATE collections SET version = version + 1, updated_at = ${now} WHERE id = ${collectionId}`);
}

export async function entriesInRanges({ db, dialect: d }: Connection, ranges: readonly EntryRange[]): Promise<(EntryRow & { request: number })[]> {
  const [only] = ranges;
  // A single range (a page of one collection's tracks) is read in index order, without a sort.
  const found = await d.all<EntryRow & { request: number }>(
    db,
    ranges.length === 1 && only
      ? sql`
    SELECT 0 AS "request", collection_id AS "collectionId", track_id AS "trackId",
           position AS "position", added_at AS "addedAt"
    FROM collection_entries
    WHERE collection_id = ${only.collectionId} AND position >= ${only.start} AND position < ${only.end}
    ORDER BY position`
      : sql`
    SELECT r.i AS "request", e.collection_id AS "collectionId", e.track_id AS "trackId",
           e.position AS "position", e.added_at AS "addedAt"
    FROM ${d.jsonRowsWithIndex(JSON.stringify(ranges.map((r) => [r.collectionId, r.start, r.end])))} AS r
    JOIN collection_entries AS e
      ON e.collection_id = r.value ->> 0
     AND e.position >= CAST(r.value ->> 1 AS INTEGER) AND e.position < CAST(r.value ->> 2 AS INTEGER)
    ORDER BY r.i, e.position`,
  );
  // PostgreSQL's drivers hand 64-bit integers back as strings.
  return found.map((row) => ({ ...row, request: Number(row.request), position: Number(row.position), addedAt: Number(row.addedAt) }));
}
