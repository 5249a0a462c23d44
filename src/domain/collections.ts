import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { newId } from '../db/ids.js';
import { statement } from '../db/prepared.js';
import { collectionEntries, collections } from '../db/schema.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';
import { collectionNotFound, DomainError, invalidField, trackNotFound } from './errors.js';
import { finishPage, keysetWindow, type Page, type PageArgs } from './pagination.js';
import { findVisibleTrack } from './tracks.js';
import { COLLECTION_TRACKS_PAGE, COLLECTIONS_PAGE, DESCRIPTION_MAX, REORDER_MAX_IDS } from './limits.js';
import { checkName, checkText, checkUrl, optional } from './validation.js';
import { requireCapability, requireMember, type Viewer } from './viewer.js';

export type CollectionRow = typeof collections.$inferSelect;
export type EntryRow = typeof collectionEntries.$inferSelect;


export interface CreateCollectionInput {
  organizationId: string;
  name: string;
  description?: string | null;
  coverTrackId?: string | null;
  coverImageUrl?: string | null;
}

interface CollectionRef {
  organizationId: string;
  collectionId: string;
}

/** Collection mutations may name the version they expect (GraphQL `ifVersion`, REST `If-Match`). */
interface Expectation {
  ifVersion?: number | null;
}

// A unique key, so no LIMIT (see statement()).
const ownCollection = statement((db, p: { id: string; organizationId: string; ownerId: string }) =>
  db
    .select()
    .from(collections)
    .where(
      and(
        eq(collections.id, p.id),
        eq(collections.organizationId, p.organizationId),
        eq(collections.ownerId, p.ownerId),
        isNull(collections.deletedAt),
      ),
    ),
);

/** Missing, deleted and someone else's are one answer, so ids cannot be probed. */
export async function findOwnCollection(db: Db, viewer: Viewer, ref: CollectionRef & Expectation): Promise<CollectionRow> {
  const [row] = await ownCollection(db, { id: ref.collectionId, organizationId: ref.organizationId, ownerId: viewer.userId });
  if (!row) throw collectionNotFound(ref.collectionId);
  // Checked after ownership, so a stale version never tells a stranger the collection exists.
  if (ref.ifVersion != null && ref.ifVersion !== row.version) {
    throw new DomainError('COLLECTION_CONCURRENT_UPDATE', `Expected version ${ref.ifVersion}, found ${row.version}`, {
      collection_id: row.id,
      current_version: row.version,
    });
  }
  return row;
}

export async function getCollection(deps: Deps, viewer: Viewer, ref: CollectionRef): Promise<CollectionRow> {
  requireMember(viewer, ref.organizationId);
  return findOwnCollection(deps.database.db, viewer, ref);
}

const insertCollection = statement((tx, p: typeof collections.$inferInsert & { id: string }) =>
  tx
    .insert(collections)
    .values({
      id: p.id,
      organizationId: p.organizationId,
      ownerId: p.ownerId,
      name: p.name,
      description: p.description,
      coverTrackId: p.coverTrackId,
      coverImageUrl: p.coverImageUrl,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    })
    .returning(),
);

export async function createCollection(deps: Deps, viewer: Viewer, input: CreateCollectionInput): Promise<CollectionRow> {
  requireCapability(viewer, input.organizationId, 'USE_MUSIC_GENERATION');
  const name = checkName('name', input.name);
  const description = optional(input.description, (d) => checkText('description', d, DESCRIPTION_MAX));
  const coverImageUrl = optional(input.coverImageUrl, (u) => checkUrl('cover_image_url', u));

  return deps.database.transaction(async (tx) => {
    if (input.coverTrackId != null && !(await findVisibleTrack(tx, viewer, input.organizationId, input.coverTrackId))) {
      throw trackNotFound(input.coverTrackId);
    }
    const now = deps.now();
    const [row] = await insertCollection(tx, {
      id: newId('mcoll_'),
      organizationId: input.organizationId,
      ownerId: viewer.userId,
      name,
      description,
      coverTrackId: input.coverTrackId ?? null,
      coverImageUrl,
      createdAt: now,
      updatedAt: now,
    });
    await recordAudit(tx, deps, viewer, row!.organizationId, 'collection.create', row!.id);
    return row!;
  });
}

const markCollectionDeleted = statement((tx, p: { id: string; now: number }) =>
  tx
    .update(collections)
    .set({ deletedAt: p.now, updatedAt: p.now, version: sql`${collections.version} + 1` })
    .where(eq(collections.id, p.id)),
);

/** Soft delete; the member tracks are untouched. */
export async function deleteCollection(deps: Deps, viewer: Viewer, ref: CollectionRef & Expectation): Promise<void> {
  requireMember(viewer, ref.organizationId);
  await deps.database.transaction(async (tx) => {
    const row = await findOwnCollection(tx, viewer, ref);
    const now = deps.now();
    await markCollectionDeleted(tx, { id: row.id, now });
    await recordAudit(tx, deps, viewer, row.organizationId, 'collection.delete', row.id);
  });
}

/** Appends at the end; adding a track that is already there changes nothing. */
export async function addTrackToCollection(
  deps: Deps,
  viewer: Viewer,
  input: CollectionRef & Expectation & { trackId: string },
): Promise<void> {
  requireMember(viewer, input.organizationId);
  await deps.database.transaction(async (tx) => {
    const row = await findOwnCollection(tx, viewer, input);
    if (!(await findVisibleTrack(tx, viewer, input.organizationId, input.trackId))) throw trackNotFound(input.trackId);
    await deps.database.entries.append(tx, row.id, input.trackId, deps.now());
    await recordAudit(tx, deps, viewer, row.organizationId, 'collection.track_add', input.trackId);
  });
}

/** Idempotent: removing a track that is not in the collection is a successful no-op. */
export async function removeTrackFromCollection(
  deps: Deps,
  viewer: Viewer,
  input: CollectionRef & Expectation & { trackId: string },
): Promise<void> {
  requireMember(viewer, input.organizationId);
  await deps.database.transaction(async (tx) => {
    const row = await findOwnCollection(tx, viewer, input);
    await deps.database.entries.remove(tx, input.trackId, row.id, deps.now());
    await recordAudit(tx, deps, viewer, row.organizationId, 'collection.track_remove', input.trackId);
  });
}

export interface UpdateCollectionInput extends CollectionRef, Expectation {
  /** Absent fields are left alone; `null` clears the nullable ones. */
  patch: {
    name?: string | null;
    description?: string | null;
    coverTrackId?: string | null;
    coverImageUrl?: string | null;
  };
}

/** Partial update with the same rules as create; returns the collection with its count. */
export async function updateCollection(deps: Deps, viewer: Viewer, input: UpdateCollectionInput): Promise<CollectionRow> {
  requireMember(viewer, input.organizationId);
  const { patch } = input;
  const changes: Partial<CollectionRow> = {};
  if (patch.name !== undefined) {
    if (patch.name === null) throw invalidField('name', 'name cannot be cleared');
    changes.name = checkName('name', patch.name);
  }
  if (patch.description !== undefined) {
    changes.description = optional(patch.description, (d) => checkText('description', d, DESCRIPTION_MAX));
  }
  if (patch.coverImageUrl !== undefined) {
    changes.coverImageUrl = optional(patch.coverImageUrl, (u) => checkUrl('cover_image_url', u));
  }
  return deps.database.transaction(async (tx) => {
    const row = await findOwnCollection(tx, viewer, input);
    if (patch.coverTrackId !== undefined) {
      if (patch.coverTrackId !== null && !(await findVisibleTrack(tx, viewer, input.organizationId, patch.coverTrackId))) {
        throw trackNotFound(patch.coverTrackId);
      }
      changes.coverTrackId = patch.coverTrackId;
    }
    if (Object.keys(changes).length === 0) return row;
    const now = deps.now();
    const [updated] = await tx
      .update(collections)
      .set({ ...changes, updatedAt: now, version: sql`${collections.version} + 1` })
      .where(eq(collections.id, row.id))
      .returning();
    await recordAudit(tx, deps, viewer, row.organizationId, 'collection.update', row.id);
    return updated!;
  });
}

const entriesInOrder = statement((tx, p: { collectionId: string }) =>
  tx
    .select({ trackId: collectionEntries.trackId, position: collectionEntries.position })
    .from(collectionEntries)
    .where(eq(collectionEntries.collectionId, p.collectionId))
    .orderBy(collectionEntries.position),
);

/**
 * Listed tracks take the positions of their indexes; unknown ids are ignored; tracks left out
 * keep their relative order after the listed ones. Only entries whose position changes are
 * written: swapping two tracks of 10,000 touches two rows.
 */
export async function reorderCollection(
  deps: Deps,
  viewer: Viewer,
  input: CollectionRef & Expectation & { orderedTrackIds: readonly string[] },
): Promise<void> {
  requireMember(viewer, input.organizationId);
  const listed = input.orderedTrackIds;
  if (listed.length > REORDER_MAX_IDS) {
    throw invalidField('ordered_track_ids', `ordered_track_ids may list at most ${REORDER_MAX_IDS} tracks`);
  }
  if (new Set(listed).size !== listed.length) {
    throw invalidField('ordered_track_ids', 'ordered_track_ids must not contain duplicates');
  }
  await deps.database.transaction(async (tx) => {
    const row = await findOwnCollection(tx, viewer, input);
    const current = await entriesInOrder(tx, { collectionId: row.id });
    const members = new Set(current.map((e) => e.trackId));
    const front = listed.filter((id) => members.has(id));
    const inFront = new Set(front);
    const order = [...front, ...current.map((e) => e.trackId).filter((id) => !inFront.has(id))];
    const moves = order.flatMap((trackId, position) =>
      current[position]?.trackId === trackId ? [] : [{ trackId, position }],
    );
    if (moves.length > 0) await deps.database.entries.rewrite(tx, row.id, moves, deps.now());
    await recordAudit(tx, deps, viewer, row.organizationId, 'collection.reorder', row.id);
  });
}

/** The viewer's own live collections in an organization, newest first. */
export async function listCollections(
  deps: Deps,
  viewer: Viewer,
  input: { organizationId: string; page: PageArgs },
): Promise<Page<CollectionRow>> {
  requireMember(viewer, input.organizationId);
  const window = keysetWindow(input.page, COLLECTIONS_PAGE);
  const rows = await deps.database.db
    .select()
    .from(collections)
    .where(
      and(
        eq(collections.ownerId, viewer.userId),
        eq(collections.organizationId, input.organizationId),
        isNull(collections.deletedAt),
        window.afterKey !== null ? lt(collections.seq, window.afterKey) : undefined,
        window.beforeKey !== null ? gt(collections.seq, window.beforeKey) : undefined,
      ),
    )
    .orderBy(window.backward ? asc(collections.seq) : desc(collections.seq))
    .limit(window.size + 1)
    .offset(window.offset);
  return finishPage(rows, window);
}

/** Which positions of a collection a page covers. Positions are contiguous, so this is arithmetic. */
export interface EntryRange {
  start: number;
  end: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** The cursor of an entry is its position; an offset is the position to start at. */
export function entryRange(collection: CollectionRow, args: PageArgs): EntryRange {
  const window = keysetWindow(args, COLLECTION_TRACKS_PAGE);
  const count = collection.trackCount;
  if (window.backward) {
    const end = Math.min(window.beforeKey ?? count, count);
    const start = Math.max(0, end - window.size);
    return { start, end, hasNextPage: end < count, hasPreviousPage: start > 0 };
  }
  const start = window.afterKey !== null ? window.afterKey + 1 : window.offset;
  const end = Math.min(start + window.size, count);
  return { start, end: Math.max(start, end), hasNextPage: end < count, hasPreviousPage: start > 0 };
}

/**
 * Entries of many collections for one range each, in one statement: a page of collections asking
 * for their first N tracks costs one query, whatever the page size and however the ranges differ.
 */
export async function loadEntryRanges(
  deps: Deps,
  requests: readonly { collectionId: string; start: number; end: number }[],
): Promise<EntryRow[][]> {
  const found: EntryRow[][] = requests.map(() => []);
  for (const { request, ...row } of await deps.database.entries.inRanges(deps.database.db, requests)) found[request]!.push(row);
  return found;
}

// A unique key, so no LIMIT (see statement()).
const ownCollectionAnyOrg = statement((db, p: { id: string; ownerId: string }) =>
  db
    .select()
    .from(collections)
    .where(and(eq(collections.id, p.id), eq(collections.ownerId, p.ownerId), isNull(collections.deletedAt))),
);

/** Live, owned collections by id, for the `node` field. */
export async function findOwnCollectionAnyOrg(deps: Deps, viewer: Viewer, collectionId: string): Promise<CollectionRow | undefined> {
  const [row] = await ownCollectionAnyOrg(deps.database.db, { id: collectionId, ownerId: viewer.userId });
  return row;
}
