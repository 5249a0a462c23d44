import { describe, expect, it } from 'vitest';
import { addVia, createCollectionVia, createTrackVia, createWorld, rest, rows } from './helpers.js';

describe('collections over REST', () => {
  it('lists own collections newest first, without counts, echoing limit and offset', async () => {
    const w = await createWorld();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await createCollectionVia(w.app, w.alice.key, w.orgA, `c${i}`));
    await createCollectionVia(w.app, w.bob.key, w.orgA, 'bob');
    const res = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, { key: w.alice.key });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['items', 'limit', 'offset']);
    expect(res.body.items.map((c: any) => c.id)).toEqual([...ids].reverse());
    expect(res.body.items.every((c: any) => c.track_count === null)).toBe(true);
    expect(Object.keys(res.body.items[0])).toEqual([
      'id',
      'name',
      'description',
      'cover_track_id',
      'cover_image_url',
      'track_count',
      'created_at',
      'updated_at',
    ]);
    expect(res.body.limit).toBe(50);
    expect(res.body.offset).toBe(0);

    const paged = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections?limit=1&offset=1`, { key: w.alice.key });
    expect(paged.body.items.map((c: any) => c.id)).toEqual([ids[1]]);
    expect([paged.body.limit, paged.body.offset]).toEqual([1, 1]);
  });

  it('rejects limits outside 1..100 and malformed numbers with 422 naming the parameter', async () => {
    const w = await createWorld();
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'limit=1.5']) {
      const res = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections?${q}`, { key: w.alice.key });
      expect(res.status, q).toBe(422);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details.field).toBe(q.split('=')[0]);
    }
    const ok = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections?limit=100`, { key: w.alice.key });
    expect(ok.status).toBe(200);
  });

  it('gets a collection with its count; 404 for missing, deleted and foreign ones alike', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    await addVia(w.app, w.alice.key, w.orgA, c, t);
    const res = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c}`, { key: w.alice.key });
    expect(res.status).toBe(200);
    expect(res.body.track_count).toBe(1);

    const foreign = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c}`, { key: w.bob.key });
    const missing = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/mcoll_00000000000000000000`, {
      key: w.bob.key,
    });
    await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/collections/${c}`, { key: w.alice.key });
    const deleted = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c}`, { key: w.alice.key });
    for (const r of [foreign, missing, deleted]) {
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('RESOURCE_NOT_FOUND');
      expect(r.body.error.system_message).toBe('Music collection not found or not owned by caller');
    }
    const strip = (b: any) => ({ ...b.error, trace_id: 0, details: 0 });
    expect(strip(foreign.body)).toEqual(strip(missing.body));
  });

  it('adds tracks at the end, idempotently, and lists them in position order', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const t1 = await createTrackVia(w.app, w.alice.key, w.orgA, 'one');
    const t2 = await createTrackVia(w.app, w.alice.key, w.orgA, 'two');
    const add = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections/${c}/tracks`, {
      key: w.alice.key,
      body: { track_id: t1 },
    });
    expect(add.status).toBe(200);
    expect(add.body).toEqual({ success: true, id: t1, detail: 'Track added to collection.' });
    await addVia(w.app, w.alice.key, w.orgA, c, t2);
    await addVia(w.app, w.alice.key, w.orgA, c, t1);
    const list = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c}/tracks`, { key: w.alice.key });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      collection_id: c,
      items: [
        { track_id: t1, position: 0, added_at: '2026-06-28T10:30:00Z' },
        { track_id: t2, position: 1, added_at: '2026-06-28T10:30:00Z' },
      ],
      limit: 200,
      offset: 0,
    });
    const page = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c}/tracks?limit=1&offset=1`, {
      key: w.alice.key,
    });
    expect(page.body.items.map((i: any) => i.track_id)).toEqual([t2]);
    const tooBig = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c}/tracks?limit=501`, {
      key: w.alice.key,
    });
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.error.details).toEqual({ field: 'limit' });
    expect(tooBig.body.error.system_message).toBe('limit must be between 1 and 500');
  });

  it('refuses to add a track the caller cannot see, or of another organization (404, nothing added)', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const bobs = await createTrackVia(w.app, w.bob.key, w.orgA);
    const daves = await createTrackVia(w.app, w.dave.key, w.orgB);
    for (const t of [bobs, daves, 'mtrack_00000000000000000000']) {
      const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections/${c}/tracks`, {
        key: w.alice.key,
        body: { track_id: t },
      });
      expect(res.status).toBe(404);
      expect(res.body.error.details).toEqual({ track_id: t });
    }
    const missingField = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections/${c}/tracks`, {
      key: w.alice.key,
      body: {},
    });
    expect(missingField.status).toBe(422);
    expect(missingField.body.error.details).toEqual({ field: 'track_id' });
    expect(await rows(w, 'SELECT * FROM collection_entries')).toHaveLength(0);
  });
});

describe('tracks over REST', () => {
  it('creates a track (201) that enters the creator library and can be read back', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks`, {
      key: w.alice.key,
      body: {
        title: 'Night Drive',
        duration_seconds: 187.5,
        instrumental: true,
        audio_url: 'https://cdn.example.com/a.mp3',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^mtrack_[0-9a-f]{20}$/),
      title: 'Night Drive',
      engine: 'studio',
      mode: 'creation',
      measured_duration_seconds: 187.5,
      instrumental: true,
      audio_url: 'https://cdn.example.com/a.mp3',
      artwork_url: null,
      created_at: '2026-06-28T10:30:00Z',
      updated_at: '2026-06-28T10:30:00Z',
      playback_url: 'https://cdn.example.com/a.mp3',
      stem_urls: null,
    });
    const got = await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks/${res.body.id}`, { key: w.alice.key });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    const library = await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks`, { key: w.alice.key });
    expect(library.body.items.map((t: any) => t.id)).toEqual([res.body.id]);
    expect(library.body.items[0].playback_url).toBeNull();
    expect(await rows(w, 'SELECT source FROM library_saves WHERE track_id = ?', res.body.id)).toEqual([
      { source: 'own' },
    ]);
  });

  it('hides other members tracks (404), and validates input (422)', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const hidden = await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks/${t}`, { key: w.bob.key });
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.details).toEqual({ track_id: t });
    const cases: [unknown, string][] = [
      [{}, 'title'],
      [{ title: '  ' }, 'title'],
      [{ title: 'x', duration_seconds: -1 }, 'duration_seconds'],
      [{ title: 'x', audio_url: 'javascript:alert(1)' }, 'audio_url'],
      [{ title: 'x', mode: 'karaoke' }, 'mode'],
      [{ title: 'x', instrumental: 'yes' }, 'instrumental'],
      [{ title: 'x', colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks`, { key: w.alice.key, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.details).toEqual({ field });
    }
    expect(await rows(w, 'SELECT * FROM tracks')).toHaveLength(1);
  });

  it('deleting a track removes it from every collection, cover and library, keeping rows and audit', async () => {
    const w = await createWorld();
    const [t1, t2, t3] = [
      await createTrackVia(w.app, w.alice.key, w.orgA, '1'),
      await createTrackVia(w.app, w.alice.key, w.orgA, '2'),
      await createTrackVia(w.app, w.alice.key, w.orgA, '3'),
    ];
    const withCover = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections`, {
      key: w.alice.key,
      body: { name: 'covered', cover_track_id: t2 },
    });
    const c1 = withCover.body.id;
    const c2 = await createCollectionVia(w.app, w.alice.key, w.orgA);
    for (const t of [t1, t2, t3]) await addVia(w.app, w.alice.key, w.orgA, c1, t);
    for (const t of [t2, t3]) await addVia(w.app, w.alice.key, w.orgA, c2, t);

    const res = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${t2}`, { key: w.alice.key });
    expect(res.status).toBe(200);

    const list1 = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c1}/tracks`, { key: w.alice.key });
    expect(list1.body.items.map((i: any) => [i.track_id, i.position])).toEqual([
      [t1, 0],
      [t3, 1],
    ]);
    const list2 = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c2}/tracks`, { key: w.alice.key });
    expect(list2.body.items.map((i: any) => [i.track_id, i.position])).toEqual([[t3, 0]]);
    const got1 = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c1}`, { key: w.alice.key });
    expect(got1.body.track_count).toBe(2);
    expect(got1.body.cover_track_id).toBeNull();
    const library = await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks`, { key: w.alice.key });
    expect(library.body.items.map((t: any) => t.id)).toEqual([t3, t1]);
    const again = await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks/${t2}`, { key: w.alice.key });
    expect(again.status).toBe(404);

    expect(await rows(w, 'SELECT deleted_at FROM tracks WHERE id = ?', t2)).toEqual([{ deleted_at: w.clock.now }]);
    expect(await rows(w, 'SELECT count(*) AS n FROM library_saves WHERE track_id = ?', t2)).toEqual([{ n: 1 }]);
    expect(
      (await rows(w, 'SELECT action FROM audit_log WHERE target_id = ? ORDER BY seq', t2)).map((r) => r.action),
    ).toEqual(['track.create', 'collection.track_add', 'collection.track_add', 'track.delete']);
    await expect(rows(w, 'DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(rows(w, "UPDATE audit_log SET action = 'x'")).rejects.toThrow(/append-only/);
  });
});

describe('organization scope', () => {
  it('a non-member gets 403 ORGANIZATION_ACCESS_DENIED on every route, whatever the object', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const calls: [string, string, unknown?][] = [
      ['GET', `/v1/music/${w.orgA}/collections`],
      ['POST', `/v1/music/${w.orgA}/collections`, { name: 'x' }],
      ['GET', `/v1/music/${w.orgA}/collections/${c}`],
      ['GET', `/v1/music/${w.orgA}/collections/mcoll_nope`],
      ['DELETE', `/v1/music/${w.orgA}/collections/${c}`],
      ['POST', `/v1/music/${w.orgA}/collections/${c}/tracks`, { track_id: t }],
      ['GET', `/v1/music/${w.orgA}/collections/${c}/tracks`],
      ['DELETE', `/v1/music/${w.orgA}/collections/${c}/tracks/${t}`],
      ['POST', `/v1/music/${w.orgA}/tracks`, { title: 'x' }],
      ['GET', `/v1/music/${w.orgA}/tracks`],
      ['GET', `/v1/music/${w.orgA}/tracks/${t}`],
      ['DELETE', `/v1/music/${w.orgA}/tracks/${t}`],
    ];
    const bodies = new Set<string>();
    for (const [method, path, body] of calls) {
      const res = await rest(w.app, method, path, { key: w.dave.key, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('ORGANIZATION_ACCESS_DENIED');
      expect(res.body.error.details).toEqual({ organization_id: w.orgA });
      bodies.add(JSON.stringify({ ...res.body.error, trace_id: 0 }));
    }
    expect(bodies.size).toBe(1);
    expect(await rows(w, 'SELECT count(*) AS n FROM collections')).toEqual([{ n: 1 }]);
    expect(await rows(w, 'SELECT count(*) AS n FROM tracks WHERE deleted_at IS NULL')).toEqual([{ n: 1 }]);
  });

  it('accepts Authorization: Bearer as well as X-API-Key; rejects other schemes', async () => {
    const w = await createWorld();
    const bearer = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, {
      headers: { authorization: `Bearer ${w.alice.key}` },
    });
    expect(bearer.status).toBe(200);
    const basic = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, {
      headers: { authorization: `Basic ${w.alice.key}` },
    });
    expect(basic.status).toBe(401);
    const unknown = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, { key: 'mgk_not-a-real-key' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('AUTHENTICATION_REQUIRED');
  });
});

describe('HTTP-level errors use the same envelope', () => {
  it('unknown path 404 ENDPOINT_NOT_FOUND, wrong method 405 with Allow', async () => {
    const w = await createWorld();
    const unknown = await rest(w.app, 'GET', '/v1/music/org_a/nothing-here', { key: w.alice.key });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('ENDPOINT_NOT_FOUND');
    expect(unknown.body.success).toBe(false);
    const outside = await rest(w.app, 'GET', '/nowhere');
    expect(outside.status).toBe(404);
    expect(outside.body.error.code).toBe('ENDPOINT_NOT_FOUND');
    const wrong = await rest(w.app, 'PUT', `/v1/music/${w.orgA}/collections`, { key: w.alice.key });
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(wrong.headers.get('allow')).toBe('POST, GET, HEAD');
  });

  it('malformed JSON 400, non-object 400, wrong content type 415, and nothing changes', async () => {
    const w = await createWorld();
    const path = `/v1/music/${w.orgA}/collections`;
    const malformed = await rest(w.app, 'POST', path, {
      key: w.alice.key,
      rawBody: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_REQUEST_BODY');
    const array = await rest(w.app, 'POST', path, { key: w.alice.key, body: [{ name: 'x' }] });
    expect(array.status).toBe(400);
    expect(array.body.error.code).toBe('INVALID_REQUEST_BODY');
    const text = await rest(w.app, 'POST', path, {
      key: w.alice.key,
      rawBody: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const wrongType = await rest(w.app, 'POST', path, { key: w.alice.key, body: { name: 5 } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.error.details).toEqual({ field: 'name' });
    expect(wrongType.text).not.toMatch(/\.ts:\d+|at \//);
    expect(await rows(w, 'SELECT * FROM collections')).toHaveLength(0);
  });

  it('every response carries X-Request-Id equal to the error trace_id', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/mcoll_x`, { key: w.alice.key });
    expect(res.headers.get('x-request-id')).toBe(res.body.error.trace_id);
    const ok = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, { key: w.alice.key });
    expect(ok.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{20}$/);
  });

  it('GET /healthz answers 200 while the process runs (liveness; see ops-health.test.ts)', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
