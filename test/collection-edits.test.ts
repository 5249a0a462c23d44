import { describe, expect, it } from 'vitest';
import { createCollection } from '../src/domain/collections.js';
import { createTrack } from '../src/domain/tracks.js';
import { addMember } from '../src/domain/admin.js';
import { authenticate } from '../src/domain/viewer.js';
import { addVia, createCollectionVia, createTrackVia, createWorld, gql, rest, rows, type World } from './helpers.js';
import { expectGraphQLError, mixedWorld, snapshotAll } from './support/fixtures.js';

// The batch edits of a collection over GraphQL: addTracksToCollection at a position,
// removeTracksFromCollection, moveTracksInCollection (a range) and moveSelectedTracksInCollection.
// Each is one transaction and one new version with positions kept 0..n-1; adds and removes answer
// per id. REST and Groove run these same operations (rest-collection-edits, groove-playlists).

const RESULTS =
  '{ collection { id version trackCount } results { inputId success position error { code message systemMessage } } }';
const COLLECTION = '{ id version trackCount }';

async function edit(w: World, key: string, field: string, args: Record<string, unknown>, selection = RESULTS) {
  const declared = Object.keys(args);
  const types: Record<string, string> = {
    organizationId: 'ID',
    collectionId: 'ID!',
    trackIds: '[ID!]!',
    position: 'Int',
    ifVersion: 'Int',
    rangeStart: 'Int!',
    rangeLength: 'Int',
    insertBefore: 'Int!',
    insertBeforeTrackId: 'ID',
  };
  const query = `mutation(${declared.map((a) => `$${a}: ${types[a]}`).join(', ')}) {
    r: ${field}(${declared.map((a) => `${a}: $${a}`).join(', ')}) ${selection} }`;
  return gql(w.app, query, args, key);
}

async function collectionOf(w: World, n: number) {
  const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
  const tracks: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = await createTrackVia(w.app, w.alice.key, w.orgA, `t${i}`);
    await addVia(w.app, w.alice.key, w.orgA, c, t);
    tracks.push(t);
  }
  return { c, tracks };
}

const entries = async (w: World, c: string) =>
  (await rows(w, 'SELECT track_id, position FROM collection_entries WHERE collection_id = ? ORDER BY position', c)).map(
    (r) => {
      expect(r.position).toBeTypeOf('number');
      return r.track_id as string;
    },
  );

async function expectContiguous(w: World, c: string) {
  const found = await rows(w, 'SELECT position FROM collection_entries WHERE collection_id = ? ORDER BY position', c);
  expect(found.map((r) => r.position)).toEqual(found.map((_, i) => i));
  const [row] = await rows(w, 'SELECT track_count FROM collections WHERE id = ?', c);
  expect(row.track_count).toBe(found.length);
}

const collectionRow = async (w: World, c: string) =>
  (await rows(w, 'SELECT version, track_count FROM collections WHERE id = ?', c))[0];
const auditOf = async (w: World) => rows(w, 'SELECT action, target_id, trace_id FROM audit_log ORDER BY seq');

describe('addTracksToCollection', () => {
  it('inserts what can be added as one block at the position, in input order; each other id fails on its own', async () => {
    const { w, kept, unsaved, deleted, bobs, daves } = await mixedWorld();
    const { c, tracks } = await collectionOf(w, 4);
    const fresh = await createTrackVia(w.app, w.alice.key, w.orgA, 'fresh');
    const before = await collectionRow(w, c);
    const audit = await auditOf(w);
    const input = [fresh, 'mtrack_unknown', kept, tracks[2]!, bobs, daves, deleted, unsaved, fresh];
    const res = await edit(w, w.alice.key, 'addTracksToCollection', {
      organizationId: w.orgA,
      collectionId: c,
      trackIds: input,
      position: 1,
    });
    expect(res.body.errors, res.text).toBeUndefined();
    const notFound = (inputId: string) => ({
      inputId,
      success: false,
      position: null,
      error: {
        code: 'RESOURCE_NOT_FOUND',
        message: 'The requested resource could not be found.',
        systemMessage: 'Music track not found',
      },
    });
    expect(res.body.data.r).toEqual({
      collection: { id: c, version: before.version + 1, trackCount: 7 },
      results: [
        { inputId: fresh, success: true, position: 1, error: null },
        notFound('mtrack_unknown'),
        { inputId: kept, success: true, position: 2, error: null },
        {
          inputId: tracks[2],
          success: false,
          position: null,
          error: {
            code: 'TRACK_ALREADY_IN_COLLECTION',
            message: 'The track is already in the collection.',
            systemMessage: 'Music track already in collection',
          },
        },
        notFound(bobs),
        notFound(daves),
        notFound(deleted),
        // Alice created it, so she sees it though it left her library.
        { inputId: unsaved, success: true, position: 3, error: null },
        // A repeated id reports its first occurrence's result and is added once.
        { inputId: fresh, success: true, position: 1, error: null },
      ],
    });
    expect(await entries(w, c)).toEqual([tracks[0], fresh, kept, unsaved, tracks[1], tracks[2], tracks[3]]);
    await expectContiguous(w, c);
    const after = await auditOf(w);
    expect(after.slice(audit.length)).toEqual([
      { action: 'collection.tracks_add', target_id: c, trace_id: res.headers.get('x-request-id') },
    ]);
  });

  it('appends when no position is given, and a position equal to the count is the end', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionOf(w, 2);
    const [x, y] = [await createTrackVia(w.app, w.alice.key, w.orgA), await createTrackVia(w.app, w.alice.key, w.orgA)];
    const appended = await edit(w, w.alice.key, 'addTracksToCollection', {
      organizationId: w.orgA,
      collectionId: c,
      trackIds: [x],
    });
    expect(appended.body.data.r.results[0].position).toBe(2);
    const atEnd = await edit(w, w.alice.key, 'addTracksToCollection', {
      organizationId: w.orgA,
      collectionId: c,
      trackIds: [y],
      position: 3,
    });
    expect(atEnd.body.data.r.results[0].position).toBe(3);
    expect(await entries(w, c)).toEqual([...tracks, x, y]);
    await expectContiguous(w, c);
  });

  it('changes nothing, not even the version, when no id can be added', async () => {
    const { w, bobs } = await mixedWorld();
    const { c, tracks } = await collectionOf(w, 2);
    const before = await snapshotAll(w);
    const res = await edit(w, w.alice.key, 'addTracksToCollection', {
      organizationId: w.orgA,
      collectionId: c,
      trackIds: [bobs, tracks[0]!],
      position: 0,
    });
    expect(res.body.data.r.collection.version).toBe((await collectionRow(w, c)).version);
    expect(res.body.data.r.results.map((r: any) => r.error.code)).toEqual([
      'RESOURCE_NOT_FOUND',
      'TRACK_ALREADY_IN_COLLECTION',
    ]);
    const empty = await edit(w, w.alice.key, 'addTracksToCollection', {
      organizationId: w.orgA,
      collectionId: c,
      trackIds: [],
    });
    expect(empty.body.data.r.results).toEqual([]);
    expect(await snapshotAll(w)).toBe(before);
  });

  it('refuses, changing nothing: a position past the count or negative, more than 100 ids, a stale ifVersion, a collection not yours', async () => {
    const w = await createWorld();
    const { c } = await collectionOf(w, 2);
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const before = await snapshotAll(w);
    const base = { organizationId: w.orgA, collectionId: c, trackIds: [t] };
    const past = await edit(w, w.alice.key, 'addTracksToCollection', { ...base, position: 3 });
    expect(
      expectGraphQLError(past, 'VALIDATION_ERROR', 422, { field: 'position', track_count: 2 }).extensions
        .system_message,
    ).toBe('position must be at most the track count (2)');
    expectGraphQLError(
      await edit(w, w.alice.key, 'addTracksToCollection', { ...base, position: -1 }),
      'VALIDATION_ERROR',
      422,
      { field: 'position' },
    );
    const many = Array.from({ length: 101 }, (_, i) => `mtrack_${i}`);
    expectGraphQLError(
      await edit(w, w.alice.key, 'addTracksToCollection', { ...base, trackIds: many }),
      'VALIDATION_ERROR',
      422,
      { field: 'track_ids' },
    );
    expectGraphQLError(
      await edit(w, w.alice.key, 'addTracksToCollection', { ...base, ifVersion: 1 }),
      'COLLECTION_CONCURRENT_UPDATE',
      409,
      {
        collection_id: c,
        current_version: 3,
      },
    );
    expectGraphQLError(await edit(w, w.bob.key, 'addTracksToCollection', base), 'RESOURCE_NOT_FOUND', 404, {
      collection_id: c,
    });
    expect(await snapshotAll(w)).toBe(before);
    const ok = await edit(w, w.alice.key, 'addTracksToCollection', { ...base, ifVersion: 3 });
    expect(ok.body.data.r.collection.version).toBe(4);
  });
});

describe('removeTracksFromCollection', () => {
  it('removes what the collection holds, closes the gaps, and reports the positions they held', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionOf(w, 6);
    const [t0, t1, t2, t3, t4, t5] = tracks as [string, string, string, string, string, string];
    const outside = await createTrackVia(w.app, w.alice.key, w.orgA);
    const audit = await auditOf(w);
    const res = await edit(w, w.alice.key, 'removeTracksFromCollection', {
      organizationId: w.orgA,
      collectionId: c,
      trackIds: [t4, outside, t1, t4, 'mtrack_unknown', t5],
    });
    const missing = (inputId: string) => ({
      inputId,
      success: false,
      position: null,
      error: {
        code: 'RESOURCE_NOT_FOUND',
        message: 'The requested resource could not be found.',
        systemMessage: 'Music track not found in collection',
      },
    });
    expect(res.body.data.r).toEqual({
      collection: { id: c, version: 8, trackCount: 3 },
      results: [
        { inputId: t4, success: true, position: 4, error: null },
        missing(outside),
        { inputId: t1, success: true, position: 1, error: null },
        { inputId: t4, success: true, position: 4, error: null },
        missing('mtrack_unknown'),
        { inputId: t5, success: true, position: 5, error: null },
      ],
    });
    expect(await entries(w, c)).toEqual([t0, t2, t3]);
    await expectContiguous(w, c);
    expect((await auditOf(w)).slice(audit.length).map((a) => [a.action, a.target_id])).toEqual([
      ['collection.tracks_remove', c],
    ]);
    // The tracks themselves stay.
    expect(
      await rows(w, 'SELECT count(*) AS n FROM tracks WHERE id IN (?, ?, ?) AND deleted_at IS NULL', t1, t4, t5),
    ).toEqual([{ n: 3 }]);
  });

  it('changes nothing when the collection holds none of the ids; refuses more than 100 ids', async () => {
    const w = await createWorld();
    const { c } = await collectionOf(w, 2);
    const before = await snapshotAll(w);
    const res = await edit(w, w.alice.key, 'removeTracksFromCollection', {
      organizationId: w.orgA,
      collectionId: c,
      trackIds: ['mtrack_x'],
    });
    expect(res.body.data.r.collection.version).toBe(3);
    const many = Array.from({ length: 101 }, (_, i) => `mtrack_${i}`);
    expectGraphQLError(
      await edit(w, w.alice.key, 'removeTracksFromCollection', {
        organizationId: w.orgA,
        collectionId: c,
        trackIds: many,
      }),
      'VALIDATION_ERROR',
      422,
      {
        field: 'track_ids',
      },
    );
    expect(await snapshotAll(w)).toBe(before);
  });
});

describe('moveTracksInCollection (a range)', () => {
  const cases: [string, number, number, number, number[]][] = [
    ['down, to the end', 0, 2, 6, [2, 3, 4, 5, 0, 1]],
    ['down, into the middle', 1, 2, 5, [0, 3, 4, 1, 2, 5]],
    ['up, to the top', 3, 3, 0, [3, 4, 5, 0, 1, 2]],
    ['up, one track', 4, 1, 2, [0, 1, 4, 2, 3, 5]],
  ];
  for (const [name, rangeStart, rangeLength, insertBefore, order] of cases) {
    it(`moves ${name}: one new version, one audit row, positions 0..n-1`, async () => {
      const w = await createWorld();
      const { c, tracks } = await collectionOf(w, 6);
      const audit = await auditOf(w);
      const res = await edit(
        w,
        w.alice.key,
        'moveTracksInCollection',
        { organizationId: w.orgA, collectionId: c, rangeStart, rangeLength, insertBefore },
        COLLECTION,
      );
      expect(res.body.data.r, res.text).toEqual({ id: c, version: 8, trackCount: 6 });
      expect(await entries(w, c)).toEqual(order.map((i) => tracks[i]));
      await expectContiguous(w, c);
      expect((await auditOf(w)).slice(audit.length).map((a) => [a.action, a.target_id])).toEqual([
        ['collection.tracks_move', c],
      ]);
    });
  }

  it('rangeLength defaults to 1; an insertion point inside the range or at its edges moves nothing and keeps the version', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionOf(w, 4);
    const one = await edit(
      w,
      w.alice.key,
      'moveTracksInCollection',
      { organizationId: w.orgA, collectionId: c, rangeStart: 0, insertBefore: 4 },
      COLLECTION,
    );
    expect(one.body.data.r.version).toBe(6);
    expect(await entries(w, c)).toEqual([tracks[1], tracks[2], tracks[3], tracks[0]]);
    const before = await snapshotAll(w);
    for (const insertBefore of [1, 2, 3]) {
      const res = await edit(
        w,
        w.alice.key,
        'moveTracksInCollection',
        { organizationId: w.orgA, collectionId: c, rangeStart: 1, rangeLength: 2, insertBefore },
        COLLECTION,
      );
      expect(res.body.data.r.version, String(insertBefore)).toBe(6);
    }
    expect(await snapshotAll(w)).toBe(before);
  });

  it('a range or an insertion point past the end is INVALID_TRACK_MOVE; negative values are VALIDATION_ERROR; nothing changes', async () => {
    const w = await createWorld();
    const { c } = await collectionOf(w, 3);
    const before = await snapshotAll(w);
    const base = { organizationId: w.orgA, collectionId: c };
    const past = await edit(
      w,
      w.alice.key,
      'moveTracksInCollection',
      { ...base, rangeStart: 2, rangeLength: 2, insertBefore: 0 },
      COLLECTION,
    );
    expect(
      expectGraphQLError(past, 'INVALID_TRACK_MOVE', 422, { collection_id: c, track_count: 3 }).extensions
        .system_message,
    ).toBe('range_start + range_length (4) is past the track count (3)');
    expectGraphQLError(
      await edit(w, w.alice.key, 'moveTracksInCollection', { ...base, rangeStart: 0, insertBefore: 4 }, COLLECTION),
      'INVALID_TRACK_MOVE',
      422,
      {
        collection_id: c,
        track_count: 3,
      },
    );
    expectGraphQLError(
      await edit(w, w.alice.key, 'moveTracksInCollection', { ...base, rangeStart: -1, insertBefore: 0 }, COLLECTION),
      'VALIDATION_ERROR',
      422,
      {
        field: 'range_start',
      },
    );
    expectGraphQLError(
      await edit(
        w,
        w.alice.key,
        'moveTracksInCollection',
        { ...base, rangeStart: 0, rangeLength: 0, insertBefore: 2 },
        COLLECTION,
      ),
      'VALIDATION_ERROR',
      422,
      {
        field: 'range_length',
      },
    );
    expectGraphQLError(
      await edit(w, w.alice.key, 'moveTracksInCollection', { ...base, rangeStart: 0, insertBefore: -2 }, COLLECTION),
      'VALIDATION_ERROR',
      422,
      {
        field: 'insert_before',
      },
    );
    expectGraphQLError(
      await edit(w, w.bob.key, 'moveTracksInCollection', { ...base, rangeStart: 0, insertBefore: 2 }, COLLECTION),
      'RESOURCE_NOT_FOUND',
      404,
      {
        collection_id: c,
      },
    );
    expect(await snapshotAll(w)).toBe(before);
  });
});

describe('moveSelectedTracksInCollection', () => {
  it('drops a selection, in the order listed, before another track or at the end', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionOf(w, 7);
    const base = { organizationId: w.orgA, collectionId: c };
    const t = tracks;
    const up = await edit(
      w,
      w.alice.key,
      'moveSelectedTracksInCollection',
      { ...base, trackIds: [t[5]!, t[1]!, t[5]!], insertBeforeTrackId: t[3] },
      COLLECTION,
    );
    expect(up.body.data.r, up.text).toEqual({ id: c, version: 9, trackCount: 7 });
    expect(await entries(w, c)).toEqual([t[0], t[2], t[5], t[1], t[3], t[4], t[6]]);
    await edit(w, w.alice.key, 'moveSelectedTracksInCollection', { ...base, trackIds: [t[0]!, t[4]!] }, COLLECTION);
    expect(await entries(w, c)).toEqual([t[2], t[5], t[1], t[3], t[6], t[0], t[4]]);
    await expectContiguous(w, c);
    const audit = await auditOf(w);
    expect(audit.slice(-2).map((a) => a.action)).toEqual(['collection.tracks_move', 'collection.tracks_move']);
    // Already in place: nothing changes.
    const before = await snapshotAll(w);
    const still = await edit(
      w,
      w.alice.key,
      'moveSelectedTracksInCollection',
      { ...base, trackIds: [t[1]!, t[3]!], insertBeforeTrackId: t[6] },
      COLLECTION,
    );
    expect(still.body.data.r.version).toBe(10);
    expect(await snapshotAll(w)).toBe(before);
  });

  it('a track it does not hold, or an insertion point among the moved ones, is INVALID_TRACK_MOVE and nothing moves', async () => {
    const { w, bobs } = await mixedWorld();
    const { c, tracks } = await collectionOf(w, 3);
    const outside = await createTrackVia(w.app, w.alice.key, w.orgA);
    const before = await snapshotAll(w);
    const base = { organizationId: w.orgA, collectionId: c };
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ trackIds: [tracks[0]!, outside] }, { collection_id: c, track_id: outside }],
      [{ trackIds: [bobs] }, { collection_id: c, track_id: bobs }],
      [
        { trackIds: [tracks[0]!], insertBeforeTrackId: outside },
        { collection_id: c, track_id: outside },
      ],
      [{ trackIds: [tracks[0]!, tracks[1]!], insertBeforeTrackId: tracks[1] }, { track_id: tracks[1] }],
    ];
    for (const [args, details] of cases) {
      expectGraphQLError(
        await edit(w, w.alice.key, 'moveSelectedTracksInCollection', { ...base, ...args }, COLLECTION),
        'INVALID_TRACK_MOVE',
        422,
        details,
      );
    }
    expect(await snapshotAll(w)).toBe(before);
  });
});

describe('the organization', () => {
  it('may be left out by a caller in one organization; in several it must be named (AMBIGUOUS_ORGANIZATION)', async () => {
    const w = await createWorld();
    const { c } = await collectionOf(w, 1);
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const res = await edit(w, w.alice.key, 'addTracksToCollection', { collectionId: c, trackIds: [t], position: 0 });
    expect(res.body.data.r.results[0], res.text).toMatchObject({ success: true, position: 0 });
    await addMember(w.deps, { organizationId: w.orgB, userId: w.alice.userId, capabilities: [] });
    const before = await snapshotAll(w);
    expectGraphQLError(
      await edit(w, w.alice.key, 'removeTracksFromCollection', { collectionId: c, trackIds: [t] }),
      'AMBIGUOUS_ORGANIZATION',
      400,
    );
    expectGraphQLError(
      await edit(w, w.alice.key, 'removeTracksFromCollection', {
        organizationId: w.orgB,
        collectionId: c,
        trackIds: [t],
      }),
      'RESOURCE_NOT_FOUND',
      404,
    );
    expect(await snapshotAll(w)).toBe(before);
  });
});

describe('SQL statements per edit', () => {
  // Counted with the database's onStatement hook: each edit costs the same number of statements
  // for one track as for a hundred, at the start of a collection as at its end.
  async function counted() {
    const statements: string[] = [];
    const w = await createWorld({ onStatement: (sql) => statements.push(sql) });
    const alice = (await authenticate(w.deps, w.alice.key))!;
    const c = await createCollection(w.deps, alice, { organizationId: w.orgA, name: 'big' });
    const tracks: string[] = [];
    for (let i = 0; i < 250; i++)
      tracks.push((await createTrack(w.deps, alice, { organizationId: w.orgA, title: `t${i}` })).id);
    // warm-up: the key's last-used time may be written on its first use
    await gql(w.app, '{ viewer { id } }', {}, w.alice.key);
    const cost = async (field: string, args: Record<string, unknown>, selection = RESULTS) => {
      statements.length = 0;
      const res = await edit(w, w.alice.key, field, { organizationId: w.orgA, collectionId: c.id, ...args }, selection);
      expect(res.body.errors, res.text).toBeUndefined();
      return statements.length;
    };
    return { w, c: c.id, tracks, cost };
  }

  it('is constant in the batch size for adds at a position, removes and moves', async () => {
    const { w, c, tracks, cost } = await counted();
    const addOne = await cost('addTracksToCollection', { trackIds: tracks.slice(0, 1) });
    const addMany = await cost('addTracksToCollection', { trackIds: tracks.slice(1, 101), position: 0 });
    const addAtMiddle = await cost('addTracksToCollection', { trackIds: tracks.slice(101, 201), position: 50 });
    const addOneAtTop = await cost('addTracksToCollection', { trackIds: tracks.slice(201, 202), position: 0 });
    expect([addMany, addAtMiddle, addOneAtTop]).toEqual([addOne, addOne, addOne]);
    await expectContiguous(w, c);
    const moveOne = await cost('moveTracksInCollection', { rangeStart: 0, insertBefore: 202 }, COLLECTION);
    const moveMany = await cost(
      'moveTracksInCollection',
      { rangeStart: 0, rangeLength: 100, insertBefore: 202 },
      COLLECTION,
    );
    const moveUp = await cost(
      'moveTracksInCollection',
      { rangeStart: 100, rangeLength: 100, insertBefore: 3 },
      COLLECTION,
    );
    expect([moveMany, moveUp]).toEqual([moveOne, moveOne]);
    const selectOne = await cost(
      'moveSelectedTracksInCollection',
      { trackIds: [tracks[7]!], insertBeforeTrackId: tracks[150] },
      COLLECTION,
    );
    const selectMany = await cost(
      'moveSelectedTracksInCollection',
      { trackIds: tracks.slice(10, 110).reverse(), insertBeforeTrackId: tracks[5] },
      COLLECTION,
    );
    expect(selectMany).toBe(selectOne);
    const removeOne = await cost('removeTracksFromCollection', { trackIds: [tracks[3]!] });
    const removeMany = await cost('removeTracksFromCollection', {
      trackIds: tracks.filter((_, i) => i % 2 === 0).slice(0, 100),
    });
    expect(removeMany).toBe(removeOne);
    await expectContiguous(w, c);
    // One transaction each: the lookups, the edit's few statements, the audit row.
    for (const n of [addOne, moveOne, selectOne, removeOne]) expect(n).toBeLessThanOrEqual(12);
    console.log(
      `statements per edit: add ${addOne}, remove ${removeOne}, range move ${moveOne}, selection move ${selectOne}`,
    );
  });
});

describe('totalCount of collections', () => {
  it('counts every live collection of yours in the organization, whatever the page', async () => {
    const w = await createWorld();
    for (let i = 0; i < 3; i++) await createCollectionVia(w.app, w.alice.key, w.orgA);
    const gone = await createCollectionVia(w.app, w.alice.key, w.orgA);
    await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/collections/${gone}`, { key: w.alice.key });
    await createCollectionVia(w.app, w.bob.key, w.orgA);
    const res = await gql(
      w.app,
      'query($o: ID) { collections(organizationId: $o, first: 1) { totalCount edges { node { id } } } }',
      { o: w.orgA },
      w.alice.key,
    );
    expect(res.body.data.collections.totalCount, res.text).toBe(3);
    expect(res.body.data.collections.edges).toHaveLength(1);
  });
});
