import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { addMember, createApiKey, createUser, revokeApiKey } from '../src/domain/admin.js';
import { createTrackVia, createWorld, rest, rows, type World } from './helpers.js';
import { mixedWorld as mixedTracks } from './support/fixtures.js';

const ADD = '/1/content/music/collection/add';
const DELETE = '/1/content/music/collection/delete';

function groove(w: World, path: string, key: string | null, body: unknown, headers: Record<string, string> = {}) {
  return rest(w.app, 'POST', path, {
    body,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
  });
}

const snapshot = async (w: World) => ({
  saves: await rows(w, 'SELECT * FROM library_saves ORDER BY seq'),
  audit: await rows(w, 'SELECT action, target_id FROM audit_log ORDER BY seq'),
});

const INVALID_ID = { ErrorCode: 'COLLECTION_INVALID_ID', Description: 'Invalid collection id for this operation' };
const SOME_FAILED = { ErrorCode: 'COLLECTION_SOME_OPERATIONS_FAILED', Description: 'Some of the operations failed' };

/** The shared mixed world (test/support/fixtures.ts) and an id that names no track. */
async function mixedWorld() {
  return { ...(await mixedTracks()), unknown: 'music.9bb2c5c5-455c-4c15-827c-f9bfd759a458' };
}

describe('POST /1/content/music/collection/delete', () => {
  it('answers the documented example: a partial failure is 200 with per-item and top-level errors', async () => {
    const { w, kept, unknown } = await mixedWorld();
    const res = await groove(w, DELETE, w.alice.key, { TrackIds: [unknown, `music.${kept}`] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      TrackActionResults: [
        { InputId: unknown, Error: { ...INVALID_ID, Message: 'Music track not found in library' } },
        { InputId: `music.${kept}` },
      ],
      Error: SOME_FAILED,
    });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await rows(w, 'SELECT * FROM library_saves WHERE track_id = ?', kept)).toEqual([]);
  });

  it('mixed batch: results in input order, duplicates with or without the prefix, failed items change nothing', async () => {
    const { w, kept, unsaved, deleted, bobs, daves, unknown } = await mixedWorld();
    const before = await snapshot(w);
    const input = [kept, unknown, `music.${kept}`, unsaved, bobs, `MUSIC.${daves}`, deleted, ''];
    const res = await groove(w, DELETE, w.alice.key, { TrackIds: input });
    expect(res.status).toBe(200);
    const failed = (InputId: string) => ({
      InputId,
      Error: { ...INVALID_ID, Message: 'Music track not found in library' },
    });
    expect(res.body.TrackActionResults).toEqual([
      { InputId: kept },
      failed(unknown),
      // The same track again: it reports the first occurrence's result, echoing its own input.
      { InputId: `music.${kept}` },
      failed(unsaved),
      failed(bobs),
      failed(`MUSIC.${daves}`),
      failed(deleted),
      failed(''),
    ]);
    expect(res.body.Error).toEqual(SOME_FAILED);
    const after = await snapshot(w);
    expect(after.saves).toEqual(before.saves.filter((s: any) => !(s.track_id === kept)));
    expect(after.audit).toEqual([...before.audit, { action: 'library.unsave', target_id: kept }]);
  });

  it('all succeeding: 200 without a top-level Error, and no Id on deletes', async () => {
    const { w, kept } = await mixedWorld();
    const res = await groove(w, DELETE, w.alice.key, { TrackIds: [kept] });
    expect(res.body).toEqual({ TrackActionResults: [{ InputId: kept }] });
  });
});

describe('POST /1/content/music/collection/add', () => {
  it('saves into the library; Id is the track in Groove form and round-trips to delete', async () => {
    const { w, kept, unsaved, deleted, bobs, daves, unknown } = await mixedWorld();
    const before = await snapshot(w);
    const input = [`music.${unsaved}`, unknown, kept, unsaved, bobs, daves, deleted];
    const res = await groove(w, ADD, w.alice.key, { TrackIds: input });
    expect(res.status).toBe(200);
    const failed = (InputId: string) => ({ InputId, Error: { ...INVALID_ID, Message: 'Music track not found' } });
    expect(res.body).toEqual({
      TrackActionResults: [
        { InputId: `music.${unsaved}`, Id: `music.${unsaved}` },
        failed(unknown),
        { InputId: kept, Id: `music.${kept}` },
        { InputId: unsaved, Id: `music.${unsaved}` },
        failed(bobs),
        failed(daves),
        failed(deleted),
      ],
      Error: SOME_FAILED,
    });
    const after = await snapshot(w);
    expect(after.saves).toHaveLength(before.saves.length + 1);
    expect(after.saves.at(-1)).toMatchObject({ user_id: w.alice.userId, track_id: unsaved, source: 'own' });
    expect(after.audit).toEqual([...before.audit, { action: 'library.save', target_id: unsaved }]);

    // Idempotent: the same request again writes nothing and answers the same.
    const again = await groove(w, ADD, w.alice.key, { TrackIds: input });
    expect(again.body).toEqual(res.body);
    expect(await snapshot(w)).toEqual(after);

    const ok = res.body.TrackActionResults.filter((r: any) => r.Id).map((r: any) => r.Id);
    const removed = await groove(w, DELETE, w.alice.key, { TrackIds: ok });
    expect(removed.body).toEqual({ TrackActionResults: [{ InputId: ok[0] }, { InputId: ok[1] }, { InputId: ok[2] }] });
    expect(
      await rows(
        w,
        'SELECT * FROM library_saves WHERE user_id = ? AND track_id IN (?, ?)',
        w.alice.userId,
        kept,
        unsaved,
      ),
    ).toEqual([]);
  });

  it('takes 100 ids; 101 is 400 COLLECTION_INVALID_OPERATION and changes nothing', async () => {
    const { w, unsaved } = await mixedWorld();
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `music.mtrack_${i}`);
    const before = await snapshot(w);
    const over = await groove(w, ADD, w.alice.key, { TrackIds: [unsaved, ...filler(100)] });
    expect(over.status).toBe(400);
    expect(over.body).toEqual({
      Error: {
        ErrorCode: 'COLLECTION_INVALID_OPERATION',
        Description: 'This operation is not supported',
        Message: 'Number of tracks for this operation is limited to 100',
      },
    });
    expect(await snapshot(w)).toEqual(before);
    const overDelete = await groove(w, DELETE, w.alice.key, { TrackIds: filler(101) });
    expect(overDelete.status).toBe(400);
    expect(overDelete.body.Error.ErrorCode).toBe('COLLECTION_INVALID_OPERATION');

    const exactly = await groove(w, ADD, w.alice.key, { TrackIds: [unsaved, ...filler(99)] });
    expect(exactly.status).toBe(200);
    expect(exactly.body.TrackActionResults).toHaveLength(100);
    expect(exactly.body.TrackActionResults[0]).toEqual({ InputId: unsaved, Id: `music.${unsaved}` });
    expect(exactly.body.Error).toEqual(SOME_FAILED);
  });

  it('an empty TrackIds list is an empty answer', async () => {
    const { w } = await mixedWorld();
    const res = await groove(w, ADD, w.alice.key, { TrackIds: [] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ TrackActionResults: [] });
  });
});

describe('Groove requests that fail as a whole', () => {
  const INVALID_AUTH = {
    Error: {
      ErrorCode: 'INVALID_AUTHORIZATION_HEADER',
      Description: 'Missing or invalid authorization header',
      Message: 'You need user authentication to use this API',
    },
  };

  it('a missing, unknown, revoked or non-Bearer credential is 401 INVALID_AUTHORIZATION_HEADER, before the body is read', async () => {
    const { w, kept } = await mixedWorld();
    const before = await snapshot(w);
    const revoked = await createApiKey(w.deps, { userId: w.alice.userId });
    await revokeApiKey(w.deps, { keyId: revoked.id });
    const cases: [string | null, unknown, Record<string, string>][] = [
      [null, { TrackIds: [kept] }, {}],
      ['mgk_not-a-key', { TrackIds: [kept] }, {}],
      [revoked.key, { TrackIds: [kept] }, {}],
      [null, { TrackIds: [kept] }, { authorization: `Basic ${w.alice.key}` }],
      [null, 'not json at all', {}],
    ];
    for (const [key, body, headers] of cases) {
      const res = await groove(w, DELETE, key, body, headers);
      expect(res.status, JSON.stringify([key, headers])).toBe(401);
      expect(res.body).toEqual(INVALID_AUTH);
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    }
    expect(await snapshot(w)).toEqual(before);
  });

  it('X-API-Key works as well as Bearer', async () => {
    const { w, kept } = await mixedWorld();
    const res = await rest(w.app, 'POST', DELETE, { key: w.alice.key, body: { TrackIds: [kept] } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ TrackActionResults: [{ InputId: kept }] });
  });

  it('a malformed body is 400 INVALID_INPUT_PARAMETER and changes nothing', async () => {
    const { w, kept } = await mixedWorld();
    const before = await snapshot(w);
    const auth = { authorization: `Bearer ${w.alice.key}`, 'content-type': 'application/json' };
    const raws = [
      '{"TrackIds": [',
      '[]',
      '"x"',
      '',
      '{}',
      '{"TrackIds": "x"}',
      '{"TrackIds": [1, 2]}',
      `{"TrackIds": ["${kept}", null]}`,
    ];
    for (const rawBody of raws) {
      const res = await rest(w.app, 'POST', DELETE, { rawBody, headers: auth });
      expect(res.status, rawBody).toBe(400);
      expect(res.body.Error).toMatchObject({
        ErrorCode: 'INVALID_INPUT_PARAMETER',
        Description: 'Invalid input parameter',
      });
      expect(typeof res.body.Error.Message).toBe('string');
      expect(res.body.success).toBeUndefined();
    }
    const xml = await rest(w.app, 'POST', DELETE, {
      rawBody: '<TrackActionRequest/>',
      headers: { ...auth, 'content-type': 'application/xml' },
    });
    expect(xml.status).toBe(400);
    expect(xml.body.Error.ErrorCode).toBe('INVALID_INPUT_PARAMETER');
    expect(await snapshot(w)).toEqual(before);
  });

  it('a namespace other than music is 400 INVALID_INPUT_PARAMETER', async () => {
    const { w, kept } = await mixedWorld();
    const res = await groove(w, '/1/content/video/collection/delete', w.alice.key, { TrackIds: [kept] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      Error: {
        ErrorCode: 'INVALID_INPUT_PARAMETER',
        Description: 'Invalid input parameter',
        Message: 'Unknown namespace "video"; only music is supported',
      },
    });
    expect(await rows(w, 'SELECT count(*) AS n FROM library_saves WHERE track_id = ?', kept)).toEqual([{ n: 1 }]);
  });

  it('unknown paths are 404 and other methods 405, Groove-shaped', async () => {
    const { w } = await mixedWorld();
    const unknown = await groove(w, '/1/content/music/collection/shuffle', w.alice.key, {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.Error.ErrorCode).toBe('ENDPOINT_NOT_FOUND');
    const get = await rest(w.app, 'GET', ADD, { key: w.alice.key });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(get.body.Error.ErrorCode).toBe('METHOD_NOT_ALLOWED');
  });
});

describe('which organization a Groove request acts in', () => {
  it('the only one; with several, X-Organization-Id must name one (else 400 AMBIGUOUS_ORGANIZATION)', async () => {
    const w = await createWorld();
    const inA = await createTrackVia(w.app, w.alice.key, w.orgA);
    await addMember(w.deps, { organizationId: w.orgB, userId: w.alice.userId, capabilities: [] });
    const before = await snapshot(w);
    const ambiguous = await groove(w, DELETE, w.alice.key, { TrackIds: [inA] });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body).toEqual({
      Error: {
        ErrorCode: 'AMBIGUOUS_ORGANIZATION',
        Description: 'Please specify which organization to use.',
        Message: 'Caller belongs to 2 organizations; name one with the X-Organization-Id header',
      },
    });
    expect(await snapshot(w)).toEqual(before);

    // Named: acts there, and only there.
    const inB = await groove(w, DELETE, w.alice.key, { TrackIds: [inA] }, { 'x-organization-id': w.orgB });
    expect(inB.body.TrackActionResults[0].Error.ErrorCode).toBe('COLLECTION_INVALID_ID');
    const inOrgA = await groove(w, DELETE, w.alice.key, { TrackIds: [inA] }, { 'x-organization-id': w.orgA });
    expect(inOrgA.body).toEqual({ TrackActionResults: [{ InputId: inA }] });
  });

  it('a single-organization caller needs no header; naming an organization they are not in is 403', async () => {
    const { w, kept } = await mixedWorld();
    const before = await snapshot(w);
    const foreign = await groove(w, DELETE, w.alice.key, { TrackIds: [kept] }, { 'x-organization-id': w.orgB });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual({
      Error: {
        ErrorCode: 'ORGANIZATION_ACCESS_DENIED',
        Description: "You don't have access to this organization.",
        Message: 'Caller is not a member of this organization',
      },
    });
    expect(await snapshot(w)).toEqual(before);
    // Dave (orgB only) acting on Alice's track: his own organization, where it does not exist.
    const dave = await groove(w, ADD, w.dave.key, { TrackIds: [kept] });
    expect(dave.body.TrackActionResults[0].Error.ErrorCode).toBe('COLLECTION_INVALID_ID');
  });

  it('a caller in no organization is 403 NO_ORGANIZATION_MEMBERSHIP', async () => {
    const w = await createWorld();
    const loner = await createUser(w.deps, { email: 'loner@example.com' });
    const key = await createApiKey(w.deps, { userId: loner.id });
    const res = await groove(w, ADD, key.key, { TrackIds: ['mtrack_x'] });
    expect(res.status).toBe(403);
    expect(res.body.Error.ErrorCode).toBe('NO_ORGANIZATION_MEMBERSHIP');
  });
});

describe('unexpected failures', () => {
  it('are 500 INTERNAL_SERVER_ERROR in Groove shape, without internals', async () => {
    const { w, kept } = await mixedWorld();
    await w.app.database.close();
    const res = await groove(w, DELETE, w.alice.key, { TrackIds: [kept] });
    expect(res.status).toBe(500);
    expect(res.body.Error.ErrorCode).toBe('INTERNAL_SERVER_ERROR');
    expect(res.text).not.toMatch(/sqlite|database|\.ts:\d+/i);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });
});

describe('refusals before routing are Groove-shaped too', () => {
  it('over the rate limit: 429 TOO_MANY_REQUESTS with Retry-After', async () => {
    const w = await createWorld();
    const limited = createApp({ database: w.app.database, now: () => w.clock.now, rateLimitPerMinute: 1 });
    const send = () =>
      limited.fetch(
        new Request(`http://gateway.test${ADD}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${w.alice.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ TrackIds: [] }),
        }),
      );
    expect((await send()).status).toBe(200);
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(refused.headers.get('x-request-id')).toMatch(/^req_/);
    expect((await refused.json()).Error.ErrorCode).toBe('TOO_MANY_REQUESTS');
  });
});
