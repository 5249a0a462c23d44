import type { Writes } from '../db/database.js';
import type { Deps } from './deps.js';
import type { Viewer } from './viewer.js';

export const AUDIT_ACTIONS = [
  'collection.create',
  'collection.delete',
  'collection.update',
  'collection.reorder',
  'collection.track_add',
  'collection.track_remove',
  // The batch edits (collection-edits.ts): one row per call that changed the collection, whose target is the collection.
  'collection.tracks_add',
  'collection.tracks_remove',
  'collection.tracks_move',
  'library.save',
  'library.unsave',
  'share.create',
  'share.save',
  'share.revoke',
  'track.create',
  'track.delete',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Written inside the mutation's own transaction: the audit row exists exactly when the change does. */
export async function recordAudit(
  tx: Writes,
  deps: Deps,
  viewer: Viewer,
  organizationId: string,
  action: AuditAction,
  targetId: string,
): Promise<void> {
  await tx.insertAudit({
    actorId: viewer.userId,
    organizationId,
    action,
    targetId,
    traceId: deps.traceId,
    createdAt: deps.now(),
  });
}
