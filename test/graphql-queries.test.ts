import { describe, expect, it } from 'vitest';
import { newId } from '../src/db/ids.js';
import {
  addVia,
  costed,
  createCollectionVia,
  createTrackVia,
  createWorld,
  gql,
  rows,
  type HttpResult,
  type World,
} from './helpers.js';
import { expectGraphQLError } from './support/fixtures.js';

// The GraphQL read side through /graphql: viewer, collections and their tracks, the library,
// node(id), keyset pagination, and what soft deletes do to all of them.

const NOW = '2026-06-28T10:30:00Z';
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const expectError = (res: HttpResult, code: string, status: number, details: Record<string, unknown>) =>
  expectGraphQLError(res, code, status, details);

const COLLECTIONS = `query($org: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  collections(organizationId: $org, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }`;

const COLLECTION = `query($org: ID!, $id: ID!) { collection(organizationId: $org, id: $id) {
  id name trackCount version coverTrackId coverTrack { id title }
  tracks { edges { position addedAt node { id title } } pageInfo { hasNextPage hasPreviousPage } }
} }`;

const COLLECTION_TRACKS = `query($org: ID!, $id: ID!, $first: Int, $after: String, $last: Int, $before: String, $offset: Int) {
  collection(organizationId: $org, id: $id) {
    tracks(first: $first, after: $after, last: $last, before: $before, offset: $offset) {
      edges { cursor position addedAt node { id title } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    } } }`;

const LIBRARY = `query($org: ID!, $first: Int, $after: String) {
  tracks(organizationId: $org, first: $first, after: $after) {
    edges { cursor libraryEntryId source savedAt node { id title creatorId } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  } }`;

const TRACK = `query($org: ID!, $id: ID!) { track(organizationId: $org, id: $id) { id title creatorId organizationId } }`;

const NODE = `query($id: ID!) { node(id: $id) { __typename id
  ... on Collection { name trackCount }
  ... on Track { title creatorId } } }`;

const DELETE_TRACK = `mutation($org: ID!, $t: ID!) { deleteTrack(organizationId: $org, trackId: $t) { success } }`;
const DELETE_COLLECTION = `mutation($org: ID!, $c: ID!) { deleteCollection(organizationId: $org, collectionId: $c) { success } }`;
const REMOVE_TRACK = `mutation($org: ID!, $c: ID!, $t: ID!) {
  removeTrackFromCollection(organizationId: $org, collectionId: $c, trackId: $t) { success } }`;

async function ok(res: Promise<HttpResult>) {
  const r = await res;
  expect(r.body.errors, r.text).toBeUndefined();
  return r.body.data;
}

/** Creates `n` collections for alice one second apart; returns their ids oldest first. */
async function aliceCollections(w: World, n: number, prefix = 'c') {
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) {
    ids.push(await createCollectionVia(w.app, w.alice.key, w.orgA, `${prefix}${i}`));
    w.clock.now += 1000;
  }
  return ids;
}

/** alice's collection with `n` tracks t0..t(n-1), added one second apart. */
async function collectionWith(w: World, n: number) {
  const c = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Mix');
  const tracks: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = await createTrackVia(w.app, w.alice.key, w.orgA, `t${i}`);
    await addVia(w.app, w.alice.key, w.orgA, c, t);
    tracks.push(t);
    w.clock.now += 1000;
  }
  return { c, tracks };
}

async function saveToLibrary(w: World, userId: string, trackId: string) {
  await rows(
    w,
    `INSERT INTO library_saves (id, user_id, track_id, organization_id, source, created_at)
     VALUES (?, ?, ?, 'org_a', 'shared', ?)`,
    newId('mlib_'),
    userId,
    trackId,
    w.clock.now,
  );
}

const names = (conn: any) => conn.edges.map((e: any) => e.node.name);

describe('viewer', () => {
  it('returns the user behind the key with their organizations and capabilities', async () => {
    const w = await createWorld();
    const [user] = await rows(w, 'SELECT email FROM users WHERE id = ?', w.alice.userId);
    const data = await ok(
      gql(w.app, '{ viewer { id email name organizations { id name capabilities } } }', {}, w.alice.key),
    );
    expect(data).toEqual({
      viewer: {
        id: w.alice.userId,
        email: user.email,
        name: null,
        organizations: [{ id: 'org_a', name: 'Org A', capabilities: ['USE_MUSIC_GENERATION'] }],
      },
    });
  });

  it('shows a member without capabilities an empty list, and each user only their own organizations', async () => {
    const w = await createWorld();
    const carol = await ok(gql(w.app, '{ viewer { id organizations { id capabilities } } }', {}, w.carol.key));
    expect(carol.viewer).toEqual({ id: w.carol.userId, organizations: [{ id: 'org_a', capabilities: [] }] });
    const dave = await ok(gql(w.app, '{ viewer { id organizations { id name capabilities } } }', {}, w.dave.key));
    expect(dave.viewer).toEqual({
      id: w.dave.userId,
      organizations: [{ id: 'org_b', name: 'Org B', capabilities: ['USE_MUSIC_GENERATION'] }],
    });
  });
});

describe('collection and collections', () => {
  it('collection returns one of your own with its fields', async () => {
    const w = await createWorld();
    const [c] = await aliceCollections(w, 1, 'Focus');
    const data = await ok(gql(w.app, COLLECTION, { org: w.orgA, id: c }, w.alice.key));
    expect(data.collection).toEqual({
      id: c,
      name: 'Focus1',
      trackCount: 0,
      version: 1,
      coverTrackId: null,
      coverTrack: null,
      tracks: { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false } },
    });
  });

  it("someone else's collection is RESOURCE_NOT_FOUND; a non-member is ORGANIZATION_ACCESS_DENIED", async () => {
    const w = await createWorld();
    const [c] = await aliceCollections(w, 1);
    expectError(await gql(w.app, COLLECTION, { org: w.orgA, id: c }, w.bob.key), 'RESOURCE_NOT_FOUND', 404, {
      collection_id: c,
    });
    expectError(await gql(w.app, COLLECTION, { org: w.orgA, id: c }, w.dave.key), 'ORGANIZATION_ACCESS_DENIED', 403, {
      organization_id: 'org_a',
    });
    expectError(await gql(w.app, COLLECTIONS, { org: w.orgA }, w.dave.key), 'ORGANIZATION_ACCESS_DENIED', 403, {
      organization_id: 'org_a',
    });
    expectError(await gql(w.app, COLLECTION, { org: w.orgA, id: c }, null), 'AUTHENTICATION_REQUIRED', 401, {});
  });

  it('collections lists only your own, newest first', async () => {
    const w = await createWorld();
    await aliceCollections(w, 3);
    await createCollectionVia(w.app, w.bob.key, w.orgA, 'bobs');
    const data = await ok(gql(w.app, COLLECTIONS, { org: w.orgA }, w.alice.key));
    expect(names(data.collections)).toEqual(['c3', 'c2', 'c1']);
    expect(data.collections.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const bob = await ok(gql(w.app, COLLECTIONS, { org: w.orgA }, w.bob.key));
    expect(names(bob.collections)).toEqual(['bobs']);
    const carol = await ok(gql(w.app, COLLECTIONS, { org: w.orgA }, w.carol.key));
    expect(carol.collections).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('newest first does not depend on the clock: collections created in the same millisecond keep creation order', async () => {
    const w = await createWorld();
    for (const name of ['a', 'b', 'c']) await createCollectionVia(w.app, w.alice.key, w.orgA, name);
    const data = await ok(gql(w.app, COLLECTIONS, { org: w.orgA }, w.alice.key));
    expect(names(data.collections)).toEqual(['c', 'b', 'a']);
  });

  it('pages forward with first/after until the end', async () => {
    const w = await createWorld();
    await aliceCollections(w, 5);
    const page = async (after?: string) =>
      (await ok(gql(w.app, COLLECTIONS, { org: w.orgA, first: 2, after }, w.alice.key))).collections;

    const p1 = await page();
    expect(names(p1)).toEqual(['c5', 'c4']);
    expect(p1.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: p1.edges[0].cursor,
      endCursor: p1.edges[1].cursor,
    });
    const p2 = await page(p1.pageInfo.endCursor);
    expect(names(p2)).toEqual(['c3', 'c2']);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const p3 = await page(p2.pageInfo.endCursor);
    expect(names(p3)).toEqual(['c1']);
    expect(p3.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('pages backward with last/before, keeping newest-first order within a page', async () => {
    const w = await createWorld();
    await aliceCollections(w, 5);
    const page = async (before?: string) =>
      (await ok(gql(w.app, COLLECTIONS, { org: w.orgA, last: 2, before }, w.alice.key))).collections;

    const p1 = await page();
    expect(names(p1)).toEqual(['c2', 'c1']);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const p2 = await page(p1.pageInfo.startCursor);
    expect(names(p2)).toEqual(['c4', 'c3']);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const p3 = await page(p2.pageInfo.startCursor);
    expect(names(p3)).toEqual(['c5']);
    expect(p3.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('cursors are keyset: a collection created between pages does not shift the next page', async () => {
    const w = await createWorld();
    await aliceCollections(w, 4);
    const p1 = (await ok(gql(w.app, COLLECTIONS, { org: w.orgA, first: 2 }, w.alice.key))).collections;
    await createCollectionVia(w.app, w.alice.key, w.orgA, 'late');
    const p2 = (await ok(gql(w.app, COLLECTIONS, { org: w.orgA, first: 2, after: p1.pageInfo.endCursor }, w.alice.key)))
      .collections;
    expect(names(p2)).toEqual(['c2', 'c1']);
  });

  it('page sizes outside 1..100 are VALIDATION_ERROR naming first/last; 100 is fine', async () => {
    const w = await createWorld();
    await aliceCollections(w, 1);
    for (const first of [0, 101, -1]) {
      expectError(await gql(w.app, COLLECTIONS, { org: w.orgA, first }, w.alice.key), 'VALIDATION_ERROR', 422, {
        field: 'first',
      });
    }
    for (const last of [0, 101]) {
      expectError(await gql(w.app, COLLECTIONS, { org: w.orgA, last }, w.alice.key), 'VALIDATION_ERROR', 422, {
        field: 'last',
      });
    }
    const max = await ok(gql(w.app, COLLECTIONS, { org: w.orgA, first: 100 }, w.alice.key));
    expect(max.collections.edges).toHaveLength(1);
  });

  it('a malformed cursor is VALIDATION_ERROR naming after/before', async () => {
    const w = await createWorld();
    await aliceCollections(w, 1);
    for (const after of [
      'garbage',
      '',
      Buffer.from('k:-1').toString('base64url'),
      Buffer.from('x:1').toString('base64url'),
    ]) {
      expectError(await gql(w.app, COLLECTIONS, { org: w.orgA, after }, w.alice.key), 'VALIDATION_ERROR', 422, {
        field: 'after',
      });
    }
    expectError(await gql(w.app, COLLECTIONS, { org: w.orgA, before: 'nope' }, w.alice.key), 'VALIDATION_ERROR', 422, {
      field: 'before',
    });
  });
});

describe('track and tracks (the library)', () => {
  it('track returns a track you created; another member cannot see it until it is in their library', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA, 'Night Drive');
    const own = await ok(gql(w.app, TRACK, { org: w.orgA, id: t }, w.alice.key));
    expect(own.track).toEqual({ id: t, title: 'Night Drive', creatorId: w.alice.userId, organizationId: 'org_a' });

    const hidden = expectError(await gql(w.app, TRACK, { org: w.orgA, id: t }, w.bob.key), 'RESOURCE_NOT_FOUND', 404, {
      track_id: t,
    });
    expect(hidden.extensions.system_message).toBe('Music track not found');
    expectError(await gql(w.app, TRACK, { org: w.orgA, id: t }, w.dave.key), 'ORGANIZATION_ACCESS_DENIED', 403, {
      organization_id: 'org_a',
    });

    await saveToLibrary(w, w.bob.userId, t);
    const saved = await ok(gql(w.app, TRACK, { org: w.orgA, id: t }, w.bob.key));
    expect(saved.track.id).toBe(t);
  });

  it("tracks lists your own created tracks with source own, newest first, and nobody else's", async () => {
    const w = await createWorld();
    const ids: string[] = [];
    for (const title of ['first', 'second', 'third']) {
      ids.push(await createTrackVia(w.app, w.alice.key, w.orgA, title));
      w.clock.now += 1000;
    }
    await createTrackVia(w.app, w.bob.key, w.orgA, 'bobs');
    const data = await ok(gql(w.app, LIBRARY, { org: w.orgA }, w.alice.key));
    expect(data.tracks.edges.map((e: any) => e.node.title)).toEqual(['third', 'second', 'first']);
    for (const [i, edge] of data.tracks.edges.entries()) {
      expect(edge).toEqual({
        cursor: expect.any(String),
        libraryEntryId: expect.stringMatching(/^mlib_[0-9a-f]{20}$/),
        source: 'own',
        savedAt: iso(Date.parse(NOW) + (2 - i) * 1000),
        node: { id: ids[2 - i], title: ['first', 'second', 'third'][2 - i], creatorId: w.alice.userId },
      });
    }
    expect(data.tracks.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const bob = await ok(gql(w.app, LIBRARY, { org: w.orgA }, w.bob.key));
    expect(bob.tracks.edges.map((e: any) => e.node.title)).toEqual(['bobs']);
  });

  it('a saved track appears in the library with source shared, newest save first', async () => {
    const w = await createWorld();
    const own = await createTrackVia(w.app, w.bob.key, w.orgA, 'bob own');
    const alices = await createTrackVia(w.app, w.alice.key, w.orgA, 'alice');
    w.clock.now += 5000;
    await saveToLibrary(w, w.bob.userId, alices);
    const data = await ok(gql(w.app, LIBRARY, { org: w.orgA }, w.bob.key));
    expect(data.tracks.edges.map((e: any) => [e.node.id, e.source, e.savedAt])).toEqual([
      [alices, 'shared', '2026-06-28T10:30:05Z'],
      [own, 'own', NOW],
    ]);
  });

  it('the library pages with first/after and rejects bad sizes and cursors', async () => {
    const w = await createWorld();
    for (let i = 1; i <= 3; i++) await createTrackVia(w.app, w.alice.key, w.orgA, `t${i}`);
    const p1 = (await ok(gql(w.app, LIBRARY, { org: w.orgA, first: 2 }, w.alice.key))).tracks;
    expect(p1.edges.map((e: any) => e.node.title)).toEqual(['t3', 't2']);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const p2 = (await ok(gql(w.app, LIBRARY, { org: w.orgA, first: 2, after: p1.pageInfo.endCursor }, w.alice.key)))
      .tracks;
    expect(p2.edges.map((e: any) => e.node.title)).toEqual(['t1']);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    for (const first of [0, 101]) {
      expectError(await gql(w.app, LIBRARY, { org: w.orgA, first }, w.alice.key), 'VALIDATION_ERROR', 422, {
        field: 'first',
      });
    }
    expectError(await gql(w.app, LIBRARY, { org: w.orgA, after: '!!' }, w.alice.key), 'VALIDATION_ERROR', 422, {
      field: 'after',
    });
    expectError(await gql(w.app, LIBRARY, { org: w.orgA }, w.dave.key), 'ORGANIZATION_ACCESS_DENIED', 403, {
      organization_id: 'org_a',
    });
  });
});

describe('node(id)', () => {
  it('resolves your own collection and track with __typename', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 1);
    const coll = await ok(gql(w.app, NODE, { id: c }, w.alice.key));
    expect(coll.node).toEqual({ __typename: 'Collection', id: c, name: 'Mix', trackCount: 1 });
    const track = await ok(gql(w.app, NODE, { id: tracks[0] }, w.alice.key));
    expect(track.node).toEqual({ __typename: 'Track', id: tracks[0], title: 't0', creatorId: w.alice.userId });
  });

  it("someone else's, deleted and unknown ids are RESOURCE_NOT_FOUND", async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 2);
    for (const key of [w.bob.key, w.dave.key, w.carol.key]) {
      expectError(await gql(w.app, NODE, { id: c }, key), 'RESOURCE_NOT_FOUND', 404, { collection_id: c });
      expectError(await gql(w.app, NODE, { id: tracks[0] }, key), 'RESOURCE_NOT_FOUND', 404, { track_id: tracks[0] });
    }
    await ok(gql(w.app, DELETE_TRACK, { org: w.orgA, t: tracks[1] }, w.alice.key));
    expectError(await gql(w.app, NODE, { id: tracks[1] }, w.alice.key), 'RESOURCE_NOT_FOUND', 404, {
      track_id: tracks[1],
    });
    await ok(gql(w.app, DELETE_COLLECTION, { org: w.orgA, c }, w.alice.key));
    expectError(await gql(w.app, NODE, { id: c }, w.alice.key), 'RESOURCE_NOT_FOUND', 404, { collection_id: c });
    expectError(await gql(w.app, NODE, { id: 'mcoll_00000000000000000000' }, w.alice.key), 'RESOURCE_NOT_FOUND', 404, {
      collection_id: 'mcoll_00000000000000000000',
    });
    expectError(await gql(w.app, NODE, { id: 'usr_whatever' }, w.alice.key), 'RESOURCE_NOT_FOUND', 404, {
      id: 'usr_whatever',
    });
    expectError(await gql(w.app, NODE, { id: c }, null), 'AUTHENTICATION_REQUIRED', 401, {});
  });

  it('a track saved to your library resolves as a node', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA, 'shared');
    await saveToLibrary(w, w.bob.userId, t);
    const data = await ok(gql(w.app, NODE, { id: t }, w.bob.key));
    expect(data.node).toMatchObject({ __typename: 'Track', id: t, creatorId: w.alice.userId });
  });
});

describe("a collection's tracks", () => {
  it('trackCount, coverTrack, and tracks in position order with addedAt', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 3);
    const cover = await createTrackVia(w.app, w.alice.key, w.orgA, 'Cover');
    await ok(
      gql(
        w.app,
        'mutation($org: ID!, $c: ID!, $t: ID) { updateCollection(organizationId: $org, collectionId: $c, input: { coverTrackId: $t }) { id } }',
        { org: w.orgA, c, t: cover },
        w.alice.key,
      ),
    );
    const data = await ok(gql(w.app, COLLECTION, { org: w.orgA, id: c }, w.alice.key));
    expect(data.collection).toMatchObject({
      trackCount: 3,
      coverTrackId: cover,
      coverTrack: { id: cover, title: 'Cover' },
    });
    expect(data.collection.tracks.edges).toEqual([
      { position: 0, addedAt: '2026-06-28T10:30:00Z', node: { id: tracks[0], title: 't0' } },
      { position: 1, addedAt: '2026-06-28T10:30:01Z', node: { id: tracks[1], title: 't1' } },
      { position: 2, addedAt: '2026-06-28T10:30:02Z', node: { id: tracks[2], title: 't2' } },
    ]);
  });

  it('tracks(first, after) pages by position', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 5);
    const page = async (vars: Record<string, unknown>) =>
      (await ok(gql(w.app, COLLECTION_TRACKS, { org: w.orgA, id: c, ...vars }, w.alice.key))).collection.tracks;
    const p1 = await page({ first: 2 });
    expect(p1.edges.map((e: any) => [e.position, e.node.id])).toEqual([
      [0, tracks[0]],
      [1, tracks[1]],
    ]);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const p2 = await page({ first: 2, after: p1.pageInfo.endCursor });
    expect(p2.edges.map((e: any) => e.position)).toEqual([2, 3]);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const p3 = await page({ first: 2, after: p2.pageInfo.endCursor });
    expect(p3.edges.map((e: any) => e.node.id)).toEqual([tracks[4]]);
    expect(p3.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const back = await page({ last: 2 });
    expect(back.edges.map((e: any) => e.position)).toEqual([3, 4]);
    expect(back.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const before = await page({ last: 2, before: back.pageInfo.startCursor });
    expect(before.edges.map((e: any) => e.position)).toEqual([1, 2]);

    const fromOffset = await page({ first: 2, offset: 3 });
    expect(fromOffset.edges.map((e: any) => e.position)).toEqual([3, 4]);
  });

  it('tracks page sizes are 1..500 and cursors must be valid', async () => {
    const w = await createWorld();
    const { c } = await collectionWith(w, 1);
    const run = (vars: Record<string, unknown>) =>
      gql(w.app, COLLECTION_TRACKS, { org: w.orgA, id: c, ...vars }, w.alice.key);
    expectError(await run({ first: 0 }), 'VALIDATION_ERROR', 422, { field: 'first' });
    expectError(await run({ first: 501 }), 'VALIDATION_ERROR', 422, { field: 'first' });
    expectError(await run({ after: 'zzz' }), 'VALIDATION_ERROR', 422, { field: 'after' });
    expect((await ok(run({ first: 500 }))).collection.tracks.edges).toHaveLength(1);
  });

  it('positions stay contiguous 0..n-1 and in order after removals', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 5);
    await ok(gql(w.app, REMOVE_TRACK, { org: w.orgA, c, t: tracks[1] }, w.alice.key));
    await ok(gql(w.app, REMOVE_TRACK, { org: w.orgA, c, t: tracks[3] }, w.alice.key));
    const data = await ok(gql(w.app, COLLECTION, { org: w.orgA, id: c }, w.alice.key));
    expect(data.collection.trackCount).toBe(3);
    expect(data.collection.tracks.edges.map((e: any) => [e.position, e.node.id])).toEqual([
      [0, tracks[0]],
      [1, tracks[2]],
      [2, tracks[4]],
    ]);
    // removed from the head too
    await ok(gql(w.app, REMOVE_TRACK, { org: w.orgA, c, t: tracks[0] }, w.alice.key));
    expect(
      await rows(w, 'SELECT track_id, position FROM collection_entries WHERE collection_id = ? ORDER BY position', c),
    ).toEqual([
      { track_id: tracks[2], position: 0 },
      { track_id: tracks[4], position: 1 },
    ]);
    // the removed tracks themselves are untouched
    const lib = await ok(gql(w.app, LIBRARY, { org: w.orgA }, w.alice.key));
    expect(lib.tracks.edges).toHaveLength(5);
  });

  it('a re-added track goes to the end with a new addedAt', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 3);
    await ok(gql(w.app, REMOVE_TRACK, { org: w.orgA, c, t: tracks[0] }, w.alice.key));
    w.clock.now = Date.parse('2026-06-28T11:00:00Z');
    await addVia(w.app, w.alice.key, w.orgA, c, tracks[0]!);
    const data = await ok(gql(w.app, COLLECTION, { org: w.orgA, id: c }, w.alice.key));
    expect(data.collection.tracks.edges.map((e: any) => [e.position, e.node.id, e.addedAt])).toEqual([
      [0, tracks[1], '2026-06-28T10:30:01Z'],
      [1, tracks[2], '2026-06-28T10:30:02Z'],
      [2, tracks[0], '2026-06-28T11:00:00Z'],
    ]);
  });
});

describe('soft delete', () => {
  it('deleteTrack takes the track out of every collection, cover and library, and keeps its row and audit trail', async () => {
    const w = await createWorld();
    const { c: first, tracks } = await collectionWith(w, 4);
    const victim = tracks[1]!;
    // a second collection holds the victim at the end, and uses it as cover
    const second = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Second');
    await addVia(w.app, w.alice.key, w.orgA, second, tracks[3]!);
    await addVia(w.app, w.alice.key, w.orgA, second, victim);
    await ok(
      gql(
        w.app,
        'mutation($org: ID!, $c: ID!, $t: ID) { updateCollection(organizationId: $org, collectionId: $c, input: { coverTrackId: $t }) { id } }',
        { org: w.orgA, c: second, t: victim },
        w.alice.key,
      ),
    );
    // bob has it in his library
    await saveToLibrary(w, w.bob.userId, victim);
    const versions = Object.fromEntries(
      (await rows(w, 'SELECT id, version FROM collections')).map((r) => [r.id, r.version]),
    );

    w.clock.now = Date.parse('2026-06-28T12:00:00Z');
    const res = await gql(w.app, DELETE_TRACK, { org: w.orgA, t: victim }, w.alice.key);
    expect(res.body).toEqual({ data: { deleteTrack: { success: true } }, extensions: costed });

    const a = (await ok(gql(w.app, COLLECTION, { org: w.orgA, id: first }, w.alice.key))).collection;
    expect(a.trackCount).toBe(3);
    expect(a.tracks.edges.map((e: any) => [e.position, e.node.id])).toEqual([
      [0, tracks[0]],
      [1, tracks[2]],
      [2, tracks[3]],
    ]);
    const b = (await ok(gql(w.app, COLLECTION, { org: w.orgA, id: second }, w.alice.key))).collection;
    expect(b).toMatchObject({ trackCount: 1, coverTrackId: null, coverTrack: null });
    expect(b.tracks.edges.map((e: any) => [e.position, e.node.id])).toEqual([[0, tracks[3]]]);
    for (const [id, version] of Object.entries(versions)) {
      expect((await rows(w, 'SELECT version FROM collections WHERE id = ?', id))[0].version).toBeGreaterThan(
        version as number,
      );
    }

    const lib = await ok(gql(w.app, LIBRARY, { org: w.orgA }, w.alice.key));
    expect(lib.tracks.edges.map((e: any) => e.node.id)).not.toContain(victim);
    expect(lib.tracks.edges).toHaveLength(3);
    const bobLib = await ok(gql(w.app, LIBRARY, { org: w.orgA }, w.bob.key));
    expect(bobLib.tracks.edges).toEqual([]);
    expectError(await gql(w.app, TRACK, { org: w.orgA, id: victim }, w.alice.key), 'RESOURCE_NOT_FOUND', 404, {
      track_id: victim,
    });
    expectError(await gql(w.app, TRACK, { org: w.orgA, id: victim }, w.bob.key), 'RESOURCE_NOT_FOUND', 404, {
      track_id: victim,
    });

    // the row is kept, marked deleted; nothing in the database still points at it
    expect(await rows(w, 'SELECT id, title, deleted_at, updated_at FROM tracks WHERE id = ?', victim)).toEqual([
      { id: victim, title: 't1', deleted_at: w.clock.now, updated_at: w.clock.now },
    ]);
    expect(await rows(w, 'SELECT * FROM collection_entries WHERE track_id = ?', victim)).toEqual([]);
    expect(await rows(w, 'SELECT id FROM collections WHERE cover_track_id = ?', victim)).toEqual([]);
    for (const id of [first, second]) {
      const positions = await rows(
        w,
        'SELECT position FROM collection_entries WHERE collection_id = ? ORDER BY position',
        id,
      );
      expect(positions.map((r) => r.position)).toEqual([...positions.keys()]);
    }

    // the audit trail of the track is complete and still there
    expect(await rows(w, 'SELECT action, actor_id FROM audit_log WHERE target_id = ? ORDER BY seq', victim)).toEqual([
      { action: 'track.create', actor_id: w.alice.userId },
      { action: 'collection.track_add', actor_id: w.alice.userId },
      { action: 'collection.track_add', actor_id: w.alice.userId },
      { action: 'track.delete', actor_id: w.alice.userId },
    ]);
    const [deletion] = await rows(w, "SELECT * FROM audit_log WHERE action = 'track.delete'");
    expect(deletion).toMatchObject({
      organization_id: 'org_a',
      trace_id: res.headers.get('x-request-id'),
      created_at: w.clock.now,
    });
  });

  it('deleteCollection removes it from list, get and node, and leaves its tracks alone', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 2);
    const [keep] = await aliceCollections(w, 1, 'keep');
    w.clock.now = Date.parse('2026-06-28T12:00:00Z');
    const res = await gql(w.app, DELETE_COLLECTION, { org: w.orgA, c }, w.alice.key);
    expect(res.body).toEqual({ data: { deleteCollection: { success: true } }, extensions: costed });

    const list = await ok(gql(w.app, COLLECTIONS, { org: w.orgA }, w.alice.key));
    expect(list.collections.edges.map((e: any) => e.node.id)).toEqual([keep]);
    expectError(await gql(w.app, COLLECTION, { org: w.orgA, id: c }, w.alice.key), 'RESOURCE_NOT_FOUND', 404, {
      collection_id: c,
    });

    for (const t of tracks) {
      expect((await ok(gql(w.app, TRACK, { org: w.orgA, id: t }, w.alice.key))).track.id).toBe(t);
    }
    const lib = await ok(gql(w.app, LIBRARY, { org: w.orgA }, w.alice.key));
    expect(lib.tracks.edges.map((e: any) => e.node.id).sort()).toEqual([...tracks].sort());
    expect(await rows(w, 'SELECT count(*) AS n FROM tracks WHERE deleted_at IS NOT NULL')).toEqual([{ n: 0 }]);

    expect(await rows(w, 'SELECT deleted_at FROM collections WHERE id = ?', c)).toEqual([{ deleted_at: w.clock.now }]);
    expect(await rows(w, "SELECT target_id FROM audit_log WHERE action = 'collection.delete'")).toEqual([
      { target_id: c },
    ]);
    expect(await rows(w, "SELECT count(*) AS n FROM audit_log WHERE action = 'collection.create'")).toEqual([{ n: 2 }]);
  });
});
