import { newId } from '../db/ids.js';
import type { Deps } from './deps.js';
import { DomainError, invalidField } from './errors.js';
import { EMAIL_MAX, LABEL_MAX, ORG_ID_PATTERN } from './limits.js';
import { checkName, checkText } from './validation.js';
import { capabilities, hashSecret, newSecret, parseCapabilities, type Capability, type Viewer } from './viewer.js';

// Operator actions behind the admin CLI. They act on the database directly (no viewer), so they
// are not reachable from the network.

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function createOrganization(deps: Deps, input: { name: string; id?: string | undefined }) {
  const name = checkName('name', input.name);
  if (input.id !== undefined && !ORG_ID_PATTERN.test(input.id)) {
    throw invalidField('id', 'id must look like org_ followed by 1-64 letters, digits, "-" or "_"');
  }
  const row = { id: input.id ?? newId('org_'), name, createdAt: deps.now() };
  const inserted = await deps.database.transaction((tx) => tx.insertOrganization(row));
  if (!inserted) throw invalidField('id', `organization ${row.id} already exists`);
  return { id: row.id, name: row.name };
}

export async function createUser(deps: Deps, input: { email: string; name?: string | undefined }) {
  if (!EMAIL_PATTERN.test(input.email) || input.email.length > EMAIL_MAX)
    throw invalidField('email', 'email is not a valid address');
  const name = input.name === undefined ? null : checkName('name', input.name);
  const row = { id: newId('usr_'), email: input.email.toLowerCase(), name, createdAt: deps.now() };
  const inserted = await deps.database.transaction((tx) => tx.insertUser(row));
  if (!inserted) throw invalidField('email', `a user with email ${row.email} already exists`);
  return { id: row.id, email: row.email, name: row.name };
}

function requireRow(found: unknown, what: string, id: string): void {
  if (!found) throw new DomainError('RESOURCE_NOT_FOUND', `${what} ${id} does not exist`, { id });
}

/** Adds a member, or replaces the capabilities of an existing one. */
export async function addMember(deps: Deps, input: { organizationId: string; userId: string; capabilities: string[] }) {
  const held = [...new Set(input.capabilities)] as Capability[];
  await deps.database.transaction(async (tx) => {
    requireRow(await tx.organizationExists(input.organizationId), 'organization', input.organizationId);
    requireRow(await tx.userExists(input.userId), 'user', input.userId);
    for (const c of input.capabilities) {
      if (!(capabilities as readonly string[]).includes(c)) {
        throw invalidField('capability', `unknown capability ${c}; known: ${capabilities.join(', ')}`);
      }
    }
    await tx.putMembership({
      organizationId: input.organizationId,
      userId: input.userId,
      capabilities: JSON.stringify(held),
      createdAt: deps.now(),
    });
  });
  return { organization_id: input.organizationId, user_id: input.userId, capabilities: held };
}

export async function createApiKey(deps: Deps, input: { userId: string; label?: string | undefined }) {
  const label = input.label === undefined ? null : checkText('label', input.label, LABEL_MAX);
  const secret = newSecret();
  const id = newId('key_');
  await deps.database.transaction(async (tx) => {
    requireRow(await tx.userExists(input.userId), 'user', input.userId);
    await tx.insertApiKey({ id, userId: input.userId, label, keyHash: hashSecret(secret), createdAt: deps.now() });
  });
  return { id, user_id: input.userId, label, key: secret };
}

/** Idempotent: revoking a revoked key keeps its first revocation time. */
export async function revokeApiKey(deps: Deps, input: { keyId: string }) {
  await deps.database.transaction(async (tx) => {
    const key = await tx.apiKeyToChange(input.keyId);
    requireRow(key, 'API key', input.keyId);
    if (key?.revokedAt == null) await tx.revokeApiKey(input.keyId, deps.now());
  });
  return { id: input.keyId, revoked: true };
}

/** The signed-in user and the organizations they belong to. */
export async function viewerProfile(deps: Deps, viewer: Viewer) {
  const { read } = deps.database;
  const user = await read.user(viewer.userId);
  if (!user) throw new DomainError('AUTHENTICATION_REQUIRED', 'API key user no longer exists');
  const orgs = await read.organizationsOf(viewer.userId);
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    organizations: orgs.map((o) => ({ id: o.id, name: o.name, capabilities: parseCapabilities(o.capabilities) })),
  };
}
