import { eq, sql } from 'drizzle-orm';
import type { EntryRange, EntryShift } from './database.js';
import type { Connection } from './prepared.js';
import type { CollectionRow, EntryRow } from './rows.js';

// Position bookkeeping for collection entries. Positions are zero-based and contiguous, and a
// unique index on (collection_id, position) forbids two entries at one place, so every shift is
// done in two set-based steps through negative values that cannot collide with live positions.
// Lists of ids travel as one JSON parameter, so the statement count does not grow with them;
// expanding that JSON into rows (dialect-sql.ts) is the only SQL the two dialects write
// differently. Values taken out of JSON are CAST, since PostgreSQL's ->> yields text.
// (database.ts documents each operation, under Writes.)

export async function appendEntry(
  { db: tx, dialect: d }: Connection,
  collectionId: string,
  trackId: string,
  now: number,
): Promise<boolean> {
  const inserted = await d.all(
    tx,
    sql`
    INSERT INTO collection_entries (collection_id, track_id, position, added_at)
    SELECT id, CAST(${trackId} AS TEXT), track_count, CAST(${now} AS BIGINT) FROM collections WHERE id = ${collectionId}
    ON CONFLICT (collection_id, track_id) DO NOTHING
    RETURNING track_id`,
  );
  if (inserted.length === 0) return false;
  await d.run(
    tx,
    sql`
    UPDATE collections SET track_count = track_count + 1, version = version + 1, updated_at = ${now}
    WHERE id = ${collectionId}`,
  );
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
  await d.run(
    tx,
    sql`
    UPDATE collection_entries AS e SET position = -e.position
    FROM (SELECT value ->> 0 AS collection_id, CAST(value ->> 1 AS INTEGER) AS position FROM ${d.jsonArray(gaps, removed.length)} AS j) AS gap
    WHERE e.collection_id = gap.collection_id AND e.position > gap.position`,
  );
  await d.run(
    tx,
    sql`
    UPDATE collection_entries SET position = -position - 1
    WHERE position < 0 AND collection_id IN (SELECT value ->> 0 FROM ${d.jsonArray(gaps, removed.length)} AS j)`,
  );
  await d.run(
    tx,
    sql`
    UPDATE collections SET track_count = track_count - 1, version = version + 1, updated_at = ${now}
    WHERE id IN (SELECT value ->> 0 FROM ${d.jsonArray(gaps, removed.length)} AS j)`,
  );
  return removed.map((r) => r.collection_id);
}

export async function moveEntries(
  { db: tx, dialect: d }: Connection,
  collectionId: string,
  moves: readonly { trackId: string; position: number }[],
  now: number,
): Promise<void> {
  const json = JSON.stringify(moves.map((m) => [m.trackId, m.position]));
  // Materialized, so that the moves are the outer loop and each finds its entry by the primary key:
  // inlined, SQLite's planner scanned the collection's entries and the JSON once for each of them.
  await d.run(
    tx,
    sql`
    WITH move AS MATERIALIZED (SELECT value ->> 0 AS track_id, CAST(value ->> 1 AS INTEGER) AS position FROM ${d.jsonArray(json, moves.length)} AS j)
    UPDATE collection_entries AS e SET position = -(move.position) - 1
    FROM move
    WHERE e.collection_id = ${collectionId} AND e.track_id = move.track_id`,
  );
  await d.run(
    tx,
    sql`
    UPDATE collection_entries SET position = -position - 1
    WHERE collection_id = ${collectionId} AND position < 0`,
  );
  await d.run(
    tx,
    sql`
    UPDATE collections SET version = version + 1, updated_at = ${now} WHERE id = ${collectionId}`,
  );
}

export async function entriesInRanges(
  { db, dialect: d }: Connection,
  ranges: readonly EntryRange[],
): Promise<(EntryRow & { request: number })[]> {
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
  return found.map((row) => ({
    ...row,
    request: Number(row.request),
    position: Number(row.position),
    addedAt: Number(row.addedAt),
  }));
}

// The batch edits. Each is a fixed sequence of statements: whatever the number of tracks or the
// length of the collection, the positions to move travel as one JSON parameter of ranges, and a
// range's entries are found through the (collection_id, position) index.

/** Entries parked at negative positions (see the top of this file) take their places. */
async function settle({ db: tx, dialect: d }: Connection, collectionId: string): Promise<void> {
  await d.run(
    tx,
    sql`
    UPDATE collection_entries SET position = -position - 1
    WHERE collection_id = ${collectionId} AND position < 0`,
  );
}

/** The collection's count moves by `added`, its version on by one; the row after. */
async function touch(
  { db: tx, dialect: d }: Connection,
  collectionId: string,
  added: number,
  now: number,
): Promise<CollectionRow> {
  const { collections } = d.tables;
  const [row] = await tx
    .update(collections)
    .set({
      trackCount: sql`${collections.trackCount} + ${added}`,
      version: sql`${collections.version} + 1`,
      updatedAt: now,
    })
    .where(eq(collections.id, collectionId))
    .returning();
  return row!;
}

/** Parks the entries of every range at the negative of their new position. */
async function park(
  { db: tx, dialect: d }: Connection,
  collectionId: string,
  shifts: readonly EntryShift[],
): Promise<void> {
  const moving = shifts.filter((s) => s.by !== 0 && s.to > s.from);
  const ranges = JSON.stringify(moving.map((s) => [s.from, s.to, s.by]));
  await d.run(
    tx,
    sql`
    UPDATE collection_entries AS e SET position = -(e.position + r.delta) - 1
    FROM (SELECT CAST(value ->> 0 AS INTEGER) AS lo, CAST(value ->> 1 AS INTEGER) AS hi, CAST(value ->> 2 AS INTEGER) AS delta
          FROM ${d.jsonArray(ranges, moving.length)} AS j) AS r
    WHERE e.collection_id = ${collectionId} AND e.position >= r.lo AND e.position < r.hi`,
  );
}

export async function insertEntriesAt(
  conn: Connection,
  collectionId: string,
  trackIds: readonly string[],
  position: number,
  now: number,
): Promise<CollectionRow> {
  const { db: tx, dialect: d } = conn;
  const k = trackIds.length;
  await d.run(
    tx,
    sql`
    UPDATE collection_entries SET position = -(position + ${k}) - 1
    WHERE collection_id = ${collectionId} AND position >= ${position}`,
  );
  const rows = JSON.stringify(trackIds.map((trackId, i) => [trackId, position + i]));
  await d.run(
    tx,
    sql`
    INSERT INTO collection_entries (collection_id, track_id, position, added_at)
    SELECT CAST(${collectionId} AS TEXT), value ->> 0, CAST(value ->> 1 AS INTEGER), CAST(${now} AS BIGINT)
    FROM ${d.jsonArray(rows, trackIds.length)} AS j`,
  );
  await settle(conn, collectionId);
  return touch(conn, collectionId, k, now);
}

export async function removeEntriesOf(
  conn: Connection,
  collectionId: string,
  trackIds: readonly string[],
  now: number,
): Promise<{ removed: Pick<EntryRow, 'trackId' | 'position'>[]; collection: CollectionRow | null }> {
  const { db: tx, dialect: d } = conn;
  const found = await d.all<{ track_id: string; position: number }>(
    tx,
    sql`
    DELETE FROM collection_entries
    WHERE collection_id = ${collectionId} AND track_id IN ${d.textList(JSON.stringify(trackIds))}
    RETURNING track_id, position`,
  );
  if (found.length === 0) return { removed: [], collection: null };
  const removed = found.map((r) => ({ trackId: r.track_id, position: Number(r.position) }));
  // Between the i-th and the next removed position (in order), entries move up by i + 1.
  const gaps = removed.map((r) => r.position).sort((a, b) => a - b);
  const shifts = gaps.map((gap, i) => ({ from: gap + 1, to: gaps[i + 1] ?? 2 ** 31 - 1, by: -(i + 1) }));
  await park(conn, collectionId, shifts);
  await settle(conn, collectionId);
  return { removed, collection: await touch(conn, collectionId, -removed.length, now) };
}

export async function shiftEntries(
  conn: Connection,
  collectionId: string,
  shifts: readonly EntryShift[],
  now: number,
): Promise<CollectionRow> {
  await park(conn, collectionId, shifts);
  await settle(conn, collectionId);
  return touch(conn, collectionId, 0, now);
}
