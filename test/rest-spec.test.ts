import { describe, expect, it } from 'vitest';
import { revokeApiKey } from '../src/domain/admin.js';
import { addVia, createCollectionVia, createTrackVia, createWorld, rest, rows } from './helpers.js';

// The requests of the ../shared/spec pages, answered with the documented bodies and statuses.

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function expectEnvelope(body: any, status: number, code: string, details: Record<string, unknown>) {
  expect(Object.keys(body)).toEqual(['success', 'error']);
  expect(body.success).toBe(false);
  expect(Object.keys(body.error)).toEqual([
    'code',
    'message',
    'system_message',
    'type',
    'status',
    'details',
    'trace_id',
    'timestamp',
  ]);
  expect(body.error.code).toBe(code);
  expect(body.error.status).toBe(status);
  expect(body.error.details).toEqual(details);
  expect(body.error.trace_id).toMatch(/^req_[0-9a-f]{20}$/);
  expect(body.error.timestamp).toMatch(ISO);
}

describe('POST /v1/music/{organization_id}/collections (spec 004)', () => {
  it('201 with the collection object', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections`, {
      key: w.alice.key,
      body: { name: 'Focus Sessions', description: 'Instrumental tracks for deep work' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^mcoll_[0-9a-f]{20}$/),
      name: 'Focus Sessions',
      description: 'Instrumental tracks for deep work',
      cover_track_id: null,
      cover_image_url: null,
      track_count: 0,
      created_at: '2026-06-28T10:30:00Z',
      updated_at: '2026-06-28T10:30:00Z',
    });
    expect(Object.keys(res.body)).toEqual([
      'id',
      'name',
      'description',
      'cover_track_id',
      'cover_image_url',
      'track_count',
      'created_at',
      'updated_at',
    ]);
  });

  it('401 AUTHENTICATION_REQUIRED without a key, with the documented words', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections`, { body: { name: 'x' } });
    expect(res.status).toBe(401);
    expectEnvelope(res.body, 401, 'AUTHENTICATION_REQUIRED', {});
    expect(res.body.error.message).toBe('Authentication required. Please provide a valid API key.');
    expect(res.body.error.system_message).toBe('Missing or invalid authorization header');
    expect(res.body.error.type).toBe('authentication_error');
    expect(await rows(w, 'SELECT * FROM collections')).toHaveLength(0);
  });

  it('403 INSUFFICIENT_PERMISSIONS without USE_MUSIC_GENERATION', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections`, { key: w.carol.key, body: { name: 'x' } });
    expect(res.status).toBe(403);
    expectEnvelope(res.body, 403, 'INSUFFICIENT_PERMISSIONS', {});
    expect(res.body.error.message).toBe('You do not have permission to perform this action.');
    expect(res.body.error.system_message).toBe('Missing USE_MUSIC_GENERATION capability');
    expect(res.body.error.type).toBe('authorization_error');
  });

  it('422 VALIDATION_ERROR for a bad name, with details.field', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections`, { key: w.alice.key, body: { name: '' } });
    expect(res.status).toBe(422);
    expectEnvelope(res.body, 422, 'VALIDATION_ERROR', { field: 'name' });
    expect(res.body.error.message).toBe('The request payload is invalid.');
    expect(res.body.error.system_message).toBe('name must be between 1 and 512 characters');
    expect(res.body.error.type).toBe('validation_error');
  });
});

describe('DELETE /v1/music/{organization_id}/collections/{collection_id} (spec 000)', () => {
  it('200 acknowledgement', async () => {
    const w = await createWorld();
    const id = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const res = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/collections/${id}`, { key: w.alice.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, id, detail: 'Collection deleted.' });
    expect(Object.keys(res.body)).toEqual(['success', 'id', 'detail']);
  });

  it('404 RESOURCE_NOT_FOUND for another owner, with the documented words', async () => {
    const w = await createWorld();
    const id = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const res = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/collections/${id}`, { key: w.bob.key });
    expect(res.status).toBe(404);
    expectEnvelope(res.body, 404, 'RESOURCE_NOT_FOUND', { collection_id: id });
    expect(res.body.error.message).toBe('The requested resource was not found.');
    expect(res.body.error.system_message).toBe('Music collection not found or not owned by caller');
    expect(res.body.error.type).toBe('client_error');
    expect(await rows(w, 'SELECT deleted_at FROM collections WHERE id = ?', id)).toEqual([{ deleted_at: null }]);
  });

  it('401 without a key', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/collections/mcoll_4a1f9c7e2b8d`);
    expect(res.status).toBe(401);
    expectEnvelope(res.body, 401, 'AUTHENTICATION_REQUIRED', {});
  });
});

describe('DELETE /v1/music/{organization_id}/collections/{collection_id}/tracks/{track_id} (spec 001)', () => {
  it('200 acknowledgement with the track id, idempotent', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    await addVia(w.app, w.alice.key, w.orgA, c, t);
    for (let i = 0; i < 2; i++) {
      const res = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/collections/${c}/tracks/${t}`, { key: w.alice.key });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true, id: t, detail: 'Track removed from collection.' });
    }
    expect(await rows(w, 'SELECT * FROM collection_entries')).toHaveLength(0);
    expect(await rows(w, 'SELECT deleted_at FROM tracks WHERE id = ?', t)).toEqual([{ deleted_at: null }]);
  });

  it('404 when the collection is not the caller', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const res = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/collections/${c}/tracks/mtrack_8d2e1f6a3c9b`, {
      key: w.bob.key,
    });
    expect(res.status).toBe(404);
    expectEnvelope(res.body, 404, 'RESOURCE_NOT_FOUND', { collection_id: c });
  });

  it('401 without a key', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/collections/mcoll_1/tracks/mtrack_1`);
    expect(res.status).toBe(401);
    expectEnvelope(res.body, 401, 'AUTHENTICATION_REQUIRED', {});
  });
});

describe('DELETE /v1/music/{organization_id}/tracks/{track_id} (spec 002)', () => {
  it('200 acknowledgement', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const res = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${t}`, { key: w.alice.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, id: t, detail: 'Track deleted.' });
  });

  it('403 INSUFFICIENT_PERMISSIONS when the caller sees the track but did not create it', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    // bob has the track in his library (as after saving it from a share link)
    await rows(
      w,
      "INSERT INTO library_saves (id, user_id, track_id, organization_id, source, created_at) VALUES ('mlib_x', ?, ?, ?, 'shared', 0)",
      w.bob.userId,
      t,
      w.orgA,
    );
    const res = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${t}`, { key: w.bob.key });
    expect(res.status).toBe(403);
    expectEnvelope(res.body, 403, 'INSUFFICIENT_PERMISSIONS', { track_id: t });
    expect(res.body.error.message).toBe('You do not have permission to access this resource.');
    expect(res.body.error.system_message).toBe('Only the track creator may delete it');
    expect(res.body.error.type).toBe('authorization_error');
    expect(await rows(w, 'SELECT deleted_at FROM tracks WHERE id = ?', t)).toEqual([{ deleted_at: null }]);
  });

  it('404 when the track is missing or not visible, with the documented words', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    for (const id of [t, 'mtrack_7c1a9e2f4b8d']) {
      const res = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${id}`, { key: w.bob.key });
      expect(res.status).toBe(404);
      expectEnvelope(res.body, 404, 'RESOURCE_NOT_FOUND', { track_id: id });
      expect(res.body.error.message).toBe('The requested resource could not be found.');
      expect(res.body.error.system_message).toBe('Music track not found');
    }
  });

  it('401 for a revoked key', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    await revokeApiKey(w.deps, { keyId: w.alice.keyId });
    const res = await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${t}`, { key: w.alice.key });
    expect(res.status).toBe(401);
    expectEnvelope(res.body, 401, 'AUTHENTICATION_REQUIRED', {});
    expect(await rows(w, 'SELECT deleted_at FROM tracks WHERE id = ?', t)).toEqual([{ deleted_at: null }]);
  });
});
