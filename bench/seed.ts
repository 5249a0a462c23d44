import { copyFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../src/db/connection.js';
import { newId } from '../src/db/ids.js';
import { addMember, createApiKey, createOrganization, createUser } from '../src/domain/admin.js';
import type { Deps } from '../src/domain/deps.js';

// The benchmark's databases are built once per run as templates and copied for every server
// start, so each server begins from the same state. The product creates the schema (migrations)
// and the operator rows (keys are hashed by the product's own code); bulk rows are written here
// directly, which is the only way to build 100k-track collections in seconds.

export const ORG = 'org_bench';

export interface Principal {
  userId: string;
  key: string;
}

/** Which rows each operation works on; op k picks its item from these lists. */
export interface World {
  org: string;
  reader: Principal;
  writer: Principal;
  remover: Principal;
  deleter: Principal;
  trackDeleter: Principal;
  /** reader's collections, 20 tracks each, with covers; the list page and `get` read these. */
  readCollections: string[];
  /** reader's collection of PAGE_COLLECTION_SIZE tracks, paged by `page`. */
  pageCollection: string;
  writerCollections: string[];
  writerTracks: string[];
  /** remover's collections, each holding every one of removerTracks in order. */
  removerCollections: string[];
  removerTracks: string[];
  /** deleteCollection consumes these, one per request. */
  deletableCollections: string[];
  /** deleteTrack consumes these, one per request; each sits in one 20-track collection. */
  deletableTracks: string[];
  /** The PostgreSQL write section's owners (bench/pg-writes.ts); absent unless asked for. */
  tenants?: { hot: Tenant; spread: Tenant[] };
}

/** One owner's rows for the write section: each list is used once per database, item by item. */
export interface Tenant {
  who: Principal;
  /** Starts empty; adds append `tracks` to it, one each. */
  addCollection: string;
  /** Holds `tracks` in order; removes take them from the end, so no request renumbers others. */
  removeCollection: string;
  tracks: string[];
  /** All in one collection, in order; deletes take them from the end, likewise. */
  deletableTracks: string[];
  deletableCollections: string[];
}

export interface SeedSizes {
  /** Items each consuming operation may use in one server's lifetime. */
  pool: number;
  /** Items each write of the PostgreSQL write section may use per database; 0 or absent: no tenants. */
  tenantPool?: number;
}

/** Owners the write section spreads its requests over: more than its connections (16), so one is always free. */
export const SPREAD_OWNERS = 24;

export const READ_COLLECTIONS = 200;
export const READ_COLLECTION_TRACKS = 20;
export const PAGE_COLLECTION_SIZE = 1000;
const REMOVER_COLLECTIONS = 1000;
const REMOVER_TRACKS = 50;
const WRITER_COLLECTIONS = 200;
const WRITER_TRACKS = 2000;

const T0 = Date.parse('2026-06-01T00:00:00Z');

async function operatorRows(path: string, tenants: number) {
  const database = await openDatabase(path);
  const deps: Deps = { database, now: () => T0, traceId: 'req_bench_seed', origin: 'http://bench' };
  await createOrganization(deps, { name: 'Bench', id: ORG });
  const principal = async (name: string): Promise<Principal> => {
    const user = await createUser(deps, { email: `${name}@bench.example` });
    await addMember(deps, { organizationId: ORG, userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
    return { userId: user.id, key: (await createApiKey(deps, { userId: user.id })).key };
  };
  const people = {
    reader: await principal('reader'),
    writer: await principal('writer'),
    remover: await principal('remover'),
    deleter: await principal('deleter'),
    trackDeleter: await principal('track-deleter'),
  };
  const owners: Principal[] = [];
  for (let i = 0; i < tenants; i++) owners.push(await principal(`tenant-${i}`));
  await database.close();
  return { ...people, owners };
}

/** Bulk inserts with prepared statements, in one transaction per call. */
export class BulkWriter {
  private readonly track;
  private readonly save;
  private readonly collection;
  private readonly entry;
  private clock = T0;

  constructor(readonly sqlite: BetterSqlite3.Database) {
    this.track = sqlite.prepare(
      `INSERT INTO tracks (id, organization_id, creator_id, title, duration_seconds, instrumental, audio_url, mode, engine, created_at, updated_at)
       VALUES (?, ?, ?, ?, 180.5, 0, 'https://cdn.example/a.mp3', 'creation', 'studio', ?, ?)`,
    );
    this.save = sqlite.prepare(
      `INSERT INTO library_saves (id, user_id, track_id, organization_id, source, created_at) VALUES (?, ?, ?, ?, 'own', ?)`,
    );
    this.collection = sqlite.prepare(
      `INSERT INTO collections (id, organization_id, owner_id, name, description, cover_track_id, track_count, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'seeded', ?, ?, ?, ?)`,
    );
    this.entry = sqlite.prepare(
      `INSERT INTO collection_entries (collection_id, track_id, position, added_at) VALUES (?, ?, ?, ?)`,
    );
  }

  tracks(owner: string, n: number, org = ORG): string[] {
    const ids: string[] = [];
    this.sqlite.transaction(() => {
      for (let i = 0; i < n; i++) {
        const id = newId('mtrack_');
        const at = ++this.clock;
        this.track.run(id, org, owner, `Track ${i}`, at, at);
        this.save.run(newId('mlib_'), owner, id, org, at);
        ids.push(id);
      }
    })();
    return ids;
  }

  /** One collection per member list, holding those tracks in order. */
  collections(
    owner: string,
    members: readonly (readonly string[])[],
    cover: (i: number) => string | null = () => null,
  ): string[] {
    const ids: string[] = [];
    this.sqlite.transaction(() => {
      members.forEach((trackIds, i) => {
        const id = newId('mcoll_');
        const at = ++this.clock;
        this.collection.run(id, ORG, owner, `Collection ${i}`, cover(i), trackIds.length, at, at);
        trackIds.forEach((trackId, position) => {
          this.entry.run(id, trackId, position, at);
        });
        ids.push(id);
      });
    })();
    return ids;
  }
}

const repeat = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

/** Builds the template for the operation benchmarks at `path`. */
export async function seedTemplate(path: string, sizes: SeedSizes): Promise<World> {
  const tenantPool = sizes.tenantPool ?? 0;
  const { owners, ...people } = await operatorRows(path, tenantPool > 0 ? 1 + SPREAD_OWNERS : 0);
  const sqlite = new BetterSqlite3(path);
  const bulk = new BulkWriter(sqlite);
  const tenant = (who: Principal, items: number): Tenant => {
    const tracks = bulk.tracks(who.userId, items);
    const deletableTracks = bulk.tracks(who.userId, items);
    const [addCollection, removeCollection] = bulk.collections(who.userId, [[], tracks, deletableTracks]);
    const deletableCollections = bulk.collections(
      who.userId,
      repeat(items, () => []),
    );
    return {
      who,
      addCollection: addCollection!,
      removeCollection: removeCollection!,
      tracks,
      deletableTracks,
      deletableCollections,
    };
  };
  const tenants =
    tenantPool > 0
      ? {
          hot: tenant(owners[0]!, tenantPool),
          spread: owners.slice(1).map((who) => tenant(who, Math.ceil((2 * tenantPool) / SPREAD_OWNERS))),
        }
      : undefined;

  const readerTracks = bulk.tracks(people.reader.userId, PAGE_COLLECTION_SIZE);
  const [pageCollection] = bulk.collections(people.reader.userId, [readerTracks]);
  const readCollections = bulk.collections(
    people.reader.userId,
    repeat(READ_COLLECTIONS, (i) =>
      repeat(READ_COLLECTION_TRACKS, (j) => readerTracks[(i * 7 + j) % readerTracks.length]!),
    ),
    (i) => readerTracks[i % readerTracks.length]!,
  );

  const writerTracks = bulk.tracks(people.writer.userId, WRITER_TRACKS);
  const writerCollections = bulk.collections(
    people.writer.userId,
    repeat(WRITER_COLLECTIONS, () => []),
  );

  const removerTracks = bulk.tracks(people.remover.userId, REMOVER_TRACKS);
  const removerCollections = bulk.collections(
    people.remover.userId,
    repeat(REMOVER_COLLECTIONS, () => removerTracks),
  );

  const deletableCollections = bulk.collections(
    people.deleter.userId,
    repeat(sizes.pool, () => []),
  );

  const deletableTracks = bulk.tracks(people.trackDeleter.userId, sizes.pool);
  bulk.collections(
    people.trackDeleter.userId,
    repeat(Math.ceil(sizes.pool / 20), (i) => deletableTracks.slice(i * 20, i * 20 + 20)),
  );

  // No ANALYZE: the product's databases have no statistics tables, so plans here are theirs.
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  return {
    org: ORG,
    ...people,
    readCollections,
    pageCollection: pageCollection!,
    writerCollections,
    writerTracks,
    removerCollections,
    removerTracks,
    deletableCollections,
    deletableTracks,
    ...(tenants ? { tenants } : {}),
  };
}

/** A fresh copy of a checkpointed template (WAL mode lives in the file header). */
export function copyTemplate(template: string, to: string): string {
  copyFileSync(template, to);
  return to;
}
