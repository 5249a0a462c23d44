import { describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../src/domain/admin.js';
import { addTrackToCollection, createCollection, deleteCollection } from '../src/domain/collections.js';
import { revokeShare, shareTrack } from '../src/domain/shares.js';
import { createTrack, deleteTrack } from '../src/domain/tracks.js';
import { authenticate } from '../src/domain/viewer.js';
import { backend, createWorld, gql, migrationsTable, rest, rows, tableNames, type HttpResult, type World } from './helpers.js';
import {
  cells,
  objects,
  operations,
  principals,
  type Cell,
  type ObjectKind,
  type Operation,
  type Principal,
  type SeedIds,
  type Target,
} from './isolation/matrix.js';

interface Seeded {
  world: World;
  keys: Record<Principal, string | null>;
  own: Record<'owner' | 'member' | 'no_capability' | 'other_org', SeedIds>;
  objects: Record<Exclude<Target, null>, Record<ObjectKind, string>>;
}

async function seed(): Promise<Seeded> {
  const world = await createWorld();
  const { deps, orgA, orgB } = world;
  const viewerOf = async (key: string) => (await authenticate(deps, key))!;
  const [alice, bob, dave] = await Promise.all([viewerOf(world.alice.key), viewerOf(world.bob.key), viewerOf(world.dave.key)]);
  const make = async (viewer: typeof alice, org: string) => {
    const track = await createTrack(deps, viewer, { organizationId: org, title: 't' });
    const collection = await createCollection(deps, viewer, { organizationId: org, name: 'c' });
    await addTrackToCollection(deps, viewer, { organizationId: org, collectionId: collection.id, trackId: track.id });
    const share = await shareTrack(deps, viewer, { organizationId: org, trackId: track.id });
    return { track: track.id, collection: collection.id, share: share.link.id };
  };
  const a = await make(alice, orgA);
  const b = await make(bob, orgA);
  const d = await make(dave, orgB);
  // alice's deleted objects
  const gone = await make(alice, orgA);
  await deleteCollection(deps, alice, { organizationId: orgA, collectionId: gone.collection });
  await deleteTrack(deps, alice, { organizationId: orgA, trackId: gone.track });
  await revokeShare(deps, alice, { organizationId: orgA, shareId: gone.share });
  // carol has no capability; what she owns was made before it was taken away.
  await rows(
    world,
    "INSERT INTO tracks (id, organization_id, creator_id, title, created_at, updated_at) VALUES ('mtrack_carol', 'org_a', ?, 'c', 0, 0)",
    world.carol.userId,
  );
  await rows(
    world,
    "INSERT INTO collections (id, organization_id, owner_id, name, created_at, updated_at) VALUES ('mcoll_carol', 'org_a', ?, 'c', 0, 0)",
    world.carol.userId,
  );
  const revoked = (await createApiKey(deps, { userId: world.alice.userId }));
  (await revokeApiKey(deps, { keyId: revoked.id }));
  const byKind = (k: 'track' | 'collection' | 'share', none: string) => ({
    own: a[k],
    same_org_other: b[k],
    other_org: d[k],
    nonexistent: none,
    deleted: gone[k],
  });
  return {
    world,
    keys: {
      none: null,
      malformed_key: 'this is not a key',
      revoked_key: revoked.key,
      owner: world.alice.key,
      member: world.bob.key,
      no_capability: world.carol.key,
      other_org: world.dave.key,
    },
    own: {
      owner: { ownCollection: a.collection, ownTrack: a.track },
      member: { ownCollection: b.collection, ownTrack: b.track },
      no_capability: { ownCollection: 'mcoll_carol', ownTrack: 'mtrack_carol' },
      other_org: { ownCollection: d.collection, ownTrack: d.track },
    },
    objects: {
      collection: byKind('collection', 'mcoll_00000000000000000000'),
      track: byKind('track', 'mtrack_00000000000000000000'),
      share: byKind('share', 'mslink_00000000000000000000'),
    },
  };
}

/** Every table, except the key's last-used time, which authentication itself refreshes. */
async function snapshot(world: World): Promise<string> {
  const tables = [...(await tableNames(world.app.database)), migrationsTable];
  const contents: string[][] = [];
  for (const name of tables) {
    const all = (await rows(world, `SELECT * FROM ${name}`)) as Record<string, unknown>[];
    // Sorted here, since neither backend promises an order without ORDER BY.
    contents.push(all.map(({ last_used_at: _ignored, ...rest }) => JSON.stringify(rest)).sort());
  }
  return JSON.stringify(contents);
}

interface Outcome {
  status: number;
  code: string | null;
  details: Record<string, unknown> | null;
  result: HttpResult;
}

function graphqlDocument(op: Operation, org: string, id: string, ids: SeedIds, aliased: boolean): string {
  const kind = /^(collection|collections|track|tracks)$/.test(op.graphql.field) ? 'query' : 'mutation';
  const call = `${op.graphql.field}(${op.graphql.args(org, id, ids)}) ${op.graphql.selection}`;
  return aliased ? `${kind} { first: ${call} second: ${call} }` : `${kind} { only: ${call} }`;
}

async function run(s: Seeded, cell: Cell): Promise<Outcome[]> {
  const op = operations.find((o) => o.name === cell.operation)!;
  const key = s.keys[cell.principal];
  const ids = s.own[cell.principal as keyof Seeded['own']] ?? s.own.owner;
  const id = op.target && cell.object ? s.objects[op.target][cell.object] : '';
  const org = s.world.orgA;
  if (cell.transport === 'rest') {
    const result = await rest(s.world.app, op.rest.method, op.rest.path(org, id, ids), { key, body: op.rest.body?.(ids, id) });
    const error = result.body?.error;
    return [{ status: result.status, code: error?.code ?? null, details: error?.details ?? null, result }];
  }
  const query =
    cell.transport === 'node'
      ? `{ only: node(id: ${JSON.stringify(id)}) { id } }`
      : graphqlDocument(op, org, id, ids, cell.transport === 'graphql_aliased');
  const result = await gql(s.world.app, query, {}, key);
  // Root fields are non-null, so the first error nulls the whole response and graphql-js reports
  // only that one: an aliased failure is checked on every error that was reported.
  const errors: any[] = result.body.errors ?? [];
  if (cell.transport === 'graphql_aliased' && errors.length > 0 && cell.expect.code !== null) {
    return errors.map((error) => ({
      status: error.extensions.status,
      code: error.extensions.code,
      details: error.extensions.details,
      result,
    }));
  }
  const aliases = cell.transport === 'graphql_aliased' ? ['first', 'second'] : ['only'];
  return aliases.map((alias) => {
    const error = (result.body.errors ?? []).find((e: any) => e.path?.[0] === alias);
    // With no error of its own the field succeeded, even if a sibling's error nulled `data`.
    const success = result.body.data?.[alias] != null || (errors.length > 0 && !error);
    return {
      status: error ? error.extensions.status : success ? op.rest.status : 0,
      code: error?.extensions.code ?? null,
      details: error?.extensions.details ?? null,
      result,
    };
  });
}

const all = cells();
// Every cell seeds a fresh world: 1,600 of them take a minute on SQLite and ten on PostgreSQL, so
// there every 12th cell runs (the rules under test are the domain's, written once; what the
// backend changes is the SQL, which a sample of every operation exercises). ISOLATION_STRIDE=1 runs all.
const STRIDE = Number(process.env['ISOLATION_STRIDE'] ?? (backend === 'sqlite' ? 1 : 12));

describe(`tenant isolation matrix (${all.length} cells)`, () => {
  for (const op of operations) {
    describe(op.name, () => {
      for (const cell of all.filter((c) => c.operation === op.name)) {
        it.skipIf(all.indexOf(cell) % STRIDE !== 0)(`${cell.principal} → ${cell.object ?? '—'} via ${cell.transport}: ${cell.expect.status} ${cell.expect.code ?? ''}`, async () => {
          const s = await seed();
          const before = await snapshot(s.world);
          const outcomes = await run(s, cell);
          // A repeated success of a non-idempotent mutation (aliased delete) may fail the second time.
          const checked = cell.expect.code === null && !op.idempotent ? outcomes.slice(0, 1) : outcomes;
          for (const outcome of checked) {
            expect({ status: outcome.status, code: outcome.code }, outcome.result.text).toEqual({
              status: cell.expect.status,
              code: cell.expect.code,
            });
            if (cell.expect.detail) expect(Object.keys(outcome.details ?? {})).toEqual([cell.expect.detail]);
            expect(outcome.result.text).not.toMatch(/\.ts:\d+|at \/|SQLITE|drizzle/i);
          }
          if (cell.expect.code !== null) expect(await snapshot(s.world)).toBe(before);
        });
      }
    });
  }
});

describe('another organization and nothing at all are indistinguishable', () => {
  const normalise = (text: string, id: string) =>
    text
      .replaceAll(id, 'ID')
      .replace(/"trace_id":"[^"]+"/g, '')
      .replace(/"timestamp":"[^"]+"/g, '');
  for (const op of operations.filter((o) => o.target !== null)) {
    for (const principal of ['owner', 'member', 'no_capability'] as const) {
      for (const transport of ['rest', 'graphql'] as const) {
        it(`${op.name} by ${principal} via ${transport}`, async () => {
          const s = await seed();
          const bodies = [];
          for (const object of ['other_org', 'nonexistent'] as const) {
            const [outcome] = await run(s, { principal, operation: op.name, object, transport, expect: { status: 0, code: null } });
            bodies.push([outcome!.status, normalise(outcome!.result.text, s.objects[op.target!][object])]);
          }
          expect(bodies[0]).toEqual(bodies[1]);
        });
      }
    }
  }
});

it('the matrix covers every principal, object and transport', () => {
  expect(new Set(all.map((c) => c.principal))).toEqual(new Set(principals));
  expect(new Set(all.filter((c) => c.object).map((c) => c.object))).toEqual(new Set(objects));
  expect(new Set(all.map((c) => c.transport)).size).toBe(4);
});
