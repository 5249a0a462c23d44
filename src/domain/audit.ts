import type { Db } from '../db/connection.js';
import { statement } from '../db/prepared.js';
import { auditLog } from '../db/schema.js';
import type { Deps } from './deps.js';
import type { Viewer } from './viewer.js';

export type AuditAction =
  | 'collection.create'
  | 'collection.delete'
  | 'collection.update'
  | 'collection.reorder'
  | 'collection.track_add'
  | 'collection.track_remove'
  | 'library.save'
  | 'library.unsave'
  | 'share.create'
  | 'share.save'
  | 'share.revoke'
  | 'track.create'
  | 'track.delete';

/** Written inside the mutation's own transaction: the audit row exists exactly when the change does. */
export async function recordAudit(
  tx: Db,
  deps: Deps,
  viewer: Viewer,
  organizationId: string,
  action: AuditAction,
  targetId: string,
): Promise<void> {
  await insertAudit(tx, { actorId: viewer.userId, organizationId, action, targetId, traceId: deps.traceId, createdAt: deps.now() });
}

const insertAudit = statement((tx, p: typeof auditLog.$inferInsert) =>
  tx.insert(auditLog).values({
    actorId: p.actorId,
    organizationId: p.organizationId,
    action: p.action,
    targetId: p.targetId,
    traceId: p.traceId,
    createdAt: p.createdAt,
  }),
);
