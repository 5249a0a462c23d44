import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.js';
import { openDatabase } from '../../src/db/connection.js';
import { createApiKey, revokeApiKey } from '../../src/domain/admin.js';
import { addTrackToCollection, createCollection, deleteCollection } from '../../src/domain/collections.js';
import { revokeShare, shareTrack } from '../../src/domain/shares.js';
import { createTrack, deleteTrack } from '../../src/domain/tracks.js';
import { authenticate } from '../../src/domain/viewer.js';
import { createWorld, sqliteOf } from '../helpers.js';
import type { ObjectKind, Principal, SeedIds, Target } from './matrix.js';

// One world is seeded once and written to a template file; every cell then runs on its own copy
// of that file (a real SQLite database, opened by the real app). Copying costs about a tenth of
// seeding, which is what keeps some three thousand independent cells within the time budget.

/** The principals who own something. */
export type Owner = 'owner' | 'member' | 'no_capability' | 'other_org';

export interface Template {
  file: string;
  dir: string;
  now: number;
  orgA: string;
  users: Record<Owner, string>;
  keys: Record<Principal, string | null>;
  own: Record<Owner, SeedIds>;
  objects: Record<Exclude<Target, null>, Record<ObjectKind, string>>;
  /** Every seeded id (users, tracks, collections, links, tokens, library entries) → who owns it. */
  ownerOf: Map<string, Owner>;
  /** What an object legitimately shows besides itself: a token shows its link and its track. */
  reveals: Map<string, string[]>;
}

export async function buildTemplate(): Promise<Template> {
  const world = await createWorld();
  const { deps, orgA, orgB } = world;
  const viewerOf = async (key: string) => (await authenticate(deps, key))!;
  const [alice, bob, dave] = await Promise.all([
    viewerOf(world.alice.key),
    viewerOf(world.bob.key),
    viewerOf(world.dave.key),
  ]);
  const reveals = new Map<string, string[]>();
  const make = async (viewer: typeof alice, org: string) => {
    const track = await createTrack(deps, viewer, { organizationId: org, title: 't' });
    const collection = await createCollection(deps, viewer, { organizationId: org, name: 'c' });
    await addTrackToCollection(deps, viewer, { organizationId: org, collectionId: collection.id, trackId: track.id });
    const share = await shareTrack(deps, viewer, { organizationId: org, trackId: track.id });
    reveals.set(share.token, [share.link.id, track.id]);
    const empty = await createCollection(deps, viewer, { organizationId: org, name: 'empty' });
    const spare = await createTrack(deps, viewer, { organizationId: org, title: 'spare' });
    return {
      track: track.id,
      collection: collection.id,
      share: share.link.id,
      token: share.token,
      empty: empty.id,
      spare: spare.id,
    };
  };
  const a = await make(alice, orgA);
  const b = await make(bob, orgA);
  const d = await make(dave, orgB);
  // alice's deleted objects
  const gone = await make(alice, orgA);
  await deleteCollection(deps, alice, { organizationId: orgA, collectionId: gone.collection });
  await deleteTrack(deps, alice, { organizationId: orgA, trackId: gone.track });
  await revokeShare(deps, alice, { organizationId: orgA, shareId: gone.share });
  // carol has no capability; what she owns was made before it was taken away.
  const sqlite = sqliteOf(world);
  sqlite.exec(`
    INSERT INTO tracks (id, organization_id, creator_id, title, created_at, updated_at) VALUES ('mtrack_carol', 'org_a', '${world.carol.userId}', 'c', 0, 0);
    INSERT INTO tracks (id, organization_id, creator_id, title, created_at, updated_at) VALUES ('mtrack_carol_spare', 'org_a', '${world.carol.userId}', 's', 0, 0);
    INSERT INTO collections (id, organization_id, owner_id, name, created_at, updated_at) VALUES ('mcoll_carol', 'org_a', '${world.carol.userId}', 'c', 0, 0);
    INSERT INTO collections (id, organization_id, owner_id, name, created_at, updated_at) VALUES ('mcoll_carol_empty', 'org_a', '${world.carol.userId}', 'e', 0, 0);`);
  const revoked = await createApiKey(deps, { userId: world.alice.userId });
  await revokeApiKey(deps, { keyId: revoked.id });

  const users: Record<Owner, string> = {
    owner: world.alice.userId,
    member: world.bob.userId,
    no_capability: world.carol.userId,
    other_org: world.dave.userId,
  };
  const byUser = new Map(Object.entries(users).map(([owner, user]) => [user, owner as Owner]));
  const ownerOf = new Map<string, Owner>(Object.entries(users).map(([owner, user]) => [user, owner as Owner]));
  const owned = (sql: string) =>
    (sqlite.prepare(sql).all() as { id: string; user: string }[]).forEach(({ id, user }) => {
      ownerOf.set(id, byUser.get(user)!);
    });
  owned('SELECT id, creator_id AS user FROM tracks');
  owned('SELECT id, owner_id AS user FROM collections');
  owned('SELECT id, owner_id AS user FROM share_links');
  owned('SELECT id, user_id AS user FROM library_saves');
  for (const [token, [link]] of reveals) ownerOf.set(token, ownerOf.get(link!)!);

  const dir = mkdtempSync(join(tmpdir(), 'music-gateway-isolation-'));
  const file = join(dir, 'template.db');
  sqlite.exec(`VACUUM INTO '${file}'`);

  const byKind = (k: 'track' | 'collection' | 'share' | 'token', none: string) => ({
    own: a[k],
    same_org_other: b[k],
    other_org: d[k],
    nonexistent: none,
    deleted: gone[k],
  });
  return {
    file,
    dir,
    now: world.clock.now,
    orgA,
    users,
    keys: {
      none: null,
      malformed_key: 'this is not a key',
      revoked_key: revoked.key,
      owner: world.alice.key,
      member: world.bob.key,
      no_capability: world.carol.key,
      other_org: world.dave.key,
    },
    own: {
      owner: { ownCollection: a.collection, ownTrack: a.track, emptyCollection: a.empty, spareTrack: a.spare },
      member: { ownCollection: b.collection, ownTrack: b.track, emptyCollection: b.empty, spareTrack: b.spare },
      no_capability: {
        ownCollection: 'mcoll_carol',
        ownTrack: 'mtrack_carol',
        emptyCollection: 'mcoll_carol_empty',
        spareTrack: 'mtrack_carol_spare',
      },
      other_org: { ownCollection: d.collection, ownTrack: d.track, emptyCollection: d.empty, spareTrack: d.spare },
    },
    objects: {
      collection: byKind('collection', 'mcoll_00000000000000000000'),
      track: byKind('track', 'mtrack_00000000000000000000'),
      share: byKind('share', 'mslink_00000000000000000000'),
      token: byKind('token', 'shr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
    },
    ownerOf,
    reveals,
  };
}

let clones = 0;

/** A fresh app on a fresh copy of the template; `close` removes the copy. */
export async function cloneApp(template: Template): Promise<{ app: App; close: () => Promise<void> }> {
  const file = join(template.dir, `cell-${clones++}.db`);
  copyFileSync(template.file, file);
  const app = createApp({ database: await openDatabase(file), now: () => template.now });
  return {
    app,
    close: async () => {
      await app.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    },
  };
}
