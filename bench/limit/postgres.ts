import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
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

// The PostgreSQL limit: node-postgres by hand, running the product's statements on PostgreSQL in
// the same transactions (READ COMMITTED, the same row locks taken in the same order, audit rows
// included; src/db/store.ts, docs/postgresql.md), each statement prepared once per connection
// (named), with hand-built JSON. Pool size and integer parsing as the product's.

const INT8 = 20;
const RETRYABLE = new Set(['40001', '40P01']);

/** A statement prepared once per connection under its name. */
const q = (name: string, text: string) => (values: unknown[]) => ({ name, text, values });

const s = {
  key: q('key', 'SELECT id, user_id, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL'),
  touchKey: q('touch_key', 'UPDATE api_keys SET last_used_at = $1 WHERE id = $2'),
  members: q('members', 'SELECT organization_id, capabilities FROM memberships WHERE user_id = $1'),
  ownCollection: q(
    'own_collection',
    'SELECT * FROM collections WHERE id = $1 AND organization_id = $2 AND owner_id = $3 AND deleted_at IS NULL',
  ),
  collectionToChange: q(
    'collection_to_change',
    'SELECT * FROM collections WHERE id = $1 AND organization_id = $2 AND owner_id = $3 AND deleted_at IS NULL FOR NO KEY UPDATE',
  ),
  visibleTrack: q(
    'visible_track',
    `SELECT * FROM tracks WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL
     AND (creator_id = $3 OR EXISTS (SELECT 1 FROM library_saves WHERE user_id = $3 AND track_id = tracks.id))`,
  ),
  trackToKeep: q(
    'track_to_keep',
    `SELECT * FROM tracks WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL
     AND (creator_id = $3 OR EXISTS (SELECT 1 FROM library_saves WHERE user_id = $3 AND track_id = tracks.id)) FOR SHARE`,
  ),
  trackToChange: q(
    'track_to_change',
    'SELECT * FROM tracks WHERE id = $1 AND organization_id = $2 AND creator_id = $3 AND deleted_at IS NULL FOR NO KEY UPDATE',
  ),
  collectionsShowing: q(
    'collections_showing',
    `SELECT id FROM collections WHERE id IN (SELECT collection_id FROM collection_entries WHERE track_id = $1 UNION SELECT id FROM collections WHERE cover_track_id = $1)
     ORDER BY id FOR NO KEY UPDATE`,
  ),
  insertCollection: q(
    'insert_collection',
    `INSERT INTO collections (id, organization_id, owner_id, name, description, cover_track_id, cover_image_url, track_count, version, created_at, updated_at, deleted_at)
     VALUES ($1, $2, $3, $4, NULL, NULL, NULL, 0, 1, $5, $5, NULL) RETURNING *`,
  ),
  audit: q(
    'audit',
    'INSERT INTO audit_log (actor_id, organization_id, action, target_id, trace_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
  ),
  deleteCollection: q(
    'delete_collection',
    'UPDATE collections SET deleted_at = $1, updated_at = $1, version = version + 1 WHERE id = $2',
  ),
  appendEntry: q(
    'append_entry',
    `INSERT INTO collection_entries (collection_id, track_id, position, added_at)
     SELECT id, CAST($1 AS TEXT), track_count, CAST($2 AS BIGINT) FROM collections WHERE id = $3
     ON CONFLICT (collection_id, track_id) DO NOTHING RETURNING track_id`,
  ),
  countUp: q(
    'count_up',
    'UPDATE collections SET track_count = track_count + 1, version = version + 1, updated_at = $1 WHERE id = $2',
  ),
  removeEntries: q(
    'remove_entries',
    `DELETE FROM collection_entries WHERE track_id = $1 AND (CAST($2 AS TEXT) IS NULL OR collection_id = $2) RETURNING collection_id, position`,
  ),
  negateAfterGaps: q(
    'negate_after_gaps',
    `UPDATE collection_entries AS e SET position = -e.position
     FROM (SELECT value ->> 0 AS collection_id, CAST(value ->> 1 AS INTEGER) AS position FROM jsonb_array_elements(CAST($1 AS jsonb)) AS value LIMIT $2) AS gap
     WHERE e.collection_id = gap.collection_id AND e.position > gap.position`,
  ),
  closeGaps: q(
    'close_gaps',
    `UPDATE collection_entries SET position = -position - 1
     WHERE position < 0 AND collection_id IN (SELECT value ->> 0 FROM jsonb_array_elements(CAST($1 AS jsonb)) AS value LIMIT $2)`,
  ),
  countDown: q(
    'count_down',
    `UPDATE collections SET track_count = track_count - 1, version = version + 1, updated_at = $1
     WHERE id IN (SELECT value ->> 0 FROM jsonb_array_elements(CAST($2 AS jsonb)) AS value LIMIT $3)`,
  ),
  deleteTrack: q('delete_track', 'UPDATE tracks SET deleted_at = $1, updated_at = $1 WHERE id = $2'),
  uncover: q(
    'uncover',
    'UPDATE collections SET cover_track_id = NULL, version = version + 1, updated_at = $1 WHERE cover_track_id = $2',
  ),
  listCollections: q(
    'list_collections',
    'SELECT * FROM collections WHERE owner_id = $1 AND organization_id = $2 AND deleted_at IS NULL ORDER BY seq DESC LIMIT $3 OFFSET $4',
  ),
  entriesInRange: q(
    'entries_in_range',
    `SELECT 0 AS request, track_id AS "trackId", position, added_at AS "addedAt" FROM collection_entries
     WHERE collection_id = $1 AND position >= $2 AND position < $3 ORDER BY position`,
  ),
  entriesInRanges: q(
    'entries_in_ranges',
    `SELECT r.i AS request, e.track_id AS "trackId", e.position, e.added_at AS "addedAt"
     FROM (SELECT CAST(i AS INTEGER) - 1 AS i, value FROM jsonb_array_elements(CAST($1 AS jsonb)) WITH ORDINALITY AS r(value, i)) AS r
     JOIN collection_entries AS e ON e.collection_id = r.value ->> 0
      AND e.position >= CAST(r.value ->> 1 AS INTEGER) AND e.position < CAST(r.value ->> 2 AS INTEGER)
     ORDER BY r.i, e.position`,
  ),
  liveTracks: q(
    'live_tracks',
    'SELECT * FROM tracks WHERE id IN (SELECT jsonb_array_elements_text(CAST($1 AS jsonb))) AND deleted_at IS NULL',
  ),
};

type Query = ReturnType<(typeof s)[keyof typeof s]>;
type Run = <T = Record<string, unknown>>(query: Query) => Promise<T[]>;

export function createPostgresLimit(url: string): LimitHandler {
  const pool = new pg.Pool({
    connectionString: url,
    max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
    types: { getTypeParser: (oid, format) => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format)) as never },
  });
  pool.on('error', () => undefined);
  const read: Run = async (query) => (await pool.query(query)).rows;

  /** One READ COMMITTED transaction on one connection; what the server aborts whole is run again. */
  async function write<T>(fn: (run: Run) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(async (query) => (await client.query(query)).rows);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (error as { code?: string }).code;
        if (attempt >= 10 || code === undefined || !RETRYABLE.has(code)) throw error;
      } finally {
        client.release();
      }
    }
  }

  async function authenticate(req: IncomingMessage): Promise<Viewer> {
    const [key] = await read<{ id: string; user_id: string; last_used_at: number | null }>(
      s.key([createHash('sha256').update(secretOf(req), 'utf8').digest('hex')]),
    );
    if (!key) throw unauthenticated();
    const now = Date.now();
    if (key.last_used_at === null || now - key.last_used_at >= LAST_USED_RESOLUTION_MS)
      await write((run) => run(s.touchKey([now, key.id])));
    const orgs = new Map<string, string[]>();
    for (const m of await read<{ organization_id: string; capabilities: string }>(s.members([key.user_id]))) {
      orgs.set(m.organization_id, JSON.parse(m.capabilities) as string[]);
    }
    return { userId: key.user_id, orgs };
  }

  async function collection(
    run: Run,
    query: typeof s.ownCollection,
    viewer: Viewer,
    org: string,
    collectionId: string,
  ): Promise<CollectionRow> {
    const [row] = await run<CollectionRow>(query([collectionId, org, viewer.userId]));
    if (!row) throw notFound('collection', collectionId);
    return row;
  }

  async function liveTracks(ids: string[]): Promise<Map<string, { id: string; title: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await read<{ id: string; title: string }>(s.liveTracks([JSON.stringify(ids)]));
    return new Map(rows.map((r) => [r.id, r]));
  }

  async function removeEntries(run: Run, trackId: string, collectionId: string | null, now: number): Promise<void> {
    const removed = await run<{ collection_id: string; position: number }>(s.removeEntries([trackId, collectionId]));
    if (removed.length === 0) return;
    const gaps = JSON.stringify(removed.map((r) => [r.collection_id, r.position]));
    await run(s.negateAfterGaps([gaps, removed.length]));
    await run(s.closeGaps([gaps, removed.length]));
    await run(s.countDown([now, gaps, removed.length]));
  }

  async function route(req: IncomingMessage, traceId: string): Promise<Reply> {
    const { url, nested, org, kind, first, sub, second } = routeOf(req);
    const viewer = await authenticate(req);
    const now = Date.now();
    const method = req.method;
    const audit = (run: Run, action: string, target: string) =>
      run(s.audit([viewer.userId, org, action, target, traceId, now]));

    if (nested && method === 'GET') return { status: 200, body: await nestedPage(viewer, org, url.searchParams) };
    if (kind === 'collections' && first === undefined) {
      if (method === 'POST') {
        member(viewer, org, 'USE_MUSIC_GENERATION');
        const body = await readBody(req);
        checkCreateFields(body);
        const name = checkName(body.name);
        const row = await write(async (run) => {
          const [inserted] = await run<CollectionRow>(
            s.insertCollection([id('mcoll_'), org, viewer.userId, name, now]),
          );
          await audit(run, 'collection.create', inserted!.id);
          return inserted!;
        });
        return { status: 201, body: collectionJson(row, true), etag: row.version };
      }
      if (method === 'GET') {
        member(viewer, org);
        const limit = intParam(url.searchParams, 'limit', 50, 100);
        const offset = intParam(url.searchParams, 'offset', 0, 1e9);
        const rows = (await read<CollectionRow>(s.listCollections([viewer.userId, org, limit + 1, offset]))).slice(
          0,
          limit,
        );
        return { status: 200, body: collectionsPageJson(rows, limit, offset) };
      }
    }
    if (kind === 'collections' && first !== undefined && sub === undefined) {
      member(viewer, org);
      if (method === 'GET') {
        const row = await collection(read, s.ownCollection, viewer, org, first);
        return { status: 200, body: collectionJson(row, true), etag: row.version };
      }
      if (method === 'DELETE') {
        await write(async (run) => {
          const row = await collection(run, s.collectionToChange, viewer, org, first);
          await run(s.deleteCollection([now, row.id]));
          await audit(run, 'collection.delete', row.id);
        });
        return { status: 200, body: ackJson(first, 'Collection deleted.') };
      }
    }
    if (kind === 'collections' && first !== undefined && sub === 'tracks') {
      member(viewer, org);
      if (method === 'POST' && second === undefined) {
        const trackId = trackIdOf(await readBody(req));
        await write(async (run) => {
          const [track] = await run(s.trackToKeep([trackId, org, viewer.userId]));
          const row = await collection(run, s.collectionToChange, viewer, org, first);
          if (!track) throw notFound('track', trackId);
          if ((await run(s.appendEntry([trackId, now, row.id]))).length > 0) await run(s.countUp([now, row.id]));
          await audit(run, 'collection.track_add', trackId);
        });
        return { status: 200, body: ackJson(trackId, 'Track added to collection.') };
      }
      if (method === 'GET' && second === undefined) {
        const limit = intParam(url.searchParams, 'limit', 200, 500);
        const offset = intParam(url.searchParams, 'offset', 0, 1e9);
        const row = await collection(read, s.ownCollection, viewer, org, first);
        const end = Math.max(offset, Math.min(offset + limit, row.track_count));
        const entries = await read<{ trackId: string; position: number; addedAt: number }>(
          s.entriesInRange([row.id, offset, end]),
        );
        const live = await liveTracks(entries.map((e) => e.trackId));
        if (entries.some((e) => !live.has(e.trackId))) throw new Error('track not loaded');
        return { status: 200, body: entriesPageJson(row.id, entries, limit, offset), etag: row.version };
      }
      if (method === 'DELETE' && second !== undefined) {
        await write(async (run) => {
          const row = await collection(run, s.collectionToChange, viewer, org, first);
          await removeEntries(run, second, row.id, now);
          await audit(run, 'collection.track_remove', second);
        });
        return { status: 200, body: ackJson(second, 'Track removed from collection.') };
      }
    }
    if (kind === 'tracks' && first !== undefined && sub === undefined && method === 'DELETE') {
      member(viewer, org);
      await write(async (run) => {
        const [track] = await run(s.trackToChange([first, org, viewer.userId]));
        if (!track) {
          if ((await run(s.visibleTrack([first, org, viewer.userId]))).length > 0) throw forbidden();
          throw notFound('track', first);
        }
        await run(s.collectionsShowing([first]));
        await run(s.deleteTrack([now, first]));
        await removeEntries(run, first, null, now);
        await run(s.uncover([now, first]));
        await audit(run, 'track.delete', first);
      });
      return { status: 200, body: ackJson(first, 'Track deleted.') };
    }
    throw noRoute();
  }

  /** The GraphQL nested page's statements: the page, covers, entry ranges, their tracks. */
  async function nestedPage(viewer: Viewer, org: string, query: URLSearchParams): Promise<string> {
    member(viewer, org);
    const first = intParam(query, 'first', 50, 100);
    const perCollection = intParam(query, 'tracks', 10, 500);
    const rows = await read<CollectionRow>(s.listCollections([viewer.userId, org, first + 1, 0]));
    const page = rows.slice(0, first);
    const covers = await liveTracks([...new Set(page.flatMap((c) => (c.cover_track_id ? [c.cover_track_id] : [])))]);
    const ranges = page.map((c) => [c.id, 0, Math.min(perCollection, c.track_count)]);
    const entries = await read<{ request: number; trackId: string; position: number }>(
      s.entriesInRanges([JSON.stringify(ranges)]),
    );
    const tracks = await liveTracks([...new Set(entries.map((e) => e.trackId))]);
    return nestedPageJson(page, rows.length > first, covers, entries, tracks);
  }

  return {
    handle: (req: IncomingMessage, res: ServerResponse) => respond(req, res, route),
    close: () => pool.end(),
  };
}
