import type { EntryShift } from '../db/database.js';
import type { CollectionRow } from '../db/rows.js';
import { recordAudit } from './audit.js';
import { collectionToChange } from './collections.js';
import type { Deps } from './deps.js';
import { DomainError, invalidField, trackNotFound } from './errors.js';
import { checkTrackBatch } from './validation.js';
import { resolveOrganization, type Viewer } from './viewer.js';

// A playlist editor's gestures on a collection: add a batch of tracks at a position, remove a
// batch, move a range of positions (Spotify's range_start / range_length / insert_before), move a
// selection of tracks before another (Groove's Move). Each call is one transaction that moves the
// version on once (and writes one audit row), or, when it changes nothing, writes nothing at all;
// positions stay 0..n-1. Adds and removes answer per id, as the library batches do: the ids that
// can be applied are, the others fail on their own.

export type { EntryShift };

interface Target {
  /** Absent: the caller's only organization (see resolveOrganization). */
  organizationId?: string | null;
  collectionId: string;
  /** The version the caller expects; on a mismatch nothing changes (COLLECTION_CONCURRENT_UPDATE). */
  ifVersion?: number | null;
}

/** One input id's outcome: for adds the position the track now holds, for removes the one it held. */
export type CollectionTrackResult = { inputId: string } & (
  | { ok: true; position: number }
  | { ok: false; error: DomainError }
);

export interface CollectionEdit {
  /** The collection after the call (its version and count). */
  collection: CollectionRow;
  /** In input order; a repeated id reports its first occurrence's outcome. */
  results: CollectionTrackResult[];
}

type Outcome = { ok: true; position: number } | { ok: false; error: DomainError };

const alreadyPresent = (trackId: string) =>
  new DomainError('TRACK_ALREADY_IN_COLLECTION', 'Music track already in collection', { track_id: trackId });

// Absent, deleted and never added are one answer, as for the single remove's collection.
const notInCollection = (trackId: string) =>
  new DomainError(
    'RESOURCE_NOT_FOUND',
    'Music track not found in collection',
    { track_id: trackId },
    'The requested resource could not be found.',
  );

const invalidMove = (systemMessage: string, details: Record<string, string | number>) =>
  new DomainError('INVALID_TRACK_MOVE', systemMessage, details);

function checkPosition(field: string, value: number | null | undefined, least: number): void {
  if (value != null && (!Number.isInteger(value) || value < least))
    throw invalidField(field, `${field} must be an integer of at least ${least}`);
}

const answers = (inputIds: readonly string[], outcomes: Map<string, Outcome>): CollectionTrackResult[] =>
  inputIds.map((inputId) => ({ inputId, ...outcomes.get(inputId)! }));

/**
 * Inserts the tracks that can be added as one block at `position` (default: the end), in input
 * order. Per id: unknown, deleted, invisible and other organizations' tracks fail with
 * RESOURCE_NOT_FOUND, tracks the collection already holds with TRACK_ALREADY_IN_COLLECTION.
 */
export async function addTracksToCollection(
  deps: Deps,
  viewer: Viewer,
  input: Target & { trackIds: readonly string[]; position?: number | null },
): Promise<CollectionEdit> {
  const organizationId = resolveOrganization(viewer, input.organizationId);
  checkTrackBatch(input.trackIds);
  checkPosition('position', input.position, 0);
  const ids = [...new Set(input.trackIds)];
  return deps.database.transaction(async (tx) => {
    // The tracks first, kept live until the entries are in (a concurrent delete waits, or has
    // already taken them out of sight), then the collection: the order of docs/postgresql.md.
    const visible = new Set((await tx.tracksToKeep({ ids, organizationId, userId: viewer.userId })).map((t) => t.id));
    const row = await collectionToChange(tx, viewer, { ...input, organizationId });
    const position = input.position ?? row.trackCount;
    if (position > row.trackCount) {
      throw new DomainError('VALIDATION_ERROR', `position must be at most the track count (${row.trackCount})`, {
        field: 'position',
        track_count: row.trackCount,
      });
    }
    const present = new Set((await tx.entriesAmong(row.id, ids)).map((e) => e.trackId));
    const adding = ids.filter((id) => visible.has(id) && !present.has(id));
    const outcomes = new Map<string, Outcome>(adding.map((id, i) => [id, { ok: true, position: position + i }]));
    for (const id of ids) {
      if (!outcomes.has(id))
        outcomes.set(id, { ok: false, error: visible.has(id) ? alreadyPresent(id) : trackNotFound(id) });
    }
    if (adding.length === 0) return { collection: row, results: answers(input.trackIds, outcomes) };
    const collection = await tx.insertEntriesAt(row.id, adding, position, deps.now());
    await recordAudit(tx, deps, viewer, organizationId, 'collection.tracks_add', row.id);
    return { collection, results: answers(input.trackIds, outcomes) };
  });
}

/** Removes the tracks and closes the gaps; an id the collection does not hold fails with RESOURCE_NOT_FOUND. */
export async function removeTracksFromCollection(
  deps: Deps,
  viewer: Viewer,
  input: Target & { trackIds: readonly string[] },
): Promise<CollectionEdit> {
  const organizationId = resolveOrganization(viewer, input.organizationId);
  checkTrackBatch(input.trackIds);
  return deps.database.transaction(async (tx) => {
    const row = await collectionToChange(tx, viewer, { ...input, organizationId });
    const ids = [...new Set(input.trackIds)];
    const { removed, collection } = await tx.removeEntriesOf(row.id, ids, deps.now());
    const outcomes = new Map<string, Outcome>(removed.map((e) => [e.trackId, { ok: true, position: e.position }]));
    for (const id of ids) if (!outcomes.has(id)) outcomes.set(id, { ok: false, error: notInCollection(id) });
    if (collection) await recordAudit(tx, deps, viewer, organizationId, 'collection.tracks_remove', row.id);
    return { collection: collection ?? row, results: answers(input.trackIds, outcomes) };
  });
}

/**
 * The shifts that move positions [start, start + length) to just before `insertBefore` (a
 * position counted before the move; the track count for the end). None when it is inside or at
 * either edge of the range, which moves nothing.
 */
export function rangeMoveShifts(start: number, length: number, insertBefore: number): EntryShift[] {
  const end = start + length;
  if (insertBefore >= start && insertBefore <= end) return [];
  if (insertBefore > end)
    return [
      { from: start, to: end, by: insertBefore - end },
      { from: end, to: insertBefore, by: -length },
    ];
  return [
    { from: start, to: end, by: insertBefore - start },
    { from: insertBefore, to: start, by: length },
  ];
}

/**
 * The shifts that take the entries at `sources` (distinct positions, in the order they are to
 * have) out of the collection and put them, as one block in that order, just before position
 * `target` (counted before the move; the track count for the end; not one of the sources). Only
 * positions between the first and the last one named move.
 */
export function selectionMoveShifts(sources: readonly number[], target: number): EntryShift[] {
  const m = sources.length;
  const sorted = [...sources].sort((a, b) => a - b);
  const isSource = new Set(sources);
  const blockStart = target - sorted.filter((s) => s < target).length;
  const shifts: EntryShift[] = [];
  sources.forEach((s, j) => {
    if (blockStart + j !== s) shifts.push({ from: s, to: s + 1, by: blockStart + j - s });
  });
  // Between consecutive cut points the entries left in place all move by the same amount: up by
  // the sources before them, down by the block when they are at or after the target.
  const cuts = [...new Set([...sorted, target])].sort((a, b) => a - b);
  cuts.forEach((cut, i) => {
    const from = isSource.has(cut) ? cut + 1 : cut;
    const to = cuts[i + 1];
    if (to === undefined) return; // past every cut, entries end where they were
    const by = -sorted.filter((s) => s <= cut).length + (cut >= target ? m : 0);
    if (by !== 0 && to > from) shifts.push({ from, to, by });
  });
  return shifts;
}

/**
 * Moves the `rangeLength` tracks from position `rangeStart` to just before position
 * `insertBefore`, both counted before the move (Spotify's reorder). A range or an insertion point
 * past the end is INVALID_TRACK_MOVE; an insertion point inside the range moves nothing.
 */
export async function moveTracksInCollection(
  deps: Deps,
  viewer: Viewer,
  input: Target & { rangeStart: number; rangeLength?: number | null; insertBefore: number },
): Promise<CollectionRow> {
  const organizationId = resolveOrganization(viewer, input.organizationId);
  const length = input.rangeLength ?? 1;
  checkPosition('range_start', input.rangeStart, 0);
  checkPosition('range_length', length, 1);
  checkPosition('insert_before', input.insertBefore, 0);
  return deps.database.transaction(async (tx) => {
    const row = await collectionToChange(tx, viewer, { ...input, organizationId });
    const count = row.trackCount;
    const details = { collection_id: row.id, track_count: count };
    if (input.rangeStart + length > count) {
      throw invalidMove(
        `range_start + range_length (${input.rangeStart + length}) is past the track count (${count})`,
        details,
      );
    }
    if (input.insertBefore > count)
      throw invalidMove(`insert_before (${input.insertBefore}) is past the track count (${count})`, details);
    const shifts = rangeMoveShifts(input.rangeStart, length, input.insertBefore);
    if (shifts.length === 0) return row;
    const moved = await tx.shiftEntries(row.id, shifts, deps.now());
    await recordAudit(tx, deps, viewer, organizationId, 'collection.tracks_move', row.id);
    return moved;
  });
}

/**
 * Moves the listed tracks, in the order listed, to just before `insertBeforeTrackId` (the end when
 * absent): a selection dropped before another track. Every track named must be in the collection,
 * and the one to insert before must not be among those moved (else INVALID_TRACK_MOVE, and
 * nothing moves). A repeated id counts once.
 */
export async function moveSelectedTracksInCollection(
  deps: Deps,
  viewer: Viewer,
  input: Target & { trackIds: readonly string[]; insertBeforeTrackId?: string | null },
): Promise<CollectionRow> {
  const organizationId = resolveOrganization(viewer, input.organizationId);
  checkTrackBatch(input.trackIds);
  const moving = [...new Set(input.trackIds)];
  const before = input.insertBeforeTrackId ?? null;
  if (before !== null && moving.includes(before)) {
    throw invalidMove('insert_before_track_id must not be one of the tracks moved', { track_id: before });
  }
  return deps.database.transaction(async (tx) => {
    const row = await collectionToChange(tx, viewer, { ...input, organizationId });
    const held = new Map(
      (await tx.entriesAmong(row.id, before === null ? moving : [...moving, before])).map((e) => [
        e.trackId,
        e.position,
      ]),
    );
    for (const id of before === null ? moving : [...moving, before]) {
      if (!held.has(id))
        throw invalidMove(`Track ${id} is not in the collection`, { collection_id: row.id, track_id: id });
    }
    const target = before === null ? row.trackCount : held.get(before)!;
    const shifts = selectionMoveShifts(
      moving.map((id) => held.get(id)!),
      target,
    );
    if (shifts.length === 0) return row;
    const moved = await tx.shiftEntries(row.id, shifts, deps.now());
    await recordAudit(tx, deps, viewer, organizationId, 'collection.tracks_move', row.id);
    return moved;
  });
}
