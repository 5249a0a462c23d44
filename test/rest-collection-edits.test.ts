import { describe, expect, it } from 'vitest';
import { addVia, createCollectionVia, createTrackVia, createWorld, rest, rows, type World } from './helpers.js';
import { snapshotAll } from './support/fixtures.js';

// The batch edits over REST: `track_ids` + `position` on POST …/tracks beside the documented
// single `track_id`, DELETE …/tracks for a batch remove, PATCH …/tracks for a range move; all
// with If-Match and ETag like the other collection writes. They run the GraphQL mutations of
// collection-edits.test.ts, so only what REST adds is tested here.

const tracksOf = (w: World, c: string) => `/v1/music/${w.orgA}/collections/${c}/tracks`;

async function setup(n: number) {
  const w = await createWorld();
  const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
  const tracks: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = await createTrackVia(w.app, w.alice.key, w.orgA, `t${i}`);
    await addVia(w.app, w.alice.key, w.orgA, c, t);
    tracks.push(t);
  }
  return { w, c, tracks };
}

const order = async (w: World, c: string) =>
  (await rest(w.app, 'GET', tracksOf(w, c), { key: w.alice.key })).body.items;

describe('POST …/collections/{collection_id}/tracks with track_ids', () => {
  it('inserts at the position and answers the collection, one result per id, and the new version as ETag', async () => {
    const { w, c, tracks } = await setup(3);
    const [x, y] = [
      await createTrackVia(w.app, w.alice.key, w.orgA, 'x'),
      await createTrackVia(w.app, w.alice.key, w.orgA, 'y'),
    ];
    const res = await rest(w.app, 'POST', tracksOf(w, c), {
      key: w.alice.key,
      body: { track_ids: [x, tracks[0], y], position: 1 },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('etag')).toBe('"5"');
    expect(res.body).toEqual({
      collection: {
        id: c,
        name: 'A collection',
        description: null,
        cover_track_id: null,
        cover_image_url: null,
        track_count: 5,
        created_at: '2026-06-28T10:30:00Z',
        updated_at: '2026-06-28T10:30:00Z',
      },
      results: [
        { track_id: x, success: true, position: 1, error: null },
        {
          track_id: tracks[0],
          success: false,
          position: null,
          error: {
            code: 'TRACK_ALREADY_IN_COLLECTION',
            message: 'The track is already in the collection.',
            system_message: 'Music track already in collection',
          },
        },
        { track_id: y, success: true, position: 2, error: null },
      ],
    });
    const items = await order(w, c);
    expect(items.map((i: any) => [i.track_id, i.position])).toEqual([
      [tracks[0], 0],
      [x, 1],
      [y, 2],
      [tracks[1], 3],
      [tracks[2], 4],
    ]);
    // The ETag is the one a read now shows.
    expect(
      (await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c}`, { key: w.alice.key })).headers.get('etag'),
    ).toBe('"5"');
  });

  it('the single track_id form is as documented: an ack, appended, idempotent', async () => {
    const { w, c, tracks } = await setup(1);
    const res = await rest(w.app, 'POST', tracksOf(w, c), { key: w.alice.key, body: { track_id: tracks[0] } });
    expect(res.body).toEqual({ success: true, id: tracks[0], detail: 'Track added to collection.' });
    expect(res.headers.get('etag')).toBeNull();
  });

  it('refuses a body of both forms, a position without track_ids, and neither form, changing nothing', async () => {
    const { w, c, tracks } = await setup(1);
    const before = await snapshotAll(w);
    const cases: [unknown, string, string][] = [
      [{ track_id: tracks[0], track_ids: [tracks[0]] }, 'track_id', 'send either track_id or track_ids, not both'],
      [{ track_id: tracks[0], position: 0 }, 'position', 'position goes with track_ids'],
      [{}, 'track_id', 'track_id is required'],
      [{ track_ids: null }, 'track_ids', 'track_ids must not be null'],
      [{ track_ids: [tracks[0]], position: 'first' }, 'position', 'position must be an integer'],
      [{ track_ids: [tracks[0]], position: 2 }, 'position', 'position must be at most the track count (1)'],
      [
        { track_ids: Array.from({ length: 101 }, (_, i) => `mtrack_${i}`) },
        'track_ids',
        'track_ids may list at most 100 ids, got 101',
      ],
    ];
    for (const [body, field, message] of cases) {
      const res = await rest(w.app, 'POST', tracksOf(w, c), { key: w.alice.key, body });
      expect(
        [res.status, res.body.error.code, res.body.error.details.field, res.body.error.system_message],
        JSON.stringify(body),
      ).toEqual([422, 'VALIDATION_ERROR', field, message]);
    }
    expect(await snapshotAll(w)).toBe(before);
  });
});

describe('DELETE …/collections/{collection_id}/tracks', () => {
  it('removes a batch, closes the gaps, answers per id with the new version as ETag', async () => {
    const { w, c, tracks } = await setup(4);
    const res = await rest(w.app, 'DELETE', tracksOf(w, c), {
      key: w.alice.key,
      body: { track_ids: [tracks[2], 'mtrack_none', tracks[0]] },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('etag')).toBe('"6"');
    expect(res.body.collection.track_count).toBe(2);
    expect(res.body.results).toEqual([
      { track_id: tracks[2], success: true, position: 2, error: null },
      {
        track_id: 'mtrack_none',
        success: false,
        position: null,
        error: {
          code: 'RESOURCE_NOT_FOUND',
          message: 'The requested resource could not be found.',
          system_message: 'Music track not found in collection',
        },
      },
      { track_id: tracks[0], success: true, position: 0, error: null },
    ]);
    expect((await order(w, c)).map((i: any) => [i.track_id, i.position])).toEqual([
      [tracks[1], 0],
      [tracks[3], 1],
    ]);
  });

  it('needs track_ids; the single-track route beside it is unchanged', async () => {
    const { w, c, tracks } = await setup(2);
    const missing = await rest(w.app, 'DELETE', tracksOf(w, c), { key: w.alice.key });
    expect([missing.status, missing.body.error.system_message]).toEqual([422, 'track_ids is required']);
    const one = await rest(w.app, 'DELETE', `${tracksOf(w, c)}/${tracks[0]}`, { key: w.alice.key });
    expect(one.body).toEqual({ success: true, id: tracks[0], detail: 'Track removed from collection.' });
  });
});

describe('PATCH …/collections/{collection_id}/tracks (range move)', () => {
  it('moves the range and answers the collection with its version as ETag; range_length defaults to 1', async () => {
    const { w, c, tracks } = await setup(5);
    const res = await rest(w.app, 'PATCH', tracksOf(w, c), {
      key: w.alice.key,
      body: { range_start: 3, range_length: 2, insert_before: 0 },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('etag')).toBe('"7"');
    expect(res.body).toMatchObject({ id: c, track_count: 5 });
    const one = await rest(w.app, 'PATCH', tracksOf(w, c), {
      key: w.alice.key,
      body: { range_start: 0, insert_before: 5 },
    });
    expect(one.headers.get('etag')).toBe('"8"');
    expect((await order(w, c)).map((i: any) => i.track_id)).toEqual([
      tracks[4],
      tracks[0],
      tracks[1],
      tracks[2],
      tracks[3],
    ]);
  });

  it('a range past the end is 422 INVALID_TRACK_MOVE; missing or mistyped fields are 422 VALIDATION_ERROR; nothing changes', async () => {
    const { w, c } = await setup(2);
    const before = await snapshotAll(w);
    const past = await rest(w.app, 'PATCH', tracksOf(w, c), {
      key: w.alice.key,
      body: { range_start: 1, range_length: 2, insert_before: 0 },
    });
    expect(past.status).toBe(422);
    expect(past.body.error).toMatchObject({
      code: 'INVALID_TRACK_MOVE',
      message: 'The tracks cannot be moved as asked.',
      system_message: 'range_start + range_length (3) is past the track count (2)',
      type: 'validation_error',
      details: { collection_id: c, track_count: 2 },
    });
    const cases: [unknown, string][] = [
      [{ insert_before: 0 }, 'range_start is required'],
      [{ range_start: 'a', insert_before: 0 }, 'range_start must be an integer'],
      [{ range_start: 0, insert_before: 1.5 }, 'insert_before must be an integer'],
      [{ range_start: 0, insert_before: 1, ordered_track_ids: [] }, 'ordered_track_ids is not a known field'],
    ];
    for (const [body, message] of cases) {
      const res = await rest(w.app, 'PATCH', tracksOf(w, c), { key: w.alice.key, body });
      expect([res.status, res.body.error.code, res.body.error.system_message], JSON.stringify(body)).toEqual([
        422,
        'VALIDATION_ERROR',
        message,
      ]);
    }
    expect(await snapshotAll(w)).toBe(before);
  });
});

describe('If-Match, and collections that are not yours', () => {
  it('each route applies If-Match (409 on a stale one, changing nothing) and answers 404 for a collection not yours', async () => {
    const { w, c, tracks } = await setup(2);
    const x = await createTrackVia(w.app, w.alice.key, w.orgA);
    const calls: [string, unknown][] = [
      ['POST', { track_ids: [x], position: 0 }],
      ['DELETE', { track_ids: [tracks[0]] }],
      ['PATCH', { range_start: 0, insert_before: 2 }],
    ];
    const before = await snapshotAll(w);
    for (const [method, body] of calls) {
      const stale = await rest(w.app, method, tracksOf(w, c), {
        key: w.alice.key,
        body,
        headers: { 'if-match': '"1"' },
      });
      expect([stale.status, stale.body.error.code, stale.body.error.details], method).toEqual([
        409,
        'COLLECTION_CONCURRENT_UPDATE',
        { collection_id: c, current_version: 3 },
      ]);
      const foreign = await rest(w.app, method, tracksOf(w, c), { key: w.bob.key, body });
      expect([foreign.status, foreign.body.error.code, foreign.body.error.details], method).toEqual([
        404,
        'RESOURCE_NOT_FOUND',
        { collection_id: c },
      ]);
      const otherOrg = await rest(w.app, method, tracksOf(w, c), { key: w.dave.key, body });
      expect([otherOrg.status, otherOrg.body.error.code], method).toEqual([403, 'ORGANIZATION_ACCESS_DENIED']);
    }
    expect(await snapshotAll(w)).toBe(before);
    let version = 3;
    for (const [method, body] of calls) {
      const ok = await rest(w.app, method, tracksOf(w, c), {
        key: w.alice.key,
        body,
        headers: { 'if-match': `"${version}"` },
      });
      expect(ok.status, ok.text).toBe(200);
      version += 1;
      expect(ok.headers.get('etag'), method).toBe(`"${version}"`);
    }
    expect(await rows(w, 'SELECT version FROM collections WHERE id = ?', c)).toEqual([{ version }]);
  });
});
