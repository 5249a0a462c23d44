import type { Writes } from '../db/database.js';
import { newId } from '../db/ids.js';
import type { LibrarySaveRow } from '../db/rows.js';
import { recordAudit } from './audit.js';
import { findOwnCollection } from './collections.js';
import type { Deps } from './deps.js';
import { DomainError, trackNotFound } from './errors.js';
import { finishPage, keysetQuery, keysetWindow, type Page, type PageArgs } from './pagination.js';
import { checkEngine, checkMode, findVisibleTrack, type TrackRow } from './tracks.js';
import { LIBRARY_PAGE } from './limits.js';
import { checkTrackBatch, optional } from './validation.js';
import { requireMember, resolveOrganization, type Viewer } from './viewer.js';

// A user's library: one `mlib_` edge per saved track (unique per user and track). Saving and
// unsaving only ever add or remove edges; the track itself is never changed.

export type { LibrarySaveRow };

interface TrackRef {
  organizationId: string;
  trackId: string;
}

interface TrackBatch {
  /** Absent: the caller's only organization (see resolveOrganization). */
  organizationId?: string | null;
  trackIds: readonly string[];
}

/** One outcome per input id: a success (with the entry, for saves) or the error of that item alone. */
type Outcome = { ok: true; entry: LibrarySaveRow | null } | { ok: false; error: DomainError };
export type TrackActionResult = Outcome & { inputId: string };

// Unknown, deleted, someone else's and simply-not-saved are one answer, so a batch cannot be
// used to probe which ids exist.
const notInLibrary = (trackId: string) =>
  new DomainError(
    'RESOURCE_NOT_FOUND',
    'Music track not found in library',
    { track_id: trackId },
    'The requested resource could not be found.',
  );

/** Returns the existing entry when there is one (idempotent); audits only a new edge. */
async function saveOne(tx: Writes, deps: Deps, viewer: Viewer, ref: TrackRef): Promise<LibrarySaveRow> {
  const track = await findVisibleTrack(tx, viewer, ref.organizationId, ref.trackId);
  if (!track) throw trackNotFound(ref.trackId);
  // Visible without an edge means the caller created it; shared saves go through share links.
  return addLibraryEdge(
    tx,
    deps,
    viewer,
    { trackId: track.id, organizationId: ref.organizationId, source: 'own' },
    'library.save',
  );
}

/** The viewer's edge to a track: the existing one (idempotent), or a new one, audited. */
export async function addLibraryEdge(
  tx: Writes,
  deps: Deps,
  viewer: Viewer,
  edge: { trackId: string; organizationId: string; source: 'own' | 'shared'; shareLinkId?: string },
  action: 'library.save' | 'share.save',
): Promise<LibrarySaveRow> {
  const ref = { userId: viewer.userId, trackId: edge.trackId };
  const existing = await tx.libraryEdge(ref);
  if (existing) return existing;
  const entry = await tx.addLibrarySave({ id: newId('mlib_'), userId: viewer.userId, ...edge, createdAt: deps.now() });
  // None when a concurrent save of the same track committed first: its edge is the one.
  if (!entry) return (await tx.libraryEdge(ref))!;
  await recordAudit(tx, deps, viewer, edge.organizationId, action, edge.trackId);
  return entry;
}

/**
 * Removes the edge of a live track; false when there was none. Edges of deleted tracks are kept
 * (deletes are soft and the track already left every library), so they count as not saved.
 */
async function unsaveOne(tx: Writes, deps: Deps, viewer: Viewer, ref: TrackRef): Promise<boolean> {
  const removed = await tx.removeLibrarySaveOfLiveTrack({
    userId: viewer.userId,
    organizationId: ref.organizationId,
    trackId: ref.trackId,
  });
  if (!removed) return false;
  await recordAudit(tx, deps, viewer, ref.organizationId, 'library.unsave', ref.trackId);
  return true;
}

export async function saveTrack(deps: Deps, viewer: Viewer, input: TrackRef): Promise<LibrarySaveRow> {
  requireMember(viewer, input.organizationId);
  return deps.database.transaction(async (tx) => saveOne(tx, deps, viewer, input));
}

/** Idempotent: unsaving a track that is not in the library (or does not exist) is a no-op. */
export async function unsaveTrack(deps: Deps, viewer: Viewer, input: TrackRef): Promise<void> {
  requireMember(viewer, input.organizationId);
  await deps.database.transaction(async (tx) => unsaveOne(tx, deps, viewer, input));
}

async function settle(work: Promise<LibrarySaveRow | null>): Promise<Outcome> {
  try {
    return { ok: true, entry: await work };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { ok: false, error };
  }
}

/**
 * Applies `act` to each id in its own transaction, so every item is atomic and a failing item
 * neither rolls back nor blocks the others. A repeated id is acted on once and its later
 * occurrences report the first one's outcome. Only domain errors become per-item results; anything
 * unexpected fails the whole request (items before it stay applied).
 */
async function eachTrack(
  deps: Deps,
  viewer: Viewer,
  input: TrackBatch,
  act: (tx: Writes, ref: TrackRef) => Promise<LibrarySaveRow | null>,
): Promise<TrackActionResult[]> {
  const organizationId = resolveOrganization(viewer, input.organizationId);
  checkTrackBatch(input.trackIds);
  const outcomes = new Map<string, Outcome>();
  const results: TrackActionResult[] = [];
  for (const trackId of input.trackIds) {
    let outcome = outcomes.get(trackId);
    if (!outcome) {
      outcome = await settle(deps.database.transaction(async (tx) => act(tx, { organizationId, trackId })));
      outcomes.set(trackId, outcome);
    }
    results.push({ inputId: trackId, ...outcome });
  }
  return results;
}

/** Batch save: each id succeeds with its entry or fails with RESOURCE_NOT_FOUND, like saveTrack. */
export function saveTracks(deps: Deps, viewer: Viewer, input: TrackBatch): Promise<TrackActionResult[]> {
  return eachTrack(deps, viewer, input, (tx, ref) => saveOne(tx, deps, viewer, ref));
}

/**
 * Batch unsave. Unlike unsaveTrack, an id that was not in the library is a per-item
 * RESOURCE_NOT_FOUND, so the results say exactly which ids were removed.
 */
export function unsaveTracks(deps: Deps, viewer: Viewer, input: TrackBatch): Promise<TrackActionResult[]> {
  return eachTrack(deps, viewer, input, async (tx, ref) => {
    if (!(await unsaveOne(tx, deps, viewer, ref))) throw notInLibrary(ref.trackId);
    return null;
  });
}

export interface LibraryFilter {
  /** Only tracks in this collection, which must be the caller's own (else 404, as for any collection). */
  collectionId?: string | null;
  mode?: string | null;
  engine?: string | null;
}

/** The viewer's library in one organization: saved (or own) live tracks, newest save first. */
export async function listLibrary(
  deps: Deps,
  viewer: Viewer,
  input: { organizationId: string; page: PageArgs; filter?: LibraryFilter },
): Promise<Page<{ entry: LibrarySaveRow; track: TrackRow }>> {
  requireMember(viewer, input.organizationId);
  const filter = input.filter ?? {};
  const mode = optional(filter.mode, checkMode);
  const engine = optional(filter.engine, checkEngine);
  const window = keysetWindow(input.page, LIBRARY_PAGE);
  const { read } = deps.database;
  const collectionId =
    filter.collectionId == null
      ? null
      : (
          await findOwnCollection(read, viewer, {
            organizationId: input.organizationId,
            collectionId: filter.collectionId,
          })
        ).id;
  const rows = await read.library({
    userId: viewer.userId,
    organizationId: input.organizationId,
    mode,
    engine,
    collectionId,
    keys: keysetQuery(window),
  });
  return finishPage(rows, window);
}
