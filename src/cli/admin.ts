import { openDatabase } from '../db/connection.js';
import { newId } from '../db/ids.js';
import { loadConfig } from '../config.js';
import { addMember, createApiKey, createOrganization, createUser, revokeApiKey } from '../domain/admin.js';
import { addTrackToCollection, createCollection } from '../domain/collections.js';
import type { Deps } from '../domain/deps.js';
import { DomainError } from '../domain/errors.js';
import { createTrack } from '../domain/tracks.js';
import { authenticate, capabilities } from '../domain/viewer.js';
import { parseCommand, UsageError, type CommandSpec } from './parse.js';

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
    await addTrackToCollection(deps, viewer, { organizationId: org.id, collectionId: collection.id, trackId: track.id });
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
  'user create': {
    summary: 'Create a user.',
    prints: '{"id", "email", "name"}',
    options: {
      email: { value: 'EMAIL', help: 'their email address, unique', required: true },
      name: { value: 'NAME', help: 'their display name, 1-512 characters' },
    },
    run: (v) => withDeps((deps) => createUser(deps, { email: str(v, 'email'), name: opt(v, 'name') })),
  },
  'member add': {
    summary: "Add a user to an organization, or replace a member's capabilities.",
    prints: '{"organization_id", "user_id", "capabilities"}',
    options: {
      org: { value: 'ORG_ID', help: 'the organization', required: true },
      user: { value: 'USER_ID', help: 'the user', required: true },
      capability: { value: capabilities.join('|'), help: 'a capability to grant; repeat for several (default: none)', multiple: true },
    },
    run: (v) =>
      withDeps((deps) =>
        addMember(deps, { organizationId: str(v, 'org'), userId: str(v, 'user'), capabilities: (v['capability'] as string[] | undefined) ?? [] }),
      ),
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
  'key revoke': {
    summary: 'Revoke an API key (idempotent); requests with it get 401 from then on.',
    prints: '{"id", "revoked": true}',
    options: { id: { value: 'KEY_ID', help: 'the key (key_...), as printed by key create', required: true } },
    run: (v) => withDeps((deps) => revokeApiKey(deps, { keyId: str(v, 'id') })),
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
  let database;
  try {
    database = await openDatabase(config.databaseUrl, { poolSize: 2 });
  } catch (error) {
    throw new Error(`cannot open the database at ${config.databaseUrl} (DATABASE_URL): ${(error as Error).message}`);
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
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text + '\n');
  } else {
    const result = await parsed.spec.run(parsed.values);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
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
