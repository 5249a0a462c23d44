import type {
  ApiKeyRow,
  AuditRow,
  CollectionRow,
  EntryRow,
  LibrarySaveRow,
  MembershipRow,
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
import type { StatementTracer } from './traced.js';

// What the domain sees of the database: plain rows in and out, named reads and writes, no SQL and
// no dialect. src/db/store.ts implements it once for both dialects.

export type Dialect = 'sqlite' | 'postgres';

/** A keyset window over an integer key, read in key order (descending unless `backward`). */
export interface KeysetQuery {
  /** Rows strictly below this key, or none. */
  afterKey: number | null;
  /** Rows strictly above this key, or none. */
  beforeKey: number | null;
  backward: boolean;
  limit: number;
  offset: number;
}

export interface EntryRange {
  collectionId: string;
  start: number;
  end: number;
}

/** The entries at positions [from, to) of one collection move by `by` places. */
export interface EntryShift {
  from: number;
  to: number;
  by: number;
}

export interface Reads {
  /** An unrevoked API key by the SHA-256 of its secret. */
  activeKeyByHash(keyHash: string): Promise<Pick<ApiKeyRow, 'id' | 'userId' | 'lastUsedAt'> | undefined>;
  apiKey(id: string): Promise<ApiKeyRow | undefined>;
  membershipsOf(userId: string): Promise<Pick<MembershipRow, 'organizationId' | 'capabilities'>[]>;
  user(id: string): Promise<UserRow | undefined>;
  userExists(id: string): Promise<boolean>;
  organizationExists(id: string): Promise<boolean>;
  /** The organizations a user belongs to, by name, with the capabilities (JSON) held in each. */
  organizationsOf(userId: string): Promise<{ id: string; name: string; capabilities: string }[]>;

  /** A live track of the organization that the user created or has in their library. */
  trackOfUser(ref: { id: string; organizationId: string; userId: string }): Promise<TrackRow | undefined>;
  liveTrack(id: string): Promise<TrackRow | undefined>;
  /** Live tracks among `ids`, in no particular order; one statement whatever the number. */
  liveTracks(ids: readonly string[]): Promise<TrackRow[]>;
  /** The organization of a track, deleted or not. */
  trackOrganization(id: string): Promise<string | undefined>;

  /** A live collection of the owner in the organization. */
  ownCollection(ref: { id: string; organizationId: string; ownerId: string }): Promise<CollectionRow | undefined>;
  /** A live collection of the owner in any organization. */
  ownCollectionAnyOrganization(ref: { id: string; ownerId: string }): Promise<CollectionRow | undefined>;
  /** How many live collections the owner has in the organization. */
  countOwnCollections(ref: { ownerId: string; organizationId: string }): Promise<number>;
  /** A window of the owner's live collections in the organization, by `seq`. */
  ownCollections(query: { ownerId: string; organizationId: string; keys: KeysetQuery }): Promise<CollectionRow[]>;
  /** Any live collection, for share links. */
  liveCollection(id: string): Promise<Pick<CollectionRow, 'id' | 'name' | 'description'> | undefined>;
  /** The entries of a collection that hold one of `trackIds`, in no particular order; one statement. */
  entriesAmong(collectionId: string, trackIds: readonly string[]): Promise<Pick<EntryRow, 'trackId' | 'position'>[]>;
  /** Every entry of a collection, by position. */
  entriesInOrder(collectionId: string): Promise<Pick<EntryRow, 'trackId' | 'position'>[]>;
  /**
   * The entries at positions [start, end) of each requested collection, in one statement however
   * many ranges are asked for, each tagged with the index of its request.
   */
  entriesInRanges(ranges: readonly EntryRange[]): Promise<(EntryRow & { request: number })[]>;
  /** The first `limit` tracks of a collection by position (deleted ones too: they hold no entries). */
  tracksInOrder(collectionId: string, limit: number): Promise<TrackRow[]>;

  libraryEdge(ref: { userId: string; trackId: string }): Promise<LibrarySaveRow | undefined>;
  /** A window of a user's library edges in an organization with their live tracks, by `seq`. */
  library(query: {
    userId: string;
    organizationId: string;
    mode: string | null;
    engine: string | null;
    /** Only tracks this collection holds. */
    collectionId: string | null;
    keys: KeysetQuery;
  }): Promise<{ entry: LibrarySaveRow; track: TrackRow }[]>;

  shareLinkByTokenHash(tokenHash: string): Promise<ShareLinkRow | undefined>;
  ownShareLink(ref: { id: string; organizationId: string; ownerId: string }): Promise<ShareLinkRow | undefined>;

  // The admin CLI's lists, each at most `limit` rows (src/domain/admin-lists.ts).
  /** Organizations by name, with their number of members. */
  organizationsByName(limit: number): Promise<(OrganizationRow & { members: number })[]>;
  /** Users by email; with an organization, only its members. */
  usersByEmail(query: { organizationId: string | null; limit: number }): Promise<UserRow[]>;
  /** An organization's members by email, with the capabilities (JSON) and the time they joined. */
  membersByEmail(
    organizationId: string,
    limit: number,
  ): Promise<{ user: UserRow; capabilities: string; since: number }[]>;
  /** API keys newest first, one user's or an organization's members', or all. */
  apiKeysNewestFirst(query: {
    userId: string | null;
    organizationId: string | null;
    limit: number;
  }): Promise<ApiKeyRow[]>;
  /** Audit entries newest first, each filter applied when given; `since` in ms, inclusive. */
  auditNewestFirst(query: {
    organizationId: string | null;
    actorId: string | null;
    action: string | null;
    since: number | null;
    limit: number;
  }): Promise<AuditRow[]>;
}

export type CollectionChanges = Partial<Pick<CollectionRow, 'name' | 'description' | 'coverTrackId' | 'coverImageUrl'>>;

/**
 * Everything a write transaction may do; its reads see the transaction's own writes.
 *
 * The `…ToChange` and `…ToKeep` reads name the rows a transaction is about to change or relies on.
 * On PostgreSQL they lock those rows until it ends, so writes of the same rows queue behind each
 * other instead of conflicting and writes of different rows never wait; on SQLite they are plain
 * reads, since the transaction holds the database's only write lock. A transaction takes its rows
 * in one order, so no two can wait on each other in a circle: tracks first, in id order, then
 * collections in id order, then other rows it changes (docs/postgresql.md).
 */
export interface Writes extends Reads {
  /** A live track of the organization created by `creatorId`, which the transaction will change. */
  trackToChange(ref: { id: string; organizationId: string; creatorId: string }): Promise<TrackRow | undefined>;
  /**
   * As `trackOfUser`: a track the transaction points at (an entry, a cover), kept from being
   * deleted until it ends. Taken before any collection.
   */
  trackToKeep(ref: { id: string; organizationId: string; userId: string }): Promise<TrackRow | undefined>;
  /**
   * As `trackToKeep` for a batch: the visible tracks among `ids`, in id order, each kept from being
   * deleted until the transaction ends; one statement whatever the number. Taken before any collection.
   */
  tracksToKeep(ref: { ids: readonly string[]; organizationId: string; userId: string }): Promise<TrackRow[]>;
  /** As `ownCollection`: a collection the transaction will change (its entries, count or version). */
  collectionToChange(ref: { id: string; organizationId: string; ownerId: string }): Promise<CollectionRow | undefined>;
  /** Every collection that holds the track or shows it as cover, which the transaction will change. */
  holdCollectionsShowing(trackId: string): Promise<void>;
  /** As `ownShareLink`: a link the transaction will change. */
  shareLinkToChange(ref: { id: string; organizationId: string; ownerId: string }): Promise<ShareLinkRow | undefined>;
  /** As `apiKey`: a key the transaction will change. */
  apiKeyToChange(id: string): Promise<ApiKeyRow | undefined>;

  /** False (and nothing written) when the id is taken. */
  insertOrganization(row: OrganizationRow): Promise<boolean>;
  /** False (and nothing written) when the email is taken. */
  insertUser(row: UserRow): Promise<boolean>;
  /** Adds the membership, or replaces the capabilities of an existing one. */
  putMembership(row: NewMembership & { capabilities: string }): Promise<void>;
  insertApiKey(row: NewApiKey): Promise<void>;
  revokeApiKey(id: string, now: number): Promise<void>;
  touchApiKey(id: string, now: number): Promise<void>;

  /** The row as stored: columns left out take their defaults. */
  insertTrack(row: NewTrack): Promise<TrackRow>;
  markTrackDeleted(id: string, now: number): Promise<void>;
  /** Clears the cover of every collection showing the track; their versions move on. */
  clearCovers(trackId: string, now: number): Promise<void>;

  insertCollection(row: NewCollection): Promise<CollectionRow>;
  /** Applies the changes, moves the version on; the row after. */
  updateCollection(id: string, changes: CollectionChanges, now: number): Promise<CollectionRow>;
  markCollectionDeleted(id: string, now: number): Promise<void>;
  /** Appends at the end; false (and nothing changed) when the track is already there. */
  appendEntry(collectionId: string, trackId: string, now: number): Promise<boolean>;
  /**
   * Removes the track's entry from `collectionId` (or from every collection when null), closes
   * the gaps and updates counts and versions; the collections touched. A fixed number of
   * statements however many collections hold the track.
   */
  removeEntries(trackId: string, collectionId: string | null, now: number): Promise<string[]>;
  /** Moves entries to new positions; the caller guarantees the result is a permutation. */
  moveEntries(
    collectionId: string,
    moves: readonly { trackId: string; position: number }[],
    now: number,
  ): Promise<void>;
  // The batch edits below each cost a fixed number of statements whatever the batch size or the
  // collection's length, and move the version on once.
  /**
   * Inserts the tracks, none of which the collection holds, as one block at `position` (0 to the
   * track count) in the order given, moving the entries from there on back; the collection after.
   */
  insertEntriesAt(
    collectionId: string,
    trackIds: readonly string[],
    position: number,
    now: number,
  ): Promise<CollectionRow>;
  /**
   * Removes the entries of these tracks and closes the gaps; the entries removed (as they were)
   * and the collection after, or none and null when it held none of them (nothing is written).
   */
  removeEntriesOf(
    collectionId: string,
    trackIds: readonly string[],
    now: number,
  ): Promise<{ removed: Pick<EntryRow, 'trackId' | 'position'>[]; collection: CollectionRow | null }>;
  /**
   * Applies the shifts together (the ranges must not overlap, and the caller guarantees the result
   * is a permutation of the positions); the collection after.
   */
  shiftEntries(collectionId: string, shifts: readonly EntryShift[], now: number): Promise<CollectionRow>;

  insertLibrarySave(row: NewLibrarySave): Promise<void>;
  /** The stored edge; undefined (and nothing written) when the user already has one to the track. */
  addLibrarySave(row: NewLibrarySave): Promise<LibrarySaveRow | undefined>;
  /** Removes the user's edge to a track that is live; false when there was none. */
  removeLibrarySaveOfLiveTrack(ref: { userId: string; organizationId: string; trackId: string }): Promise<boolean>;

  insertShareLink(row: ShareLinkRow): Promise<void>;
  revokeShareLink(id: string, now: number): Promise<void>;

  insertAudit(row: NewAudit): Promise<void>;

  /** Ends a membership; false when there was none. */
  removeMembership(ref: { organizationId: string; userId: string }): Promise<boolean>;
}

export interface Database {
  readonly dialect: Dialect;
  /**
   * For reads outside a transaction. They see committed data only: on SQLite a second,
   * read-only connection (a WAL snapshot per statement), on PostgreSQL the pool.
   */
  readonly read: Reads;
  /**
   * Runs `fn` as one write transaction; every write goes through here. On SQLite transactions
   * are serialised inside the process (an await inside `fn` cannot let another request's
   * statements in) and BEGIN IMMEDIATE takes the write lock up front. On PostgreSQL they run
   * READ COMMITTED and lock the rows they change (see Writes); one the server still aborts (a
   * serialization failure or deadlock, which the lock order rules out) is run again, so `fn`
   * must not have effects outside the database.
   */
  transaction<T>(fn: (tx: Writes) => Promise<T>): Promise<T>;
  /** Answers when the database does; used by /healthz. */
  ping(): Promise<boolean>;
  /** `created_at` of every migration the database records as applied (the journal's `when`). */
  appliedMigrations(): Promise<number[]>;
  /** Where this dialect's migrations live (drizzle/sqlite or drizzle/pg). */
  readonly migrationsFolder: string;
  /** Calls `listener` after every transaction with its timing, for the metrics. */
  observeTransactions(listener: (timing: TransactionTiming) => void): void;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Seconds spent queued behind other transactions, then holding the write lock (one attempt). */
export interface TransactionTiming {
  waitSeconds: number;
  holdSeconds: number;
  committed: boolean;
  /** Set when the attempt was rolled back by the database and is run again: why. */
  retried?: 'serialization_failure' | 'deadlock';
}

export interface OpenOptions {
  /** Called with the text of every statement run; tests count statements with it. */
  onStatement?: (sql: string) => void;
  /** PostgreSQL: connections per process (`DATABASE_POOL_SIZE`, default 10). */
  poolSize?: number;
  /** Times every statement the app runs, for tracing; absent (and free) unless tracing is on. */
  traceStatement?: StatementTracer;
}
