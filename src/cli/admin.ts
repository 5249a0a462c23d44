import { openDatabase } from '../db/connection.js';
import { newId } from '../db/ids.js';
import { loadConfig } from '../config.js';
import { addMember, createApiKey, createOrganization, createUser, revokeApiKey } from '../domain/admin.js';
import {
  ADMIN_LIST_LIMIT,
  listApiKeys,
  listAudit,
  listMembers,
  listOrganizations,
  listUsers,
  removeMember,
  type Listed,
} from '../domain/admin-lists.js';
import { AUDIT_ACTIONS } from '../domain/audit.js';
import { addTrackToCollection, createCollection } from '../domain/collections.js';
import type { Deps } from '../domain/deps.js';
import { DomainError } from '../domain/errors.js';
import { createTrack } from '../domain/tracks.js';
import { authenticate, capabilities } from '../domain/viewer.js';
import { databaseFailure } from '../ops/startup-errors.js';
import { packageVersion } from '../package-root.js';
import { parseCommand, UsageError, type CommandSpec, type OptionSpec } from './parse.js';

async function demo(deps: Deps) {
  const org = await createOrganization(deps, { name: 'Demo Studio' });
  const user = await createUser(deps, { email: `demo+${newId('usr_').slice(4, 12)}@example.com`, name: 'Demo User' });
  await addMember(deps, { organizationId: org.id, userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
  const key = await createApiKey(deps, { userId: user.id, label: 'demo' });
  const viewer = await authenticate(deps, key.key);
  if (!viewer) throw new Error('demo key did not authenticate');
  const titles = ['Morning Focus', 'Night Drive', 'Rain on Glass'];
  const tracks = [];
  for (const [i, title] of titles.entries()) {
    tracks.push(
      await createTrack(deps, viewer, {
        organizationId: org.id,
        title,
        durationSeconds: 180 + i * 30,
        instrumental: true,
        audioUrl: `https://cdn.example.com/audio/${i + 1}.mp3`,
      }),
    );
  }
  const collection = await createCollection(deps, viewer, {
    organizationId: org.id,
    name: 'Focus Sessions',
    description: 'Instrumental tracks for deep work',
  });
  for (const track of tracks) {
    await addTrackToCollection(deps, viewer, {
      organizationId: org.id,
      collectionId: collection.id,
      trackId: track.id,
    });
  }
  return {
    organization_id: org.id,
    user_id: user.id,
    key_id: key.id,
    key: key.key,
    track_ids: tracks.map((t) => t.id),
    collection_id: collection.id,
    try: `curl -s ${deps.origin}/v1/music/${org.id}/collections -H "X-API-Key: ${key.key}"`,
  };
}

const limit: OptionSpec = {
  value: 'N',
  help: `at most N rows, 1-${ADMIN_LIST_LIMIT.max} (default ${ADMIN_LIST_LIMIT.default}); a note on stderr says when rows were left out`,
};
const limitOf = (values: Record<string, unknown>) => (values.limit === undefined ? undefined : Number(values.limit));

/** A list prints as a JSON array; rows left out beyond the limit are said on stderr, not in the JSON. */
function rows<T>(listed: Listed<T>): T[] {
  if (listed.more)
    process.stderr.write(`note: ${listed.items.length} shown and more exist; raise --limit or narrow the filters\n`);
  return listed.items;
}

/** The commands; each opens the database only once its arguments are known to be right. */
const commands: Record<string, CommandSpec> = {
  'org create': {
    summary: 'Create an organization.',
    prints: '{"id", "name"}',
    options: {
      name: { value: 'NAME', help: 'its name, 1-512 characters', required: true },
      id: { value: 'org_...', help: 'a chosen id: org_ then 1-64 letters, digits, "-" or "_" (default: generated)' },
    },
    run: (v) => withDeps((deps) => createOrganization(deps, { name: str(v, 'name'), id: opt(v, 'id') })),
  },
  'org list': {
    summary: 'List organizations, by name, with their number of members.',
    prints: '[{"id", "name", "created_at", "members"}]',
    options: { limit },
    run: (v) => withDeps(async (deps) => rows(await listOrganizations(deps, { limit: limitOf(v) }))),
  },
  'user create': {
    summary: 'Create a user.',
    prints: '{"id", "email", "name"}',
    options: {
      email: { value: 'EMAIL', help: 'their email address, unique', required: true },
      name: { value: 'NAME', help: 'their display name, 1-512 characters' },
    },
    run: (v) => withDeps((deps) => createUser(deps, { email: str(v, 'email'), name: opt(v, 'name') })),
  },
  'user list': {
    summary: "List users, by email; with --org, only that organization's members.",
    prints: '[{"id", "email", "name", "created_at"}]',
    options: { org: { value: 'ORG_ID', help: 'only members of this organization' }, limit },
    run: (v) =>
      withDeps(async (deps) => rows(await listUsers(deps, { organizationId: opt(v, 'org'), limit: limitOf(v) }))),
  },
  'member add': {
    summary: "Add a user to an organization, or replace a member's capabilities.",
    prints: '{"organization_id", "user_id", "capabilities"}',
    options: {
      org: { value: 'ORG_ID', help: 'the organization', required: true },
      user: { value: 'USER_ID', help: 'the user', required: true },
      capability: {
        value: capabilities.join('|'),
        help: 'a capability to grant; repeat for several (default: none)',
        multiple: true,
      },
    },
    run: (v) =>
      withDeps((deps) =>
        addMember(deps, {
          organizationId: str(v, 'org'),
          userId: str(v, 'user'),
          capabilities: (v.capability as string[] | undefined) ?? [],
        }),
      ),
  },
  'member list': {
    summary: 'List the members of an organization, by email, with their capabilities.',
    prints: '[{"organization_id", "user_id", "email", "name", "capabilities", "member_since"}]',
    options: { org: { value: 'ORG_ID', help: 'the organization', required: true }, limit },
    run: (v) =>
      withDeps(async (deps) => rows(await listMembers(deps, { organizationId: str(v, 'org'), limit: limitOf(v) }))),
  },
  'member remove': {
    summary: 'Take a user out of an organization (idempotent); what they made there stays.',
    prints: '{"organization_id", "user_id", "removed"} (removed: false when they were not a member)',
    options: {
      org: { value: 'ORG_ID', help: 'the organization', required: true },
      user: { value: 'USER_ID', help: 'the user', required: true },
    },
    run: (v) => withDeps((deps) => removeMember(deps, { organizationId: str(v, 'org'), userId: str(v, 'user') })),
  },
  'key create': {
    summary: 'Create an API key for a user; the secret is shown once, only its hash is stored.',
    prints: '{"id", "user_id", "label", "key"}',
    options: {
      user: { value: 'USER_ID', help: 'the user the key acts for', required: true },
      label: { value: 'TEXT', help: 'a note to recognise the key by, at most 200 characters' },
    },
    run: (v) => withDeps((deps) => createApiKey(deps, { userId: str(v, 'user'), label: opt(v, 'label') })),
  },
  'key list': {
    summary: 'List API keys, newest first; never a secret, nor its hash.',
    prints: '[{"id", "user_id", "label", "status", "created_at", "last_used_at", "revoked_at"}]',
    options: {
      user: { value: 'USER_ID', help: "only this user's keys" },
      org: { value: 'ORG_ID', help: "only the keys of this organization's members" },
      limit,
    },
    run: (v) =>
      withDeps(async (deps) =>
        rows(await listApiKeys(deps, { userId: opt(v, 'user'), organizationId: opt(v, 'org'), limit: limitOf(v) })),
      ),
  },
  'key revoke': {
    summary: 'Revoke an API key (idempotent); requests with it get 401 from then on.',
    prints: '{"id", "revoked": true}',
    options: { id: { value: 'KEY_ID', help: 'the key (key_...), as printed by key create', required: true } },
    run: (v) => withDeps((deps) => revokeApiKey(deps, { keyId: str(v, 'id') })),
  },
  'audit list': {
    summary: 'Read the append-only audit log, newest first.',
    prints: '[{"seq", "created_at", "organization_id", "actor_id", "action", "target_id", "trace_id"}]',
    options: {
      org: { value: 'ORG_ID', help: 'only entries in this organization' },
      actor: { value: 'USER_ID', help: 'only what this user did' },
      action: { value: 'ACTION', help: `only this action: ${AUDIT_ACTIONS.join(', ')}` },
      since: {
        value: 'TIME',
        help: 'only entries at or after a date (2026-06-28, UTC) or a time with its zone (2026-06-28T10:30:00Z)',
      },
      limit,
    },
    run: (v) =>
      withDeps(async (deps) =>
        rows(
          await listAudit(deps, {
            organizationId: opt(v, 'org'),
            actorId: opt(v, 'actor'),
            action: opt(v, 'action'),
            since: opt(v, 'since'),
            limit: limitOf(v),
          }),
        ),
      ),
  },
  demo: {
    summary: 'Create a demo organization, member, key, three tracks and a collection.',
    prints: 'the ids, the key and a curl line to try',
    options: {},
    run: () => withDeps(demo),
  },
};

const str = (values: Record<string, unknown>, name: string) => values[name] as string;
const opt = (values: Record<string, unknown>, name: string) => values[name] as string | undefined;

async function withDeps<T>(fn: (deps: Deps) => Promise<T> | T): Promise<T> {
  const config = loadConfig();
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase(config.databaseUrl, { poolSize: 2 });
  } catch (error) {
    throw new Error(databaseFailure(error, config.databaseUrl));
  }
  const deps: Deps = { database, now: Date.now, traceId: newId('req_'), origin: config.publicUrl };
  try {
    return await fn(deps);
  } finally {
    await database.close();
  }
}

try {
  const parsed = parseCommand(commands, process.argv.slice(2));
  if (parsed.kind === 'version') {
    process.stdout.write(`music-gateway ${packageVersion}\n`);
  } else if (parsed.kind === 'help') {
    process.stdout.write(`${parsed.text}\n`);
  } else {
    const result = await parsed.spec.run(parsed.values);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
} catch (error) {
  if (error instanceof UsageError) {
    const help = error.command ? `${error.command} --help" for its options` : '--help" for the commands';
    process.stderr.write(`error: ${error.message}\n(run "npm run --silent admin -- ${help})\n`);
    process.exit(2);
  }
  // Domain refusals carry the sentence meant for operators; anything else is reported as is.
  process.stderr.write(`error: ${error instanceof DomainError ? error.systemMessage : (error as Error).message}\n`);
  process.exit(1);
}
