import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// The one definition of the tables. `defineTables` is called once per dialect with that dialect's
// column kinds (sqlite-tables.ts, pg-tables.ts), so both dialects' tables, and the migrations
// drizzle-kit writes from them, come from this text: a new column is written here once.
//
// Times are integer milliseconds since the epoch (bigint on PostgreSQL, read back as numbers);
// formatting happens at the API edge. Tables that are listed "newest first" carry a `seq` (the
// rowid on SQLite, a bigserial on PostgreSQL) so keyset pagination has a strictly monotonic,
// unique key without relying on clock resolution.

/**
 * The column kinds a table is written in, typed as SQLite's builders: the query code in src/db is
 * typed against one dialect's tables, and PostgreSQL's kinds (pg-tables.ts) build tables with the
 * same names, columns and value types, because they are built by this same function.
 */
export const sqliteKinds = {
  table: sqliteTable,
  text,
  /** Milliseconds since the epoch. */
  ms: (name: string) => integer(name),
  int: (name: string) => integer(name),
  bool: (name: string) => integer(name, { mode: 'boolean' }),
  real: (name: string) => real(name),
  /** The database numbers rows as they are inserted. */
  seq: (name: string) => integer(name).primaryKey({ autoIncrement: true }),
  index,
  uniqueIndex,
  primaryKey,
};

export type Kinds = typeof sqliteKinds;

export function defineTables(k: Kinds) {
  const organizations = k.table('organizations', {
    id: k.text('id').primaryKey(),
    name: k.text('name').notNull(),
    createdAt: k.ms('created_at').notNull(),
  });

  const users = k.table('users', {
    id: k.text('id').primaryKey(),
    email: k.text('email').notNull().unique(),
    name: k.text('name'),
    createdAt: k.ms('created_at').notNull(),
  });

  const memberships = k.table(
    'memberships',
    {
      organizationId: k
        .text('organization_id')
        .notNull()
        .references(() => organizations.id),
      userId: k
        .text('user_id')
        .notNull()
        .references(() => users.id),
      // JSON array of capability names, e.g. ["USE_MUSIC_GENERATION"].
      capabilities: k.text('capabilities').notNull().default('[]'),
      createdAt: k.ms('created_at').notNull(),
    },
    (t) => [k.primaryKey({ columns: [t.organizationId, t.userId] }), k.index('memberships_user_idx').on(t.userId)],
  );

  const apiKeys = k.table(
    'api_keys',
    {
      id: k.text('id').primaryKey(),
      userId: k
        .text('user_id')
        .notNull()
        .references(() => users.id),
      label: k.text('label'),
      // SHA-256 of the secret; the secret itself is never stored.
      keyHash: k.text('key_hash').notNull(),
      createdAt: k.ms('created_at').notNull(),
      revokedAt: k.ms('revoked_at'),
      lastUsedAt: k.ms('last_used_at'),
    },
    (t) => [k.uniqueIndex('api_keys_hash_idx').on(t.keyHash), k.index('api_keys_user_idx').on(t.userId)],
  );

  const tracks = k.table(
    'tracks',
    {
      id: k.text('id').primaryKey(),
      organizationId: k
        .text('organization_id')
        .notNull()
        .references(() => organizations.id),
      creatorId: k
        .text('creator_id')
        .notNull()
        .references(() => users.id),
      title: k.text('title').notNull(),
      durationSeconds: k.real('duration_seconds'),
      instrumental: k.bool('instrumental').notNull().default(false),
      audioUrl: k.text('audio_url'),
      artworkUrl: k.text('artwork_url'),
      mode: k.text('mode').notNull().default('creation'),
      engine: k.text('engine').notNull().default('studio'),
      createdAt: k.ms('created_at').notNull(),
      updatedAt: k.ms('updated_at').notNull(),
      deletedAt: k.ms('deleted_at'),
    },
    (t) => [k.index('tracks_org_creator_idx').on(t.organizationId, t.creatorId)],
  );

  const collections = k.table(
    'collections',
    {
      seq: k.seq('seq'),
      id: k.text('id').notNull().unique(),
      organizationId: k
        .text('organization_id')
        .notNull()
        .references(() => organizations.id),
      ownerId: k
        .text('owner_id')
        .notNull()
        .references(() => users.id),
      name: k.text('name').notNull(),
      description: k.text('description'),
      coverTrackId: k.text('cover_track_id').references(() => tracks.id),
      coverImageUrl: k.text('cover_image_url'),
      // Maintained in the same transaction as the entries, so counts never need a scan
      // and the next append position is known without one.
      trackCount: k.int('track_count').notNull().default(0),
      // Bumped on every change to the collection or its entries (optimistic concurrency).
      version: k.int('version').notNull().default(1),
      createdAt: k.ms('created_at').notNull(),
      updatedAt: k.ms('updated_at').notNull(),
      deletedAt: k.ms('deleted_at'),
    },
    (t) => [
      k.index('collections_owner_live_idx').on(t.ownerId, t.organizationId, t.seq).where(sql`${t.deletedAt} IS NULL`),
      k.index('collections_cover_track_idx').on(t.coverTrackId),
    ],
  );

  const collectionEntries = k.table(
    'collection_entries',
    {
      collectionId: k
        .text('collection_id')
        .notNull()
        .references(() => collections.id),
      trackId: k
        .text('track_id')
        .notNull()
        .references(() => tracks.id),
      // Zero-based and contiguous within a collection; unique so two entries can never share one.
      position: k.int('position').notNull(),
      addedAt: k.ms('added_at').notNull(),
    },
    (t) => [
      k.primaryKey({ columns: [t.collectionId, t.trackId] }),
      k.uniqueIndex('collection_entries_position_idx').on(t.collectionId, t.position),
      k.index('collection_entries_track_idx').on(t.trackId),
    ],
  );

  const shareLinks = k.table(
    'share_links',
    {
      id: k.text('id').primaryKey(),
      // SHA-256 of the token; the raw token is shown once, at creation.
      tokenHash: k.text('token_hash').notNull(),
      organizationId: k
        .text('organization_id')
        .notNull()
        .references(() => organizations.id),
      ownerId: k
        .text('owner_id')
        .notNull()
        .references(() => users.id),
      targetType: k.text('target_type', { enum: ['track', 'collection'] }).notNull(),
      targetId: k.text('target_id').notNull(),
      visibility: k.text('visibility', { enum: ['link_only', 'public'] }).notNull(),
      expiresAt: k.ms('expires_at'),
      revokedAt: k.ms('revoked_at'),
      createdAt: k.ms('created_at').notNull(),
    },
    (t) => [k.uniqueIndex('share_links_token_idx').on(t.tokenHash), k.index('share_links_owner_idx').on(t.ownerId)],
  );

  const librarySaves = k.table(
    'library_saves',
    {
      seq: k.seq('seq'),
      id: k.text('id').notNull().unique(),
      userId: k
        .text('user_id')
        .notNull()
        .references(() => users.id),
      trackId: k
        .text('track_id')
        .notNull()
        .references(() => tracks.id),
      organizationId: k
        .text('organization_id')
        .notNull()
        .references(() => organizations.id),
      source: k.text('source', { enum: ['own', 'shared'] }).notNull(),
      // The share link a `shared` save came through; kept after the link is revoked.
      shareLinkId: k.text('share_link_id').references(() => shareLinks.id),
      createdAt: k.ms('created_at').notNull(),
    },
    (t) => [
      k.uniqueIndex('library_saves_user_track_idx').on(t.userId, t.trackId),
      k.index('library_saves_user_org_idx').on(t.userId, t.organizationId, t.seq),
    ],
  );

  // Append-only: triggers in the migrations reject UPDATE and DELETE.
  const auditLog = k.table(
    'audit_log',
    {
      seq: k.seq('seq'),
      actorId: k.text('actor_id').notNull(),
      organizationId: k.text('organization_id'),
      action: k.text('action').notNull(),
      targetId: k.text('target_id').notNull(),
      traceId: k.text('trace_id'),
      createdAt: k.ms('created_at').notNull(),
    },
    (t) => [k.index('audit_log_target_idx').on(t.targetId)],
  );

  return {
    organizations,
    users,
    memberships,
    apiKeys,
    tracks,
    collections,
    collectionEntries,
    shareLinks,
    librarySaves,
    auditLog,
  };
}

export type Tables = ReturnType<typeof defineTables>;
