import { describe, expect, it } from 'vitest';
import { addVia, createCollectionVia, createWorld, gql, onlyError, rest, type World } from './helpers.js';

async function track(w: World, title: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks`, { key: w.alice.key, body: { title, ...extra } });
  if (res.status !== 201) throw new Error(res.text);
  return res.body.id;
}

const list = async (w: World, query = '', key = w.alice.key) => {
  const res = await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks${query}`, { key });
  return res;
};
const ids = (res: { body: any }) => res.body.items.map((t: any) => t.id);

describe('the library list', () => {
  it('is newest save first: saving again after an unsave moves a track to the top', async () => {
    const w = await createWorld();
    const a = await track(w, 'a');
    const b = await track(w, 'b');
    const c = await track(w, 'c');
    expect(ids(await list(w))).toEqual([c, b, a]);
    await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${a}/save`, { key: w.alice.key });
    expect(ids(await list(w))).toEqual([c, b]);
    await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${a}/save`, { key: w.alice.key });
    expect(ids(await list(w))).toEqual([a, c, b]);
  });

  it('filters by mode and engine over REST and GraphQL, with limit and offset', async () => {
    const w = await createWorld();
    const focusStudio = await track(w, 'fs', { mode: 'focus' });
    const creationLofi = await track(w, 'cl', { engine: 'lofi' });
    const focusLofi = await track(w, 'fl', { mode: 'focus', engine: 'lofi' });
    const creationStudio = await track(w, 'cs');
    expect(ids(await list(w, '?mode=focus'))).toEqual([focusLofi, focusStudio]);
    expect(ids(await list(w, '?mode=creation'))).toEqual([creationStudio, creationLofi]);
    expect(ids(await list(w, '?engine=lofi'))).toEqual([focusLofi, creationLofi]);
    expect(ids(await list(w, '?engine=lofi&mode=focus'))).toEqual([focusLofi]);
    expect(ids(await list(w, '?engine=nothing'))).toEqual([]);
    const paged = await list(w, '?mode=focus&limit=1&offset=1');
    expect(paged.body).toMatchObject({ limit: 1, offset: 1 });
    expect(ids(paged)).toEqual([focusStudio]);

    const q = `query ($org: ID!, $mode: String, $engine: String, $after: String) {
      tracks(organizationId: $org, mode: $mode, engine: $engine, first: 1, after: $after) {
        edges { node { id mode engine } } pageInfo { hasNextPage endCursor } } }`;
    const first = await gql(w.app, q, { org: w.orgA, engine: 'lofi' }, w.alice.key);
    expect(first.body.data.tracks.edges.map((e: any) => e.node.id)).toEqual([focusLofi]);
    expect(first.body.data.tracks.pageInfo.hasNextPage).toBe(true);
    const next = await gql(
      w.app,
      q,
      { org: w.orgA, engine: 'lofi', after: first.body.data.tracks.pageInfo.endCursor },
      w.alice.key,
    );
    expect(next.body.data.tracks.edges.map((e: any) => e.node.id)).toEqual([creationLofi]);
    expect(next.body.data.tracks.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses filter values no track can hold with 422 naming the parameter', async () => {
    const w = await createWorld();
    for (const [query, field] of [
      ['?mode=karaoke', 'mode'],
      ['?mode=', 'mode'],
      ['?engine=Not%20An%20Engine', 'engine'],
    ]) {
      const res = await list(w, query);
      expect(res.status, query).toBe(422);
      expect(res.body.error.details).toEqual({ field });
    }
  });

  it('collection_id restricts the library to that collection, in save order', async () => {
    const w = await createWorld();
    const a = await track(w, 'a');
    const b = await track(w, 'b');
    const c = await track(w, 'c');
    const col = await createCollectionVia(w.app, w.alice.key, w.orgA);
    // Position order is c, a; the library order (newest save first) wins.
    await addVia(w.app, w.alice.key, w.orgA, col, c);
    await addVia(w.app, w.alice.key, w.orgA, col, a);
    expect(ids(await list(w, `?collection_id=${col}`))).toEqual([c, a]);
    expect(ids(await list(w, `?collection_id=${col}&mode=focus`))).toEqual([]);
    // In the collection but no longer in the library: not listed.
    await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${c}/save`, { key: w.alice.key });
    expect(ids(await list(w, `?collection_id=${col}`))).toEqual([a]);
    const empty = await createCollectionVia(w.app, w.alice.key, w.orgA);
    expect(ids(await list(w, `?collection_id=${empty}`))).toEqual([]);
    const g = await gql(
      w.app,
      'query ($org: ID!, $col: ID) { tracks(organizationId: $org, collectionId: $col) { edges { node { id } } } }',
      { org: w.orgA, col },
      w.alice.key,
    );
    expect(g.body.data.tracks.edges.map((e: any) => e.node.id)).toEqual([a]);
    // b is in the library but not in the collection.
    expect(ids(await list(w))).toEqual([b, a]);
  });

  it('a collection that is not yours, missing or deleted is 404 like any collection', async () => {
    const w = await createWorld();
    await track(w, 'a');
    const bobs = await createCollectionVia(w.app, w.bob.key, w.orgA);
    const daves = await createCollectionVia(w.app, w.dave.key, w.orgB);
    const deleted = await createCollectionVia(w.app, w.alice.key, w.orgA);
    await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/collections/${deleted}`, { key: w.alice.key });
    for (const col of [bobs, daves, deleted, 'mcoll_00000000000000000000']) {
      const res = await list(w, `?collection_id=${col}`);
      expect(res.status, col).toBe(404);
      expect(res.body.error).toMatchObject({
        code: 'RESOURCE_NOT_FOUND',
        system_message: 'Music collection not found or not owned by caller',
        details: { collection_id: col },
      });
    }
    const g = onlyError(
      await gql(
        w.app,
        'query ($org: ID!, $col: ID) { tracks(organizationId: $org, collectionId: $col) { edges { cursor } } }',
        {
          org: w.orgA,
          col: bobs,
        },
        w.alice.key,
      ),
    );
    expect(g.extensions.code).toBe('RESOURCE_NOT_FOUND');
    // Membership is still decided first.
    const stranger = await list(w, `?collection_id=${bobs}`, w.dave.key);
    expect(stranger.status).toBe(403);
  });
});
