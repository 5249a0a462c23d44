import { describe, expect, it } from 'vitest';
import { addTrackToCollection, createCollection } from '../src/domain/collections.js';
import { createTrack } from '../src/domain/tracks.js';
import { authenticate, type Viewer } from '../src/domain/viewer.js';
import { createWorld, gql, type World } from './helpers.js';

// No N+1: a page of collections with their cover tracks and first tracks costs the same number
// of SQL statements whatever the page size. Statements are counted with the database's
// onStatement hook; the seed goes through the domain functions directly to stay fast.

const PAGE = `query($o: ID!, $first: Int!, $tracks: Int!) {
  collections(organizationId: $o, first: $first) {
    edges { node { id name trackCount
      coverTrack { id title }
      tracks(first: $tracks) { edges { position node { id title } } pageInfo { hasNextPage } } } }
    pageInfo { hasNextPage }
  } }`;

interface Counted {
  world: World;
  statements: string[];
  alice: Viewer;
}

async function countedWorld(): Promise<Counted> {
  const statements: string[] = [];
  const world = await createWorld({ onStatement: (sql) => statements.push(sql) });
  const alice = (await authenticate(world.deps, world.alice.key))!;
  return { world, statements, alice };
}

/** Runs the page query and returns its data and the statements it cost. */
async function measure({ world, statements }: Counted, first: number, tracks: number) {
  // warm-up: the key's last-used time may be written on its first use
  await gql(world.app, '{ viewer { id } }', {}, world.alice.key);
  statements.length = 0;
  const res = await gql(world.app, PAGE, { o: world.orgA, first, tracks }, world.alice.key);
  const cost = [...statements];
  expect(res.body.errors, res.text).toBeUndefined();
  return { data: res.body.data.collections, cost };
}

describe('a page of collections with cover tracks and first tracks (no N+1)', () => {
  it('costs the same, small number of statements for 5 and for 40 collections (12 tracks each)', async () => {
    const counted = await countedWorld();
    const { world, alice } = counted;
    const org = world.orgA;
    for (let i = 0; i < 40; i++) {
      const cover = await createTrack(world.deps, alice, { organizationId: org, title: `cover ${i}` });
      const c = await createCollection(world.deps, alice, {
        organizationId: org,
        name: `c${i}`,
        coverTrackId: cover.id,
      });
      for (let j = 0; j < 12; j++) {
        const t = await createTrack(world.deps, alice, { organizationId: org, title: `c${i} t${j}` });
        await addTrackToCollection(world.deps, alice, { organizationId: org, collectionId: c.id, trackId: t.id });
      }
    }

    const small = await measure(counted, 5, 10);
    const large = await measure(counted, 40, 10);

    // the answers are complete and right
    expect(small.data.edges).toHaveLength(5);
    expect(large.data.edges).toHaveLength(40);
    expect(small.data.pageInfo.hasNextPage).toBe(true);
    expect(large.data.pageInfo.hasNextPage).toBe(false);
    for (const [k, { node }] of large.data.edges.entries()) {
      const i = 39 - k; // newest first
      expect(node.name).toBe(`c${i}`);
      expect(node.trackCount).toBe(12);
      expect(node.coverTrack.title).toBe(`cover ${i}`);
      expect(node.tracks.edges.map((e: any) => [e.position, e.node.title])).toEqual(
        Array.from({ length: 10 }, (_, j) => [j, `c${i} t${j}`]),
      );
      expect(node.tracks.pageInfo.hasNextPage).toBe(true);
    }
    expect(small.data.edges.map((e: any) => e.node.name)).toEqual(['c39', 'c38', 'c37', 'c36', 'c35']);

    // and cost a fixed number of statements
    expect(large.cost.length, large.cost.join('\n')).toBe(small.cost.length);
    expect(large.cost.length, large.cost.join('\n')).toBeLessThanOrEqual(8);
  });

  it('costs the same when the collections on the page hold different numbers of tracks', async () => {
    // Collection i holds tracks 0..i, so no two collections on a page ask for the same range
    // of positions when the page of tracks is larger than they are.
    const counted = await countedWorld();
    const { world, alice } = counted;
    const org = world.orgA;
    const tracks: string[] = [];
    for (let j = 0; j < 40; j++)
      tracks.push((await createTrack(world.deps, alice, { organizationId: org, title: `t${j}` })).id);
    for (let i = 0; i < 40; i++) {
      const c = await createCollection(world.deps, alice, {
        organizationId: org,
        name: `c${i}`,
        coverTrackId: tracks[i],
      });
      for (let j = 0; j <= i; j++) {
        await addTrackToCollection(world.deps, alice, { organizationId: org, collectionId: c.id, trackId: tracks[j]! });
      }
    }

    const small = await measure(counted, 5, 50);
    const large = await measure(counted, 40, 50);

    for (const [k, { node }] of large.data.edges.entries()) {
      const i = 39 - k;
      expect(node.trackCount).toBe(i + 1);
      expect(node.coverTrack.id).toBe(tracks[i]);
      expect(node.tracks.edges.map((e: any) => e.node.id)).toEqual(tracks.slice(0, i + 1));
    }
    // The large page may cost one statement less: its cover tracks are every track, so the
    // entries' tracks are already in the loader's cache. It must never cost more.
    expect(large.cost.length, large.cost.join('\n')).toBeLessThanOrEqual(small.cost.length);
    expect(large.cost.length, large.cost.join('\n')).toBeLessThanOrEqual(8);
  });

  it('a collection that is only partly paged (after a cursor) still loads in fixed cost', async () => {
    const counted = await countedWorld();
    const { world, alice } = counted;
    const org = world.orgA;
    const c = await createCollection(world.deps, alice, { organizationId: org, name: 'big' });
    for (let j = 0; j < 30; j++) {
      const t = await createTrack(world.deps, alice, { organizationId: org, title: `t${j}` });
      await addTrackToCollection(world.deps, alice, { organizationId: org, collectionId: c.id, trackId: t.id });
    }
    const query = `query($o: ID!, $id: ID!, $first: Int!) { collection(organizationId: $o, id: $id) {
      tracks(first: $first, offset: 5) { edges { position node { title } } } } }`;
    await gql(world.app, '{ viewer { id } }', {}, world.alice.key);
    const cost = async (first: number) => {
      counted.statements.length = 0;
      const res = await gql(world.app, query, { o: org, id: c.id, first }, world.alice.key);
      expect(res.body.data.collection.tracks.edges).toHaveLength(first);
      expect(res.body.data.collection.tracks.edges[0]).toEqual({ position: 5, node: { title: 't5' } });
      return counted.statements.length;
    };
    expect(await cost(20)).toBe(await cost(2));
  });
});
