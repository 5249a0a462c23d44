import { describe, expect, it } from 'vitest';
import {
  addVia,
  createCollectionVia,
  createTrackVia,
  createWorld,
  gql,
  onlyError,
  rest,
  rows,
  type World,
  backend,
  sqliteOf,
} from './helpers.js';

const base = (w: World) => `/v1/music/${w.orgA}/collections`;

async function collectionWith(w: World, n: number) {
  const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
  const tracks: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = await createTrackVia(w.app, w.alice.key, w.orgA, `t${i}`);
    await addVia(w.app, w.alice.key, w.orgA, c, t);
    tracks.push(t);
  }
  return { c, tracks };
}

const order = async (w: World, c: string) =>
  (await rest(w.app, 'GET', `${base(w)}/${c}/tracks`, { key: w.alice.key })).body.items.map((i: any) => i.track_id);

async function positionsOf(w: World, c: string) {
  return (await rows(w, 'SELECT position FROM collection_entries WHERE collection_id = ? ORDER BY position', c)).map(
    (r) => r.position,
  );
}

describe('PATCH a collection', () => {
  it('changes only the sent fields; null clears the nullable ones; returns the count', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 2);
    const first = await rest(w.app, 'PATCH', `${base(w)}/${c}`, {
      key: w.alice.key,
      body: { description: 'Deep', cover_track_id: tracks[0], cover_image_url: 'https://img.example.com/a.png' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      name: 'A collection',
      description: 'Deep',
      cover_track_id: tracks[0],
      track_count: 2,
    });
    w.clock.now += 1000;
    const cleared = await rest(w.app, 'PATCH', `${base(w)}/${c}`, {
      key: w.alice.key,
      body: { name: 'Deep Work', description: null, cover_track_id: null },
    });
    expect(cleared.body).toEqual({
      id: c,
      name: 'Deep Work',
      description: null,
      cover_track_id: null,
      cover_image_url: 'https://img.example.com/a.png',
      track_count: 2,
      created_at: '2026-06-28T10:30:00Z',
      updated_at: '2026-06-28T10:30:01Z',
    });
  });

  it('validates like create, refuses to clear the name, and is owner-only (404); nothing changes', async () => {
    const w = await createWorld();
    const { c } = await collectionWith(w, 0);
    const cases: [unknown, string][] = [
      [{ name: null }, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(513) }, 'name'],
      [{ cover_image_url: `https://x/${'a'.repeat(1015)}` }, 'cover_image_url'],
      [{ owner_id: 'usr_x' }, 'owner_id'],
    ];
    for (const [body, field] of cases) {
      const res = await rest(w.app, 'PATCH', `${base(w)}/${c}`, { key: w.alice.key, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.details).toEqual({ field });
    }
    const cover = await rest(w.app, 'PATCH', `${base(w)}/${c}`, {
      key: w.alice.key,
      body: { cover_track_id: 'mtrack_none' },
    });
    expect(cover.status).toBe(404);
    expect(cover.body.error.details).toEqual({ track_id: 'mtrack_none' });
    const foreign = await rest(w.app, 'PATCH', `${base(w)}/${c}`, { key: w.bob.key, body: { name: 'mine' } });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.details).toEqual({ collection_id: c });
    expect(await rows(w, 'SELECT name, version FROM collections WHERE id = ?', c)).toEqual([
      { name: 'A collection', version: 1 },
    ]);
  });
});

describe('reorder', () => {
  it('listed tracks take their indexes; unknown ids are ignored; the rest keep their order after them', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 5);
    const [a, b, cc, d, e] = tracks as [string, string, string, string, string];
    const res = await rest(w.app, 'PATCH', `${base(w)}/${c}/order`, {
      key: w.alice.key,
      body: { ordered_track_ids: [d, 'mtrack_unknown', b] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, id: c, detail: 'Collection reordered.' });
    expect(await order(w, c)).toEqual([d, b, a, cc, e]);
    expect(await positionsOf(w, c)).toEqual([0, 1, 2, 3, 4]);
  });

  it('an empty list changes nothing; duplicates are a 422 and change nothing', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 3);
    const empty = await rest(w.app, 'PATCH', `${base(w)}/${c}/order`, {
      key: w.alice.key,
      body: { ordered_track_ids: [] },
    });
    expect(empty.status).toBe(200);
    expect(await order(w, c)).toEqual(tracks);
    const dup = await rest(w.app, 'PATCH', `${base(w)}/${c}/order`, {
      key: w.alice.key,
      body: { ordered_track_ids: [tracks[2], tracks[2]] },
    });
    expect(dup.status).toBe(422);
    expect(dup.body.error.details).toEqual({ field: 'ordered_track_ids' });
    const missing = await rest(w.app, 'PATCH', `${base(w)}/${c}/order`, { key: w.alice.key, body: {} });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details).toEqual({ field: 'ordered_track_ids' });
    expect(await order(w, c)).toEqual(tracks);
  });

  // Counts row changes with SQLite's total_changes(); the statements are the same on PostgreSQL.
  it.skipIf(backend !== 'sqlite')('rewrites only the entries that move', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 50);
    // swap the first two: two entries move, 48 stay
    const changes = sqliteOf(w).prepare('SELECT total_changes() AS n');
    const before = (changes.get() as { n: number }).n;
    await rest(w.app, 'PATCH', `${base(w)}/${c}/order`, { key: w.alice.key, body: { ordered_track_ids: [tracks[1]] } });
    const after = (changes.get() as { n: number }).n;
    // 2 entries × 2 steps, 1 collection row, 1 audit row, and key last-used bookkeeping at most once
    expect(after - before).toBeLessThanOrEqual(7);
    expect((await order(w, c)).slice(0, 3)).toEqual([tracks[1], tracks[0], tracks[2]]);
  });

  it('positions stay contiguous after removals and track deletions', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 6);
    await rest(w.app, 'DELETE', `${base(w)}/${c}/tracks/${tracks[1]}`, { key: w.alice.key });
    await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${tracks[3]}`, { key: w.alice.key });
    await rest(w.app, 'PATCH', `${base(w)}/${c}/order`, {
      key: w.alice.key,
      body: { ordered_track_ids: [tracks[5], tracks[0]] },
    });
    await rest(w.app, 'DELETE', `${base(w)}/${c}/tracks/${tracks[5]}`, { key: w.alice.key });
    expect(await positionsOf(w, c)).toEqual([0, 1, 2]);
    expect(await order(w, c)).toEqual([tracks[0], tracks[2], tracks[4]]);
    const got = await rest(w.app, 'GET', `${base(w)}/${c}`, { key: w.alice.key });
    expect(got.body.track_count).toBe(3);
  });
});

describe('concurrent writers', () => {
  it('interleaved adds, removes, reorders and deletions leave positions unique and contiguous', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 20);
    const spare: string[] = [];
    for (let i = 0; i < 10; i++) spare.push(await createTrackVia(w.app, w.alice.key, w.orgA, `s${i}`));
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      ops.push(rest(w.app, 'POST', `${base(w)}/${c}/tracks`, { key: w.alice.key, body: { track_id: spare[i] } }));
      ops.push(rest(w.app, 'DELETE', `${base(w)}/${c}/tracks/${tracks[i * 2]}`, { key: w.alice.key }));
      ops.push(
        rest(w.app, 'PATCH', `${base(w)}/${c}/order`, {
          key: w.alice.key,
          body: { ordered_track_ids: [tracks[19 - i], spare[i]] },
        }),
      );
      if (i % 3 === 0)
        ops.push(rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${tracks[i * 2 + 1]}`, { key: w.alice.key }));
    }
    const results = (await Promise.all(ops)) as { status: number }[];
    expect(results.filter((r) => r.status !== 200).map((r: any) => r.text ?? r.status)).toEqual([]);
    const count = (await rest(w.app, 'GET', `${base(w)}/${c}`, { key: w.alice.key })).body.track_count;
    expect(await positionsOf(w, c)).toEqual([...Array(count).keys()]);
    expect(count).toBe(20 + 10 - 10 - 4);
  });
});

describe('optimistic concurrency', () => {
  it('reads carry an ETag that changes with every change to the collection or its entries', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 2);
    const etag = async () => (await rest(w.app, 'GET', `${base(w)}/${c}`, { key: w.alice.key })).headers.get('etag');
    const seen = [await etag()];
    expect(seen[0]).toBe('"3"');
    const list = await rest(w.app, 'GET', `${base(w)}/${c}/tracks`, { key: w.alice.key });
    expect(list.headers.get('etag')).toBe(seen[0]);
    await rest(w.app, 'PATCH', `${base(w)}/${c}/order`, { key: w.alice.key, body: { ordered_track_ids: [tracks[1]] } });
    seen.push(await etag());
    await rest(w.app, 'PATCH', `${base(w)}/${c}`, { key: w.alice.key, body: { description: 'x' } });
    seen.push(await etag());
    await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${tracks[0]}`, { key: w.alice.key });
    seen.push(await etag());
    expect(new Set(seen).size).toBe(seen.length);
    const gqlVersion = await gql(
      w.app,
      'query($o: ID!, $id: ID!) { collection(organizationId: $o, id: $id) { version } }',
      { o: w.orgA, id: c },
      w.alice.key,
    );
    expect(`"${gqlVersion.body.data.collection.version}"`).toBe(seen.at(-1));
  });

  it('a stale If-Match is a 409 COLLECTION_CONCURRENT_UPDATE with the current version, and changes nothing', async () => {
    const w = await createWorld();
    const { c, tracks } = await collectionWith(w, 2);
    const extra = await createTrackVia(w.app, w.alice.key, w.orgA);
    const stale = { 'if-match': '"1"' };
    const calls: [string, string, unknown?][] = [
      ['PATCH', `${base(w)}/${c}`, { name: 'x' }],
      ['PATCH', `${base(w)}/${c}/order`, { ordered_track_ids: [tracks[1]] }],
      ['POST', `${base(w)}/${c}/tracks`, { track_id: extra }],
      ['DELETE', `${base(w)}/${c}/tracks/${tracks[0]}`],
      ['DELETE', `${base(w)}/${c}`],
    ];
    for (const [method, path, body] of calls) {
      const res = await rest(w.app, method, path, { key: w.alice.key, body, headers: stale });
      expect(res.status, `${method} ${path}`).toBe(409);
      expect(res.body.error.code).toBe('COLLECTION_CONCURRENT_UPDATE');
      expect(res.body.error.details).toEqual({ collection_id: c, current_version: 3 });
    }
    expect(await rows(w, 'SELECT name, version, deleted_at FROM collections WHERE id = ?', c)).toEqual([
      { name: 'A collection', version: 3, deleted_at: null },
    ]);
    expect(await order(w, c)).toEqual(tracks);

    const fresh = await rest(w.app, 'PATCH', `${base(w)}/${c}`, {
      key: w.alice.key,
      body: { name: 'y' },
      headers: { 'if-match': '"3"' },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).toBe('"4"');
    const bad = await rest(w.app, 'PATCH', `${base(w)}/${c}`, {
      key: w.alice.key,
      body: { name: 'z' },
      headers: { 'if-match': 'yesterday' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual({ field: 'If-Match' });
  });

  it('a stranger with a stale version still gets 404, never 409', async () => {
    const w = await createWorld();
    const { c } = await collectionWith(w, 0);
    const res = await rest(w.app, 'DELETE', `${base(w)}/${c}`, { key: w.bob.key, headers: { 'if-match': '"99"' } });
    expect(res.status).toBe(404);
  });

  it('GraphQL ifVersion behaves the same', async () => {
    const w = await createWorld();
    const { c } = await collectionWith(w, 1);
    const m = `mutation($o: ID!, $c: ID!, $v: Int) { updateCollection(organizationId: $o, collectionId: $c, input: { name: "n" }, ifVersion: $v) { name version } }`;
    const stale = await gql(w.app, m, { o: w.orgA, c, v: 1 }, w.alice.key);
    expect(onlyError(stale).extensions).toMatchObject({
      code: 'COLLECTION_CONCURRENT_UPDATE',
      status: 409,
      details: { current_version: 2 },
    });
    const ok = await gql(w.app, m, { o: w.orgA, c, v: 2 }, w.alice.key);
    expect(ok.body.data.updateCollection).toEqual({ name: 'n', version: 3 });
  });
});
