import { and, eq, exists, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { newId } from '../db/ids.js';
import { statement } from '../db/prepared.js';
import { collections, librarySaves, tracks } from '../db/schema.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';
import { DomainError, invalidField, trackNotFound } from './errors.js';
import { DEFAULT_ENGINE, DEFAULT_MODE, ENGINE_MAX, ENGINE_PATTERN, MAX_DURATION_SECONDS, trackModes } from './limits.js';
import { checkName, checkText, checkUrl, optional } from './validation.js';
import { requireCapability, requireMember, type Viewer } from './viewer.js';

export type TrackRow = typeof tracks.$inferSelect;


export interface CreateTrackInput {
  organizationId: string;
  title: string;
  durationSeconds?: number | null;
  instrumental?: boolean | null;
  audioUrl?: string | null;
  artworkUrl?: string | null;
  mode?: string | null;
  engine?: string | null;
}

/** Shared by create and by the library filter, so a filter value is exactly what a track can hold. */
export function checkMode(mode: string): string {
  if (!(trackModes as readonly string[]).includes(mode)) throw invalidField('mode', `mode must be one of ${trackModes.join(', ')}`);
  return mode;
}

export function checkEngine(engine: string): string {
  if (!ENGINE_PATTERN.test(checkText('engine', engine, ENGINE_MAX))) {
    throw invalidField('engine', `engine must be 1-${ENGINE_MAX} lowercase letters, digits, "-" or "_"`);
  }
  return engine;
}

/** A track the viewer may see in `organizationId`: live, and created or saved by them. */
export async function findVisibleTrack(db: Db, viewer: Viewer, organizationId: string, trackId: string): Promise<TrackRow | undefined> {
  const [row] = await visibleTrack(db, { id: trackId, organizationId, userId: viewer.userId });
  return row;
}

// A unique key, so no LIMIT (see statement()).
const visibleTrack = statement((db, p: { id: string; organizationId: string; userId: string }) =>
  db
    .select()
    .from(tracks)
    .where(
      and(
        eq(tracks.id, p.id),
        eq(tracks.organizationId, p.organizationId),
        isNull(tracks.deletedAt),
        or(
          eq(tracks.creatorId, p.userId),
          exists(
            db
              .select({ one: sql`1` })
              .from(librarySaves)
              .where(and(eq(librarySaves.userId, p.userId), eq(librarySaves.trackId, tracks.id))),
          ),
        ),
      ),
    ),
);

export async function getTrack(
  deps: Deps,
  viewer: Viewer,
  input: { organizationId: string; trackId: string },
): Promise<TrackRow> {
  requireMember(viewer, input.organizationId);
  const track = await findVisibleTrack(deps.database.db, viewer, input.organizationId, input.trackId);
  if (!track) throw trackNotFound(input.trackId);
  return track;
}

/** Live tracks by id, for batch loading nodes whose visibility was already decided. */
export async function loadLiveTracks(deps: Deps, ids: readonly string[]): Promise<Map<string, TrackRow>> {
  const rows = await liveTracksIn(deps.database.db, { ids: JSON.stringify(ids) });
  return new Map(rows.map((row) => [row.id, row]));
}

// The ids travel as one JSON parameter: one statement whatever the batch size, prepared once.
const liveTracksIn = statement((db, p: { ids: string }, dialect) =>
  db
    .select()
    .from(tracks)
    .where(and(inArray(tracks.id, dialect.textList(p.ids)), isNull(tracks.deletedAt))),
);

const insertTrack = statement((tx, p: TrackRow) =>
  tx.insert(tracks).values({
    id: p.id,
    organizationId: p.organizationId,
    creatorId: p.creatorId,
    title: p.title,
    durationSeconds: p.durationSeconds,
    instrumental: p.instrumental,
    audioUrl: p.audioUrl,
    artworkUrl: p.artworkUrl,
    mode: p.mode,
    engine: p.engine,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    deletedAt: p.deletedAt,
  }),
);

const insertOwnSave = statement(
  (tx, p: { id: string; userId: string; trackId: string; organizationId: string; createdAt: number }) =>
    tx.insert(librarySaves).values({
      id: p.id,
      userId: p.userId,
      trackId: p.trackId,
      organizationId: p.organizationId,
      source: 'own',
      createdAt: p.createdAt,
    }),
);

export async function createTrack(deps: Deps, viewer: Viewer, input: CreateTrackInput): Promise<TrackRow> {
  requireCapability(viewer, input.organizationId, 'USE_MUSIC_GENERATION');
  const title = checkName('title', input.title);
  const durationSeconds = optional(input.durationSeconds, (d) => {
    if (!Number.isFinite(d) || d < 0 || d > MAX_DURATION_SECONDS) {
      throw invalidField('duration_seconds', `duration_seconds must be between 0 and ${MAX_DURATION_SECONDS}`);
    }
    return d;
  });
  const audioUrl = optional(input.audioUrl, (u) => checkUrl('audio_url', u));
  const artworkUrl = optional(input.artworkUrl, (u) => checkUrl('artwork_url', u));
  const mode = optional(input.mode, checkMode);
  const engine = optional(input.engine, checkEngine);

  const now = deps.now();
  const track: TrackRow = {
    id: newId('mtrack_'),
    organizationId: input.organizationId,
    creatorId: viewer.userId,
    title,
    durationSeconds,
    instrumental: input.instrumental ?? false,
    audioUrl,
    artworkUrl,
    mode: mode ?? DEFAULT_MODE,
    engine: engine ?? DEFAULT_ENGINE,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  return deps.database.transaction(async (tx) => {
    await insertTrack(tx, track);
    // A new track enters its creator's library, as in the reference API.
    await insertOwnSave(tx, { id: newId('mlib_'), userId: viewer.userId, trackId: track.id, organizationId: track.organizationId, createdAt: now });
    await recordAudit(tx, deps, viewer, track.organizationId, 'track.create', track.id);
    return track;
  });
}

const markTrackDeleted = statement((tx, p: { id: string; now: number }) =>
  tx.update(tracks).set({ deletedAt: p.now, updatedAt: p.now }).where(eq(tracks.id, p.id)),
);

const clearCover = statement((tx, p: { trackId: string; now: number }) =>
  tx
    .update(collections)
    .set({ coverTrackId: null, version: sql`${collections.version} + 1`, updatedAt: p.now })
    .where(eq(collections.coverTrackId, p.trackId)),
);

/**
 * Soft delete by the creator. The row stays for audit and billing; the track leaves every
 * collection (positions closed up), every cover, and (by the live-track filter) every library.
 */
export async function deleteTrack(
  deps: Deps,
  viewer: Viewer,
  input: { organizationId: string; trackId: string },
): Promise<void> {
  requireMember(viewer, input.organizationId);
  await deps.database.transaction(async (tx) => {
    const track = await findVisibleTrack(tx, viewer, input.organizationId, input.trackId);
    if (!track) throw trackNotFound(input.trackId);
    if (track.creatorId !== viewer.userId) {
      throw new DomainError(
        'INSUFFICIENT_PERMISSIONS',
        'Only the track creator may delete it',
        { track_id: track.id },
        'You do not have permission to access this resource.',
      );
    }
    const now = deps.now();
    await markTrackDeleted(tx, { id: track.id, now });
    await deps.database.entries.remove(tx, track.id, null, now);
    await clearCover(tx, { trackId: track.id, now });
    await recordAudit(tx, deps, viewer, track.organizationId, 'track.delete', track.id);
  });
}
