import { describe, expect, it } from 'vitest';
import { addMember, createApiKey, revokeApiKey } from '../src/domain/admin.js';
import { BATCH_MAX_IDS, GROOVE_BROWSE_PAGE, PLAYLIST_NAME_MAX } from '../src/domain/limits.js';
import { addVia, createCollectionVia, createTrackVia, createWorld, rest, rows, type World } from './helpers.js';
import { mixedWorld, snapshotAll } from './support/fixtures.js';

// Groove's playlist endpoints over collections (shared/reference/groove.md §2.3–2.7): create,
// update (rename; Add, Delete and Move track actions), delete, browse, and a playlist's tracks.

const P = '/1/content/music/collection/playlists';
const pid = (collection: string) => `music.playlist.${collection}`;
const tid = (track: string) => `music.${track}`;

function groove(
  w: World,
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return rest(w.app, method, path, {
    body,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
  });
}
const post = (w: World, action: string, body: unknown, key = w.alice.key, headers: Record<string, string> = {}) =>
  groove(w, 'POST', `${P}/${action}`, key, body, headers);

const SOME_FAILED = { ErrorCode: 'COLLECTION_SOME_OPERATIONS_FAILED', Description: 'Some of the operations failed' };
const INVALID_ID = { ErrorCode: 'COLLECTION_INVALID_ID', Description: 'Invalid collection id for this operation' };

const entries = async (w: World, c: string) =>
  (await rows(w, 'SELECT track_id FROM collection_entries WHERE collection_id = ? ORDER BY position', c)).map(
    (r) => r.track_id,
  );

async function playlistOf(w: World, n: number) {
  const c = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Mix');
  const tracks: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = await createTrackVia(w.app, w.alice.key, w.orgA, `t${i}`);
    await addVia(w.app, w.alice.key, w.orgA, c, t);
    tracks.push(t);
  }
  return { c, tracks };
}

describe('POST …/collection/playlists/create', () => {
  it('metadata only: a new collection, answered as Id, Name, IsPublished', async () => {
    const w = await createWorld();
    const res = await post(w, 'create', { Name: 'Road trip', IsPublished: false });
    expect(res.status, res.text).toBe(200);
    const [created] = await rows(w, 'SELECT id, name, owner_id, organization_id, track_count FROM collections');
    expect(created).toEqual({
      id: expect.stringMatching(/^mcoll_/),
      name: 'Road trip',
      owner_id: w.alice.userId,
      organization_id: w.orgA,
      track_count: 0,
    });
    expect(res.body).toEqual({ PlaylistActionResult: { Id: pid(created.id), Name: 'Road trip', IsPublished: false } });
    expect(await rows(w, "SELECT action, target_id FROM audit_log WHERE action LIKE 'collection.%'")).toEqual([
      { action: 'collection.create', target_id: created.id },
    ]);
  });

  it('with Add actions: the playlist is created whatever tracks fail; 200 with per-item errors and COLLECTION_SOME_OPERATIONS_FAILED', async () => {
    const { w, kept, bobs, unsaved } = await mixedWorld();
    const input = [tid(kept), 'music.9bb2c5c5-455c-4c15-827c-f9bfd759a458', bobs, tid(unsaved), tid(kept)];
    const res = await post(w, 'create', { Name: 'Mixed', TrackActions: input.map((Id) => ({ Id, Action: 'Add' })) });
    expect(res.status, res.text).toBe(200);
    const [c] = await rows(w, 'SELECT id FROM collections');
    expect(res.body).toEqual({
      PlaylistActionResult: {
        Id: pid(c.id),
        Name: 'Mixed',
        IsPublished: false,
        TrackActionResults: [
          { InputId: tid(kept), Id: tid(kept) },
          { InputId: input[1], Error: { ...INVALID_ID, Message: 'Music track not found' } },
          { InputId: bobs, Error: { ...INVALID_ID, Message: 'Music track not found' } },
          { InputId: tid(unsaved), Id: tid(unsaved) },
          { InputId: tid(kept), Id: tid(kept) },
        ],
      },
      Error: SOME_FAILED,
    });
    expect(await entries(w, c.id)).toEqual([kept, unsaved]);
  });

  it('refuses, creating nothing: no Name, a blank one, one over 256 characters, other actions, more than 100 tracks', async () => {
    const w = await createWorld();
    const before = await snapshotAll(w);
    const info = {
      ErrorCode: 'COLLECTION_INVALID_PLAYLIST_INFO',
      Description: 'Required playlist information is missing or invalid',
    };
    const cases: [unknown, Record<string, unknown>][] = [
      [{}, { ...info, Message: 'Name is required to create a playlist' }],
      [{ Name: null }, { ...info, Message: 'Name is required to create a playlist' }],
      [{ Name: 7 }, { ...info, Message: 'Name must be a string' }],
      [{ Name: '   ' }, { ...info, Message: 'name must not be blank' }],
      [
        { Name: 'x'.repeat(PLAYLIST_NAME_MAX + 1) },
        { ...info, Message: `name must be between 1 and ${PLAYLIST_NAME_MAX} characters` },
      ],
      [
        { Name: 'ok', TrackActions: [{ Id: 'music.x', Action: 'Delete' }] },
        { ErrorCode: 'INVALID_INPUT_PARAMETER', Message: 'A new playlist takes only Add track actions' },
      ],
      [
        { Name: 'ok', TrackActions: [{ Id: 'music.x', Action: 'Shuffle' }] },
        {
          ErrorCode: 'INVALID_INPUT_PARAMETER',
          Message: 'The Action of TrackActions entry 1 must be Add, Delete or Move',
        },
      ],
      [{ Name: 'ok', TrackActions: 'x' }, { ErrorCode: 'INVALID_INPUT_PARAMETER' }],
      [
        { Name: 'ok', IsPublished: 'yes' },
        { ErrorCode: 'INVALID_INPUT_PARAMETER', Message: 'IsPublished must be true or false' },
      ],
      [
        {
          Name: 'ok',
          TrackActions: Array.from({ length: BATCH_MAX_IDS + 1 }, (_, i) => ({
            Id: `music.mtrack_${i}`,
            Action: 'Add',
          })),
        },
        {
          ErrorCode: 'COLLECTION_INVALID_OPERATION',
          Message: `Number of tracks for this operation is limited to ${BATCH_MAX_IDS}`,
        },
      ],
    ];
    for (const [body, error] of cases) {
      const res = await post(w, 'create', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(res.body)).toEqual(['Error']);
      expect(res.body.Error, JSON.stringify(body)).toMatchObject(error);
    }
    expect(await snapshotAll(w)).toBe(before);
    // 256 is fine, though a collection could hold 512.
    expect((await post(w, 'create', { Name: 'é'.repeat(PLAYLIST_NAME_MAX) })).status).toBe(200);
  });

  it('needs USE_MUSIC_GENERATION, as createCollection does', async () => {
    const w = await createWorld();
    const before = await snapshotAll(w);
    const res = await post(w, 'create', { Name: 'x' }, w.carol.key);
    expect([res.status, res.body.Error.ErrorCode]).toEqual([403, 'INSUFFICIENT_PERMISSIONS']);
    expect(await snapshotAll(w)).toBe(before);
  });
});

describe('POST …/collection/playlists/update', () => {
  it('renames, and echoes Id, Name, IsPublished', async () => {
    const w = await createWorld();
    const { c } = await playlistOf(w, 0);
    const res = await post(w, 'update', { Id: pid(c), Name: 'Renamed', IsPublished: true });
    expect(res.body).toEqual({ PlaylistActionResult: { Id: pid(c), Name: 'Renamed', IsPublished: false } });
    expect(await rows(w, 'SELECT name, version FROM collections WHERE id = ?', c)).toEqual([
      { name: 'Renamed', version: 2 },
    ]);
  });

  it('Add and Delete in one request: deletes, then adds at the end; per-item results in the order sent', async () => {
    const { w, bobs } = await mixedWorld();
    const { c, tracks } = await playlistOf(w, 3);
    const fresh = await createTrackVia(w.app, w.alice.key, w.orgA);
    const actions = [
      { Id: tid(fresh), Action: 'Add' },
      { Id: tid(tracks[1]!), Action: 'Delete' },
      { Id: 'music.mtrack_nope', Action: 'remove' },
      { Id: tid(tracks[0]!), Action: 'add' },
      { Id: bobs, Action: 'Add' },
    ];
    const res = await post(w, 'update', { Id: pid(c), TrackActions: actions });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      PlaylistActionResult: {
        Id: pid(c),
        Name: 'Mix',
        IsPublished: false,
        TrackActionResults: [
          { InputId: tid(fresh), Id: tid(fresh) },
          { InputId: tid(tracks[1]!) },
          { InputId: 'music.mtrack_nope', Error: { ...INVALID_ID, Message: 'Music track not found in collection' } },
          { InputId: tid(tracks[0]!), Error: { ...INVALID_ID, Message: 'Music track already in collection' } },
          { InputId: bobs, Error: { ...INVALID_ID, Message: 'Music track not found' } },
        ],
      },
      Error: SOME_FAILED,
    });
    expect(await entries(w, c)).toEqual([tracks[0], tracks[2], fresh]);
    const audit = await rows(
      w,
      "SELECT action FROM audit_log WHERE target_id = ? AND action LIKE 'collection.tracks%' ORDER BY seq",
      c,
    );
    expect(audit.map((a) => a.action)).toEqual(['collection.tracks_remove', 'collection.tracks_add']);
  });

  it('Move: the listed tracks, in order, before InsertBeforeTrackId (null: the end); the answer is the Id only', async () => {
    const w = await createWorld();
    const { c, tracks: t } = await playlistOf(w, 5);
    const res = await post(w, 'update', {
      Id: pid(c),
      InsertBeforeTrackId: tid(t[1]!),
      TrackActions: [
        { Id: tid(t[4]!), Action: 'Move' },
        { Id: tid(t[2]!), Action: 'Move' },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ PlaylistActionResult: { Id: pid(c) } });
    expect(await entries(w, c)).toEqual([t[0], t[4], t[2], t[1], t[3]]);
    await post(w, 'update', {
      Id: pid(c),
      InsertBeforeTrackId: null,
      TrackActions: [{ Id: tid(t[0]!), Action: 'Move' }],
    });
    expect(await entries(w, c)).toEqual([t[4], t[2], t[1], t[3], t[0]]);
    expect(
      await rows(w, "SELECT count(*) AS n FROM audit_log WHERE action = 'collection.tracks_move' AND target_id = ?", c),
    ).toEqual([{ n: 2 }]);
  });

  it('an invalid reorder is 400 COLLECTION_INVALID_PLAYLIST_REORDER and moves nothing: mixed with Add or Delete or a Name, a track not in the playlist, a target among the moved', async () => {
    const w = await createWorld();
    const { c, tracks: t } = await playlistOf(w, 3);
    const outside = await createTrackVia(w.app, w.alice.key, w.orgA);
    const before = await snapshotAll(w);
    const move = (id: string) => ({ Id: tid(id), Action: 'Move' });
    const cases: unknown[] = [
      { Id: pid(c), TrackActions: [move(t[0]!), { Id: tid(outside), Action: 'Add' }] },
      { Id: pid(c), Name: 'x', TrackActions: [move(t[0]!)] },
      { Id: pid(c), TrackActions: [move(outside)] },
      { Id: pid(c), InsertBeforeTrackId: tid(outside), TrackActions: [move(t[0]!)] },
      { Id: pid(c), InsertBeforeTrackId: tid(t[1]!), TrackActions: [move(t[0]!), move(t[1]!)] },
    ];
    for (const body of cases) {
      const res = await post(w, 'update', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.Error, res.text).toMatchObject({
        ErrorCode: 'COLLECTION_INVALID_PLAYLIST_REORDER',
        Description: 'Invalid playlist reorder',
      });
    }
    expect(await snapshotAll(w)).toBe(before);
  });

  it('CollectionStateToken is the version browsed: a stale one is 409 COLLECTION_CONCURRENT_UPDATE and changes nothing', async () => {
    const w = await createWorld();
    const { c, tracks } = await playlistOf(w, 2);
    const browsed = await groove(w, 'GET', `${P}/browse`, w.alice.key);
    const token = browsed.body.Playlists.Items[0].CollectionStateToken;
    expect(token).toBe('3');
    await post(w, 'update', { Id: pid(c), Name: 'someone else' });
    const before = await snapshotAll(w);
    const stale = await post(w, 'update', {
      Id: pid(c),
      CollectionStateToken: token,
      TrackActions: [{ Id: tid(tracks[0]!), Action: 'Delete' }],
    });
    expect([stale.status, stale.body.Error.ErrorCode]).toEqual([409, 'COLLECTION_CONCURRENT_UPDATE']);
    const bad = await post(w, 'update', { Id: pid(c), CollectionStateToken: '3.0.1.1.7.7.7', Name: 'x' });
    expect([bad.status, bad.body.Error.ErrorCode]).toEqual([400, 'INVALID_INPUT_PARAMETER']);
    expect(await snapshotAll(w)).toBe(before);
    // The current token, through a rename, a delete and an add in one request.
    const fresh = await createTrackVia(w.app, w.alice.key, w.orgA);
    const ok = await post(w, 'update', {
      Id: pid(c),
      Name: 'Now',
      CollectionStateToken: '4',
      TrackActions: [
        { Id: tid(fresh), Action: 'Add' },
        { Id: tid(tracks[0]!), Action: 'Delete' },
      ],
    });
    expect(ok.body.Error, ok.text).toBeUndefined();
    expect(await rows(w, 'SELECT name, version FROM collections WHERE id = ?', c)).toEqual([
      { name: 'Now', version: 7 },
    ]);
  });

  it('a playlist that is not yours, deleted or unknown is 400 COLLECTION_INVALID_ID; no Id is COLLECTION_INVALID_PLAYLIST_INFO', async () => {
    const w = await createWorld();
    const { c } = await playlistOf(w, 1);
    const before = await snapshotAll(w);
    for (const [key, body] of [
      [w.bob.key, { Id: pid(c), Name: 'mine' }],
      [w.dave.key, { Id: pid(c), Name: 'mine' }],
      [w.alice.key, { Id: 'music.playlist.mcoll_00000000000000000000', Name: 'x' }],
    ] as const) {
      const res = await post(w, 'update', body, key);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        Error: { ...INVALID_ID, Message: 'Music collection not found or not owned by caller' },
      });
    }
    const noId = await post(w, 'update', { Name: 'x' });
    expect([noId.status, noId.body.Error.ErrorCode]).toEqual([400, 'COLLECTION_INVALID_PLAYLIST_INFO']);
    expect(await snapshotAll(w)).toBe(before);
  });
});

describe('POST …/collection/playlists/delete', () => {
  it('deletes the collection (soft) and answers its Id; again it is COLLECTION_INVALID_ID', async () => {
    const w = await createWorld();
    const { c, tracks } = await playlistOf(w, 1);
    const res = await post(w, 'delete', { Id: pid(c), Name: 'ignored', TrackActions: 'ignored too' });
    expect(res.body).toEqual({ PlaylistActionResult: { Id: pid(c) } });
    expect((await rows(w, 'SELECT deleted_at FROM collections WHERE id = ?', c))[0].deleted_at).not.toBeNull();
    expect(await rows(w, 'SELECT count(*) AS n FROM tracks WHERE id = ? AND deleted_at IS NULL', tracks[0])).toEqual([
      { n: 1 },
    ]);
    const again = await post(w, 'delete', { Id: pid(c) });
    expect([again.status, again.body.Error.ErrorCode]).toEqual([400, 'COLLECTION_INVALID_ID']);
  });
});

describe('GET …/collection/playlists/browse', () => {
  it('lists your playlists newest first, 25 a page, with continuation tokens and the total', async () => {
    const w = await createWorld();
    const made: string[] = [];
    for (let i = 0; i < 27; i++) made.push(await createCollectionVia(w.app, w.alice.key, w.orgA, `p${i}`));
    await createCollectionVia(w.app, w.bob.key, w.orgA, 'bob');
    const first = await groove(w, 'GET', `${P}/browse`, w.alice.key);
    expect(first.status, first.text).toBe(200);
    expect(first.body.Playlists.Items).toHaveLength(GROOVE_BROWSE_PAGE.defaultSize);
    expect(first.body.Playlists.TotalItemCount).toBe(27);
    expect(first.body.Playlists.Items[0]).toEqual({
      Id: pid(made[26]!),
      Name: 'p26',
      TrackCount: 0,
      Source: 'Collection',
      UserIsOwner: true,
      IsReadOnly: false,
      IsPublished: false,
      CollectionStateToken: '1',
    });
    const token = first.body.Playlists.ContinuationToken;
    expect(typeof token).toBe('string');
    const rest2 = await groove(w, 'GET', `${P}/browse?continuationToken=${encodeURIComponent(token)}`, w.alice.key);
    expect(rest2.body.Playlists.Items.map((i: any) => i.Name)).toEqual(['p1', 'p0']);
    expect(rest2.body.Playlists.ContinuationToken).toBeUndefined();
    const paged = await groove(w, 'GET', `${P}/browse?maxItems=10&page=2&orderBy=collectiondate`, w.alice.key);
    expect(paged.body.Playlists.Items.map((i: any) => i.Name)).toEqual(['p6', 'p5', 'p4', 'p3', 'p2', 'p1', 'p0']);
    // More than 25 is 25.
    expect((await groove(w, 'GET', `${P}/browse?maxItems=100`, w.alice.key)).body.Playlists.Items).toHaveLength(
      GROOVE_BROWSE_PAGE.maxSize,
    );
  });

  it('refuses bad parameters in Groove words', async () => {
    const w = await createWorld();
    const cases: [string, string, number][] = [
      ['orderBy=ArtistName', 'INCOMPATIBLE_INPUT_PARAMETERS', 400],
      ['continuationToken=nonsense', 'CONTINUATION_TOKEN_INVALID_ERROR', 400],
      ['maxItems=0', 'INVALID_INPUT_PARAMETER', 400],
      ['page=-1', 'INVALID_INPUT_PARAMETER', 400],
      ['page=999999999', 'INVALID_INPUT_PARAMETER', 400],
    ];
    for (const [query, code, status] of cases) {
      const res = await groove(w, 'GET', `${P}/browse?${query}`, w.alice.key);
      expect([res.status, res.body.Error?.ErrorCode], query).toEqual([status, code]);
    }
    const order = await groove(w, 'GET', `${P}/browse?orderBy=ArtistName`, w.alice.key);
    expect(order.body.Error).toEqual({
      ErrorCode: 'INCOMPATIBLE_INPUT_PARAMETERS',
      Description: 'Incompatible parameters',
      Message: 'Invalid ordering for this content',
    });
    // The other collection types are not served here.
    for (const type of ['albums', 'artists', 'tracks', 'playlistsforyou']) {
      const res = await groove(w, 'GET', `/1/content/music/collection/${type}/browse`, w.alice.key);
      expect([res.status, res.body.Error.ErrorCode]).toEqual([404, 'ENDPOINT_NOT_FOUND']);
    }
  });
});

describe('GET /1/content/{playlist id}/collection/playlist/tracks/browse', () => {
  it("lists a playlist's tracks in playlist order, their Ids usable in Delete and Move", async () => {
    const w = await createWorld();
    const { c, tracks } = await playlistOf(w, 27);
    const path = `/1/content/${pid(c)}/collection/Playlist/Tracks/browse`;
    const first = await groove(w, 'GET', path, w.alice.key);
    expect(first.status, first.text).toBe(200);
    expect(first.body.Tracks.TotalItemCount).toBe(27);
    expect(first.body.Tracks.Items[0]).toEqual({ Id: tid(tracks[0]!), Name: 't0', Source: 'Collection' });
    const next = await groove(
      w,
      'GET',
      `${path}?continuationToken=${first.body.Tracks.ContinuationToken}`,
      w.alice.key,
    );
    expect(next.body.Tracks.Items.map((i: any) => i.Id)).toEqual([tid(tracks[25]!), tid(tracks[26]!)]);
    const removed = await post(w, 'update', {
      Id: pid(c),
      TrackActions: next.body.Tracks.Items.map((i: any) => ({ Id: i.Id, Action: 'Delete' })),
    });
    expect(removed.body.Error, removed.text).toBeUndefined();
    expect((await groove(w, 'GET', path, w.alice.key)).body.Tracks).toEqual(
      expect.objectContaining({ TotalItemCount: 25 }),
    );
  });

  it("someone else's playlist is COLLECTION_INVALID_ID; orderBy is not offered", async () => {
    const w = await createWorld();
    const { c } = await playlistOf(w, 1);
    const path = `/1/content/${pid(c)}/collection/playlist/tracks/browse`;
    const foreign = await groove(w, 'GET', path, w.bob.key);
    expect([foreign.status, foreign.body.Error.ErrorCode]).toEqual([400, 'COLLECTION_INVALID_ID']);
    const ordered = await groove(w, 'GET', `${path}?orderBy=TrackTitle`, w.alice.key);
    expect([ordered.status, ordered.body.Error.ErrorCode]).toEqual([400, 'INCOMPATIBLE_INPUT_PARAMETERS']);
  });
});

describe('what every playlist endpoint shares', () => {
  const calls = (c: string): [string, string, unknown][] => [
    ['POST', `${P}/create`, { Name: 'x' }],
    ['POST', `${P}/update`, { Id: pid(c), Name: 'y' }],
    ['POST', `${P}/delete`, { Id: pid(c) }],
    ['GET', `${P}/browse`, undefined],
    ['GET', `/1/content/${pid(c)}/collection/playlist/tracks/browse`, undefined],
  ];

  it('a missing, unknown or revoked key is 401 INVALID_AUTHORIZATION_HEADER before anything is read', async () => {
    const w = await createWorld();
    const { c } = await playlistOf(w, 0);
    const revoked = await createApiKey(w.deps, { userId: w.alice.userId });
    await revokeApiKey(w.deps, { keyId: revoked.id });
    const before = await snapshotAll(w);
    for (const [method, path, body] of calls(c)) {
      for (const key of [null, 'mgk_unknown', revoked.key]) {
        for (const sent of [body, method === 'POST' ? { Name: 5 } : undefined]) {
          const res = await groove(w, method, path, key, sent);
          expect([res.status, res.body.Error.ErrorCode], `${method} ${path}`).toEqual([
            401,
            'INVALID_AUTHORIZATION_HEADER',
          ]);
        }
      }
      const query = await groove(w, method, `${path}?maxItems=x`, null, body);
      expect(query.status).toBe(401);
    }
    expect(await snapshotAll(w)).toBe(before);
  });

  it('the organization is your only one or X-Organization-Id; several without the header is 400 AMBIGUOUS_ORGANIZATION', async () => {
    const w = await createWorld();
    const { c } = await playlistOf(w, 0);
    await addMember(w.deps, { organizationId: w.orgB, userId: w.alice.userId, capabilities: ['USE_MUSIC_GENERATION'] });
    const before = await snapshotAll(w);
    for (const [method, path, body] of calls(c)) {
      const res = await groove(w, method, path, w.alice.key, body);
      expect([res.status, res.body.Error.ErrorCode], `${method} ${path}`).toEqual([400, 'AMBIGUOUS_ORGANIZATION']);
      const foreign = await groove(w, method, path, w.alice.key, body, { 'x-organization-id': 'org_zzz' });
      expect([foreign.status, foreign.body.Error.ErrorCode], `${method} ${path}`).toEqual([
        403,
        'ORGANIZATION_ACCESS_DENIED',
      ]);
    }
    expect(await snapshotAll(w)).toBe(before);
    // Named: the playlists of that organization only.
    const inB = await groove(w, 'GET', `${P}/browse`, w.alice.key, undefined, { 'x-organization-id': w.orgB });
    expect(inB.body.Playlists).toEqual({ Items: [], TotalItemCount: 0 });
    const created = await post(w, 'create', { Name: 'in B' }, w.alice.key, { 'x-organization-id': w.orgB });
    expect(
      await rows(
        w,
        'SELECT organization_id FROM collections WHERE id = ?',
        created.body.PlaylistActionResult.Id.slice('music.playlist.'.length),
      ),
    ).toEqual([{ organization_id: w.orgB }]);
    const inA = await groove(w, 'GET', `${P}/browse`, w.alice.key, undefined, { 'x-organization-id': w.orgA });
    expect(inA.body.Playlists.Items.map((i: any) => i.Id)).toEqual([pid(c)]);
  });

  it('other methods are 405 with Allow; a namespace other than music is INVALID_INPUT_PARAMETER', async () => {
    const w = await createWorld();
    const get = await groove(w, 'GET', `${P}/create`, w.alice.key);
    expect([get.status, get.headers.get('allow'), get.body.Error.ErrorCode]).toEqual([
      405,
      'POST',
      'METHOD_NOT_ALLOWED',
    ]);
    const post2 = await groove(w, 'POST', `${P}/browse`, w.alice.key, {});
    expect([post2.status, post2.headers.get('allow')]).toEqual([405, 'GET']);
    const video = await groove(w, 'POST', '/1/content/video/collection/playlists/create', w.alice.key, { Name: 'x' });
    expect([video.status, video.body.Error.ErrorCode]).toEqual([400, 'INVALID_INPUT_PARAMETER']);
  });
});
