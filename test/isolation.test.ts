import { rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { getSchema } from '../src/graphql/schema.js';
import { routes } from '../src/rest/routes.js';
import { backend, gql, rest, sqliteOf, type HttpResult } from './helpers.js';
import {
  cells,
  objects,
  operations,
  principals,
  transports,
  transportsOf,
  type Cell,
  type ObjectKind,
  type Operation,
  type Principal,
  type Transport,
} from './isolation/matrix.js';
import { buildTemplate, cloneApp, type Owner, type Template } from './isolation/seed.js';

// SQLite only: every cell runs on its own copy of one seeded database file, which is what makes
// some 2,600 independent cells affordable. The rules it checks live in the one domain layer that
// both backends share, and the rest of the suite exercises them on PostgreSQL too.
const notSqlite = backend !== 'sqlite';

let template: Template;
beforeAll(async () => {
  if (!notSqlite) template = await buildTemplate();
});
afterAll(() => {
  if (template) rmSync(template.dir, { recursive: true, force: true });
});

const owners = new Set<Principal>(['owner', 'member', 'no_capability', 'other_org']);
const selfOf = (p: Principal): Owner | null => (owners.has(p) ? (p as Owner) : null);

type Rows = Map<string, Map<number, Record<string, unknown>>>;

/** Every row of every table by rowid, except the key's last-used time, which authentication itself refreshes. */
function snapshot(db: Database.Database): Rows {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  return new Map(
    tables.map(({ name }) => [
      name,
      new Map(
        (db.prepare(`SELECT rowid AS __rowid, * FROM "${name}"`).all() as Record<string, unknown>[]).map((row) => {
          const { __rowid, last_used_at: _ignored, ...rest } = row;
          return [__rowid as number, rest];
        }),
      ),
    ]),
  );
}

/** Rows added, removed or changed, each as it is now (or was, if removed). */
function changedRows(before: Rows, after: Rows): { table: string; row: Record<string, unknown> }[] {
  const changed = [];
  for (const [table, rows] of after) {
    const old = before.get(table) ?? new Map();
    for (const [rowid, row] of rows)
      if (JSON.stringify(old.get(rowid)) !== JSON.stringify(row)) changed.push({ table, row });
    for (const [rowid, row] of old) if (!rows.has(rowid)) changed.push({ table, row });
  }
  return changed;
}

/** Whose a row is; a row of any table not listed here belongs to no caller and must never change. */
function rowOwner(db: Database.Database, table: string, row: Record<string, unknown>): unknown {
  const column = {
    tracks: 'creator_id',
    collections: 'owner_id',
    library_saves: 'user_id',
    share_links: 'owner_id',
    audit_log: 'actor_id',
    api_keys: 'user_id',
  }[table];
  if (column) return row[column];
  if (table === 'collection_entries') {
    return (db.prepare('SELECT owner_id FROM collections WHERE id = ?').get(row.collection_id) as { owner_id: string })
      .owner_id;
  }
  return `a row of ${table}`;
}

interface Outcome {
  status: number;
  code: string | null;
  item: boolean;
  details: Record<string, unknown> | null;
  result: HttpResult;
}

function graphqlDocument(
  op: Operation,
  org: string,
  id: string,
  ids: Template['own'][Owner],
  aliased: boolean,
): string {
  const kind = getSchema().getQueryType()!.getFields()[op.graphql.field] ? 'query' : 'mutation';
  const args = op.graphql.args(org, id, ids);
  const call = `${op.graphql.field}${args ? `(${args})` : ''} ${op.graphql.selection}`;
  return aliased ? `${kind} { first: ${call} second: ${call} }` : `${kind} { only: ${call} }`;
}

const opNamed = (name: string) => operations.find((o) => o.name === name)!;
/** For runs whose answers are compared with each other rather than with the policy. */
const unchecked = { status: 0, code: null, unchanged: true };

async function run(app: App, cell: Cell): Promise<Outcome[]> {
  const t = template;
  const op = opNamed(cell.operation);
  const key = t.keys[cell.principal];
  const ids = t.own[selfOf(cell.principal) ?? 'owner'];
  const id = op.target && cell.object ? t.objects[op.target][cell.object] : '';
  const org = t.orgA;
  if (cell.transport === 'rest') {
    const result = await rest(app, op.rest!.method, op.rest!.path(org, id, ids), {
      key,
      body: op.rest!.body?.(ids, id),
    });
    const itemError = result.status === 200 ? result.body?.results?.[0]?.error : null;
    if (itemError) return [{ status: 200, code: itemError.code, item: true, details: null, result }];
    const error = result.body?.error;
    return [{ status: result.status, code: error?.code ?? null, item: false, details: error?.details ?? null, result }];
  }
  if (cell.transport === 'groove') {
    const groove = op.groove!;
    const result = await rest(app, groove.endpoint.split(' ')[0]!, groove.path(id, ids), {
      body: groove.body?.(ids, id),
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
    const item = (result.body?.TrackActionResults ?? result.body?.PlaylistActionResult?.TrackActionResults)?.[0];
    if (item?.Error) {
      expect(result.body.Error?.ErrorCode, result.text).toBe('COLLECTION_SOME_OPERATIONS_FAILED');
      return [{ status: result.status, code: item.Error.ErrorCode, item: true, details: null, result }];
    }
    return [{ status: result.status, code: result.body?.Error?.ErrorCode ?? null, item: false, details: null, result }];
  }
  const query =
    cell.transport === 'node'
      ? `{ only: node(id: ${JSON.stringify(id)}) { id ... on Track { creatorId } ... on Collection { ownerId } } }`
      : graphqlDocument(op, org, id, ids, cell.transport === 'graphql_aliased');
  const result = await gql(app, query, {}, key);
  // Root fields are non-null, so the first error nulls the whole response and graphql-js reports
  // only that one: an aliased failure is checked on every error that was reported.
  const errors: any[] = result.body.errors ?? [];
  if (cell.transport === 'graphql_aliased' && errors.length > 0 && cell.expect.code !== null && !cell.expect.item) {
    return errors.map((error) => ({
      status: error.extensions.status,
      code: error.extensions.code,
      item: false,
      details: error.extensions.details,
      result,
    }));
  }
  const aliases = cell.transport === 'graphql_aliased' ? ['first', 'second'] : ['only'];
  return aliases.map((alias) => {
    const error = errors.find((e: any) => e.path?.[0] === alias);
    const data = result.body.data?.[alias];
    // A batch answers a list of results, or (the collection edits) an object holding them.
    const items = Array.isArray(data) ? data : data?.results;
    const itemError = Array.isArray(items) ? items[0]?.error : null;
    if (itemError) return { status: 200, code: itemError.code, item: true, details: null, result };
    // With no error of its own the field succeeded, even if a sibling's error nulled `data`.
    const success = data != null || (errors.length > 0 && !error);
    return {
      status: error ? error.extensions.status : success ? op.status : 0,
      code: error?.extensions.code ?? null,
      item: false,
      details: error?.extensions.details ?? null,
      result,
    };
  });
}

/** Ids the answer may show: the caller's own, the object asked about, and what that object itself shows. */
function foreignIdsIn(text: string, cell: Cell): string[] {
  const t = template;
  const op = opNamed(cell.operation);
  const self = selfOf(cell.principal);
  const object = op.target && cell.object ? t.objects[op.target][cell.object] : null;
  const allowed = new Set(object ? [object, ...(t.reveals.get(object) ?? [])] : []);
  return [...t.ownerOf]
    .filter(([id, owner]) => owner !== self && !allowed.has(id) && text.includes(id))
    .map(([id]) => id);
}

const all = cells();
const count = (key: 'transport' | 'principal') =>
  Object.fromEntries([...new Set(all.map((c) => c[key]))].map((k) => [k, all.filter((c) => c[key] === k).length]));

describe.skipIf(notSqlite)(`tenant isolation matrix (${all.length} cells)`, () => {
  it('cell counts by transport and principal (docs/reliability.md quotes them)', () => {
    console.log(
      `isolation matrix: ${all.length} cells; by transport ${JSON.stringify(count('transport'))}; by principal ${JSON.stringify(count('principal'))}`,
    );
    expect(all.length).toBeGreaterThan(2000);
  });

  for (const op of operations) {
    describe(op.name, () => {
      for (const cell of all.filter((c) => c.operation === op.name)) {
        const e = cell.expect;
        it(`${cell.principal} → ${cell.object ?? '—'} via ${cell.transport}: ${e.status} ${e.code ?? ''}${e.item ? ' (item)' : ''}`, async () => {
          const { app, close } = await cloneApp(template);
          try {
            const db = sqliteOf({ app });
            const before = snapshot(db);
            const outcomes = await run(app, cell);
            // A repeated success of a non-idempotent mutation (aliased delete) may fail the second time.
            const checked = e.code === null && !op.idempotent ? outcomes.slice(0, 1) : outcomes;
            for (const outcome of checked) {
              expect({ status: outcome.status, code: outcome.code, item: outcome.item }, outcome.result.text).toEqual({
                status: e.status,
                code: e.code,
                item: e.item ?? false,
              });
              if (e.details) expect(Object.keys(outcome.details ?? {})).toEqual(e.details);
              expect(outcome.result.text).not.toMatch(/\.ts:\d+|at \/|SQLITE|drizzle/i);
              expect(foreignIdsIn(outcome.result.text, cell), outcome.result.text).toEqual([]);
            }
            const after = snapshot(db);
            const changed = changedRows(before, after);
            if (e.unchanged) {
              expect(changed).toEqual([]);
            } else {
              // A success changes the caller's own rows and nobody else's.
              const self = template.users[selfOf(cell.principal)!];
              for (const { table, row } of changed)
                expect(rowOwner(db, table, row), `${table} ${JSON.stringify(row)}`).toBe(self);
            }
          } finally {
            await close();
          }
        });
      }
    });
  }
});

describe.skipIf(notSqlite)('another organization and nothing at all are indistinguishable', () => {
  const normalise = (text: string, id: string) =>
    text
      .replaceAll(id, 'ID')
      .replace(/"trace_id":"[^"]+"/g, '')
      .replace(/"timestamp":"[^"]+"/g, '');
  // A share token is a bearer capability, so its holder may learn what it shows; a revoked token
  // is compared with an unknown one instead, below.
  for (const op of operations.filter((o) => o.target !== null && o.target !== 'token')) {
    const comparisons: [Principal, Transport, ObjectKind][] = [];
    for (const transport of transportsOf(op).filter((t) => t !== 'graphql_aliased')) {
      // Seen from org A's members the foreign object is dave's; seen from dave (on the surfaces
      // that name no organization) it is alice's.
      for (const p of ['owner', 'member', 'no_capability'] as const) comparisons.push([p, transport, 'other_org']);
      if (transport === 'node' || transport === 'groove') comparisons.push(['other_org', transport, 'own']);
    }
    for (const [principal, transport, foreign] of comparisons) {
      it(`${op.name} by ${principal} via ${transport}`, async () => {
        const bodies = [];
        for (const object of [foreign, 'nonexistent'] as const) {
          const { app, close } = await cloneApp(template);
          try {
            const [outcome] = await run(app, { principal, operation: op.name, object, transport, expect: unchecked });
            bodies.push([outcome!.status, normalise(outcome!.result.text, template.objects[op.target!][object])]);
          } finally {
            await close();
          }
        }
        expect(bodies[0]).toEqual(bodies[1]);
      });
    }
  }

  it('a revoked, an unknown and a malformed share token get the same answer', async () => {
    for (const op of operations.filter((o) => o.target === 'token')) {
      for (const transport of ['rest', 'graphql'] as const) {
        const texts = [];
        for (const token of [template.objects.token.deleted, template.objects.token.nonexistent, 'not-a-token']) {
          const { app, close } = await cloneApp(template);
          try {
            const opWithToken: Operation = {
              ...op,
              graphql: { ...op.graphql, args: () => `token: ${JSON.stringify(token)}` },
            };
            const res =
              transport === 'rest'
                ? await rest(app, op.rest!.method, op.rest!.path('', token, template.own.owner), {
                    key: template.keys.owner,
                  })
                : await gql(
                    app,
                    graphqlDocument(opWithToken, '', token, template.own.owner, false),
                    {},
                    template.keys.owner,
                  );
            texts.push([res.status, normalise(res.text, token)]);
          } finally {
            await close();
          }
        }
        expect(texts[1], `${op.name} via ${transport}`).toEqual(texts[0]);
        expect(texts[2], `${op.name} via ${transport}`).toEqual(texts[0]);
      }
    }
  });
});

describe.skipIf(notSqlite)('the matrix covers the whole surface', () => {
  it('every principal, object and transport', () => {
    expect(new Set(all.map((c) => c.principal))).toEqual(new Set(principals));
    expect(new Set(all.filter((c) => c.object).map((c) => c.object))).toEqual(new Set(objects));
    expect(new Set(all.map((c) => c.transport))).toEqual(new Set(transports));
  });

  it('every GraphQL root field', () => {
    const schema = getSchema();
    const fields = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
      Object.keys(type?.getFields() ?? {}),
    );
    const covered = new Set(operations.map((o) => o.graphql.field));
    if (operations.some((o) => o.node)) covered.add('node');
    expect(fields.filter((f) => !covered.has(f))).toEqual([]);
    expect([...covered].filter((f) => !fields.includes(f))).toEqual([]);
  });

  it('every REST route, as the handler matches them', () => {
    const compiled = routes.map((route) => ({
      route: `${route.method} ${route.path}`,
      method: route.method,
      pattern: new RegExp(`^${route.path.replace(/:[a-z_]+/g, '[^/]+')}/?$`),
    }));
    const sample = {
      ownCollection: 'mcoll_sample',
      ownTrack: 'mtrack_sample',
      emptyCollection: 'mcoll_empty',
      spareTrack: 'mtrack_spare',
    };
    const covered = new Set<string>();
    for (const op of operations.filter((o) => o.rest)) {
      const id = { collection: 'mcoll_x', track: 'mtrack_x', share: 'mslink_x', token: 'shr_x' }[op.target ?? 'track'];
      const path = op.rest!.path('org_a', id, sample).split('?')[0]!;
      const match = compiled.find((c) => c.method === op.rest!.method && c.pattern.test(path));
      expect(match, `${op.name}: ${op.rest!.method} ${path}`).toBeDefined();
      covered.add(match!.route);
    }
    expect(compiled.map((c) => c.route).filter((r) => !covered.has(r))).toEqual([]);
  });

  it('every Groove endpoint the shim answers', async () => {
    // Groove's collection and playlist family (shared/reference/groove.md). An endpoint the shim
    // starts answering stops being ENDPOINT_NOT_FOUND here and must then join the matrix.
    const family = [
      ['POST', '/1/content/music/collection/add'],
      ['POST', '/1/content/music/collection/delete'],
      ['POST', '/1/content/music/collection/playlists/create'],
      ['POST', '/1/content/music/collection/playlists/update'],
      ['POST', '/1/content/music/collection/playlists/delete'],
      ...['albums', 'artists', 'playlists', 'playlistsforyou', 'tracks'].map((t) => [
        'GET',
        `/1/content/music/collection/${t}/browse`,
      ]),
      ['GET', '/1/content/music.AQQf/collection/browse'],
      // §2.7's sub-item browse of a collection playlist, album and artist.
      ...['playlist', 'album', 'artist'].map((t) => ['GET', `/1/content/{playlist}/collection/${t}/tracks/browse`]),
      ['GET', '/1/user/music/profile'],
    ] as const;
    const { app, close } = await cloneApp(template);
    try {
      const answered = [];
      for (const [method, path] of family) {
        const sent = path.replace('{playlist}', `music.playlist.${template.own.owner.ownCollection}`);
        const res = await rest(app, method, sent, {
          key: template.keys.owner,
          body: method === 'POST' ? { TrackIds: [] } : undefined,
        });
        if (res.body?.Error?.ErrorCode !== 'ENDPOINT_NOT_FOUND') answered.push(`${method} ${path}`);
      }
      expect(answered.sort()).toEqual(
        [...new Set(operations.flatMap((o) => (o.groove ? [o.groove.endpoint] : [])))].sort(),
      );
    } finally {
      await close();
    }
  });
});
