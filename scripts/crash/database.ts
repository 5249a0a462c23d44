import BetterSqlite3 from 'better-sqlite3';
import type { State } from './model.js';

// Checks read the file directly while the server is down, read-only, so the check itself
// cannot repair or checkpoint anything the crash left behind.

export interface Snapshot {
  collections: Map<string, { name: string; deleted: boolean; version: number; entries: string[] }>;
  tracks: Map<string, { title: string; deleted: boolean; inLibrary: boolean }>;
  /** Collection names and track titles → ids, to find a create whose answer never arrived. */
  byLabel: Map<string, string>;
  /** Whole-file invariants that do not depend on any model; empty when all hold. */
  violations: string[];
}

/**
 * Invariants of collection entries, as SQL both backends run (counts come back as numbers): every
 * collection in the database, not only a model's, has positions 0..n-1 and a matching count, and
 * no entry points at a deleted track.
 */
export const entryChecks = {
  shapes: `SELECT c.id, c.track_count AS count, COUNT(e.track_id) AS n, COUNT(DISTINCT e.position) AS distinct_positions,
                  COALESCE(MIN(e.position), 0) AS lo, COALESCE(MAX(e.position), -1) AS hi
           FROM collections c LEFT JOIN collection_entries e ON e.collection_id = c.id GROUP BY c.id, c.track_count`,
  deadEntries: `SELECT COUNT(*) AS n FROM collection_entries e JOIN tracks t ON t.id = e.track_id WHERE t.deleted_at IS NOT NULL`,
};

export interface Shape {
  id: string;
  count: number;
  n: number;
  distinct_positions: number;
  lo: number;
  hi: number;
}

/** What `entryChecks` found wrong; empty when every invariant holds. */
export function entryViolations(shapes: readonly Shape[], deadEntries: { n: number }): string[] {
  const violations: string[] = [];
  for (const s of shapes) {
    if (s.count !== s.n) violations.push(`collection ${s.id}: track_count ${s.count} but ${s.n} entries`);
    if (s.n > 0 && (s.lo !== 0 || s.hi !== s.n - 1 || s.distinct_positions !== s.n)) {
      violations.push(
        `collection ${s.id}: positions ${s.lo}..${s.hi} (${s.distinct_positions} distinct) for ${s.n} entries`,
      );
    }
  }
  if (deadEntries.n) violations.push(`${deadEntries.n} collection entries point at deleted tracks`);
  return violations;
}

export function readSnapshot(path: string, organizationId: string, userId: string): Snapshot {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    const violations: string[] = [];
    const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
    if (integrity.length !== 1 || integrity[0]?.integrity_check !== 'ok') {
      violations.push(`integrity_check: ${JSON.stringify(integrity.slice(0, 5))}`);
    }
    const foreignKeys = db.pragma('foreign_key_check') as unknown[];
    if (foreignKeys.length) violations.push(`foreign_key_check: ${JSON.stringify(foreignKeys.slice(0, 5))}`);

    const shapes = db.prepare(entryChecks.shapes).all() as Shape[];
    violations.push(...entryViolations(shapes, db.prepare(entryChecks.deadEntries).get() as { n: number }));

    const snapshot: Snapshot = { collections: new Map(), tracks: new Map(), byLabel: new Map(), violations };
    const collections = db
      .prepare(`SELECT id, name, deleted_at, version FROM collections WHERE organization_id = ? AND owner_id = ?`)
      .all(organizationId, userId) as { id: string; name: string; deleted_at: number | null; version: number }[];
    for (const c of collections) {
      snapshot.collections.set(c.id, { name: c.name, deleted: c.deleted_at !== null, version: c.version, entries: [] });
      snapshot.byLabel.set(c.name, c.id);
    }
    const entries = db
      .prepare(`SELECT collection_id, track_id FROM collection_entries ORDER BY collection_id, position`)
      .all() as { collection_id: string; track_id: string }[];
    for (const e of entries) snapshot.collections.get(e.collection_id)?.entries.push(e.track_id);
    const tracks = db
      .prepare(
        `SELECT t.id, t.title, t.deleted_at,
                EXISTS (SELECT 1 FROM library_saves l WHERE l.track_id = t.id AND l.user_id = t.creator_id AND l.source = 'own') AS in_library
         FROM tracks t WHERE t.organization_id = ? AND t.creator_id = ?`,
      )
      .all(organizationId, userId) as { id: string; title: string; deleted_at: number | null; in_library: number }[];
    for (const t of tracks) {
      snapshot.tracks.set(t.id, { title: t.title, deleted: t.deleted_at !== null, inLibrary: t.in_library === 1 });
      snapshot.byLabel.set(t.title, t.id);
    }
    return snapshot;
  } finally {
    db.close();
  }
}

/** Where the file disagrees with `state` about the objects `state` knows; empty when it agrees. */
export function differences(state: State, snapshot: Snapshot, alsoAbsent: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const [id, want] of state.collections) {
    const got = snapshot.collections.get(id);
    if (!got) {
      out.push(`collection ${id} (${want.name}) is missing`);
      continue;
    }
    if (got.deleted !== want.deleted) out.push(`collection ${id}: deleted ${got.deleted}, expected ${want.deleted}`);
    if (got.version !== want.version) out.push(`collection ${id}: version ${got.version}, expected ${want.version}`);
    if (got.entries.join() !== want.entries.join()) {
      out.push(`collection ${id}: entries [${got.entries.join(' ')}], expected [${want.entries.join(' ')}]`);
    }
  }
  for (const [id, want] of state.tracks) {
    const got = snapshot.tracks.get(id);
    if (!got) {
      out.push(`track ${id} (${want.title}) is missing`);
      continue;
    }
    if (got.deleted !== want.deleted) out.push(`track ${id}: deleted ${got.deleted}, expected ${want.deleted}`);
    if (!got.inLibrary) out.push(`track ${id}: not in its creator's library`);
  }
  for (const id of alsoAbsent) {
    if (snapshot.collections.has(id) || snapshot.tracks.has(id)) out.push(`${id} exists, expected it not to`);
  }
  return out;
}
