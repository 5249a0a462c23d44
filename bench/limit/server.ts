import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import BetterSqlite3 from 'better-sqlite3';

// The benchmark's "limit": the least a server can do to answer the same REST routes with the same
// rules: key lookup by hash, membership and capability, ownership, the same SQL statements as the
// product in the same transactions (audit rows included), hand-built JSON. Not part of the product.
// `GET /bench/:org/collections-nested` is the nested collections page the GraphQL benchmark asks
// for, built by hand from the same statements the resolvers run.

const LAST_USED_RESOLUTION_MS = 60_000;

const ts = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const id = (prefix: string) => prefix + randomBytes(10).toString('hex');
const cursor = (key: number) => Buffer.from('k:' + key, 'utf8').toString('base64url');

interface Viewer {
  userId: string;
  orgs: Map<string, string[]>;
}

interface CollectionRow {
  seq: number;
  id: string;
  organization_id: string;
  owner_id: string;
  name: string;
  description: string | null;
  cover_track_id: string | null;
  cover_image_url: string | null;
  track_count: number;
  version: number;
  created_at: number;
  updated_at: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const notFound = (what: 'collection' | 'track', target: string) =>
  new HttpError(404, 'RESOURCE_NOT_FOUND', `Music ${what} not found`, { [`${what}_id`]: target });

export function createLimitHandler(path: string) {
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
    deleteCollection: db.prepare('UPDATE collections SET deleted_at = ?, updated_at = ?, version = version + 1 WHERE id = ?'),
    appendEntry: db.prepare(
      `INSERT INTO collection_entries (collection_id, track_id, position, added_at)
       SELECT id, ?, track_count, ? FROM collections WHERE id = ? ON CONFLICT (collection_id, track_id) DO NOTHING`,
    ),
    countUp: db.prepare('UPDATE collections SET track_count = track_count + 1, version = version + 1, updated_at = ? WHERE id = ?'),
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
    uncover: db.prepare('UPDATE collections SET cover_track_id = NULL, version = version + 1, updated_at = ? WHERE cover_track_id = ?'),
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
      statement = db.prepare(`SELECT * FROM tracks WHERE id IN (${ids.map(() => '?').join(', ')}) AND deleted_at IS NULL`);
      liveTracksStatements.set(ids.length, statement);
    }
    const rows = statement.all(...ids) as { id: string; title: string }[];
    return new Map(rows.map((r) => [r.id, r]));
  };

  function authenticate(req: IncomingMessage): Viewer {
    const secret = (req.headers['x-api-key'] as string | undefined)?.trim();
    if (!secret) throw new HttpError(401, 'AUTHENTICATION_REQUIRED', 'Authentication required');
    const key = s.key.get(createHash('sha256').update(secret, 'utf8').digest('hex')) as
      | { id: string; user_id: string; last_used_at: number | null }
      | undefined;
    if (!key) throw new HttpError(401, 'AUTHENTICATION_REQUIRED', 'Authentication required');
    const now = Date.now();
    if (key.last_used_at === null || now - key.last_used_at >= LAST_USED_RESOLUTION_MS) s.touchKey.run(now, key.id);
    const orgs = new Map<string, string[]>();
    for (const m of s.members.all(key.user_id) as { organization_id: string; capabilities: string }[]) {
      orgs.set(m.organization_id, JSON.parse(m.capabilities) as string[]);
    }
    return { userId: key.user_id, orgs };
  }

  function member(viewer: Viewer, org: string, capability?: string): void {
    const held = viewer.orgs.get(org);
    if (!held) throw new HttpError(403, 'ORGANIZATION_ACCESS_DENIED', 'Access to this organization is denied');
    if (capability && !held.includes(capability)) throw new HttpError(403, 'INSUFFICIENT_PERMISSIONS', 'Insufficient permissions');
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
    const removed = s.removeEntries.all(trackId, collectionId, collectionId) as { collection_id: string; position: number }[];
    if (removed.length === 0) return;
    const gaps = JSON.stringify(removed.map((r) => [r.collection_id, r.position]));
    s.negateAfterGaps.run(gaps);
    s.closeGaps.run(gaps);
    s.countDown.run(now, gaps);
  }

  const collectionJson = (c: CollectionRow, count: boolean) =>
    `{"id":${JSON.stringify(c.id)},"name":${JSON.stringify(c.name)},"description":${JSON.stringify(c.description)},` +
    `"cover_track_id":${JSON.stringify(c.cover_track_id)},"cover_image_url":${JSON.stringify(c.cover_image_url)},` +
    `"track_count":${count ? c.track_count : 'null'},"created_at":"${ts(c.created_at)}","updated_at":"${ts(c.updated_at)}"}`;

  const ackJson = (target: string, detail: string) => `{"success":true,"id":${JSON.stringify(target)},"detail":"${detail}"}`;

  function intParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
    const raw = query.get(name);
    const value = raw === null ? fallback : /^-?\d{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < (name === 'offset' ? 0 : 1) || value > max) {
      throw new HttpError(422, 'VALIDATION_ERROR', `${name} is out of range`, { field: name });
    }
    return value;
  }

  async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'INVALID_REQUEST_BODY', 'Malformed JSON');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'Not an object');
    return body as Record<string, unknown>;
  }

  function checkName(value: unknown): string {
    if (typeof value !== 'string') throw new HttpError(422, 'VALIDATION_ERROR', 'name is required', { field: 'name' });
    const length = [...value].length;
    if (length < 1 || length > 512 || value.trim() === '') throw new HttpError(422, 'VALIDATION_ERROR', 'bad name', { field: 'name' });
    return value;
  }

  type Reply = { status: number; body: string; etag?: number };

  async function route(req: IncomingMessage, traceId: string): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://limit');
    const parts = url.pathname.split('/');
    // ['', 'v1', 'music', org, 'collections' | 'tracks', id?, 'tracks'?, trackId?]
    const nested = parts[1] === 'bench' && parts[3] === 'collections-nested';
    if (!nested && (parts[1] !== 'v1' || parts[2] !== 'music')) throw new HttpError(404, 'ENDPOINT_NOT_FOUND', 'No route');
    const org = nested ? parts[2]! : parts[3]!;
    const viewer = authenticate(req);
    const now = Date.now();
    const method = req.method;
    const audit = (action: string, target: string) => s.audit.run(viewer.userId, org, action, target, traceId, now);

    if (nested && method === 'GET') return { status: 200, body: nestedPage(viewer, org, url.searchParams) };
    const [, , , , kind, first, sub, second] = parts;
    if (kind === 'collections' && first === undefined) {
      if (method === 'POST') {
        member(viewer, org, 'USE_MUSIC_GENERATION');
        const body = await readBody(req);
        for (const key of Object.keys(body)) {
          if (!['name', 'description', 'cover_track_id', 'cover_image_url'].includes(key)) {
            throw new HttpError(422, 'VALIDATION_ERROR', `${key} is not a known field`, { field: key });
          }
        }
        const name = checkName(body['name']);
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
        return { status: 200, body: `{"items":[${rows.map((r) => collectionJson(r, false)).join(',')}],"limit":${limit},"offset":${offset}}` };
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
        const body = await readBody(req);
        const trackId = body['track_id'];
        if (typeof trackId !== 'string') throw new HttpError(422, 'VALIDATION_ERROR', 'track_id is required', { field: 'track_id' });
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
        const entries = s.entriesInRanges.all(JSON.stringify([[row.id, offset, end]])) as { trackId: string; position: number; addedAt: number }[];
        const live = liveTracks(entries.map((e) => e.trackId));
        const items = entries.map((e) => {
          if (!live.has(e.trackId)) throw new Error('track not loaded');
          return `{"track_id":${JSON.stringify(e.trackId)},"position":${e.position},"added_at":"${ts(e.addedAt)}"}`;
        });
        return {
          status: 200,
          body: `{"collection_id":${JSON.stringify(row.id)},"items":[${items.join(',')}],"limit":${limit},"offset":${offset}}`,
          etag: row.version,
        };
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
        if (track.creator_id !== viewer.userId) throw new HttpError(403, 'INSUFFICIENT_PERMISSIONS', 'Insufficient permissions');
        s.deleteTrack.run(now, now, first);
        removeEntries(first, null, now);
        s.uncover.run(now, first);
        audit('track.delete', first);
      });
      return { status: 200, body: ackJson(first, 'Track deleted.') };
    }
    throw new HttpError(404, 'ENDPOINT_NOT_FOUND', 'No route');
  }

  /** The GraphQL nested page's statements: the page, covers, entry ranges, their tracks. */
  function nestedPage(viewer: Viewer, org: string, query: URLSearchParams): string {
    member(viewer, org);
    const first = intParam(query, 'first', 50, 100);
    const perCollection = intParam(query, 'tracks', 10, 500);
    const rows = s.listCollections.all(viewer.userId, org, first + 1, 0) as CollectionRow[];
    const hasNextPage = rows.length > first;
    const page = rows.slice(0, first);
    const covers = liveTracks([...new Set(page.flatMap((c) => (c.cover_track_id ? [c.cover_track_id] : [])))]);
    const ranges = page.map((c) => [c.id, 0, Math.min(perCollection, c.track_count)]);
    const entries = s.entriesInRanges.all(JSON.stringify(ranges)) as { request: number; trackId: string; position: number }[];
    const tracks = liveTracks([...new Set(entries.map((e) => e.trackId))]);
    const byRequest: string[][] = page.map(() => []);
    for (const e of entries) {
      const track = tracks.get(e.trackId);
      if (!track) throw new Error('track not loaded');
      byRequest[e.request]!.push(`{"position":${e.position},"node":{"id":${JSON.stringify(track.id)},"title":${JSON.stringify(track.title)}}}`);
    }
    const edges = page.map((c, i) => {
      const cover = c.cover_track_id ? covers.get(c.cover_track_id) : undefined;
      const coverJson = cover ? `{"id":${JSON.stringify(cover.id)},"title":${JSON.stringify(cover.title)}}` : 'null';
      return (
        `{"cursor":"${cursor(c.seq)}","node":{"id":${JSON.stringify(c.id)},"name":${JSON.stringify(c.name)},"trackCount":${c.track_count},` +
        `"coverTrack":${coverJson},"tracks":{"edges":[${byRequest[i]!.join(',')}]}}}`
      );
    });
    const end = page.at(-1);
    return (
      `{"data":{"collections":{"edges":[${edges.join(',')}],` +
      `"pageInfo":{"hasNextPage":${hasNextPage},"endCursor":${end ? `"${cursor(end.seq)}"` : 'null'}}}}}`
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const traceId = id('req_');
    let reply: Reply;
    try {
      reply = await route(req, traceId);
    } catch (error) {
      const e = error instanceof HttpError ? error : new HttpError(500, 'INTERNAL_SERVER_ERROR', 'Unexpected error');
      const body = {
        success: false,
        error: { code: e.code, message: e.message, status: e.status, details: e.details, trace_id: traceId, timestamp: ts(Date.now()) },
      };
      reply = { status: e.status, body: JSON.stringify(body) };
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(reply.body)),
      'x-request-id': traceId,
    };
    if (reply.etag !== undefined) headers['etag'] = `"${reply.etag}"`;
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  }

  return { handle, close: () => db.close() };
}

export function startLimitServer(path: string, port = 0): Promise<{ server: Server; port: number; close(): void }> {
  const limit = createLimitHandler(path);
  const server = createServer((req, res) => void limit.handle(req, res));
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({ server, port: bound, close: () => {
          server.close();
          return limit.close();
        },
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.env['DATABASE_URL'];
  if (!path) throw new Error('DATABASE_URL is required');
  const { port } = await startLimitServer(path, Number(process.env['PORT'] ?? 0));
  console.log(`limit ready at http://127.0.0.1:${port}/`);
}
