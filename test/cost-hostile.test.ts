import { describe, expect, it } from 'vitest';
import { createWorld, gql, rows, type World } from './helpers.js';

// The issue's hostile documents against a database big enough that running one would take seconds
// and hundreds of megabytes: 20 collections of the same 500 tracks (10,000 entries). Each must be
// refused before it runs, quickly; a small request sent beside them must not wait; memory must
// not grow. If the cost limit let them through, every one of these would fail.

const COLLECTIONS = 20;
const TRACKS = 500;

/** Planted in bulk with plain SQL (the API would need 10,000 requests); the rows are the API's shape. */
async function bigWorld(): Promise<{ w: World; collections: string[] }> {
  const w = await createWorld();
  const now = w.clock.now;
  const tracks = Array.from({ length: TRACKS }, (_, i) => `mtrack_big${String(i).padStart(4, '0')}`);
  const values = (n: number, k: number) =>
    Array.from({ length: n }, () => `(${Array.from({ length: k }, () => '?').join(', ')})`).join(', ');
  await rows(
    w,
    `INSERT INTO tracks (id, organization_id, creator_id, title, audio_url, created_at, updated_at) VALUES ${values(TRACKS, 7)}`,
    ...tracks.flatMap((id, i) => [id, w.orgA, w.alice.userId, `Track ${i}`, `https://cdn.example/${id}.mp3`, now, now]),
  );
  await rows(
    w,
    `INSERT INTO library_saves (id, user_id, track_id, organization_id, source, created_at) VALUES ${values(TRACKS, 6)}`,
    ...tracks.flatMap((id, i) => [`mlib_big${i}`, w.alice.userId, id, w.orgA, 'own', now + i]),
  );
  const collections = Array.from({ length: COLLECTIONS }, (_, i) => `mcoll_big${String(i).padStart(2, '0')}`);
  await rows(
    w,
    `INSERT INTO collections (id, organization_id, owner_id, name, track_count, created_at, updated_at) VALUES ${values(COLLECTIONS, 7)}`,
    ...collections.flatMap((id, i) => [id, w.orgA, w.alice.userId, `Collection ${i}`, TRACKS, now + i, now + i]),
  );
  for (const c of collections) {
    await rows(
      w,
      `INSERT INTO collection_entries (collection_id, track_id, position, added_at) VALUES ${values(TRACKS, 4)}`,
      ...tracks.flatMap((t, position) => [c, t, position, now]),
    );
  }
  return { w, collections };
}

const page = (size: string, inner: string) =>
  `collections(organizationId: $o${size}) { edges { node { id name tracks${inner} { edges { node { id title audioUrl } } } } } }`;
const aliased = (n: number, field: string) => Array.from({ length: n }, (_, i) => `c${i}: ${field}`).join(' ');

const hostile: Record<string, { query: string; variables: (o: string) => Record<string, unknown> }> = {
  'variables $a = 100, $b = 500': {
    query: `query($o: ID!, $a: Int, $b: Int) { ${aliased(15, page(', first: $a', '(first: $b)'))} }`,
    variables: (o) => ({ o, a: 100, b: 500 }),
  },
  'sizes left to their defaults': {
    query: `query($o: ID!) { ${aliased(15, page('', ''))} }`,
    variables: (o) => ({ o }),
  },
  'named fragments': {
    query: `query($o: ID!, $b: Int) { ${aliased(15, 'collections(organizationId: $o, first: 100) { ...Page }')} }
      fragment Page on CollectionConnection { edges { node { ...C } } }
      fragment C on Collection { id tracks(first: $b) { edges { node { ...T } } } }
      fragment T on Track { id title audioUrl }`,
    variables: (o) => ({ o, b: 500 }),
  },
  'inline fragments behind @include': {
    query: `query($o: ID!, $yes: Boolean!) { ${aliased(15, `collections(organizationId: $o, first: 100) { edges { ... on CollectionEdge @include(if: $yes) { node { ... { tracks(first: 500) { edges { node { id title } } } } } } } }`)} }`,
    variables: (o) => ({ o, yes: true }),
  },
};

describe('hostile documents on a database of 10,000 entries', () => {
  it('are each refused with QUERY_LIMIT_EXCEEDED, in milliseconds; a small request beside four of them is not held up; memory stays flat', async () => {
    const { w } = await bigWorld();
    for (const [name, doc] of Object.entries(hostile)) {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const res = await gql(w.app, doc.query, doc.variables(w.orgA), w.alice.key);
        times.push(performance.now() - started);
        expect(res.body.errors?.[0]?.extensions?.code, `${name}: ${res.text.slice(0, 300)}`).toBe(
          'QUERY_LIMIT_EXCEEDED',
        );
        expect(res.text.length).toBeLessThan(2000);
      }
      times.sort((a, b) => a - b);
      expect(times[2], `${name}: median ms`).toBeLessThan(100);
    }

    const small = () => gql(w.app, '{ viewer { id } }', {}, w.alice.key);
    await small();
    const docs = Object.values(hostile);
    const rss = () => process.memoryUsage().rss / 2 ** 20;
    const before = rss();
    for (let round = 0; round < 10; round++) {
      const started = performance.now();
      const beside = small().then((res) => ({ res, ms: performance.now() - started }));
      const refused = docs.map((doc) => gql(w.app, doc.query, doc.variables(w.orgA), w.alice.key));
      const [{ res, ms }, ...others] = await Promise.all([beside, ...refused]);
      expect(res.body.data.viewer.id).toBe(w.alice.userId);
      expect(ms, 'the small request waited').toBeLessThan(500);
      for (const other of others as { body: any }[])
        expect(other.body.errors[0].extensions.code).toBe('QUERY_LIMIT_EXCEEDED');
    }
    expect(rss() - before, 'MB of resident memory gained').toBeLessThan(64);
  }, 120_000);

  it('the pages a frontend asks for still run: one collection of 500 tracks, 20 collections of 10, the library at 100', async () => {
    const { w, collections } = await bigWorld();
    const track = 'id title engine mode durationSeconds instrumental audioUrl artworkUrl createdAt updatedAt';
    const one = await gql(
      w.app,
      `query($o: ID!, $c: ID!) { collection(organizationId: $o, id: $c) { id name trackCount coverTrack { ${track} }
      tracks(first: 500) { edges { cursor position addedAt node { ${track} } } pageInfo { hasNextPage endCursor } } } }`,
      { o: w.orgA, c: collections[0] },
      w.alice.key,
    );
    expect(one.body.errors).toBeUndefined();
    expect(one.body.data.collection.tracks.edges).toHaveLength(TRACKS);
    const nested = await gql(
      w.app,
      `query($o: ID!) { collections(organizationId: $o, first: 100) { edges { cursor node { id name trackCount version
      coverTrack { ${track} } tracks(first: 10) { edges { cursor position addedAt node { ${track} } } pageInfo { hasNextPage endCursor } } } } } }`,
      { o: w.orgA },
      w.alice.key,
    );
    expect(nested.body.errors).toBeUndefined();
    expect(nested.body.data.collections.edges).toHaveLength(COLLECTIONS);
    expect(nested.body.data.collections.edges[0].node.tracks.edges).toHaveLength(10);
    const library = await gql(
      w.app,
      `query($o: ID!) { tracks(organizationId: $o, first: 100) { edges { cursor savedAt source libraryEntryId node { ${track} } } } }`,
      { o: w.orgA },
      w.alice.key,
    );
    expect(library.body.errors).toBeUndefined();
    expect(library.body.data.tracks.edges).toHaveLength(100);
  }, 60_000);
});
