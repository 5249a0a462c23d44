import { describe, expect, it } from 'vitest';
import { newId } from '../src/db/ids.js';
import { revokeApiKey } from '../src/domain/admin.js';
import {
  addVia,
  costed,
  createCollectionVia,
  createTrackVia,
  createWorld,
  gql,
  onlyError,
  rows,
  type HttpResult,
  type World,
} from './helpers.js';
import { expectGraphQLError, snapshotAll } from './support/fixtures.js';

// Every GraphQL mutation of collections and tracks, through /graphql: what success looks like,
// and the exact documented error for each way of being refused.

const NOW = '2026-06-28T10:30:00Z';
const MISSING_COLLECTION = 'mcoll_00000000000000000000';
const MISSING_TRACK = 'mtrack_00000000000000000000';

const expectError = (res: HttpResult, code: string, status: number, details?: Record<string, unknown>) =>
  expectGraphQLError(res, code, status, details, NOW);

const CREATE_COLLECTION = `mutation($org: ID!, $input: CreateCollectionInput!) {
  createCollection(organizationId: $org, input: $input) {
    id organizationId ownerId name description coverTrackId coverImageUrl trackCount version createdAt updatedAt
  } }`;
const DELETE_COLLECTION = `mutation($org: ID!, $c: ID!) {
  deleteCollection(organizationId: $org, collectionId: $c) { success id detail } }`;
const ADD_TRACK = `mutation($org: ID!, $c: ID!, $t: ID!) {
  addTrackToCollection(organizationId: $org, collectionId: $c, trackId: $t) { success id detail } }`;
const REMOVE_TRACK = `mutation($org: ID!, $c: ID!, $t: ID!) {
  removeTrackFromCollection(organizationId: $org, collectionId: $c, trackId: $t) { success id detail } }`;
const CREATE_TRACK = `mutation($org: ID!, $input: CreateTrackInput!) {
  createTrack(organizationId: $org, input: $input) {
    id organizationId creatorId title durationSeconds instrumental audioUrl artworkUrl mode engine createdAt updatedAt
  } }`;
const DELETE_TRACK = `mutation($org: ID!, $t: ID!) {
  deleteTrack(organizationId: $org, trackId: $t) { success id detail } }`;

const COLLECTION = `query($org: ID!, $id: ID!) { collection(organizationId: $org, id: $id) {
  id name trackCount tracks { edges { position node { id } } } } }`;

/** Everything a refused mutation must leave alone. */
const snapshot = snapshotAll;

/** alice's collection `c` holding her tracks `t` (and `t2`, not in the collection). */
async function seedAlice(w: World) {
  const t = await createTrackVia(w.app, w.alice.key, w.orgA, 'Night Drive');
  const t2 = await createTrackVia(w.app, w.alice.key, w.orgA, 'Morning Run');
  const c = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Focus Sessions');
  await addVia(w.app, w.alice.key, w.orgA, c, t);
  return { c, t, t2 };
}

/** Makes a track visible to a user the way a saved share does: a library row of their own. */
async function saveToLibrary(w: World, userId: string, trackId: string, organizationId = w.orgA) {
  await rows(
    w,
    `INSERT INTO library_saves (id, user_id, track_id, organization_id, source, created_at)
     VALUES (?, ?, ?, ?, 'shared', ?)`,
    newId('mlib_'),
    userId,
    trackId,
    organizationId,
    w.clock.now,
  );
}

/** One call of each mutation on alice's objects in org_a, with the given key. */
function everyMutation(w: World, ids: { c: string; t: string; t2: string }) {
  return {
    createCollection: () => [CREATE_COLLECTION, { org: w.orgA, input: { name: 'New' } }] as const,
    deleteCollection: () => [DELETE_COLLECTION, { org: w.orgA, c: ids.c }] as const,
    addTrackToCollection: () => [ADD_TRACK, { org: w.orgA, c: ids.c, t: ids.t2 }] as const,
    removeTrackFromCollection: () => [REMOVE_TRACK, { org: w.orgA, c: ids.c, t: ids.t }] as const,
    createTrack: () => [CREATE_TRACK, { org: w.orgA, input: { title: 'New' } }] as const,
    deleteTrack: () => [DELETE_TRACK, { org: w.orgA, t: ids.t }] as const,
  };
}

const MUTATIONS = [
  'createCollection',
  'deleteCollection',
  'addTrackToCollection',
  'removeTrackFromCollection',
  'createTrack',
  'deleteTrack',
] as const;

describe('mutation success shapes', () => {
  it('createCollection returns the new collection, empty, owned by the caller', async () => {
    const w = await createWorld();
    const res = await gql(
      w.app,
      CREATE_COLLECTION,
      {
        org: w.orgA,
        input: { name: 'Focus Sessions', description: 'Deep work', coverImageUrl: 'https://img.example.com/a.png' },
      },
      w.alice.key,
    );
    expect(res.body.errors).toBeUndefined();
    const c = res.body.data.createCollection;
    expect(c).toEqual({
      id: expect.stringMatching(/^mcoll_[0-9a-f]{20}$/),
      organizationId: 'org_a',
      ownerId: w.alice.userId,
      name: 'Focus Sessions',
      description: 'Deep work',
      coverTrackId: null,
      coverImageUrl: 'https://img.example.com/a.png',
      trackCount: 0,
      version: 1,
      createdAt: NOW,
      updatedAt: NOW,
    });
    expect(await rows(w, 'SELECT action, target_id, actor_id FROM audit_log WHERE target_id = ?', c.id)).toEqual([
      { action: 'collection.create', target_id: c.id, actor_id: w.alice.userId },
    ]);
  });

  it('createCollection accepts a cover track the caller can see', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA, 'Cover');
    const res = await gql(
      w.app,
      `mutation($org: ID!, $input: CreateCollectionInput!) { createCollection(organizationId: $org, input: $input) {
        coverTrackId coverTrack { id title } trackCount } }`,
      { org: w.orgA, input: { name: 'With cover', coverTrackId: t } },
      w.alice.key,
    );
    expect(res.body).toEqual({
      data: { createCollection: { coverTrackId: t, coverTrack: { id: t, title: 'Cover' }, trackCount: 0 } },
      extensions: costed,
    });
  });

  it('createTrack returns the track with defaults, and puts it in the library as own', async () => {
    const w = await createWorld();
    const res = await gql(w.app, CREATE_TRACK, { org: w.orgA, input: { title: 'Night Drive' } }, w.alice.key);
    expect(res.body.errors).toBeUndefined();
    const t = res.body.data.createTrack;
    expect(t).toEqual({
      id: expect.stringMatching(/^mtrack_[0-9a-f]{20}$/),
      organizationId: 'org_a',
      creatorId: w.alice.userId,
      title: 'Night Drive',
      durationSeconds: null,
      instrumental: false,
      audioUrl: null,
      artworkUrl: null,
      mode: 'creation',
      engine: 'studio',
      createdAt: NOW,
      updatedAt: NOW,
    });
    expect(await rows(w, 'SELECT user_id, track_id, organization_id, source FROM library_saves')).toEqual([
      { user_id: w.alice.userId, track_id: t.id, organization_id: 'org_a', source: 'own' },
    ]);
  });

  it('createTrack keeps every optional field it is given', async () => {
    const w = await createWorld();
    const input = {
      title: 'Lo-fi',
      durationSeconds: 187.5,
      instrumental: true,
      audioUrl: 'https://cdn.example.com/a.mp3',
      artworkUrl: 'http://cdn.example.com/a.png',
      mode: 'focus',
      engine: 'studio-v2',
    };
    const res = await gql(w.app, CREATE_TRACK, { org: w.orgA, input }, w.alice.key);
    expect(res.body.data.createTrack).toMatchObject(input);
  });

  it('addTrackToCollection, removeTrackFromCollection, deleteTrack and deleteCollection acknowledge with MutationAck', async () => {
    const w = await createWorld();
    const { c, t2 } = await seedAlice(w);

    const add = await gql(w.app, ADD_TRACK, { org: w.orgA, c, t: t2 }, w.alice.key);
    expect(add.body).toEqual({
      data: { addTrackToCollection: { success: true, id: t2, detail: 'Track added to collection.' } },
      extensions: costed,
    });

    const remove = await gql(w.app, REMOVE_TRACK, { org: w.orgA, c, t: t2 }, w.alice.key);
    expect(remove.body).toEqual({
      data: { removeTrackFromCollection: { success: true, id: t2, detail: 'Track removed from collection.' } },
      extensions: costed,
    });

    const delTrack = await gql(w.app, DELETE_TRACK, { org: w.orgA, t: t2 }, w.alice.key);
    expect(delTrack.body).toEqual({
      data: { deleteTrack: { success: true, id: t2, detail: 'Track deleted.' } },
      extensions: costed,
    });

    const delCollection = await gql(w.app, DELETE_COLLECTION, { org: w.orgA, c }, w.alice.key);
    expect(delCollection.body).toEqual({
      data: { deleteCollection: { success: true, id: c, detail: 'Collection deleted.' } },
      extensions: costed,
    });

    const actions = (await rows(w, 'SELECT action FROM audit_log ORDER BY seq')).map((r) => r.action);
    expect(actions.slice(-4)).toEqual([
      'collection.track_add',
      'collection.track_remove',
      'track.delete',
      'collection.delete',
    ]);
  });

  it('accepts the key as Authorization: Bearer too', async () => {
    const w = await createWorld();
    const res = await gql(w.app, CREATE_TRACK, { org: w.orgA, input: { title: 'Bearer' } }, null, {
      authorization: `Bearer ${w.alice.key}`,
    });
    expect(res.body.data.createTrack.creatorId).toBe(w.alice.userId);
  });
});

describe('authentication: missing, unknown and revoked keys', () => {
  type Credentials = { key?: string | null; headers?: Record<string, string> };
  const variants: [string, (w: World) => Promise<Credentials>][] = [
    ['no key', async () => ({ key: null })],
    ['an unknown key', async () => ({ key: `mgk_${'x'.repeat(43)}` })],
    ['an unknown Bearer token', async () => ({ headers: { authorization: 'Bearer mgk_nope' } })],
    [
      'a revoked key',
      async (w) => {
        await revokeApiKey(w.deps, { keyId: w.alice.keyId });
        return { key: w.alice.key };
      },
    ],
  ];

  for (const [label, keyOf] of variants) {
    it(`${label} is AUTHENTICATION_REQUIRED (401) on every mutation, and nothing changes`, async () => {
      const w = await createWorld();
      const ids = await seedAlice(w);
      const calls = everyMutation(w, ids);
      const { key, headers } = await keyOf(w);
      const before = await snapshot(w);
      for (const name of MUTATIONS) {
        const [query, variables] = calls[name]();
        const res = await gql(w.app, query, variables, key, headers);
        const error = expectError(res, 'AUTHENTICATION_REQUIRED', 401, {});
        expect(error.message, name).toBe('Authentication required. Please provide a valid API key.');
        expect(error.path, name).toEqual([name]);
      }
      expect(await snapshot(w)).toEqual(before);
    });
  }

  it('a key works until it is revoked, and not after', async () => {
    const w = await createWorld();
    const ok = await gql(w.app, CREATE_TRACK, { org: w.orgA, input: { title: 'before' } }, w.alice.key);
    expect(ok.body.data.createTrack.title).toBe('before');
    expect(await revokeApiKey(w.deps, { keyId: w.alice.keyId })).toEqual({ id: w.alice.keyId, revoked: true });
    const refused = await gql(w.app, CREATE_TRACK, { org: w.orgA, input: { title: 'after' } }, w.alice.key);
    expectError(refused, 'AUTHENTICATION_REQUIRED', 401, {});
    // bob's key is unaffected
    const bob = await gql(w.app, CREATE_TRACK, { org: w.orgA, input: { title: 'bob' } }, w.bob.key);
    expect(bob.body.data.createTrack.creatorId).toBe(w.bob.userId);
  });
});

describe('organization scope', () => {
  it('a non-member (dave on org_a) is ORGANIZATION_ACCESS_DENIED (403) on every mutation, and nothing changes', async () => {
    const w = await createWorld();
    const ids = await seedAlice(w);
    const calls = everyMutation(w, ids);
    const before = await snapshot(w);
    for (const name of MUTATIONS) {
      const [query, variables] = calls[name]();
      const res = await gql(w.app, query, variables, w.dave.key);
      const error = expectError(res, 'ORGANIZATION_ACCESS_DENIED', 403, { organization_id: 'org_a' });
      expect(error.message, name).toBe("You don't have access to this organization.");
    }
    expect(await snapshot(w)).toEqual(before);
  });

  it('a non-member learns nothing: real and nonexistent ids get the same answer', async () => {
    const w = await createWorld();
    const { c, t } = await seedAlice(w);
    const strip = (res: HttpResult): Record<string, unknown> => {
      const { trace_id: _t, timestamp: _s, ...rest } = onlyError(res).extensions;
      return { message: onlyError(res).message, ...rest };
    };
    const pairs: [string, Record<string, unknown>, Record<string, unknown>][] = [
      [DELETE_COLLECTION, { org: w.orgA, c }, { org: w.orgA, c: MISSING_COLLECTION }],
      [ADD_TRACK, { org: w.orgA, c, t }, { org: w.orgA, c: MISSING_COLLECTION, t: MISSING_TRACK }],
      [DELETE_TRACK, { org: w.orgA, t }, { org: w.orgA, t: MISSING_TRACK }],
    ];
    for (const [query, real, missing] of pairs) {
      const a = await gql(w.app, query, real, w.dave.key);
      const b = await gql(w.app, query, missing, w.dave.key);
      expect(strip(a)).toEqual(strip(b));
      expect(strip(a).code).toBe('ORGANIZATION_ACCESS_DENIED');
    }
  });

  it('membership is checked before input is validated', async () => {
    const w = await createWorld();
    const res = await gql(w.app, CREATE_COLLECTION, { org: w.orgA, input: { name: '' } }, w.dave.key);
    expectError(res, 'ORGANIZATION_ACCESS_DENIED', 403, { organization_id: 'org_a' });
    const track = await gql(w.app, CREATE_TRACK, { org: w.orgA, input: { title: '   ' } }, w.dave.key);
    expectError(track, 'ORGANIZATION_ACCESS_DENIED', 403, { organization_id: 'org_a' });
  });

  it('an organization that does not exist is ORGANIZATION_ACCESS_DENIED too', async () => {
    const w = await createWorld();
    const res = await gql(w.app, CREATE_COLLECTION, { org: 'org_nope', input: { name: 'x' } }, w.alice.key);
    expectError(res, 'ORGANIZATION_ACCESS_DENIED', 403, { organization_id: 'org_nope' });
  });

  it('dave can work in his own organization', async () => {
    const w = await createWorld();
    const res = await gql(w.app, CREATE_COLLECTION, { org: w.orgB, input: { name: 'B side' } }, w.dave.key);
    expect(res.body.data.createCollection).toMatchObject({ organizationId: 'org_b', ownerId: w.dave.userId });
  });
});

describe('capabilities', () => {
  it('a member without USE_MUSIC_GENERATION (carol) cannot create collections or tracks (403 INSUFFICIENT_PERMISSIONS)', async () => {
    const w = await createWorld();
    const before = await snapshot(w);
    const collection = await gql(w.app, CREATE_COLLECTION, { org: w.orgA, input: { name: 'Mine' } }, w.carol.key);
    const error = expectError(collection, 'INSUFFICIENT_PERMISSIONS', 403);
    expect(error.message).toBe('You do not have permission to perform this action.');
    const track = await gql(w.app, CREATE_TRACK, { org: w.orgA, input: { title: 'Mine' } }, w.carol.key);
    expectError(track, 'INSUFFICIENT_PERMISSIONS', 403);
    expect(await snapshot(w)).toEqual(before);
  });

  it('carol is still a member: touching a collection that is not hers is RESOURCE_NOT_FOUND, not 403', async () => {
    const w = await createWorld();
    const { c } = await seedAlice(w);
    const res = await gql(w.app, DELETE_COLLECTION, { org: w.orgA, c }, w.carol.key);
    expectError(res, 'RESOURCE_NOT_FOUND', 404, { collection_id: c });
  });
});

describe("someone else's collection is not found, exactly like a nonexistent one", () => {
  /** The error with the ids, trace id and timestamp taken out. */
  function normalised(res: HttpResult, ...ids: string[]) {
    let text = JSON.stringify(res.body);
    for (const id of ids) text = text.split(id).join('<id>');
    const body = JSON.parse(text);
    for (const e of body.errors ?? []) {
      delete e.extensions.trace_id;
      delete e.extensions.timestamp;
    }
    return body;
  }

  const cases: [string, string, (c: string, t: string) => Record<string, unknown>][] = [
    ['deleteCollection', DELETE_COLLECTION, (c) => ({ c })],
    ['addTrackToCollection', ADD_TRACK, (c, t) => ({ c, t })],
    ['removeTrackFromCollection', REMOVE_TRACK, (c, t) => ({ c, t })],
  ];

  for (const [name, query, vars] of cases) {
    it(`${name}: bob on alice's collection is RESOURCE_NOT_FOUND with details.collection_id`, async () => {
      const w = await createWorld();
      const { c } = await seedAlice(w);
      const bobTrack = await createTrackVia(w.app, w.bob.key, w.orgA, 'bob');
      const before = await snapshot(w);

      const theirs = await gql(w.app, query, { org: w.orgA, ...vars(c, bobTrack) }, w.bob.key);
      const error = expectError(theirs, 'RESOURCE_NOT_FOUND', 404, { collection_id: c });
      expect(error.message).toBe('The requested resource was not found.');
      expect(error.extensions.system_message).toBe('Music collection not found or not owned by caller');

      const missing = await gql(w.app, query, { org: w.orgA, ...vars(MISSING_COLLECTION, bobTrack) }, w.bob.key);
      expectError(missing, 'RESOURCE_NOT_FOUND', 404, { collection_id: MISSING_COLLECTION });
      expect(normalised(theirs, c)).toEqual(normalised(missing, MISSING_COLLECTION));

      expect(await snapshot(w)).toEqual(before);
    });
  }

  it('a deleted collection of your own is the same RESOURCE_NOT_FOUND', async () => {
    const w = await createWorld();
    const { c, t2 } = await seedAlice(w);
    await gql(w.app, DELETE_COLLECTION, { org: w.orgA, c }, w.alice.key);
    for (const [query, vars] of [
      [DELETE_COLLECTION, { c }],
      [ADD_TRACK, { c, t: t2 }],
      [REMOVE_TRACK, { c, t: t2 }],
    ] as const) {
      const res = await gql(w.app, query, { org: w.orgA, ...vars }, w.alice.key);
      expectError(res, 'RESOURCE_NOT_FOUND', 404, { collection_id: c });
    }
  });

  it('a collection id from another organization is not found in this one, even for its owner', async () => {
    const w = await createWorld();
    const daveCollection = await createCollectionVia(w.app, w.dave.key, w.orgB);
    // alice is not in org_b; dave is not in org_a: use alice in org_a with dave's id
    const res = await gql(w.app, DELETE_COLLECTION, { org: w.orgA, c: daveCollection }, w.alice.key);
    expectError(res, 'RESOURCE_NOT_FOUND', 404, { collection_id: daveCollection });
  });
});

describe('tracks the caller cannot see', () => {
  it("deleteTrack: bob deleting alice's track he cannot see is RESOURCE_NOT_FOUND with details.track_id", async () => {
    const w = await createWorld();
    const { t } = await seedAlice(w);
    const before = await snapshot(w);
    const res = await gql(w.app, DELETE_TRACK, { org: w.orgA, t }, w.bob.key);
    const error = expectError(res, 'RESOURCE_NOT_FOUND', 404, { track_id: t });
    expect(error.extensions.system_message).toBe('Music track not found');
    const missing = await gql(w.app, DELETE_TRACK, { org: w.orgA, t: MISSING_TRACK }, w.bob.key);
    const missingError = expectError(missing, 'RESOURCE_NOT_FOUND', 404, { track_id: MISSING_TRACK });
    expect(missingError.message).toBe(error.message);
    expect(missingError.extensions.system_message).toBe(error.extensions.system_message);
    expect(await snapshot(w)).toEqual(before);
  });

  it("addTrackToCollection: bob adding alice's track to his own collection is RESOURCE_NOT_FOUND with details.track_id", async () => {
    const w = await createWorld();
    const { t } = await seedAlice(w);
    const mine = await createCollectionVia(w.app, w.bob.key, w.orgA);
    const res = await gql(w.app, ADD_TRACK, { org: w.orgA, c: mine, t }, w.bob.key);
    expectError(res, 'RESOURCE_NOT_FOUND', 404, { track_id: t });
    expect(await rows(w, 'SELECT * FROM collection_entries WHERE collection_id = ?', mine)).toEqual([]);
  });

  it('createCollection: a cover track the caller cannot see is RESOURCE_NOT_FOUND and creates nothing', async () => {
    const w = await createWorld();
    const { t } = await seedAlice(w);
    const before = (await rows(w, 'SELECT count(*) AS n FROM collections'))[0].n;
    const res = await gql(w.app, CREATE_COLLECTION, { org: w.orgA, input: { name: 'x', coverTrackId: t } }, w.bob.key);
    expectError(res, 'RESOURCE_NOT_FOUND', 404, { track_id: t });
    expect((await rows(w, 'SELECT count(*) AS n FROM collections'))[0].n).toBe(before);
  });

  it('a deleted track cannot be added or deleted again (RESOURCE_NOT_FOUND)', async () => {
    const w = await createWorld();
    const { c, t2 } = await seedAlice(w);
    await gql(w.app, DELETE_TRACK, { org: w.orgA, t: t2 }, w.alice.key);
    expectError(await gql(w.app, ADD_TRACK, { org: w.orgA, c, t: t2 }, w.alice.key), 'RESOURCE_NOT_FOUND', 404, {
      track_id: t2,
    });
    expectError(await gql(w.app, DELETE_TRACK, { org: w.orgA, t: t2 }, w.alice.key), 'RESOURCE_NOT_FOUND', 404, {
      track_id: t2,
    });
  });

  it('a track visible through the library but created by someone else: deleteTrack is INSUFFICIENT_PERMISSIONS', async () => {
    const w = await createWorld();
    const { t } = await seedAlice(w);
    await saveToLibrary(w, w.bob.userId, t);
    // bob can now see it ...
    const seen = await gql(
      w.app,
      'query($org: ID!, $id: ID!) { track(organizationId: $org, id: $id) { id } }',
      { org: w.orgA, id: t },
      w.bob.key,
    );
    expect(seen.body.data.track.id).toBe(t);
    // ... and add it to his own collection ...
    const mine = await createCollectionVia(w.app, w.bob.key, w.orgA);
    const add = await gql(w.app, ADD_TRACK, { org: w.orgA, c: mine, t }, w.bob.key);
    expect(add.body.data.addTrackToCollection.success).toBe(true);
    // ... but not delete it
    const before = await snapshot(w);
    const res = await gql(w.app, DELETE_TRACK, { org: w.orgA, t }, w.bob.key);
    expectError(res, 'INSUFFICIENT_PERMISSIONS', 403, { track_id: t });
    expect(await snapshot(w)).toEqual(before);
    expect(await rows(w, 'SELECT deleted_at FROM tracks WHERE id = ?', t)).toEqual([{ deleted_at: null }]);
  });
});

describe('input validation (422 VALIDATION_ERROR naming the field)', () => {
  const createCollection = (w: World, input: Record<string, unknown>) =>
    gql(w.app, CREATE_COLLECTION, { org: w.orgA, input }, w.alice.key);
  const createTrack = (w: World, input: Record<string, unknown>) =>
    gql(w.app, CREATE_TRACK, { org: w.orgA, input }, w.alice.key);
  const collectionCount = async (w: World) => (await rows(w, 'SELECT count(*) AS n FROM collections'))[0].n;
  const trackCount = async (w: World) => (await rows(w, 'SELECT count(*) AS n FROM tracks'))[0].n;

  it('collection name: empty and blank are rejected', async () => {
    const w = await createWorld();
    for (const name of ['', '   ', '\t\n']) {
      const res = await createCollection(w, { name });
      const error = expectError(res, 'VALIDATION_ERROR', 422, { field: 'name' });
      expect(error.message).toBe('The request payload is invalid.');
    }
    expect(await collectionCount(w)).toBe(0);
  });

  it('collection name: 512 characters are accepted, 513 are rejected', async () => {
    const w = await createWorld();
    const ok = await createCollection(w, { name: 'x'.repeat(512) });
    expect(ok.body.data.createCollection.name).toBe('x'.repeat(512));
    expectError(await createCollection(w, { name: 'x'.repeat(513) }), 'VALIDATION_ERROR', 422, { field: 'name' });
    expect(await collectionCount(w)).toBe(1);
  });

  it('collection name: lengths count code points, so 512 astral-plane emoji are accepted and 513 rejected', async () => {
    const w = await createWorld();
    const name = '😀'.repeat(512); // 1024 UTF-16 code units
    const ok = await createCollection(w, { name });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.createCollection.name).toBe(name);
    expect(await rows(w, 'SELECT name FROM collections')).toEqual([{ name }]);
    expectError(await createCollection(w, { name: '😀'.repeat(513) }), 'VALIDATION_ERROR', 422, { field: 'name' });
    expect(await collectionCount(w)).toBe(1);
  });

  it('coverImageUrl: 1024 characters are accepted, 1025 and non-http(s) URLs are rejected as cover_image_url', async () => {
    const w = await createWorld();
    const prefix = 'https://example.com/';
    const url1024 = prefix + 'a'.repeat(1024 - prefix.length);
    expect(url1024).toHaveLength(1024);
    const ok = await createCollection(w, { name: 'ok', coverImageUrl: url1024 });
    expect(ok.body.data.createCollection.coverImageUrl).toBe(url1024);
    for (const coverImageUrl of [`${url1024}a`, 'ftp://x', 'not a url', '/relative/path.png', 'javascript:alert(1)']) {
      const res = await createCollection(w, { name: 'bad', coverImageUrl });
      expectError(res, 'VALIDATION_ERROR', 422, { field: 'cover_image_url' });
    }
    expect(await collectionCount(w)).toBe(1);
  });

  it('description: 4000 characters are accepted, 4001 are rejected', async () => {
    const w = await createWorld();
    const ok = await createCollection(w, { name: 'ok', description: 'd'.repeat(4000) });
    expect(ok.body.data.createCollection.description).toHaveLength(4000);
    expectError(await createCollection(w, { name: 'bad', description: 'd'.repeat(4001) }), 'VALIDATION_ERROR', 422, {
      field: 'description',
    });
  });

  it('track title: empty, blank and 513 characters are rejected; 512 (and 512 emoji) are accepted', async () => {
    const w = await createWorld();
    for (const title of ['', '   ', 't'.repeat(513), '🎵'.repeat(513)]) {
      expectError(await createTrack(w, { title }), 'VALIDATION_ERROR', 422, { field: 'title' });
    }
    expect(await trackCount(w)).toBe(0);
    expect((await createTrack(w, { title: 't'.repeat(512) })).body.data.createTrack.title).toHaveLength(512);
    expect((await createTrack(w, { title: '🎵'.repeat(512) })).body.data.createTrack.title).toBe('🎵'.repeat(512));
    expect(await trackCount(w)).toBe(2);
  });

  it('track fields: duration, URLs, mode and engine are checked and named in snake_case', async () => {
    const w = await createWorld();
    const cases: [Record<string, unknown>, string][] = [
      [{ durationSeconds: -1 }, 'duration_seconds'],
      [{ durationSeconds: 86401 }, 'duration_seconds'],
      [{ audioUrl: 'ftp://x' }, 'audio_url'],
      [{ artworkUrl: `https://example.com/${'a'.repeat(1005)}` }, 'artwork_url'],
      [{ mode: 'party' }, 'mode'],
      [{ engine: 'Not An Engine!' }, 'engine'],
    ];
    for (const [extra, field] of cases) {
      expectError(await createTrack(w, { title: 'ok', ...extra }), 'VALIDATION_ERROR', 422, { field });
    }
    expect(await trackCount(w)).toBe(0);
    const edge = await createTrack(w, {
      title: 'edge',
      durationSeconds: 86400,
      audioUrl: `https://example.com/${'a'.repeat(1004)}`,
    });
    expect(edge.body.data.createTrack.durationSeconds).toBe(86400);
  });

  it('a variable of the wrong type is VALIDATION_ERROR naming the field, not a GraphQL error', async () => {
    const w = await createWorld();
    const nested = await createCollection(w, { name: 5 });
    const error = expectError(nested, 'VALIDATION_ERROR', 422, { field: 'name' });
    expect(error.message).toBe('The request payload is invalid.');

    const flat = await gql(
      w.app,
      'mutation($org: ID!, $name: String!) { createCollection(organizationId: $org, input: { name: $name }) { id } }',
      { org: w.orgA, name: 5 },
      w.alice.key,
    );
    expectError(flat, 'VALIDATION_ERROR', 422, { field: 'name' });

    expectError(await createCollection(w, { name: 'ok', coverImageUrl: 7 }), 'VALIDATION_ERROR', 422, {
      field: 'cover_image_url',
    });
    expectError(await createTrack(w, { title: 'ok', durationSeconds: 'long' }), 'VALIDATION_ERROR', 422, {
      field: 'duration_seconds',
    });
    expectError(await createTrack(w, { title: 'ok', instrumental: 'yes' }), 'VALIDATION_ERROR', 422, {
      field: 'instrumental',
    });
    expect((await collectionCount(w)) + (await trackCount(w))).toBe(0);
  });

  it('a missing required input field and an unknown input field are VALIDATION_ERROR naming them', async () => {
    const w = await createWorld();
    expectError(await createCollection(w, {}), 'VALIDATION_ERROR', 422, { field: 'name' });
    expectError(await createCollection(w, { name: 'x', ownerId: w.bob.userId }), 'VALIDATION_ERROR', 422, {
      field: 'owner_id',
    });
    expect(await collectionCount(w)).toBe(0);
  });
});

describe('idempotency', () => {
  it('adding the same track twice leaves one entry and trackCount 1', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    for (let i = 0; i < 2; i++) {
      const res = await gql(w.app, ADD_TRACK, { org: w.orgA, c, t }, w.alice.key);
      expect(res.body).toEqual({
        data: { addTrackToCollection: { success: true, id: t, detail: 'Track added to collection.' } },
        extensions: costed,
      });
    }
    const got = await gql(w.app, COLLECTION, { org: w.orgA, id: c }, w.alice.key);
    expect(got.body.data.collection).toEqual({
      id: c,
      name: 'A collection',
      trackCount: 1,
      tracks: { edges: [{ position: 0, node: { id: t } }] },
    });
    expect(await rows(w, 'SELECT track_id, position FROM collection_entries WHERE collection_id = ?', c)).toEqual([
      { track_id: t, position: 0 },
    ]);
  });

  it('removing a track that is not in the collection succeeds and changes nothing', async () => {
    const w = await createWorld();
    const { c, t, t2 } = await seedAlice(w);
    const entriesBefore = await rows(w, 'SELECT * FROM collection_entries');
    const countBefore = await rows(w, 'SELECT track_count, version FROM collections WHERE id = ?', c);
    for (const absent of [t2, MISSING_TRACK]) {
      const res = await gql(w.app, REMOVE_TRACK, { org: w.orgA, c, t: absent }, w.alice.key);
      expect(res.body).toEqual({
        data: { removeTrackFromCollection: { success: true, id: absent, detail: 'Track removed from collection.' } },
        extensions: costed,
      });
    }
    expect(await rows(w, 'SELECT * FROM collection_entries')).toEqual(entriesBefore);
    expect(await rows(w, 'SELECT track_count, version FROM collections WHERE id = ?', c)).toEqual(countBefore);
    // removing twice: the second is the no-op
    await gql(w.app, REMOVE_TRACK, { org: w.orgA, c, t }, w.alice.key);
    const again = await gql(w.app, REMOVE_TRACK, { org: w.orgA, c, t }, w.alice.key);
    expect(again.body.data.removeTrackFromCollection.success).toBe(true);
    expect(await rows(w, 'SELECT track_count FROM collections WHERE id = ?', c)).toEqual([{ track_count: 0 }]);
  });
});
