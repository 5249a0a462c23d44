import { createHash, randomBytes } from 'node:crypto';
import type { Deps } from './deps.js';
import { DomainError } from './errors.js';

export const capabilities = ['USE_MUSIC_GENERATION'] as const;
export type Capability = (typeof capabilities)[number];

export interface Viewer {
  userId: string;
  keyId: string;
  /** organization id → the capabilities the viewer holds there */
  organizations: ReadonlyMap<string, ReadonlySet<Capability>>;
}

// A stored last-used time is only refreshed when older than this, so an authenticated
// read does not turn into a write on every request.
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** 256 random bits; the prefix lets secret scanners recognise a leaked key. */
export function newSecret(): string {
  return `mgk_${randomBytes(32).toString('base64url')}`;
}

/** The viewer behind an API key secret, or null when it is missing, unknown or revoked (tools and tests). */
export function authenticate(deps: Deps, secret: string | null): Promise<Viewer | null> {
  return authenticateKeyHash(deps, secret ? hashSecret(secret) : null);
}

/**
 * The viewer behind the hash of a presented key (see hashSecret), or null when there is none or
 * the key is unknown or revoked. Requests hash their key once, where they are read (src/http).
 */
export async function authenticateKeyHash(deps: Deps, keyHash: string | null): Promise<Viewer | null> {
  if (!keyHash) return null;
  const { read } = deps.database;
  const key = await read.activeKeyByHash(keyHash);
  if (!key) return null;
  if (deps.facts) deps.facts.keyId = key.id;

  const now = deps.now();
  if (key.lastUsedAt === null || now - key.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
    // A write like any other, so it cannot land inside another request's open transaction.
    await deps.database.transaction(async (tx) => {
      await tx.touchApiKey(key.id, now);
    });
  }

  const rows = await read.membershipsOf(key.userId);
  const organizations = new Map<string, ReadonlySet<Capability>>();
  for (const row of rows) organizations.set(row.organizationId, new Set(parseCapabilities(row.capabilities)));
  return { userId: key.userId, keyId: key.id, organizations };
}

export function parseCapabilities(stored: string): Capability[] {
  const parsed: unknown = JSON.parse(stored);
  return Array.isArray(parsed) ? parsed.filter((c): c is Capability => capabilities.includes(c)) : [];
}

/**
 * Decided before any object is looked up, from the viewer alone, so a non-member learns
 * nothing about what exists inside the organization.
 */
export function requireMember(viewer: Viewer, organizationId: string): ReadonlySet<Capability> {
  const held = viewer.organizations.get(organizationId);
  if (!held) {
    throw new DomainError('ORGANIZATION_ACCESS_DENIED', 'Caller is not a member of this organization', {
      organization_id: organizationId,
    });
  }
  return held;
}

export function requireCapability(viewer: Viewer, organizationId: string, capability: Capability): void {
  if (!requireMember(viewer, organizationId).has(capability)) {
    throw new DomainError('INSUFFICIENT_PERMISSIONS', `Missing ${capability} capability`);
  }
}

/**
 * The organization an operation acts in: the one named (the caller must be a member), or, when
 * none is named (the Groove shim's paths name none), the caller's only one. Guessing among several
 * would act in an organization the caller did not mean.
 */
export function resolveOrganization(viewer: Viewer, named: string | null | undefined): string {
  if (named != null && named !== '') {
    requireMember(viewer, named);
    return named;
  }
  const count = viewer.organizations.size;
  const [only] = viewer.organizations.keys();
  if (count === 1 && only !== undefined) return only;
  if (count === 0) throw new DomainError('NO_ORGANIZATION_MEMBERSHIP', 'Caller belongs to no organization');
  throw new DomainError(
    'AMBIGUOUS_ORGANIZATION',
    `Caller belongs to ${count} organizations; name one with the X-Organization-Id header`,
    {
      organization_count: count,
    },
  );
}
