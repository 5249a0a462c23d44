import type { CollectionChanges, Reads, Writes } from '../db/database.js';
import { newId } from '../db/ids.js';
import type { CollectionRow, EntryRow } from '../db/rows.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';
import { collectionNotFound, DomainError, invalidField, trackNotFound } from './errors.js';
import { finishPage, keysetQuery, keysetWindow, type Page, type PageArgs } from './pagination.js';
import { COLLECTION_TRACKS_PAGE, COLLECTIONS_PAGE, DESCRIPTION_MAX, REORDER_MAX_IDS } from './limits.js';
import { checkName, checkText, checkUrl, optional } from './validation.js';
import { requireCapability, requireMember, resolveOrganization, type Viewer } from './viewer.js';

export type { CollectionRow, EntryRow };

/**
 * Operations a Groove client reaches may leave the organization out: it is then the caller's only
 * one (resolveOrganization). Every other surface names it.
 */
type OrganizationChoice = string | null | undefined;

export interface CreateCollectionInput {
  organizationId?: OrganizationChoice;
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

/** Missing, deleted and someone else's are one answer, so ids cannot be probed. */
export async function findOwnCollection(
  db: Reads,
  viewer: Viewer,
  ref: CollectionRef & Expectation,
): Promise<CollectionRow> {
  return expectCollection(await db.ownCollection(ownRef(viewer, ref)), ref);
}

/** The viewer's collection a write transaction is about to change (see Writes in src/db/database.ts). */
export async function collectionToChange(
  tx: Writes,
  viewer: Viewer,
  ref: CollectionRef & Expectation,
): Promise<CollectionRow> {
  return expectCollection(await tx.collectionToChange(ownRef(viewer, ref)), ref);
}

const ownRef = (viewer: Viewer, ref: CollectionRef) => ({
  id: ref.collectionId,
  organizationId: ref.organizationId,
  ownerId: viewer.userId,
});

function expectCollection(row: CollectionRow | undefined, ref: CollectionRef & Expectation): CollectionRow {
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

/** A collection named by id in an organization the caller may leave out. */
export interface CollectionChoice {
  organizationId?: OrganizationChoice;
  collectionId: string;
}

export async function getCollection(deps: Deps, viewer: Viewer, ref: CollectionChoice): Promise<CollectionRow> {
  const organizationId = resolveOrganization(viewer, ref.organizationId);
  return findOwnCollection(deps.database.read, viewer, { organizationId, collectionId: ref.collectionId });
}

export async function createCollection(
  deps: Deps,
  viewer: Viewer,
  input: CreateCollectionInput,
): Promise<CollectionRow> {
  const organizationId = resolveOrganization(viewer, input.organizationId);
  requireCapability(viewer, organizationId, 'USE_MUSIC_GENERATION');
  const name = checkName('name', input.name);
  const description = optional(input.description, (d) => checkText('description', d, DESCRIPTION_MAX));
  const coverImageUrl = optional(input.coverImageUrl, (u) => checkUrl('cover_image_url', u));

  return deps.database.transaction(async (tx) => {
    const cover = input.coverTrackId;
    if (cover != null && !(await tx.trackToKeep({ id: cover, organizationId, userId: viewer.userId }))) {
      throw trackNotFound(cover);
    }
    const now = deps.now();
    const row = await tx.insertCollection({
      id: newId('mcoll_'),
      organizationId,
      ownerId: viewer.userId,
      name,
      description,
      coverTrackId: input.coverTrackId ?? null,
      coverImageUrl,
      createdAt: now,
      updatedAt: now,
    });
    await recordAudit(tx, deps, viewer, row.organizationId, 'collection.create', row.id);
    return row;
  });
}

/** Soft delete; the member tracks are untouched. */
export async function deleteCollection(deps: Deps, viewer: Viewer, ref: CollectionChoice & Expectation): Promise<void> {
  const organizationId = resolveOrganization(viewer, ref.organizationId);
  await deps.database.transaction(async (tx) => {
    const row = await collectionToChange(tx, viewer, { ...ref, organizationId });
    const now = deps.now();
    await tx.markCollectionDeleted(row.id, now);
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
    // The track before the collection, the order every write takes its rows in; the answer
    // still speaks of the collection first.
    const track = await tx.trackToKeep({
      id: input.trackId,
      organizationId: input.organizationId,
      userId: viewer.userId,
    });
    const row = await collectionToChange(tx, viewer, input);
    if (!track) throw trackNotFound(input.trackId);
    await tx.appendEntry(row.id, input.trackId, deps.now());
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
    const row = await collectionToChange(tx, viewer, input);
    await tx.removeEntries(input.trackId, row.id, deps.now());
    await recordAudit(tx, deps, viewer, row.organizationId, 'collection.track_remove', input.trackId);
  });
}

export interface UpdateCollectionInput extends CollectionChoice, Expectation {
  /** Absent fields are left alone; `null` clears the nullable ones. */
  patch: {
    name?: string | null;
    description?: string | null;
    coverTrackId?: string | null;
    coverImageUrl?: string | null;
  };
}

/** Partial update with the same rules as create; returns the collection with its count. */
export async function updateCollection(
  deps: Deps,
  viewer: Viewer,
  input: UpdateCollectionInput,
): Promise<CollectionRow> {
  const organizationId = resolveOrganization(viewer, input.organizationId);
  const { patch } = input;
  const changes: CollectionChanges = {};
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
    // A new cover is taken before the collection, the order every write takes its rows in.
    const cover = patch.coverTrackId;
    const coverTrack =
      cover != null ? await tx.trackToKeep({ id: cover, organizationId, userId: viewer.userId }) : null;
    const row = await collectionToChange(tx, viewer, { ...input, organizationId });
    if (cover !== undefined) {
      if (cover !== null && !coverTrack) throw trackNotFound(cover);
      changes.coverTrackId = cover;
    }
    if (Object.keys(changes).length === 0) return row;
    const now = deps.now();
    const updated = await tx.updateCollection(row.id, changes, now);
    await recordAudit(tx, deps, viewer, row.organizationId, 'collection.update', row.id);
    return updated;
  });
}

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
    const row = await collectionToChange(tx, viewer, input);
    const current = await tx.entriesInOrder(row.id);
    const members = new Set(current.map((e) => e.trackId));
    const front = listed.filter((id) => members.has(id));
    const inFront = new Set(front);
    const order = [...front, ...current.map((e) => e.trackId).filter((id) => !inFront.has(id))];
    const moves = order.flatMap((trackId, position) =>
      current[position]?.trackId === trackId ? [] : [{ trackId, position }],
    );
    if (moves.length > 0) await tx.moveEntries(row.id, moves, deps.now());
    await recordAudit(tx, deps, viewer, row.organizationId, 'collection.reorder', row.id);
  });
}

/** The viewer's own live collections in an organization, newest first, and how many there are in all. */
export async function listCollections(
  deps: Deps,
  viewer: Viewer,
  input: { organizationId?: OrganizationChoice; page: PageArgs },
): Promise<Page<CollectionRow> & { count: () => Promise<number> }> {
  const organizationId = resolveOrganization(viewer, input.organizationId);
  const window = keysetWindow(input.page, COLLECTIONS_PAGE);
  const owned = { ownerId: viewer.userId, organizationId };
  const rows = await deps.database.read.ownCollections({ ...owned, keys: keysetQuery(window) });
  // Counted only when asked for (GraphQL `totalCount`, Groove's TotalItemCount).
  return { ...finishPage(rows, window), count: () => deps.database.read.countOwnCollections(owned) };
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
  for (const { request, ...row } of await deps.database.read.entriesInRanges(requests)) found[request]!.push(row);
  return found;
}

/** Live, owned collections by id, for the `node` field. */
export async function findOwnCollectionAnyOrg(
  deps: Deps,
  viewer: Viewer,
  collectionId: string,
): Promise<CollectionRow | undefined> {
  return deps.database.read.ownCollectionAnyOrganization({ id: collectionId, ownerId: viewer.userId });
}
