import { describe, expect, it } from 'vitest';
import { addVia, costed, createCollectionVia, createTrackVia, createWorld, gql, rest, rows } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;

describe('share links', () => {
  it('sharing a track returns 201 with the raw token once; only its hash is stored', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA, 'Night Drive');
    const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t}/share`, {
      key: w.alice.key,
      body: { visibility: 'link_only', expires_in_days: 30 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^mslink_[0-9a-f]{20}$/),
      token: expect.stringMatching(/^shr_[\w-]{32}$/),
      url: `http://gateway.test/v1/music/shared/${res.body.token}`,
      target_type: 'track',
      visibility: 'link_only',
      expires_at: '2026-07-28T10:30:00Z',
      created_at: '2026-06-28T10:30:00Z',
    });
    const stored = await rows(w, 'SELECT * FROM share_links');
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(res.body.token);
  });

  it('defaults to link_only and never expiring; clamps long expiry to 90 days; validates', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const plain = await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t}/share`, { key: w.alice.key });
    expect(plain.status).toBe(201);
    expect([plain.body.visibility, plain.body.expires_at]).toEqual(['link_only', null]);
    const long = await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t}/share`, {
      key: w.alice.key,
      body: { visibility: 'public', expires_in_days: 365 },
    });
    expect(long.body.expires_at).toBe('2026-09-26T10:30:00Z');
    for (const [body, field] of [
      [{ expires_in_days: 0 }, 'expires_in_days'],
      [{ expires_in_days: 1.5 }, 'expires_in_days'],
      [{ visibility: 'secret' }, 'visibility'],
    ] as const) {
      const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t}/share`, { key: w.alice.key, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.details).toEqual({ field });
    }
    expect(await rows(w, 'SELECT count(*) AS n FROM share_links')).toEqual([{ n: 2 }]);
  });

  it('only the creator may share a track and only the owner a collection (404 otherwise)', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    await rows(
      w,
      "INSERT INTO library_saves (id, user_id, track_id, organization_id, source, created_at) VALUES ('mlib_b', ?, ?, ?, 'shared', 0)",
      w.bob.userId,
      t,
      w.orgA,
    );
    const track = await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t}/share`, { key: w.bob.key });
    expect(track.status).toBe(404);
    expect(track.body.error.details).toEqual({ track_id: t });
    const coll = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections/${c}/share`, { key: w.bob.key });
    expect(coll.status).toBe(404);
    expect(coll.body.error.details).toEqual({ collection_id: c });
    expect(await rows(w, 'SELECT * FROM share_links')).toHaveLength(0);
  });

  it('resolves without a key: a track view, and a collection view with its tracks in order', async () => {
    const w = await createWorld();
    const t1 = await createTrackVia(w.app, w.alice.key, w.orgA, 'one');
    const t2 = await createTrackVia(w.app, w.alice.key, w.orgA, 'two');
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Mix');
    await addVia(w.app, w.alice.key, w.orgA, c, t2);
    await addVia(w.app, w.alice.key, w.orgA, c, t1);
    const trackShare = (await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t1}/share`, { key: w.alice.key })).body;
    const collShare = (await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections/${c}/share`, { key: w.alice.key }))
      .body;

    const track = await rest(w.app, 'GET', `/v1/music/shared/${trackShare.token}`);
    expect(track.status).toBe(200);
    expect(track.body).toEqual({
      kind: 'track',
      available: true,
      message: null,
      share: { target_type: 'track', visibility: 'link_only', expires_at: null },
      track: {
        id: t1,
        title: 'one',
        engine: 'studio',
        mode: 'creation',
        measured_duration_seconds: null,
        instrumental: false,
        playback_url: null,
      },
      collection: null,
      tracks: null,
    });
    const coll = await rest(w.app, 'GET', `/v1/music/shared/${collShare.token}`);
    expect(coll.body.kind).toBe('collection');
    expect(coll.body.collection).toEqual({ id: c, name: 'Mix', description: null });
    expect(coll.body.tracks.map((x: any) => x.id)).toEqual([t2, t1]);
    expect(coll.body.track).toBeNull();
  });

  it('shows available: false with a message once the content is deleted', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const ts = (await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t}/share`, { key: w.alice.key })).body;
    const cs = (await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections/${c}/share`, { key: w.alice.key })).body;
    await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${t}`, { key: w.alice.key });
    await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/collections/${c}`, { key: w.alice.key });
    for (const token of [ts.token, cs.token]) {
      const res = await rest(w.app, 'GET', `/v1/music/shared/${token}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        available: false,
        message: 'The shared content is no longer available.',
        track: null,
        collection: null,
        tracks: null,
      });
    }
  });

  it('unknown, revoked and expired tokens get the same 404 and reveal nothing', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const revoked = (await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t}/share`, { key: w.alice.key })).body;
    const expiring = (
      await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t}/share`, {
        key: w.alice.key,
        body: { expires_in_days: 1 },
      })
    ).body;
    const revoke = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/share/${revoked.id}`, { key: w.alice.key });
    expect(revoke.status).toBe(200);
    expect(revoke.body).toEqual({ success: true, id: revoked.id, detail: 'Share link revoked.' });

    const stillValid = await rest(w.app, 'GET', `/v1/music/shared/${expiring.token}`);
    expect(stillValid.status).toBe(200);
    w.clock.now += DAY;
    const answers = [];
    for (const token of ['shr_unknown', revoked.token, expiring.token]) {
      const res = await rest(w.app, 'GET', `/v1/music/shared/${token}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('RESOURCE_NOT_FOUND');
      expect(res.text).not.toContain(t);
      answers.push(JSON.stringify({ ...res.body.error, trace_id: 0 }));
    }
    expect(new Set(answers).size).toBe(1);
  });

  it('revoking is idempotent, owner-only (404), and keeps what others already saved', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const share = (await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t}/share`, { key: w.alice.key })).body;
    const saved = await rest(w.app, 'POST', `/v1/music/shared/${share.token}/save`, { key: w.bob.key });
    expect(saved.status).toBe(201);
    const foreign = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/share/${share.id}`, { key: w.bob.key });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.details).toEqual({ share_id: share.id });
    for (let i = 0; i < 2; i++) {
      expect((await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/share/${share.id}`, { key: w.alice.key })).status).toBe(
        200,
      );
    }
    const again = await rest(w.app, 'POST', `/v1/music/shared/${share.token}/save`, { key: w.carol.key });
    expect(again.status).toBe(404);
    const bobSees = await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks/${t}`, { key: w.bob.key });
    expect(bobSees.status).toBe(200);
  });

  it('saving a shared track (signed in) adds a shared library entry, once; collection shares cannot be saved', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const share = (await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t}/share`, { key: w.alice.key })).body;
    const anonymous = await rest(w.app, 'POST', `/v1/music/shared/${share.token}/save`);
    expect(anonymous.status).toBe(401);
    const first = await rest(w.app, 'POST', `/v1/music/shared/${share.token}/save`, { key: w.bob.key });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^mlib_/),
      track_id: t,
      source: 'shared',
      share_link_id: share.id,
      created_at: '2026-06-28T10:30:00Z',
    });
    const second = await rest(w.app, 'POST', `/v1/music/shared/${share.token}/save`, { key: w.bob.key });
    expect(second.body.id).toBe(first.body.id);
    const library = await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks`, { key: w.bob.key });
    expect(library.body.items.map((x: any) => x.id)).toEqual([t]);
    expect(await rows(w, 'SELECT title FROM tracks WHERE id = ?', t)).toEqual([{ title: 'A track' }]);

    const outsider = await rest(w.app, 'POST', `/v1/music/shared/${share.token}/save`, { key: w.dave.key });
    expect(outsider.status).toBe(403);
    expect(outsider.body.error.code).toBe('ORGANIZATION_ACCESS_DENIED');
    const cs = (await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections/${c}/share`, { key: w.alice.key })).body;
    const collSave = await rest(w.app, 'POST', `/v1/music/shared/${cs.token}/save`, { key: w.bob.key });
    expect(collSave.status).toBe(422);
    expect(await rows(w, "SELECT count(*) AS n FROM library_saves WHERE source = 'shared'")).toEqual([{ n: 1 }]);
  });

  it('GraphQL sharedContent needs no key either', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA, 'Open');
    const share = await gql(
      w.app,
      'mutation($o: ID!, $t: ID!) { shareTrack(organizationId: $o, trackId: $t) { token } }',
      { o: w.orgA, t },
      w.alice.key,
    );
    const res = await gql(w.app, 'query($k: String!) { sharedContent(token: $k) { available track { title } } }', {
      k: share.body.data.shareTrack.token,
    });
    expect(res.body).toEqual({
      data: { sharedContent: { available: true, track: { title: 'Open' } } },
      extensions: costed,
    });
  });
});
