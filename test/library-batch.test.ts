import { describe, expect, it } from 'vitest';
import { gql, onlyError, rest, rows, type World } from './helpers.js';
import { mixedWorld as mixedTracks } from './support/fixtures.js';

const RESULT = 'inputId success id error { code message systemMessage }';
const SAVE_MANY = `mutation ($org: ID!, $ids: [ID!]!) { saveTracks(organizationId: $org, trackIds: $ids) { ${RESULT} } }`;
const UNSAVE_MANY = `mutation ($org: ID!, $ids: [ID!]!) { unsaveTracks(organizationId: $org, trackIds: $ids) { ${RESULT} } }`;

const snapshot = async (w: World) => ({
  saves: await rows(w, 'SELECT * FROM library_saves ORDER BY seq'),
  tracks: await rows(w, 'SELECT * FROM tracks ORDER BY id'),
  audit: await rows(w, "SELECT action, target_id FROM audit_log WHERE action LIKE 'library.%' ORDER BY seq"),
});

const notFound = (inputId: string, systemMessage: string) => ({
  inputId,
  success: false,
  id: null,
  error: { code: 'RESOURCE_NOT_FOUND', message: 'The requested resource could not be found.', systemMessage },
});

/** The shared mixed world (test/support/fixtures.ts) and an id that names no track. */
async function mixedWorld() {
  return { ...(await mixedTracks()), unknown: 'mtrack_00000000000000000000' };
}

describe('saveTracks', () => {
  it('answers one result per input in order; valid ids are saved, each failure is its own', async () => {
    const { w, kept, unsaved, deleted, bobs, daves, unknown } = await mixedWorld();
    const before = await snapshot(w);
    const ids = [unsaved, unknown, bobs, unsaved, daves, deleted, kept];
    const res = await gql(w.app, SAVE_MANY, { org: w.orgA, ids }, w.alice.key);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const results = res.body.data.saveTracks;
    const after = await snapshot(w);
    const newEntry = after.saves.find((s: any) => s.track_id === unsaved);
    const keptEntry = after.saves.find((s: any) => s.track_id === kept && s.user_id === w.alice.userId);
    const success = (inputId: string, id: string) => ({ inputId, success: true, id, error: null });
    expect(results).toEqual([
      success(unsaved, newEntry.id),
      notFound(unknown, 'Music track not found'),
      notFound(bobs, 'Music track not found'),
      // The repeated id reports the first occurrence's result; it was saved once.
      success(unsaved, newEntry.id),
      notFound(daves, 'Music track not found'),
      notFound(deleted, 'Music track not found'),
      success(kept, keptEntry.id),
    ]);
    // Exactly one row and one audit entry were added: the failed items changed nothing.
    expect(after.saves).toEqual([...before.saves, newEntry]);
    expect(newEntry).toMatchObject({ user_id: w.alice.userId, organization_id: w.orgA, source: 'own' });
    expect(after.tracks).toEqual(before.tracks);
    expect(after.audit).toEqual([...before.audit, { action: 'library.save', target_id: unsaved }]);
  });

  it('is idempotent: repeating the batch returns the same results and writes nothing', async () => {
    const { w, unsaved, unknown } = await mixedWorld();
    const first = await gql(w.app, SAVE_MANY, { org: w.orgA, ids: [unsaved, unknown] }, w.alice.key);
    const before = await snapshot(w);
    const second = await gql(w.app, SAVE_MANY, { org: w.orgA, ids: [unsaved, unknown] }, w.alice.key);
    expect(second.body.data).toEqual(first.body.data);
    expect(await snapshot(w)).toEqual(before);
  });

  it('takes 100 ids and refuses 101 with VALIDATION_ERROR on track_ids, changing nothing', async () => {
    const { w, unsaved } = await mixedWorld();
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `mtrack_${String(i).padStart(20, '0')}`);
    const before = await snapshot(w);
    const over = await gql(w.app, SAVE_MANY, { org: w.orgA, ids: [unsaved, ...filler(100)] }, w.alice.key);
    const error = onlyError(over);
    expect(error.extensions).toMatchObject({ code: 'VALIDATION_ERROR', status: 422, details: { field: 'track_ids' } });
    expect(over.body.data).toBeNull();
    expect(await snapshot(w)).toEqual(before);

    const exactly = await gql(w.app, SAVE_MANY, { org: w.orgA, ids: [unsaved, ...filler(99)] }, w.alice.key);
    expect(exactly.body.data.saveTracks).toHaveLength(100);
    expect(exactly.body.data.saveTracks[0].success).toBe(true);
    expect(exactly.body.data.saveTracks.filter((r: any) => r.success)).toHaveLength(1);
  });

  it('checks membership before anything else, and an empty list is an empty answer', async () => {
    const { w, kept } = await mixedWorld();
    const tooMany = Array.from({ length: 101 }, () => kept);
    for (const ids of [[kept], tooMany]) {
      const error = onlyError(await gql(w.app, SAVE_MANY, { org: w.orgA, ids }, w.dave.key));
      expect(error.extensions.code).toBe('ORGANIZATION_ACCESS_DENIED');
    }
    const empty = await gql(w.app, SAVE_MANY, { org: w.orgA, ids: [] }, w.alice.key);
    expect(empty.body.data.saveTracks).toEqual([]);
  });
});

describe('unsaveTracks', () => {
  it('removes what is in the library; anything else is a per-item RESOURCE_NOT_FOUND and changes nothing', async () => {
    const { w, kept, unsaved, deleted, bobs, daves, unknown } = await mixedWorld();
    // Bob saved Alice's kept track through a share: Alice removing hers must leave his.
    const share = await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${kept}/share`, { key: w.alice.key });
    await rest(w.app, 'POST', `/v1/music/shared/${share.body.token}/save`, { key: w.bob.key });
    const before = await snapshot(w);
    const ids = [kept, unknown, kept, unsaved, bobs, daves, deleted];
    const res = await gql(w.app, UNSAVE_MANY, { org: w.orgA, ids }, w.alice.key);
    expect(res.body.errors).toBeUndefined();
    const gone = 'Music track not found in library';
    expect(res.body.data.unsaveTracks).toEqual([
      { inputId: kept, success: true, id: null, error: null },
      notFound(unknown, gone),
      { inputId: kept, success: true, id: null, error: null },
      notFound(unsaved, gone),
      notFound(bobs, gone),
      notFound(daves, gone),
      // The deleted track's entry is kept (soft delete), but it is in no library any more.
      notFound(deleted, gone),
    ]);
    const after = await snapshot(w);
    expect(after.saves).toEqual(
      before.saves.filter((s: any) => !(s.track_id === kept && s.user_id === w.alice.userId)),
    );
    expect(after.saves.filter((s: any) => s.track_id === deleted)).toHaveLength(1);
    expect(after.audit).toEqual([...before.audit, { action: 'library.unsave', target_id: kept }]);

    const again = await gql(w.app, UNSAVE_MANY, { org: w.orgA, ids: [kept] }, w.alice.key);
    expect(again.body.data.unsaveTracks).toEqual([notFound(kept, gone)]);
  });

  it('has the same 100-id limit', async () => {
    const { w } = await mixedWorld();
    const ids = Array.from({ length: 101 }, (_, i) => `mtrack_${i}`);
    const error = onlyError(await gql(w.app, UNSAVE_MANY, { org: w.orgA, ids }, w.alice.key));
    expect(error.extensions.details).toEqual({ field: 'track_ids' });
    const ok = await gql(w.app, UNSAVE_MANY, { org: w.orgA, ids: ids.slice(0, 100) }, w.alice.key);
    expect(ok.body.data.unsaveTracks).toHaveLength(100);
  });
});
