import { describe, expect, it } from 'vitest';
import { createTrackVia, createWorld, gql, onlyError, rest, rows, type World } from './helpers.js';

const savePath = (w: World, track: string, org = w.orgA) => `/v1/music/${org}/tracks/${track}/save`;
const saves = async (w: World) => await rows(w, 'SELECT id, user_id, track_id, source FROM library_saves ORDER BY seq');
const audits = async (w: World, action: string) =>
  await rows(w, 'SELECT actor_id, target_id FROM audit_log WHERE action = ? ORDER BY seq', action);

describe('save and unsave over REST', () => {
  it('saving a track already in the library returns its entry (200), idempotently and without a write', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const [entry] = await rows(w, 'SELECT id FROM library_saves WHERE track_id = ?', t);
    const first = await rest(w.app, 'POST', savePath(w, t), { key: w.alice.key });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      id: entry.id,
      track_id: t,
      source: 'own',
      created_at: '2026-06-28T10:30:00Z',
      saved: true,
    });
    const again = await rest(w.app, 'POST', savePath(w, t), { key: w.alice.key });
    expect(again.body).toEqual(first.body);
    expect(await saves(w)).toHaveLength(1);
    expect(await audits(w, 'library.save')).toEqual([]);
  });

  it('unsave is 200 with an ack, idempotent, audited once; saving again makes a new entry', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const [before] = await rows(w, 'SELECT id FROM library_saves WHERE track_id = ?', t);
    const removed = await rest(w.app, 'DELETE', savePath(w, t), { key: w.alice.key });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ success: true, id: t, detail: 'Track removed from library.' });
    const again = await rest(w.app, 'DELETE', savePath(w, t), { key: w.alice.key });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(removed.body);
    expect(await saves(w)).toEqual([]);
    expect(await audits(w, 'library.unsave')).toEqual([{ actor_id: w.alice.userId, target_id: t }]);

    // Out of the library but still hers: she can read it and save it back.
    const library = await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks`, { key: w.alice.key });
    expect(library.body.items).toEqual([]);
    expect((await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks/${t}`, { key: w.alice.key })).status).toBe(200);
    w.clock.now += 60_000;
    const saved = await rest(w.app, 'POST', savePath(w, t), { key: w.alice.key });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ track_id: t, source: 'own', created_at: '2026-06-28T10:31:00Z', saved: true });
    expect(saved.body.id).toMatch(/^mlib_[0-9a-f]{20}$/);
    expect(saved.body.id).not.toBe(before.id);
    expect(await audits(w, 'library.save')).toEqual([{ actor_id: w.alice.userId, target_id: t }]);
  });

  it('unsaving a track that is unknown or not yours is a successful no-op', async () => {
    const w = await createWorld();
    const bobs = await createTrackVia(w.app, w.bob.key, w.orgA);
    for (const t of [bobs, 'mtrack_00000000000000000000']) {
      const res = await rest(w.app, 'DELETE', savePath(w, t), { key: w.alice.key });
      expect(res.status).toBe(200);
      expect(res.body.success).toBe(true);
    }
    expect(await saves(w)).toEqual([{ id: expect.any(String), user_id: w.bob.userId, track_id: bobs, source: 'own' }]);
    expect(await audits(w, 'library.unsave')).toEqual([]);
  });

  it('saving a missing, deleted, invisible or other-organization track is 404 and writes nothing', async () => {
    const w = await createWorld();
    const bobs = await createTrackVia(w.app, w.bob.key, w.orgA);
    const daves = await createTrackVia(w.app, w.dave.key, w.orgB);
    const deleted = await createTrackVia(w.app, w.alice.key, w.orgA);
    await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${deleted}`, { key: w.alice.key });
    const before = await saves(w);
    for (const t of [bobs, daves, deleted, 'mtrack_00000000000000000000']) {
      const res = await rest(w.app, 'POST', savePath(w, t), { key: w.alice.key });
      expect(res.status, t).toBe(404);
      expect(res.body.error.code).toBe('RESOURCE_NOT_FOUND');
      expect(res.body.error.details).toEqual({ track_id: t });
    }
    expect(await saves(w)).toEqual(before);
    expect(await audits(w, 'library.save')).toEqual([]);
  });

  it('a non-member gets 403 before anything is looked up', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    for (const method of ['POST', 'DELETE']) {
      for (const track of [t, 'mtrack_nope']) {
        const res = await rest(w.app, method, savePath(w, track), { key: w.dave.key });
        expect(res.status).toBe(403);
        expect(res.body.error).toMatchObject({
          code: 'ORGANIZATION_ACCESS_DENIED',
          details: { organization_id: w.orgA },
        });
      }
    }
    expect((await rest(w.app, 'POST', savePath(w, t), {})).status).toBe(401);
    expect(await saves(w)).toHaveLength(1);
  });

  it('a track saved from a share keeps its entry; once unsaved it is no longer visible, so it cannot be saved back', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const share = await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${t}/share`, { key: w.alice.key });
    const shared = await rest(w.app, 'POST', `/v1/music/shared/${share.body.token}/save`, { key: w.bob.key });
    expect(shared.status).toBe(201);
    const save = await rest(w.app, 'POST', savePath(w, t), { key: w.bob.key });
    expect(save.status).toBe(200);
    expect(save.body).toMatchObject({ id: shared.body.id, source: 'shared', saved: true });
    expect((await rest(w.app, 'DELETE', savePath(w, t), { key: w.bob.key })).status).toBe(200);
    expect((await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks/${t}`, { key: w.bob.key })).status).toBe(404);
    expect((await rest(w.app, 'POST', savePath(w, t), { key: w.bob.key })).status).toBe(404);
    // Alice's own entry is untouched by Bob's unsave.
    expect((await saves(w)).map((s) => s.user_id)).toEqual([w.alice.userId]);
  });

  it('other methods on …/save are 405 with Allow', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'GET', savePath(w, 'mtrack_x'), { key: w.alice.key });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, DELETE');
  });
});

describe('saveTrack and unsaveTrack over GraphQL', () => {
  const SAVE = `mutation ($org: ID!, $t: ID!) { saveTrack(organizationId: $org, trackId: $t) { id trackId source shareLinkId createdAt } }`;
  const UNSAVE = `mutation ($org: ID!, $t: ID!) { unsaveTrack(organizationId: $org, trackId: $t) { success id detail } }`;

  it('return the entry and an ack; errors carry the documented extensions', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const unsave = await gql(w.app, UNSAVE, { org: w.orgA, t }, w.alice.key);
    expect(unsave.body.data.unsaveTrack).toEqual({ success: true, id: t, detail: 'Track removed from library.' });
    const save = await gql(w.app, SAVE, { org: w.orgA, t }, w.alice.key);
    expect(save.body.data.saveTrack).toEqual({
      id: expect.stringMatching(/^mlib_/),
      trackId: t,
      source: 'own',
      shareLinkId: null,
      createdAt: '2026-06-28T10:30:00Z',
    });
    const missing = onlyError(await gql(w.app, SAVE, { org: w.orgA, t: 'mtrack_nope' }, w.alice.key));
    expect(missing.extensions).toMatchObject({
      code: 'RESOURCE_NOT_FOUND',
      status: 404,
      details: { track_id: 'mtrack_nope' },
    });
    const stranger = onlyError(await gql(w.app, SAVE, { org: w.orgA, t }, w.dave.key));
    expect(stranger.extensions.code).toBe('ORGANIZATION_ACCESS_DENIED');
  });
});
