import type { Reads } from '../db/database.js';
import { AUDIT_ACTIONS } from './audit.js';
import type { Deps } from './deps.js';
import { DomainError, invalidField } from './errors.js';
import { formatTimestamp } from './time.js';
import { parseCapabilities } from './viewer.js';

// What the admin CLI reads: organizations, users, members, keys (never a secret or its hash) and
// the audit log. Like admin.ts, operator actions on the database itself, not reachable from the
// network. Lists are ordered for people and cut at a limit; `more` says that rows were left out.

export const ADMIN_LIST_LIMIT = { default: 50, max: 1000 } as const;

export interface Listed<T> {
  items: T[];
  /** Rows beyond the limit exist. */
  more: boolean;
}

function limitOf(limit: number | undefined): number {
  if (limit === undefined) return ADMIN_LIST_LIMIT.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > ADMIN_LIST_LIMIT.max) {
    throw invalidField('limit', `limit must be a whole number from 1 to ${ADMIN_LIST_LIMIT.max}`);
  }
  return limit;
}

/** Reads one row more than the limit, to tell whether there are more. */
async function upTo<T>(limit: number | undefined, read: (n: number) => Promise<T[]>): Promise<Listed<T>> {
  const n = limitOf(limit);
  const rows = await read(n + 1);
  return { items: rows.slice(0, n), more: rows.length > n };
}

const when = (ms: number | null) => (ms === null ? null : formatTimestamp(ms));

async function requireOrganization(db: Reads, id: string): Promise<void> {
  if (!(await db.organizationExists(id)))
    throw new DomainError('RESOURCE_NOT_FOUND', `organization ${id} does not exist`, { id });
}

async function requireUser(db: Reads, id: string): Promise<void> {
  if (!(await db.userExists(id))) throw new DomainError('RESOURCE_NOT_FOUND', `user ${id} does not exist`, { id });
}

/** Organizations by name, with how many members each has. */
export function listOrganizations(deps: Deps, input: { limit?: number }) {
  return upTo(input.limit, async (n) =>
    (await deps.database.read.organizationsByName(n)).map((o) => ({
      id: o.id,
      name: o.name,
      created_at: when(o.createdAt),
      members: o.members,
    })),
  );
}

/** Users by email; with `organizationId`, only that organization's members. */
export async function listUsers(deps: Deps, input: { organizationId?: string; limit?: number }) {
  const db = deps.database.read;
  if (input.organizationId !== undefined) await requireOrganization(db, input.organizationId);
  return upTo(input.limit, async (n) =>
    (await db.usersByEmail({ organizationId: input.organizationId ?? null, limit: n })).map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name,
      created_at: when(u.createdAt),
    })),
  );
}

/** The members of one organization, by email, with their capabilities. */
export async function listMembers(deps: Deps, input: { organizationId: string; limit?: number }) {
  const db = deps.database.read;
  await requireOrganization(db, input.organizationId);
  return upTo(input.limit, async (n) =>
    (await db.membersByEmail(input.organizationId, n)).map((m) => ({
      organization_id: input.organizationId,
      user_id: m.user.id,
      email: m.user.email,
      name: m.user.name,
      capabilities: parseCapabilities(m.capabilities),
      member_since: when(m.since),
    })),
  );
}

/**
 * API keys, newest first, without their secret (never stored) or its hash; `userId` keeps one
 * user's, `organizationId` those of the organization's members.
 */
export async function listApiKeys(deps: Deps, input: { userId?: string; organizationId?: string; limit?: number }) {
  const db = deps.database.read;
  if (input.userId !== undefined) await requireUser(db, input.userId);
  if (input.organizationId !== undefined) await requireOrganization(db, input.organizationId);
  return upTo(input.limit, async (n) =>
    (
      await db.apiKeysNewestFirst({
        userId: input.userId ?? null,
        organizationId: input.organizationId ?? null,
        limit: n,
      })
    ).map((k) => ({
      id: k.id,
      user_id: k.userId,
      label: k.label,
      status: k.revokedAt === null ? 'active' : 'revoked',
      created_at: when(k.createdAt),
      last_used_at: when(k.lastUsedAt),
      revoked_at: when(k.revokedAt),
    })),
  );
}

/**
 * Takes a user out of an organization: their requests there are refused from then on; what they
 * made stays. Idempotent: `removed` is false when they were not a member.
 */
export async function removeMember(deps: Deps, input: { organizationId: string; userId: string }) {
  const removed = await deps.database.transaction(async (tx) => {
    await requireOrganization(tx, input.organizationId);
    await requireUser(tx, input.userId);
    return tx.removeMembership(input);
  });
  return { organization_id: input.organizationId, user_id: input.userId, removed };
}

/** `2026-06-28` (midnight UTC) or a time with its zone, `2026-06-28T10:30:00Z`, as milliseconds. */
function sinceOf(since: string): number {
  const ms = /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?$/.test(since) ? Date.parse(since) : NaN;
  if (Number.isNaN(ms)) {
    throw invalidField(
      'since',
      `since must be a date (2026-06-28, UTC) or a time with its zone (2026-06-28T10:30:00Z), got "${since}"`,
    );
  }
  return ms;
}

/** The audit log, newest first, filtered by organization, actor (a user id), action and time. */
export function listAudit(
  deps: Deps,
  input: { organizationId?: string; actorId?: string; action?: string; since?: string; limit?: number },
) {
  if (input.action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(input.action)) {
    throw invalidField('action', `unknown action ${input.action}; the actions are ${AUDIT_ACTIONS.join(', ')}`);
  }
  const since = input.since === undefined ? null : sinceOf(input.since);
  return upTo(input.limit, async (n) =>
    (
      await deps.database.read.auditNewestFirst({
        organizationId: input.organizationId ?? null,
        actorId: input.actorId ?? null,
        action: input.action ?? null,
        since,
        limit: n,
      })
    ).map((a) => ({
      seq: a.seq,
      created_at: when(a.createdAt),
      organization_id: a.organizationId,
      actor_id: a.actorId,
      action: a.action,
      target_id: a.targetId,
      trace_id: a.traceId,
    })),
  );
}
