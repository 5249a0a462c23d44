import { and, asc, count, desc, eq, exists, gt, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { CollectionChanges, EntryRange, EntryShift, KeysetQuery, Writes } from './database.js';
import type { Db, SqlDialect } from './dialect-sql.js';
import {
  appendEntry,
  entriesInRanges,
  insertEntriesAt,
  moveEntries,
  removeEntries,
  removeEntriesOf,
  shiftEntries,
} from './entries.js';
import { everyColumn, statement, withDefaults, type Connection } from './prepared.js';
import type { Tables } from './tables.js';
import type {
  ApiKeyRow,
  AuditRow,
  CollectionRow,
  LibrarySaveRow,
  NewApiKey,
  NewAudit,
  NewCollection,
  NewLibrarySave,
  NewMembership,
  NewTrack,
  OrganizationRow,
  ShareLinkRow,
  TrackRow,
  UserRow,
} from './rows.js';

// Every query the domain runs, written once with drizzle against the tables of the open dialect.
// Queries on a hot path are statements (prepared once per SQLite connection, prepared.ts); the
// others are built per call. Selects and inserts name no columns, so a new column is added in
// tables.ts alone.

// Unique-key lookups leave out LIMIT (see statement()).
const activeKeyByHash = statement((db, t, p: { hash: string }) =>
  db
    .select({ id: t.apiKeys.id, userId: t.apiKeys.userId, lastUsedAt: t.apiKeys.lastUsedAt })
    .from(t.apiKeys)
    .where(and(eq(t.apiKeys.keyHash, p.hash), isNull(t.apiKeys.revokedAt))),
);

const touchApiKey = statement((db, t, p: { id: string; now: number }) =>
  db.update(t.apiKeys).set({ lastUsedAt: p.now }).where(eq(t.apiKeys.id, p.id)),
);

const membershipsOf = statement((db, t, p: { userId: string }) =>
  db
    .select({ organizationId: t.memberships.organizationId, capabilities: t.memberships.capabilities })
    .from(t.memberships)
    .where(eq(t.memberships.userId, p.userId)),
);

// A live track of the organization that the user created or has in their library.
const visibleTrack = (db: Db, t: Tables, p: { organizationId: string; userId: string }) =>
  and(
    eq(t.tracks.organizationId, p.organizationId),
    isNull(t.tracks.deletedAt),
    or(
      eq(t.tracks.creatorId, p.userId),
      exists(
        db
          .select({ one: sql`1` })
          .from(t.librarySaves)
          .where(and(eq(t.librarySaves.userId, p.userId), eq(t.librarySaves.trackId, t.tracks.id))),
      ),
    ),
  );

const trackOfUserQuery = (db: Db, t: Tables, p: { id: string; organizationId: string; userId: string }) =>
  db
    .select()
    .from(t.tracks)
    .where(and(eq(t.tracks.id, p.id), visibleTrack(db, t, p)));

const trackOfUser = statement((db, t, p: { id: string; organizationId: string; userId: string }) =>
  trackOfUserQuery(db, t, p),
);

const trackToKeep = statement((db, t, p: { id: string; organizationId: string; userId: string }, d) =>
  d.lock(trackOfUserQuery(db, t, p), 'share'),
);

// The ids travel as one JSON parameter: one statement whatever the batch size, prepared once.
const liveTracksIn = statement((db, t, p: { ids: string }, d) =>
  db
    .select()
    .from(t.tracks)
    .where(and(inArray(t.tracks.id, d.textList(p.ids)), isNull(t.tracks.deletedAt))),
);

// trackToKeep for a batch of ids, in one statement. PostgreSQL applies the locking clause after
// ORDER BY, so the rows are locked in id order, the order every write takes tracks in.
const tracksToKeep = statement((db, t, p: { ids: string; organizationId: string; userId: string }, d) =>
  d.lock(
    db
      .select()
      .from(t.tracks)
      .where(and(inArray(t.tracks.id, d.textList(p.ids)), visibleTrack(db, t, p)))
      .orderBy(t.tracks.id),
    'share',
  ),
);

const entriesAmong = statement((db, t, p: { collectionId: string; ids: string }, d) =>
  db
    .select({ trackId: t.collectionEntries.trackId, position: t.collectionEntries.position })
    .from(t.collectionEntries)
    .where(
      and(
        eq(t.collectionEntries.collectionId, p.collectionId),
        inArray(t.collectionEntries.trackId, d.textList(p.ids)),
      ),
    ),
);

const countOwnCollections = statement((db, t, p: { ownerId: string; organizationId: string }) =>
  db
    .select({ n: count() })
    .from(t.collections)
    .where(
      and(
        eq(t.collections.ownerId, p.ownerId),
        eq(t.collections.organizationId, p.organizationId),
        isNull(t.collections.deletedAt),
      ),
    ),
);

const insertTrack = statement((db, t, p: NewTrack) => db.insert(t.tracks).values(everyColumn(t.tracks, p)));

const markTrackDeleted = statement((db, t, p: { id: string; now: number }) =>
  db.update(t.tracks).set({ deletedAt: p.now, updatedAt: p.now }).where(eq(t.tracks.id, p.id)),
);

const clearCovers = statement((db, t, p: { trackId: string; now: number }) =>
  db
    .update(t.collections)
    .set({ coverTrackId: null, version: sql`${t.collections.version} + 1`, updatedAt: p.now })
    .where(eq(t.collections.coverTrackId, p.trackId)),
);

const ownCollectionWhere = (t: Tables, p: { id: string; organizationId: string; ownerId: string }) =>
  and(
    eq(t.collections.id, p.id),
    eq(t.collections.organizationId, p.organizationId),
    eq(t.collections.ownerId, p.ownerId),
    isNull(t.collections.deletedAt),
  );

const ownCollection = statement((db, t, p: { id: string; organizationId: string; ownerId: string }) =>
  db.select().from(t.collections).where(ownCollectionWhere(t, p)),
);

// The row locks of docs/postgresql.md. Foreign key checks take KEY SHARE on the rows an entry, a
// cover or a library edge points at (also when an entry's position is rewritten twice in one
// transaction), so no lock a write takes explicitly may conflict with KEY SHARE: collections and
// tracks are taken for a change with NO KEY UPDATE (no write changes their keys), and a track a
// write points at with SHARE, which NO KEY UPDATE (a track delete) conflicts with. Then the locks
// that make writes wait are only the explicit ones, and every write takes those in one order.
const collectionToChange = statement((db, t, p: { id: string; organizationId: string; ownerId: string }, d) =>
  d.lock(db.select().from(t.collections).where(ownCollectionWhere(t, p)), 'no key update'),
);

// Two index lookups, as one list: an OR of the two conditions would scan every collection.
const collectionsShowing = statement((db, t, p: { trackId: string }, d) =>
  d.lock(
    db
      .select({ id: t.collections.id })
      .from(t.collections)
      .where(
        inArray(
          t.collections.id,
          db
            .select({ id: t.collectionEntries.collectionId })
            .from(t.collectionEntries)
            .where(eq(t.collectionEntries.trackId, p.trackId))
            .union(
              db.select({ id: t.collections.id }).from(t.collections).where(eq(t.collections.coverTrackId, p.trackId)),
            ),
        ),
      )
      // Locked in this order, the order every write takes collections in.
      .orderBy(t.collections.id),
    'no key update',
  ),
);

const trackToChange = statement((db, t, p: { id: string; organizationId: string; creatorId: string }, d) =>
  d.lock(
    db
      .select()
      .from(t.tracks)
      .where(
        and(
          eq(t.tracks.id, p.id),
          eq(t.tracks.organizationId, p.organizationId),
          eq(t.tracks.creatorId, p.creatorId),
          isNull(t.tracks.deletedAt),
        ),
      ),
    'no key update',
  ),
);

const ownCollectionAnyOrganization = statement((db, t, p: { id: string; ownerId: string }) =>
  db
    .select()
    .from(t.collections)
    .where(and(eq(t.collections.id, p.id), eq(t.collections.ownerId, p.ownerId), isNull(t.collections.deletedAt))),
);

const insertCollection = statement((db, t, p: NewCollection) =>
  db.insert(t.collections).values(everyColumn(t.collections, p)).returning(),
);

const markCollectionDeleted = statement((db, t, p: { id: string; now: number }) =>
  db
    .update(t.collections)
    .set({ deletedAt: p.now, updatedAt: p.now, version: sql`${t.collections.version} + 1` })
    .where(eq(t.collections.id, p.id)),
);

const entriesInOrder = statement((db, t, p: { collectionId: string }) =>
  db
    .select({ trackId: t.collectionEntries.trackId, position: t.collectionEntries.position })
    .from(t.collectionEntries)
    .where(eq(t.collectionEntries.collectionId, p.collectionId))
    .orderBy(t.collectionEntries.position),
);

const insertLibrarySave = statement((db, t, p: NewLibrarySave) =>
  db.insert(t.librarySaves).values(everyColumn(t.librarySaves, p)),
);

const insertAudit = statement((db, t, p: NewAudit) => db.insert(t.auditLog).values(everyColumn(t.auditLog, p)));

/** The keyset conditions and order of a window over `key`. */
function keyset(key: Parameters<typeof lt>[0], keys: KeysetQuery) {
  return {
    after: keys.afterKey !== null ? lt(key, keys.afterKey) : undefined,
    before: keys.beforeKey !== null ? gt(key, keys.beforeKey) : undefined,
    order: keys.backward ? asc(key) : desc(key),
  };
}

/** The store on one connection, or on one transaction's client. */
export class Store implements Writes, Connection {
  private readonly t: Tables;

  constructor(
    readonly db: Db,
    readonly dialect: SqlDialect,
  ) {
    this.t = dialect.tables;
  }

  async activeKeyByHash(keyHash: string) {
    const [key] = await activeKeyByHash(this, { hash: keyHash });
    return key;
  }

  async apiKey(id: string): Promise<ApiKeyRow | undefined> {
    const { apiKeys } = this.t;
    const [key] = await this.db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
    return key;
  }

  membershipsOf(userId: string) {
    return membershipsOf(this, { userId });
  }

  async user(id: string): Promise<UserRow | undefined> {
    const { users } = this.t;
    const [user] = await this.db.select().from(users).where(eq(users.id, id)).limit(1);
    return user;
  }

  async userExists(id: string): Promise<boolean> {
    const { users } = this.t;
    return (await this.db.select({ id: users.id }).from(users).where(eq(users.id, id)).limit(1)).length > 0;
  }

  async organizationExists(id: string): Promise<boolean> {
    const { organizations } = this.t;
    return (
      (await this.db.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, id)).limit(1))
        .length > 0
    );
  }

  async organizationsOf(userId: string) {
    const { organizations, memberships } = this.t;
    return await this.db
      .select({ id: organizations.id, name: organizations.name, capabilities: memberships.capabilities })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
      .where(eq(memberships.userId, userId))
      .orderBy(organizations.name);
  }

  async trackOfUser(ref: { id: string; organizationId: string; userId: string }): Promise<TrackRow | undefined> {
    const [track] = await trackOfUser(this, ref);
    return track;
  }

  async liveTrack(id: string): Promise<TrackRow | undefined> {
    const { tracks } = this.t;
    const [track] = await this.db
      .select()
      .from(tracks)
      .where(and(eq(tracks.id, id), isNull(tracks.deletedAt)))
      .limit(1);
    return track;
  }

  liveTracks(ids: readonly string[]): Promise<TrackRow[]> {
    return liveTracksIn(this, { ids: JSON.stringify(ids) });
  }

  async trackOrganization(id: string): Promise<string | undefined> {
    const { tracks } = this.t;
    const [found] = await this.db
      .select({ organizationId: tracks.organizationId })
      .from(tracks)
      .where(eq(tracks.id, id))
      .limit(1);
    return found?.organizationId;
  }

  async ownCollection(ref: {
    id: string;
    organizationId: string;
    ownerId: string;
  }): Promise<CollectionRow | undefined> {
    const [row] = await ownCollection(this, ref);
    return row;
  }

  async ownCollectionAnyOrganization(ref: { id: string; ownerId: string }): Promise<CollectionRow | undefined> {
    const [row] = await ownCollectionAnyOrganization(this, ref);
    return row;
  }

  async countOwnCollections(ref: { ownerId: string; organizationId: string }): Promise<number> {
    const [row] = await countOwnCollections(this, ref);
    return Number(row?.n ?? 0);
  }

  async ownCollections(query: {
    ownerId: string;
    organizationId: string;
    keys: KeysetQuery;
  }): Promise<CollectionRow[]> {
    const { collections } = this.t;
    const window = keyset(collections.seq, query.keys);
    return await this.db
      .select()
      .from(collections)
      .where(
        and(
          eq(collections.ownerId, query.ownerId),
          eq(collections.organizationId, query.organizationId),
          isNull(collections.deletedAt),
          window.after,
          window.before,
        ),
      )
      .orderBy(window.order)
      .limit(query.keys.limit)
      .offset(query.keys.offset);
  }

  async liveCollection(id: string) {
    const { collections } = this.t;
    const [collection] = await this.db
      .select({ id: collections.id, name: collections.name, description: collections.description })
      .from(collections)
      .where(and(eq(collections.id, id), isNull(collections.deletedAt)))
      .limit(1);
    return collection;
  }

  entriesAmong(collectionId: string, trackIds: readonly string[]) {
    return entriesAmong(this, { collectionId, ids: JSON.stringify(trackIds) });
  }

  entriesInOrder(collectionId: string) {
    return entriesInOrder(this, { collectionId });
  }

  entriesInRanges(ranges: readonly EntryRange[]) {
    return entriesInRanges(this, ranges);
  }

  async tracksInOrder(collectionId: string, limit: number): Promise<TrackRow[]> {
    const { collectionEntries, tracks } = this.t;
    const rows = await this.db
      .select({ track: tracks })
      .from(collectionEntries)
      .innerJoin(tracks, eq(tracks.id, collectionEntries.trackId))
      .where(eq(collectionEntries.collectionId, collectionId))
      .orderBy(collectionEntries.position)
      .limit(limit);
    return rows.map((r) => r.track);
  }

  async libraryEdge(ref: { userId: string; trackId: string }): Promise<LibrarySaveRow | undefined> {
    const { librarySaves } = this.t;
    const [edge] = await this.db
      .select()
      .from(librarySaves)
      .where(and(eq(librarySaves.userId, ref.userId), eq(librarySaves.trackId, ref.trackId)))
      .limit(1);
    return edge;
  }

  async library(query: {
    userId: string;
    organizationId: string;
    mode: string | null;
    engine: string | null;
    collectionId: string | null;
    keys: KeysetQuery;
  }): Promise<{ entry: LibrarySaveRow; track: TrackRow }[]> {
    const { librarySaves, tracks, collectionEntries } = this.t;
    const { db } = this;
    const window = keyset(librarySaves.seq, query.keys);
    return await db
      .select({ entry: librarySaves, track: tracks })
      .from(librarySaves)
      .innerJoin(tracks, eq(tracks.id, librarySaves.trackId))
      .where(
        and(
          eq(librarySaves.userId, query.userId),
          eq(librarySaves.organizationId, query.organizationId),
          isNull(tracks.deletedAt),
          query.mode !== null ? eq(tracks.mode, query.mode) : undefined,
          query.engine !== null ? eq(tracks.engine, query.engine) : undefined,
          query.collectionId !== null
            ? exists(
                db
                  .select({ one: sql`1` })
                  .from(collectionEntries)
                  .where(
                    and(
                      eq(collectionEntries.collectionId, query.collectionId),
                      eq(collectionEntries.trackId, librarySaves.trackId),
                    ),
                  ),
              )
            : undefined,
          window.after,
          window.before,
        ),
      )
      .orderBy(window.order)
      .limit(query.keys.limit)
      .offset(query.keys.offset);
  }

  async shareLinkByTokenHash(tokenHash: string): Promise<ShareLinkRow | undefined> {
    const { shareLinks } = this.t;
    const [link] = await this.db.select().from(shareLinks).where(eq(shareLinks.tokenHash, tokenHash)).limit(1);
    return link;
  }

  async ownShareLink(ref: { id: string; organizationId: string; ownerId: string }): Promise<ShareLinkRow | undefined> {
    const { shareLinks } = this.t;
    const [link] = await this.db
      .select()
      .from(shareLinks)
      .where(
        and(
          eq(shareLinks.id, ref.id),
          eq(shareLinks.organizationId, ref.organizationId),
          eq(shareLinks.ownerId, ref.ownerId),
        ),
      )
      .limit(1);
    return link;
  }

  // Writes.

  async trackToChange(ref: { id: string; organizationId: string; creatorId: string }): Promise<TrackRow | undefined> {
    const [track] = await trackToChange(this, ref);
    return track;
  }

  async trackToKeep(ref: { id: string; organizationId: string; userId: string }): Promise<TrackRow | undefined> {
    const [track] = await trackToKeep(this, ref);
    return track;
  }

  tracksToKeep(ref: { ids: readonly string[]; organizationId: string; userId: string }): Promise<TrackRow[]> {
    return tracksToKeep(this, { ...ref, ids: JSON.stringify(ref.ids) });
  }

  async collectionToChange(ref: {
    id: string;
    organizationId: string;
    ownerId: string;
  }): Promise<CollectionRow | undefined> {
    const [row] = await collectionToChange(this, ref);
    return row;
  }

  async holdCollectionsShowing(trackId: string): Promise<void> {
    if (this.dialect.locksRows) await collectionsShowing(this, { trackId });
  }

  async shareLinkToChange(ref: {
    id: string;
    organizationId: string;
    ownerId: string;
  }): Promise<ShareLinkRow | undefined> {
    const { shareLinks } = this.t;
    const [link] = await this.dialect.lock(
      this.db
        .select()
        .from(shareLinks)
        .where(
          and(
            eq(shareLinks.id, ref.id),
            eq(shareLinks.organizationId, ref.organizationId),
            eq(shareLinks.ownerId, ref.ownerId),
          ),
        ),
      'no key update',
    );
    return link;
  }

  async apiKeyToChange(id: string): Promise<ApiKeyRow | undefined> {
    const { apiKeys } = this.t;
    const [key] = await this.dialect.lock(this.db.select().from(apiKeys).where(eq(apiKeys.id, id)), 'no key update');
    return key;
  }

  async insertOrganization(row: OrganizationRow): Promise<boolean> {
    const { organizations } = this.t;
    return (
      (await this.db.insert(organizations).values(row).onConflictDoNothing().returning({ id: organizations.id }))
        .length > 0
    );
  }

  async insertUser(row: UserRow): Promise<boolean> {
    const { users } = this.t;
    return (await this.db.insert(users).values(row).onConflictDoNothing().returning({ id: users.id })).length > 0;
  }

  async putMembership(row: NewMembership & { capabilities: string }): Promise<void> {
    const { memberships } = this.t;
    await this.db
      .insert(memberships)
      .values(row)
      .onConflictDoUpdate({
        target: [memberships.organizationId, memberships.userId],
        set: { capabilities: row.capabilities },
      });
  }

  async insertApiKey(row: NewApiKey): Promise<void> {
    await this.db.insert(this.t.apiKeys).values(row);
  }

  async revokeApiKey(id: string, now: number): Promise<void> {
    const { apiKeys } = this.t;
    await this.db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, id));
  }

  async touchApiKey(id: string, now: number): Promise<void> {
    await touchApiKey(this, { id, now });
  }

  async insertTrack(row: NewTrack): Promise<TrackRow> {
    const stored = withDefaults(this.t.tracks, row);
    await insertTrack(this, stored);
    return stored;
  }

  async markTrackDeleted(id: string, now: number): Promise<void> {
    await markTrackDeleted(this, { id, now });
  }

  async clearCovers(trackId: string, now: number): Promise<void> {
    await clearCovers(this, { trackId, now });
  }

  async insertCollection(row: NewCollection): Promise<CollectionRow> {
    const [stored] = await insertCollection(this, withDefaults(this.t.collections, row));
    return stored!;
  }

  async updateCollection(id: string, changes: CollectionChanges, now: number): Promise<CollectionRow> {
    const { collections } = this.t;
    const [updated] = await this.db
      .update(collections)
      .set({ ...changes, updatedAt: now, version: sql`${collections.version} + 1` })
      .where(eq(collections.id, id))
      .returning();
    return updated!;
  }

  async markCollectionDeleted(id: string, now: number): Promise<void> {
    await markCollectionDeleted(this, { id, now });
  }

  appendEntry(collectionId: string, trackId: string, now: number): Promise<boolean> {
    return appendEntry(this, collectionId, trackId, now);
  }

  removeEntries(trackId: string, collectionId: string | null, now: number): Promise<string[]> {
    return removeEntries(this, trackId, collectionId, now);
  }

  moveEntries(
    collectionId: string,
    moves: readonly { trackId: string; position: number }[],
    now: number,
  ): Promise<void> {
    return moveEntries(this, collectionId, moves, now);
  }

  insertEntriesAt(
    collectionId: string,
    trackIds: readonly string[],
    position: number,
    now: number,
  ): Promise<CollectionRow> {
    return insertEntriesAt(this, collectionId, trackIds, position, now);
  }

  removeEntriesOf(collectionId: string, trackIds: readonly string[], now: number) {
    return removeEntriesOf(this, collectionId, trackIds, now);
  }

  shiftEntries(collectionId: string, shifts: readonly EntryShift[], now: number): Promise<CollectionRow> {
    return shiftEntries(this, collectionId, shifts, now);
  }

  async insertLibrarySave(row: NewLibrarySave): Promise<void> {
    await insertLibrarySave(this, withDefaults(this.t.librarySaves, row));
  }

  async addLibrarySave(row: NewLibrarySave): Promise<LibrarySaveRow | undefined> {
    const { librarySaves } = this.t;
    // A concurrent save of the same track meets this one at the unique index: the later one
    // waits for the first to commit, then writes nothing.
    const [entry] = await this.db
      .insert(librarySaves)
      .values(row)
      .onConflictDoNothing({ target: [librarySaves.userId, librarySaves.trackId] })
      .returning();
    return entry;
  }

  async removeLibrarySaveOfLiveTrack(ref: {
    userId: string;
    organizationId: string;
    trackId: string;
  }): Promise<boolean> {
    const { librarySaves, tracks } = this.t;
    const { db } = this;
    const removed = await db
      .delete(librarySaves)
      .where(
        and(
          eq(librarySaves.userId, ref.userId),
          eq(librarySaves.organizationId, ref.organizationId),
          eq(librarySaves.trackId, ref.trackId),
          exists(
            db
              .select({ one: sql`1` })
              .from(tracks)
              .where(and(eq(tracks.id, ref.trackId), isNull(tracks.deletedAt))),
          ),
        ),
      )
      .returning({ id: librarySaves.id });
    return removed.length > 0;
  }

  async insertShareLink(row: ShareLinkRow): Promise<void> {
    await this.db.insert(this.t.shareLinks).values(row);
  }

  async revokeShareLink(id: string, now: number): Promise<void> {
    const { shareLinks } = this.t;
    await this.db.update(shareLinks).set({ revokedAt: now }).where(eq(shareLinks.id, id));
  }

  async insertAudit(row: NewAudit): Promise<void> {
    await insertAudit(this, withDefaults(this.t.auditLog, row));
  }

  // The admin CLI's lists and member removal: operator reads, built per call.

  async organizationsByName(limit: number) {
    const { organizations, memberships } = this.t;
    const rows = await this.db
      .select({
        id: organizations.id,
        name: organizations.name,
        createdAt: organizations.createdAt,
        members: count(memberships.userId),
      })
      .from(organizations)
      .leftJoin(memberships, eq(memberships.organizationId, organizations.id))
      .groupBy(organizations.id, organizations.name, organizations.createdAt)
      .orderBy(asc(organizations.name), asc(organizations.id))
      .limit(limit);
    return rows.map((r) => ({ ...r, members: Number(r.members) }));
  }

  async usersByEmail(query: { organizationId: string | null; limit: number }): Promise<UserRow[]> {
    const { users, memberships } = this.t;
    if (query.organizationId === null)
      return await this.db.select().from(users).orderBy(asc(users.email)).limit(query.limit);
    const rows = await this.db
      .select({ user: users })
      .from(users)
      .innerJoin(
        memberships,
        and(eq(memberships.userId, users.id), eq(memberships.organizationId, query.organizationId)),
      )
      .orderBy(asc(users.email))
      .limit(query.limit);
    return rows.map((r) => r.user);
  }

  async membersByEmail(organizationId: string, limit: number) {
    const { users, memberships } = this.t;
    return await this.db
      .select({ user: users, capabilities: memberships.capabilities, since: memberships.createdAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.organizationId, organizationId))
      .orderBy(asc(users.email))
      .limit(limit);
  }

  async apiKeysNewestFirst(query: {
    userId: string | null;
    organizationId: string | null;
    limit: number;
  }): Promise<ApiKeyRow[]> {
    const { apiKeys, memberships } = this.t;
    const conditions: SQL[] = [];
    if (query.userId !== null) conditions.push(eq(apiKeys.userId, query.userId));
    if (query.organizationId !== null) {
      const members = this.db
        .select({ userId: memberships.userId })
        .from(memberships)
        .where(eq(memberships.organizationId, query.organizationId));
      conditions.push(inArray(apiKeys.userId, members));
    }
    return await this.db
      .select()
      .from(apiKeys)
      .where(and(...conditions))
      .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
      .limit(query.limit);
  }

  async auditNewestFirst(query: {
    organizationId: string | null;
    actorId: string | null;
    action: string | null;
    since: number | null;
    limit: number;
  }): Promise<AuditRow[]> {
    const { auditLog } = this.t;
    const conditions: SQL[] = [];
    if (query.organizationId !== null) conditions.push(eq(auditLog.organizationId, query.organizationId));
    if (query.actorId !== null) conditions.push(eq(auditLog.actorId, query.actorId));
    if (query.action !== null) conditions.push(eq(auditLog.action, query.action));
    if (query.since !== null) conditions.push(gte(auditLog.createdAt, query.since));
    return await this.db
      .select()
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(desc(auditLog.seq))
      .limit(query.limit);
  }

  async removeMembership(ref: { organizationId: string; userId: string }): Promise<boolean> {
    const { memberships } = this.t;
    const deleted = await this.db
      .delete(memberships)
      .where(and(eq(memberships.organizationId, ref.organizationId), eq(memberships.userId, ref.userId)))
      .returning({ userId: memberships.userId });
    return deleted.length > 0;
  }
}
