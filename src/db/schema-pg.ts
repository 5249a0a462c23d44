import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, doublePrecision, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

// The PostgreSQL tables: the same names, columns and indexes as schema-sqlite.ts (the domain is
// written against those), in PostgreSQL's types. Times are integer milliseconds since the epoch
// (bigint, read back as numbers); `seq` is a bigserial where SQLite uses the rowid.

const ms = (name: string) => bigint(name, { mode: 'number' });

export const organizations = pgTable('organizations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: ms('created_at').notNull(),
});

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name'),
  createdAt: ms('created_at').notNull(),
});

export const memberships = pgTable(
  'memberships',
  {
    organizationId: text('organization_id').notNull().references(() => organizations.id),
    userId: text('user_id').notNull().references(() => users.id),
    // JSON array of capability names, e.g. ["USE_MUSIC_GENERATION"].
    capabilities: text('capabilities').notNull().default('[]'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.userId] }), index('memberships_user_idx').on(t.userId)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull().references(() => users.id),
    label: text('label'),
    // SHA-256 of the secret; the secret itself is never stored.
    keyHash: text('key_hash').notNull(),
    createdAt: ms('created_at').notNull(),
    revokedAt: ms('revoked_at'),
    lastUsedAt: ms('last_used_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.keyHash), index('api_keys_user_idx').on(t.userId)],
);

export const tracks = pgTable(
  'tracks',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id').notNull().references(() => organizations.id),
    creatorId: text('creator_id').notNull().references(() => users.id),
    title: text('title').notNull(),
    durationSeconds: doublePrecision('duration_seconds'),
    instrumental: boolean('instrumental').notNull().default(false),
    audioUrl: text('audio_url'),
    artworkUrl: text('artwork_url'),
    mode: text('mode').notNull().default('creation'),
    engine: text('engine').notNull().default('studio'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    deletedAt: ms('deleted_at'),
  },
  (t) => [index('tracks_org_creator_idx').on(t.organizationId, t.creatorId)],
);

export const collections = pgTable(
  'collections',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull().unique(),
    organizationId: text('organization_id').notNull().references(() => organizations.id),
    ownerId: text('owner_id').notNull().references(() => users.id),
    name: text('name').notNull(),
    description: text('description'),
    coverTrackId: text('cover_track_id').references(() => tracks.id),
    coverImageUrl: text('cover_image_url'),
    // Maintained in the same transaction as the entries, so counts never need a scan
    // and the next append position is known without one.
    trackCount: integer('track_count').notNull().default(0),
    // Bumped on every change to the collection or its entries (optimistic concurrency).
    version: integer('version').notNull().default(1),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    deletedAt: ms('deleted_at'),
  },
  (t) => [
    index('collections_owner_live_idx')
      .on(t.ownerId, t.organizationId, t.seq)
      .where(sql`${t.deletedAt} IS NULL`),
    index('collections_cover_track_idx').on(t.coverTrackId),
  ],
);

export const collectionEntries = pgTable(
  'collection_entries',
  {
    collectionId: text('collection_id').notNull().references(() => collections.id),
    trackId: text('track_id').notNull().references(() => tracks.id),
    // Zero-based and contiguous within a collection; unique so two entries can never share one.
    position: integer('position').notNull(),
    addedAt: ms('added_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.collectionId, t.trackId] }),
    uniqueIndex('collection_entries_position_idx').on(t.collectionId, t.position),
    index('collection_entries_track_idx').on(t.trackId),
  ],
);

export const librarySaves = pgTable(
  'library_saves',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull().unique(),
    userId: text('user_id').notNull().references(() => users.id),
    trackId: text('track_id').notNull().references(() => tracks.id),
    organizationId: text('organization_id').notNull().references(() => organizations.id),
    source: text('source', { enum: ['own', 'shared'] }).notNull(),
    // The share link a `shared` save came through; kept after the link is revoked.
    shareLinkId: text('share_link_id').references(() => shareLinks.id),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('library_saves_user_track_idx').on(t.userId, t.trackId),
    index('library_saves_user_org_idx').on(t.userId, t.organizationId, t.seq),
  ],
);

export const shareLinks = pgTable(
  'share_links',
  {
    id: text('id').primaryKey(),
    // SHA-256 of the token; the raw token is shown once, at creation.
    tokenHash: text('token_hash').notNull(),
    organizationId: text('organization_id').notNull().references(() => organizations.id),
    ownerId: text('owner_id').notNull().references(() => users.id),
    targetType: text('target_type', { enum: ['track', 'collection'] }).notNull(),
    targetId: text('target_id').notNull(),
    visibility: text('visibility', { enum: ['link_only', 'public'] }).notNull(),
    expiresAt: ms('expires_at'),
    revokedAt: ms('revoked_at'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [uniqueIndex('share_links_token_idx').on(t.tokenHash), index('share_links_owner_idx').on(t.ownerId)],
);

// Append-only: a trigger in the migrations rejects UPDATE and DELETE.
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    actorId: text('actor_id').notNull(),
    organizationId: text('organization_id'),
    action: text('action').notNull(),
    targetId: text('target_id').notNull(),
    traceId: text('trace_id'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('audit_log_target_idx').on(t.targetId)],
);
