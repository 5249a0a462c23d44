import { randomBytes } from 'node:crypto';
import type { Writes } from '../db/database.js';
import { newId } from '../db/ids.js';
import type { LibrarySaveRow, ShareLinkRow } from '../db/rows.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';
import { DomainError, invalidField, trackNotFound } from './errors.js';
import { findOwnCollection } from './collections.js';
import { addLibraryEdge } from './library.js';
import { DEFAULT_VISIBILITY, MAX_EXPIRY_DAYS, SHARED_COLLECTION_TRACKS, shareVisibilities } from './limits.js';
import { findVisibleTrack, type TrackRow } from './tracks.js';
import { hashSecret, requireMember, type Viewer } from './viewer.js';

export type { ShareLinkRow };
export type ShareVisibility = (typeof shareVisibilities)[number];

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ShareOptions {
  visibility?: string | null;
  expiresInDays?: number | null;
}

export interface CreatedShare {
  link: ShareLinkRow;
  /** Shown once; only its hash is stored. */
  token: string;
  url: string;
}

function checkOptions(options: ShareOptions): { visibility: ShareVisibility; expiresInDays: number | null } {
  const visibility = options.visibility ?? DEFAULT_VISIBILITY;
  if (!(shareVisibilities as readonly string[]).includes(visibility)) {
    throw invalidField('visibility', `visibility must be one of ${shareVisibilities.join(', ')}`);
  }
  const days = options.expiresInDays ?? null;
  if (days !== null && (!Number.isInteger(days) || days < 1)) {
    throw invalidField('expires_in_days', 'expires_in_days must be a whole number of at least 1');
  }
  // Longer requests are clamped, as documented, rather than refused.
  return {
    visibility: visibility as ShareVisibility,
    expiresInDays: days === null ? null : Math.min(days, MAX_EXPIRY_DAYS),
  };
}

async function createShare(
  deps: Deps,
  viewer: Viewer,
  target: { organizationId: string; type: 'track' | 'collection'; id: string },
  options: ReturnType<typeof checkOptions>,
  tx: Writes,
): Promise<CreatedShare> {
  const now = deps.now();
  const token = `shr_${randomBytes(24).toString('base64url')}`;
  const link: ShareLinkRow = {
    id: newId('mslink_'),
    tokenHash: hashSecret(token),
    organizationId: target.organizationId,
    ownerId: viewer.userId,
    targetType: target.type,
    targetId: target.id,
    visibility: options.visibility,
    expiresAt: options.expiresInDays === null ? null : now + options.expiresInDays * DAY_MS,
    revokedAt: null,
    createdAt: now,
  };
  await tx.insertShareLink(link);
  await recordAudit(tx, deps, viewer, target.organizationId, 'share.create', link.id);
  return { link, token, url: `${deps.origin}/v1/music/shared/${token}` };
}

/** Only the creator may share a track; anyone else gets the track's not-found answer. */
export async function shareTrack(
  deps: Deps,
  viewer: Viewer,
  input: { organizationId: string; trackId: string } & ShareOptions,
): Promise<CreatedShare> {
  requireMember(viewer, input.organizationId);
  const options = checkOptions(input);
  return deps.database.transaction(async (tx) => {
    const track = await findVisibleTrack(tx, viewer, input.organizationId, input.trackId);
    if (!track || track.creatorId !== viewer.userId) throw trackNotFound(input.trackId);
    return createShare(
      deps,
      viewer,
      { organizationId: input.organizationId, type: 'track', id: track.id },
      options,
      tx,
    );
  });
}

export async function shareCollection(
  deps: Deps,
  viewer: Viewer,
  input: { organizationId: string; collectionId: string } & ShareOptions,
): Promise<CreatedShare> {
  requireMember(viewer, input.organizationId);
  const options = checkOptions(input);
  return deps.database.transaction(async (tx) => {
    const row = await findOwnCollection(tx, viewer, input);
    return createShare(
      deps,
      viewer,
      { organizationId: input.organizationId, type: 'collection', id: row.id },
      options,
      tx,
    );
  });
}

// Unknown, revoked and expired tokens are one answer: a token reveals nothing it does not grant.
const shareNotFound = () =>
  new DomainError(
    'RESOURCE_NOT_FOUND',
    'Share link not found, revoked or expired',
    {},
    'This share link is not available.',
  );

async function findLiveShare(deps: Deps, token: string): Promise<ShareLinkRow> {
  const link = await deps.database.read.shareLinkByTokenHash(hashSecret(token));
  if (!link || link.revokedAt !== null || (link.expiresAt !== null && link.expiresAt <= deps.now())) {
    throw shareNotFound();
  }
  return link;
}

export type SharedContent =
  | { kind: 'track' | 'collection'; available: false; link: ShareLinkRow }
  | { kind: 'track'; available: true; link: ShareLinkRow; track: TrackRow }
  | {
      kind: 'collection';
      available: true;
      link: ShareLinkRow;
      collection: { id: string; name: string; description: string | null };
      tracks: TrackRow[];
    };

/** The read-only view behind a token; no sign-in needed. */
export async function resolveShare(deps: Deps, input: { token: string }): Promise<SharedContent> {
  const link = await findLiveShare(deps, input.token);
  const { read } = deps.database;
  if (link.targetType === 'track') {
    const track = await read.liveTrack(link.targetId);
    return track ? { kind: 'track', available: true, link, track } : { kind: 'track', available: false, link };
  }
  const collection = await read.liveCollection(link.targetId);
  if (!collection) return { kind: 'collection', available: false, link };
  const tracks = await read.tracksInOrder(collection.id, SHARED_COLLECTION_TRACKS);
  return { kind: 'collection', available: true, link, collection, tracks };
}

/**
 * Saves the track behind a track share into the caller's library (idempotent: an existing entry
 * is returned). The caller must belong to the track's organization, where the library lives.
 */
export async function saveSharedTrack(deps: Deps, viewer: Viewer, input: { token: string }): Promise<LibrarySaveRow> {
  const link = await findLiveShare(deps, input.token);
  if (link.targetType !== 'track') {
    throw invalidField('token', 'Only track shares can be saved; collection shares are read-only');
  }
  requireMember(viewer, link.organizationId);
  return deps.database.transaction(async (tx) => {
    const track = await tx.liveTrack(link.targetId);
    if (!track) throw shareNotFound();
    return addLibraryEdge(
      tx,
      deps,
      viewer,
      { trackId: track.id, organizationId: link.organizationId, source: 'shared', shareLinkId: link.id },
      'share.save',
    );
  });
}

/** Idempotent; a link that is not the caller's (or not in this organization) is not found. */
export async function revokeShare(deps: Deps, viewer: Viewer, input: { organizationId: string; shareId: string }) {
  requireMember(viewer, input.organizationId);
  await deps.database.transaction(async (tx) => {
    const link = await tx.shareLinkToChange({
      id: input.shareId,
      organizationId: input.organizationId,
      ownerId: viewer.userId,
    });
    if (!link) {
      throw new DomainError('RESOURCE_NOT_FOUND', 'Share link not found or not owned by caller', {
        share_id: input.shareId,
      });
    }
    if (link.revokedAt === null) {
      await tx.revokeShareLink(link.id, deps.now());
    }
    await recordAudit(tx, deps, viewer, link.organizationId, 'share.revoke', link.id);
  });
}
