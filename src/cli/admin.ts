import { parseArgs } from 'node:util';
import { openDatabase } from '../db/connection.js';
import { newId } from '../db/ids.js';
import { loadConfig } from '../config.js';
import { addMember, createApiKey, createOrganization, createUser, revokeApiKey } from '../domain/admin.js';
import { addTrackToCollection, createCollection } from '../domain/collections.js';
import type { Deps } from '../domain/deps.js';
import { DomainError } from '../domain/errors.js';
import { createTrack } from '../domain/tracks.js';
import { authenticate } from '../domain/viewer.js';

const USAGE = `usage: npm run --silent admin -- <command> [options]

  org create --name NAME [--id org_...]
  user create --email EMAIL [--name NAME]
  member add --org ORG_ID --user USER_ID [--capability USE_MUSIC_GENERATION]...
  key create --user USER_ID [--label TEXT]
  key revoke --id KEY_ID
  demo

Every command prints JSON and honours DATABASE_URL (default ./data/music.db).`;

class UsageError extends Error {}

type Options = Record<string, string | string[] | boolean | undefined>;

function option(values: Options, name: string, required: true): string;
function option(values: Options, name: string, required?: false): string | undefined;
function option(values: Options, name: string, required = false): string | undefined {
  const value = values[name];
  if (typeof value === 'string') return value;
  if (required) throw new UsageError(`missing --${name}`);
  return undefined;
}

async function demo(deps: Deps) {
  const org = createOrganization(deps, { name: 'Demo Studio' });
  const user = createUser(deps, { email: `demo+${newId('usr_').slice(4, 12)}@example.com`, name: 'Demo User' });
  addMember(deps, { organizationId: org.id, userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
  const key = createApiKey(deps, { userId: user.id, label: 'demo' });
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

async function run(argv: string[]): Promise<unknown> {
  const [group, action, ...rest] = argv;
  if (group === undefined || group === '--help' || group === '-h' || group === 'help') throw new UsageError('');
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      id: { type: 'string' },
      email: { type: 'string' },
      org: { type: 'string' },
      user: { type: 'string' },
      capability: { type: 'string', multiple: true },
      label: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  const deps: Deps = { database, now: Date.now, traceId: newId('req_'), origin: config.publicUrl };
  try {
    switch (`${group} ${action ?? ''}`.trim()) {
      case 'org create':
        return createOrganization(deps, { name: option(values, 'name', true), id: option(values, 'id') });
      case 'user create':
        return createUser(deps, { email: option(values, 'email', true), name: option(values, 'name') });
      case 'member add':
        return addMember(deps, {
          organizationId: option(values, 'org', true),
          userId: option(values, 'user', true),
          capabilities: values.capability ?? [],
        });
      case 'key create':
        return createApiKey(deps, { userId: option(values, 'user', true), label: option(values, 'label') });
      case 'key revoke':
        return revokeApiKey(deps, { keyId: option(values, 'id', true) });
      case 'demo':
        return await demo(deps);
      default:
        throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}"`);
    }
  } finally {
    database.close();
  }
}

try {
  const result = await run(process.argv.slice(2));
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
} catch (error) {
  if (error instanceof UsageError) {
    if (!error.message) {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    }
    process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (error instanceof DomainError) {
    process.stderr.write(`error: ${error.systemMessage}\n`);
    process.exit(1);
  }
  if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  throw error;
}
