import type { Reads } from '../db/database.js';
import { newId } from '../db/ids.js';
import type { NewTrack, TrackRow } from '../db/rows.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';
import { DomainError, invalidField, trackNotFound } from './errors.js';
import {
  DEFAULT_ENGINE,
  DEFAULT_MODE,
  ENGINE_MAX,
  ENGINE_PATTERN,
  MAX_DURATION_SECONDS,
  trackModes,
} from './limits.js';
import { checkName, checkText, checkUrl, optional } from './validation.js';
import { requireCapability, requireMember, type Viewer } from './viewer.js';

export type { TrackRow };

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
  if (!(trackModes as readonly string[]).includes(mode))
    throw invalidField('mode', `mode must be one of ${trackModes.join(', ')}`);
  return mode;
}

export function checkEngine(engine: string): string {
  if (!ENGINE_PATTERN.test(checkText('engine', engine, ENGINE_MAX))) {
    throw invalidField('engine', `engine must be 1-${ENGINE_MAX} lowercase letters, digits, "-" or "_"`);
  }
  return engine;
}

/** A track the viewer may see in `organizationId`: live, and created or saved by them. */
export async function findVisibleTrack(
  db: Reads,
  viewer: Viewer,
  organizationId: string,
  trackId: string,
): Promise<TrackRow | undefined> {
  return db.trackOfUser({ id: trackId, organizationId, userId: viewer.userId });
}

export async function getTrack(
  deps: Deps,
  viewer: Viewer,
  input: { organizationId: string; trackId: string },
): Promise<TrackRow> {
  requireMember(viewer, input.organizationId);
  const track = await findVisibleTrack(deps.database.read, viewer, input.organizationId, input.trackId);
  if (!track) throw trackNotFound(input.trackId);
  return track;
}

/** Live tracks by id, for batch loading nodes whose visibility was already decided. */
export async function loadLiveTracks(deps: Deps, ids: readonly string[]): Promise<Map<string, TrackRow>> {
  const rows = await deps.database.read.liveTracks(ids);
  return new Map(rows.map((row) => [row.id, row]));
}

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
  const track: NewTrack = {
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
  };
  return deps.database.transaction(async (tx) => {
    const stored = await tx.insertTrack(track);
    // A new track enters its creator's library, as in the reference API.
    await tx.insertLibrarySave({
      id: newId('mlib_'),
      userId: viewer.userId,
      trackId: stored.id,
      organizationId: stored.organizationId,
      source: 'own',
      createdAt: now,
    });
    await recordAudit(tx, deps, viewer, stored.organizationId, 'track.create', stored.id);
    return stored;
  });
}

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
    const track = await tx.trackToChange({
      id: input.trackId,
      organizationId: input.organizationId,
      creatorId: viewer.userId,
    });
    if (!track) {
      if (!(await findVisibleTrack(tx, viewer, input.organizationId, input.trackId)))
        throw trackNotFound(input.trackId);
      throw new DomainError(
        'INSUFFICIENT_PERMISSIONS',
        'Only the track creator may delete it',
        { track_id: input.trackId },
        'You do not have permission to access this resource.',
      );
    }
    // Every collection the delete changes, after the track (the order every write takes rows in).
    await tx.holdCollectionsShowing(track.id);
    const now = deps.now();
    await tx.markTrackDeleted(track.id, now);
    await tx.removeEntries(track.id, null, now);
    await tx.clearCovers(track.id, now);
    await recordAudit(tx, deps, viewer, track.organizationId, 'track.delete', track.id);
  });
}
