import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import BetterSqlite3 from 'better-sqlite3';
import {
  ackJson,
  checkCreateFields,
  checkName,
  collectionJson,
  collectionsPageJson,
  entriesPageJson,
  forbidden,
  id,
  intParam,
  LAST_USED_RESOLUTION_MS,
  member,
  nestedPageJson,
  noRoute,
  notFound,
  readBody,
  respond,
  routeOf,
  secretOf,
  trackIdOf,
  unauthenticated,
  type CollectionRow,
  type LimitHandler,
  type Reply,
  type Viewer,
} from './common.js';

// The SQLite limit: the least a server can do to answer the same REST routes with the same rules
// (key lookup by hash, membership and capability, ownership), running the product's SQL statements
// in the same transactions (audit rows included), synchronously, with hand-built JSON.

export function createSqliteLimit(path: string): LimitHandler {
  const db = new BetterSqlite3(path);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');

  const s = {
    key: db.prepare('SELECT id, user_id, last_used_at FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL'),
    touchKey: db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
    members: db.prepare('SELECT organization_id, capabilities FROM memberships WHERE user_id = ?'),
    ownCollection: db.prepare(
      'SELECT * FROM collections WHERE id = ? AND organization_id = ? AND owner_id = ? AND deleted_at IS NULL',
    ),
    visibleTrack: db.prepare(
      `SELECT * FROM tracks WHERE id = ? AND organization_id = ? AND deleted_at IS NULL
       AND (creator_id = ? OR EXISTS (SELECT 1 FROM library_saves WHERE user_id = ? AND track_id = tracks.id))`,
    ),
    insertCollection: db.prepare(
      `INSERT INTO collections (id, organization_id, owner_id, name, description, cover_track_id, cover_image_url, track_count, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, NULL, NULL, NULL, 0, 1, ?, ?) RETURNING *`,
    ),
    audit: db.prepare(
      'INSERT INTO audit_log (actor_id, organization_id, action, target_id, trace_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    deleteCollection: db.prepare(
      'UPDATE collections SET deleted_at = ?, updated_at = ?, version = version + 1 WHERE id = ?',
    ),
    appendEntry: db.prepare(
      `INSERT INTO collection_entries (collection_id, track_id, position, added_at)
       SELECT id, ?, track_count, ? FROM collections WHERE id = ? ON CONFLICT (collection_id, track_id) DO NOTHING`,
    ),
    countUp: db.prepare(
      'UPDATE collections SET track_count = track_count + 1, version = version + 1, updated_at = ? WHERE id = ?',
    ),
    removeEntries: db.prepare(
      `DELETE FROM collection_entries WHERE track_id = ? AND (? IS NULL OR collection_id = ?) RETURNING collection_id, position`,
    ),
    negateAfterGaps: db.prepare(
      `UPDATE collection_entries AS e SET position = -e.position
       FROM (SELECT value ->> 0 AS collection_id, value ->> 1 AS position FROM json_each(?)) AS gap
       WHERE e.collection_id = gap.collection_id AND e.position > gap.position`,
    ),
    closeGaps: db.prepare(
      'UPDATE collection_entries SET position = -position - 1 WHERE position < 0 AND collection_id IN (SELECT value ->> 0 FROM json_each(?))',
    ),
    countDown: db.prepare(
      'UPDATE collections SET track_count = track_count - 1, version = version + 1, updated_at = ? WHERE id IN (SELECT value ->> 0 FROM json_each(?))',
    ),
    deleteTrack: db.prepare('UPDATE tracks SET updated_at = ?, deleted_at = ? WHERE id = ?'),
    uncover: db.prepare(
      'UPDATE collections SET cover_track_id = NULL, version = version + 1, updated_at = ? WHERE cover_track_id = ?',
    ),
    listCollections: db.prepare(
      'SELECT * FROM collections WHERE owner_id = ? AND organization_id = ? AND deleted_at IS NULL ORDER BY seq DESC LIMIT ? OFFSET ?',
    ),
    entriesInRanges: db.prepare(
      `SELECT r.key AS request, e.collection_id AS collectionId, e.track_id AS trackId, e.position AS position, e.added_at AS addedAt
       FROM json_each(?) AS r
       JOIN collection_entries AS e ON e.collection_id = r.value ->> 0 AND e.position >= r.value ->> 1 AND e.position < r.value ->> 2
       ORDER BY r.key, e.position`,
    ),
  };
  // `id IN (...)` with as many parameters as ids, as the product's query builder writes it.
  const liveTracksStatements = new Map<number, BetterSqlite3.Statement>();
  const liveTracks = (ids: string[]): Map<string, { id: string; title: string }> => {
    if (ids.length === 0) return new Map();
    let statement = liveTracksStatements.get(ids.length);
    if (!statement) {
      statement = db.prepare(
        `SELECT * FROM tracks WHERE id IN (${ids.map(() => '?').join(', ')}) AND deleted_at IS NULL`,
      );
      liveTracksStatements.set(ids.length, statement);
    }
    const rows = statement.all(...ids) as { id: string; title: string }[];
    return new Map(rows.map((r) => [r.id, r]));
  };

  function authenticate(req: IncomingMessage): Viewer {
    const key = s.key.get(createHash('sha256').update(secretOf(req), 'utf8').digest('hex')) as
      | { id: string; user_id: string; last_used_at: number | null }
      | undefined;
    if (!key) throw unauthenticated();
    const now = Date.now();
    if (key.last_used_at === null || now - key.last_used_at >= LAST_USED_RESOLUTION_MS) s.touchKey.run(now, key.id);
    const orgs = new Map<string, string[]>();
    for (const m of s.members.all(key.user_id) as { organization_id: string; capabilities: string }[]) {
      orgs.set(m.organization_id, JSON.parse(m.capabilities) as string[]);
    }
    return { userId: key.user_id, orgs };
  }

  function ownCollection(viewer: Viewer, org: string, collectionId: string): CollectionRow {
    const row = s.ownCollection.get(collectionId, org, viewer.userId) as CollectionRow | undefined;
    if (!row) throw notFound('collection', collectionId);
    return row;
  }

  const visible = (viewer: Viewer, org: string, trackId: string) =>
    s.visibleTrack.get(trackId, org, viewer.userId, viewer.userId) as { id: string; creator_id: string } | undefined;

  function write<T>(fn: () => T): T {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }

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

  async function route(req: IncomingMessage, traceId: string): Promise<Reply> {
    const { url, nested, org, kind, first, sub, second } = routeOf(req);
    const viewer = authenticate(req);
    const now = Date.now();
    const method = req.method;
    const audit = (action: string, target: string) => s.audit.run(viewer.userId, org, action, target, traceId, now);

    if (nested && method === 'GET') return { status: 200, body: nestedPage(viewer, org, url.searchParams) };
    if (kind === 'collections' && first === undefined) {
      if (method === 'POST') {
        member(viewer, org, 'USE_MUSIC_GENERATION');
        const body = await readBody(req);
        checkCreateFields(body);
        const name = checkName(body.name);
        const row = write(() => {
          const inserted = s.insertCollection.get(id('mcoll_'), org, viewer.userId, name, now, now) as CollectionRow;
          audit('collection.create', inserted.id);
          return inserted;
        });
        return { status: 201, body: collectionJson(row, true), etag: row.version };
      }
      if (method === 'GET') {
        member(viewer, org);
        const limit = intParam(url.searchParams, 'limit', 50, 100);
        const offset = intParam(url.searchParams, 'offset', 0, 1e9);
        const rows = (s.listCollections.all(viewer.userId, org, limit + 1, offset) as CollectionRow[]).slice(0, limit);
        return { status: 200, body: collectionsPageJson(rows, limit, offset) };
      }
    }
    if (kind === 'collections' && first !== undefined && sub === undefined) {
      member(viewer, org);
      if (method === 'GET') {
        const row = ownCollection(viewer, org, first);
        return { status: 200, body: collectionJson(row, true), etag: row.version };
      }
      if (method === 'DELETE') {
        write(() => {
          const row = ownCollection(viewer, org, first);
          s.deleteCollection.run(now, now, row.id);
          audit('collection.delete', row.id);
        });
        return { status: 200, body: ackJson(first, 'Collection deleted.') };
      }
    }
    if (kind === 'collections' && first !== undefined && sub === 'tracks') {
      member(viewer, org);
      if (method === 'POST' && second === undefined) {
        const trackId = trackIdOf(await readBody(req));
        write(() => {
          const row = ownCollection(viewer, org, first);
          if (!visible(viewer, org, trackId)) throw notFound('track', trackId);
          if (s.appendEntry.run(trackId, now, row.id).changes > 0) s.countUp.run(now, row.id);
          audit('collection.track_add', trackId);
        });
        return { status: 200, body: ackJson(trackId, 'Track added to collection.') };
      }
      if (method === 'GET' && second === undefined) {
        const limit = intParam(url.searchParams, 'limit', 200, 500);
        const offset = intParam(url.searchParams, 'offset', 0, 1e9);
        const row = ownCollection(viewer, org, first);
        const end = Math.max(offset, Math.min(offset + limit, row.track_count));
        const entries = s.entriesInRanges.all(JSON.stringify([[row.id, offset, end]])) as {
          trackId: string;
          position: number;
          addedAt: number;
        }[];
        const live = liveTracks(entries.map((e) => e.trackId));
        if (entries.some((e) => !live.has(e.trackId))) throw new Error('track not loaded');
        return { status: 200, body: entriesPageJson(row.id, entries, limit, offset), etag: row.version };
      }
      if (method === 'DELETE' && second !== undefined) {
        write(() => {
          const row = ownCollection(viewer, org, first);
          removeEntries(second, row.id, now);
          audit('collection.track_remove', second);
        });
        return { status: 200, body: ackJson(second, 'Track removed from collection.') };
      }
    }
    if (kind === 'tracks' && first !== undefined && sub === undefined && method === 'DELETE') {
      member(viewer, org);
      write(() => {
        const track = visible(viewer, org, first);
        if (!track) throw notFound('track', first);
        if (track.creator_id !== viewer.userId) throw forbidden();
        s.deleteTrack.run(now, now, first);
        removeEntries(first, null, now);
        s.uncover.run(now, first);
        audit('track.delete', first);
      });
      return { status: 200, body: ackJson(first, 'Track deleted.') };
    }
    throw noRoute();
  }

  /** The GraphQL nested page's statements: the page, covers, entry ranges, their tracks. */
  function nestedPage(viewer: Viewer, org: string, query: URLSearchParams): string {
    member(viewer, org);
    const first = intParam(query, 'first', 50, 100);
    const perCollection = intParam(query, 'tracks', 10, 500);
    const rows = s.listCollections.all(viewer.userId, org, first + 1, 0) as CollectionRow[];
    const page = rows.slice(0, first);
    const covers = liveTracks([...new Set(page.flatMap((c) => (c.cover_track_id ? [c.cover_track_id] : [])))]);
    const ranges = page.map((c) => [c.id, 0, Math.min(perCollection, c.track_count)]);
    const entries = s.entriesInRanges.all(JSON.stringify(ranges)) as {
      request: number;
      trackId: string;
      position: number;
    }[];
    const tracks = liveTracks([...new Set(entries.map((e) => e.trackId))]);
    return nestedPageJson(page, rows.length > first, covers, entries, tracks);
  }

  return {
    handle: (req: IncomingMessage, res: ServerResponse) => respond(req, res, route),
    close: () => void db.close(),
  };
}
