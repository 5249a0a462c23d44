import { createHash, randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { GraphQLError } from 'graphql';

// The hand-written peers' data layer: the statements the product runs for the benchmarked
// operations (captured from its SQLite driver; same tables, same WHERE clauses, same transactions,
// audit rows included), written once as SQL and prepared once, on one better-sqlite3 connection.
// Columns are aliased to the GraphQL field names, so most fields need no resolver. Not part of
// the product; it imports nothing from src/, so the comparison cannot share the product's costs.

const LAST_USED_RESOLUTION_MS = 60_000;
const COLLECTIONS_PAGE = { defaultSize: 50, maxSize: 100 };
const COLLECTION_TRACKS_PAGE = { defaultSize: 200, maxSize: 500 };

export interface CollectionRow {
  seq: number;
  id: string;
  organizationId: string;
  ownerId: string;
  name: string;
  description: string | null;
  coverTrackId: string | null;
  coverImageUrl: string | null;
  trackCount: number;
  version: number;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export interface TrackRow {
  id: string;
  organizationId: string;
  creatorId: string;
  title: string;
  instrumental: number;
  createdAt: number;
  updatedAt: number;
  [column: string]: unknown;
}

export interface EntryRow {
  request: number;
  collectionId: string;
  trackId: string;
  position: number;
  addedAt: number;
}

export interface Viewer {
  userId: string;
  organizations: Map<string, string[]>;
}

/** A GraphQL error with the product's error code, so answers can be compared code for code. */
export const fail = (code: string, message: string) => new GraphQLError(message, { extensions: { code } });
const collectionNotFound = () => fail('RESOURCE_NOT_FOUND', 'Music collection not found or not owned by caller');
const trackNotFound = () => fail('RESOURCE_NOT_FOUND', 'Music track not found');
const invalid = (message: string) => fail('VALIDATION_ERROR', message);

// Ids and trace ids as the product draws them: 80 random bits, from a pooled CSPRNG buffer.
let pool = Buffer.alloc(0);
let offset = 0;
export function newId(prefix: string): string {
  if (offset + 10 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += 10;
  return prefix + pool.toString('hex', offset - 10, offset);
}

export const cursorOf = (key: number) => Buffer.from(`k:${key}`, 'utf8').toString('base64url');

export const formatTimestamp = (ms: number) => {
  const iso = new Date(ms).toISOString();
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
};

const COLLECTION_COLUMNS = `"seq", "id", "organization_id" AS "organizationId", "owner_id" AS "ownerId", "name", "description",
  "cover_track_id" AS "coverTrackId", "cover_image_url" AS "coverImageUrl", "track_count" AS "trackCount", "version",
  "created_at" AS "createdAt", "updated_at" AS "updatedAt", "deleted_at" AS "deletedAt"`;
const TRACK_COLUMNS = `"id", "organization_id" AS "organizationId", "creator_id" AS "creatorId", "title",
  "duration_seconds" AS "durationSeconds", "instrumental", "audio_url" AS "audioUrl", "artwork_url" AS "artworkUrl",
  "mode", "engine", "created_at" AS "createdAt", "updated_at" AS "updatedAt", "deleted_at" AS "deletedAt"`;

function checkSize(
  field: string,
  value: number | null | undefined,
  limits: { defaultSize: number; maxSize: number },
): number {
  const size = value ?? limits.defaultSize;
  if (!Number.isInteger(size) || size < 1 || size > limits.maxSize)
    throw invalid(`${field} must be between 1 and ${limits.maxSize}`);
  return size;
}

function checkOffset(value: number | null | undefined): number {
  const offset = value ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalid('offset must be a non-negative integer');
  return offset;
}

function checkName(value: string): string {
  const length = [...value].length;
  if (length < 1 || length > 512 || value.trim() === '')
    throw invalid('name must be 1 to 512 characters and not blank');
  return value;
}

export type Store = ReturnType<typeof openStore>;

export interface CreateInput {
  name: string;
  description?: string | null;
  coverTrackId?: string | null;
  coverImageUrl?: string | null;
}

/** `onStatement` sees the text of every statement run (the parity test counts them). */
export function openStore(path: string, options: { onStatement?: (sql: string) => void } = {}) {
  const db = new BetterSqlite3(
    path,
    options.onStatement ? { verbose: (text: unknown) => options.onStatement!(String(text)) } : {},
  );
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');

  const s = {
    key: db.prepare(
      'SELECT "id", "user_id" AS "userId", "last_used_at" AS "lastUsedAt" FROM "api_keys" WHERE "key_hash" = ? AND "revoked_at" IS NULL',
    ),
    touchKey: db.prepare('UPDATE "api_keys" SET "last_used_at" = ? WHERE "id" = ?'),
    members: db.prepare(
      'SELECT "organization_id" AS "organizationId", "capabilities" FROM "memberships" WHERE "user_id" = ?',
    ),
    ownCollection: db.prepare(
      `SELECT ${COLLECTION_COLUMNS} FROM "collections" WHERE "id" = ? AND "organization_id" = ? AND "owner_id" = ? AND "deleted_at" IS NULL`,
    ),
    visibleTrack: db.prepare(
      `SELECT ${TRACK_COLUMNS} FROM "tracks" WHERE "id" = ? AND "organization_id" = ? AND "deleted_at" IS NULL
       AND ("creator_id" = ? OR EXISTS (SELECT 1 FROM "library_saves" WHERE "user_id" = ? AND "track_id" = "tracks"."id"))`,
    ),
    listCollections: db.prepare(
      `SELECT ${COLLECTION_COLUMNS} FROM "collections" WHERE "owner_id" = ? AND "organization_id" = ? AND "deleted_at" IS NULL
       ORDER BY "seq" DESC LIMIT ? OFFSET ?`,
    ),
    // One collection's range in index order; several collections' ranges in one statement.
    entriesInRange: db.prepare(
      `SELECT 0 AS "request", "collection_id" AS "collectionId", "track_id" AS "trackId", "position", "added_at" AS "addedAt"
       FROM "collection_entries" WHERE "collection_id" = ? AND "position" >= ? AND "position" < ? ORDER BY "position"`,
    ),
    entriesInRanges: db.prepare(
      `SELECT r.i AS "request", e.collection_id AS "collectionId", e.track_id AS "trackId", e.position AS "position", e.added_at AS "addedAt"
       FROM (SELECT key AS i, value FROM json_each(?)) AS r
       JOIN collection_entries AS e
         ON e.collection_id = r.value ->> 0 AND e.position >= CAST(r.value ->> 1 AS INTEGER) AND e.position < CAST(r.value ->> 2 AS INTEGER)
       ORDER BY r.i, e.position`,
    ),
    liveTracks: db.prepare(
      `SELECT ${TRACK_COLUMNS} FROM "tracks" WHERE "id" IN (SELECT value FROM json_each(?)) AND "deleted_at" IS NULL`,
    ),
    insertCollection: db.prepare(
      `INSERT INTO "collections" ("seq", "id", "organization_id", "owner_id", "name", "description", "cover_track_id", "cover_image_url",
         "track_count", "version", "created_at", "updated_at", "deleted_at")
       VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?, NULL) RETURNING ${COLLECTION_COLUMNS}`,
    ),
    audit: db.prepare(
      'INSERT INTO "audit_log" ("seq", "actor_id", "organization_id", "action", "target_id", "trace_id", "created_at") VALUES (NULL, ?, ?, ?, ?, ?, ?)',
    ),
    markCollectionDeleted: db.prepare(
      'UPDATE "collections" SET "version" = "version" + 1, "updated_at" = ?, "deleted_at" = ? WHERE "id" = ?',
    ),
    append: db.prepare(
      `INSERT INTO collection_entries (collection_id, track_id, position, added_at)
       SELECT id, CAST(? AS TEXT), track_count, CAST(? AS BIGINT) FROM collections WHERE id = ?
       ON CONFLICT (collection_id, track_id) DO NOTHING RETURNING track_id`,
    ),
    countUp: db.prepare(
      'UPDATE collections SET track_count = track_count + 1, version = version + 1, updated_at = ? WHERE id = ?',
    ),
    removeEntries: db.prepare(
      `DELETE FROM collection_entries WHERE track_id = ? AND (CAST(? AS TEXT) IS NULL OR collection_id = ?) RETURNING collection_id, position`,
    ),
    negateAfterGaps: db.prepare(
      `UPDATE collection_entries AS e SET position = -e.position
       FROM (SELECT value ->> 0 AS collection_id, CAST(value ->> 1 AS INTEGER) AS position FROM (SELECT value FROM json_each(?)) AS j) AS gap
       WHERE e.collection_id = gap.collection_id AND e.position > gap.position`,
    ),
    closeGaps: db.prepare(
      `UPDATE collection_entries SET position = -position - 1
       WHERE position < 0 AND collection_id IN (SELECT value ->> 0 FROM (SELECT value FROM json_each(?)) AS j)`,
    ),
    countDown: db.prepare(
      `UPDATE collections SET track_count = track_count - 1, version = version + 1, updated_at = ?
       WHERE id IN (SELECT value ->> 0 FROM (SELECT value FROM json_each(?)) AS j)`,
    ),
    markTrackDeleted: db.prepare('UPDATE "tracks" SET "updated_at" = ?, "deleted_at" = ? WHERE "id" = ?'),
    clearCover: db.prepare(
      'UPDATE "collections" SET "cover_track_id" = NULL, "version" = "version" + 1, "updated_at" = ? WHERE "cover_track_id" = ?',
    ),
  };

  // BEGIN IMMEDIATE, as the product's transactions: the write lock is taken up front.
  const write = <A extends unknown[], T>(fn: (...args: A) => T) => db.transaction(fn).immediate as (...args: A) => T;
  const touch = write((id: string, now: number) => s.touchKey.run(now, id));

  function authenticate(secret: string | null): Viewer | null {
    if (!secret) return null;
    const key = s.key.get(createHash('sha256').update(secret, 'utf8').digest('hex')) as
      | { id: string; userId: string; lastUsedAt: number | null }
      | undefined;
    if (!key) return null;
    const now = Date.now();
    if (key.lastUsedAt === null || now - key.lastUsedAt >= LAST_USED_RESOLUTION_MS) touch(key.id, now);
    const organizations = new Map<string, string[]>();
    for (const m of s.members.all(key.userId) as { organizationId: string; capabilities: string }[]) {
      organizations.set(m.organizationId, JSON.parse(m.capabilities) as string[]);
    }
    return { userId: key.userId, organizations };
  }

  function member(viewer: Viewer, org: string, capability?: string): void {
    const held = viewer.organizations.get(org);
    if (!held) throw fail('ORGANIZATION_ACCESS_DENIED', 'Caller is not a member of this organization');
    if (capability && !held.includes(capability))
      throw fail('INSUFFICIENT_PERMISSIONS', `Missing ${capability} capability`);
  }

  function ownCollection(viewer: Viewer, org: string, id: string): CollectionRow {
    const row = s.ownCollection.get(id, org, viewer.userId) as CollectionRow | undefined;
    if (!row) throw collectionNotFound();
    return row;
  }

  const visibleTrack = (viewer: Viewer, org: string, id: string) =>
    s.visibleTrack.get(id, org, viewer.userId, viewer.userId) as TrackRow | undefined;

  function removeEntries(trackId: string, collectionId: string | null, now: number): void {
    const removed = s.removeEntries.all(trackId, collectionId, collectionId) as {
      collection_id: string;
      position: number;
    }[];
    if (removed.length === 0) return;
    const gaps = JSON.stringify(removed.map((r) => [r.collection_id, r.position]));
    s.negateAfterGaps.run(gaps);
    s.closeGaps.run(gaps);
    s.countDown.run(now, gaps);
  }

  const audit = (viewer: Viewer, org: string, action: string, target: string, traceId: string, now: number) =>
    s.audit.run(viewer.userId, org, action, target, traceId, now);

  // Each mutation's statements, in one write transaction.
  const tx = {
    createCollection: write((viewer: Viewer, org: string, input: CreateInput, traceId: string) => {
      if (input.coverTrackId != null && !visibleTrack(viewer, org, input.coverTrackId)) throw trackNotFound();
      const now = Date.now();
      const row = s.insertCollection.get(
        newId('mcoll_'),
        org,
        viewer.userId,
        input.name,
        input.description ?? null,
        input.coverTrackId ?? null,
        input.coverImageUrl ?? null,
        now,
        now,
      ) as CollectionRow;
      audit(viewer, org, 'collection.create', row.id, traceId, now);
      return row;
    }),
    deleteCollection: write((viewer: Viewer, org: string, id: string, traceId: string) => {
      const row = ownCollection(viewer, org, id);
      const now = Date.now();
      s.markCollectionDeleted.run(now, now, row.id);
      audit(viewer, org, 'collection.delete', row.id, traceId, now);
    }),
    addTrackToCollection: write(
      (viewer: Viewer, org: string, collectionId: string, trackId: string, traceId: string) => {
        const row = ownCollection(viewer, org, collectionId);
        if (!visibleTrack(viewer, org, trackId)) throw trackNotFound();
        const now = Date.now();
        if (s.append.all(trackId, now, row.id).length > 0) s.countUp.run(now, row.id);
        audit(viewer, org, 'collection.track_add', trackId, traceId, now);
      },
    ),
    removeTrackFromCollection: write(
      (viewer: Viewer, org: string, collectionId: string, trackId: string, traceId: string) => {
        const row = ownCollection(viewer, org, collectionId);
        const now = Date.now();
        removeEntries(trackId, row.id, now);
        audit(viewer, org, 'collection.track_remove', trackId, traceId, now);
      },
    ),
    deleteTrack: write((viewer: Viewer, org: string, trackId: string, traceId: string) => {
      const track = visibleTrack(viewer, org, trackId);
      if (!track) throw trackNotFound();
      if (track.creatorId !== viewer.userId)
        throw fail('INSUFFICIENT_PERMISSIONS', 'Only the track creator may delete it');
      const now = Date.now();
      s.markTrackDeleted.run(now, now, track.id);
      removeEntries(track.id, null, now);
      s.clearCover.run(now, track.id);
      audit(viewer, org, 'track.delete', track.id, traceId, now);
    }),
  };

  return {
    authenticate,

    getCollection(viewer: Viewer, org: string, id: string): CollectionRow {
      member(viewer, org);
      return ownCollection(viewer, org, id);
    },

    listCollections(viewer: Viewer, org: string, args: { first?: number | null; offset?: number | null }) {
      member(viewer, org);
      const size = checkSize('first', args.first, COLLECTIONS_PAGE);
      const offset = checkOffset(args.offset);
      const rows = s.listCollections.all(viewer.userId, org, size + 1, offset) as CollectionRow[];
      const hasNextPage = rows.length > size;
      return { rows: hasNextPage ? rows.slice(0, size) : rows, hasNextPage, hasPreviousPage: offset > 0 };
    },

    /** Positions are contiguous, so a page of entries is a range of positions. */
    entryRange(collection: CollectionRow, args: { first?: number | null; offset?: number | null }) {
      const size = checkSize('first', args.first, COLLECTION_TRACKS_PAGE);
      const start = checkOffset(args.offset);
      const end = Math.max(start, Math.min(start + size, collection.trackCount));
      return { start, end, hasNextPage: end < collection.trackCount, hasPreviousPage: start > 0 };
    },

    /** The entries of each range, in one statement however many ranges. */
    entriesInRanges(ranges: readonly { collectionId: string; start: number; end: number }[]): EntryRow[][] {
      const found: EntryRow[][] = ranges.map(() => []);
      const only = ranges.length === 1 ? ranges[0] : undefined;
      const rows = (
        only
          ? s.entriesInRange.all(only.collectionId, only.start, only.end)
          : s.entriesInRanges.all(JSON.stringify(ranges.map((r) => [r.collectionId, r.start, r.end])))
      ) as EntryRow[];
      for (const row of rows) found[row.request]!.push(row);
      return found;
    },

    /** Live tracks by id, in one statement however many. */
    liveTracks(ids: readonly string[]): Map<string, TrackRow> {
      const rows = s.liveTracks.all(JSON.stringify(ids)) as TrackRow[];
      return new Map(rows.map((r) => [r.id, r]));
    },

    createCollection(viewer: Viewer, org: string, input: CreateInput, traceId: string): CollectionRow {
      member(viewer, org, 'USE_MUSIC_GENERATION');
      return tx.createCollection(viewer, org, { ...input, name: checkName(input.name) }, traceId);
    },

    deleteCollection(viewer: Viewer, org: string, id: string, traceId: string): void {
      member(viewer, org);
      tx.deleteCollection(viewer, org, id, traceId);
    },

    addTrackToCollection(viewer: Viewer, org: string, collectionId: string, trackId: string, traceId: string): void {
      member(viewer, org);
      tx.addTrackToCollection(viewer, org, collectionId, trackId, traceId);
    },

    removeTrackFromCollection(
      viewer: Viewer,
      org: string,
      collectionId: string,
      trackId: string,
      traceId: string,
    ): void {
      member(viewer, org);
      tx.removeTrackFromCollection(viewer, org, collectionId, trackId, traceId);
    },

    deleteTrack(viewer: Viewer, org: string, trackId: string, traceId: string): void {
      member(viewer, org);
      tx.deleteTrack(viewer, org, trackId, traceId);
    },

    close: () => db.close(),
  };
}
