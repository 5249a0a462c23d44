import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLimitServer } from '../bench/limit/server.js';
import { limitNested, operations, type HttpCall } from '../bench/ops.js';
import { PgDatabases } from '../bench/postgres.js';
import { seedTemplate, type World } from '../bench/seed.js';
import { createApp, type App } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import { backend } from './helpers.js';

// The benchmark's limit servers are only a fair yardstick if they answer what the product answers:
// for each benchmarked operation, the same status and the same body (new ids and times aside). The
// SQLite limit runs against the product on a SQLite file; the PostgreSQL limit against the product
// on a PostgreSQL database when the suite runs on a server (a copy of the same seeded rows, as the
// benchmark makes it, bench/postgres.ts).

let dir: string;
let world: World;
let app: App;
let limit: Awaited<ReturnType<typeof startLimitServer>>;
let pg: PgDatabases | undefined;

// PGlite runs in-process only; the PostgreSQL limit needs a server.
const skipped = backend === 'pglite';

beforeAll(async () => {
  if (skipped) return;
  dir = mkdtempSync(join(tmpdir(), 'music-bench-parity-'));
  const path = join(dir, 'bench.db');
  world = await seedTemplate(path, { pool: 10 });
  let url = path;
  if (backend === 'postgres') {
    ({ databases: pg } = await PgDatabases.create(process.env.TEST_DATABASE!, path));
    url = await pg.fresh();
  }
  app = createApp({ database: await openDatabase(url) });
  limit = await startLimitServer(url);
}, 120_000);

afterAll(async () => {
  await limit?.close();
  await app?.close();
  await pg?.dropAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const normalise = (value: unknown): unknown => {
  if (typeof value === 'string') {
    if (/^(mcoll|mtrack|req)_[0-9a-f]{20}$/.test(value)) return '<new id>';
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(value)) return '<time>';
    return value;
  }
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  return value;
};

async function product(call: HttpCall) {
  const response = await app.fetch(
    new Request(`http://bench${call.path}`, { method: call.method, headers: call.headers, body: call.body }),
  );
  return {
    status: response.status,
    etag: response.headers.get('etag'),
    body: JSON.parse(await response.text()) as unknown,
  };
}

async function limitAnswer(call: HttpCall) {
  const response = await fetch(`http://127.0.0.1:${limit.port}${call.path}`, {
    method: call.method,
    headers: call.headers,
    body: call.body,
  });
  return {
    status: response.status,
    etag: response.headers.get('etag'),
    body: JSON.parse(await response.text()) as unknown,
  };
}

describe.skipIf(skipped)(`the benchmark's ${backend} limit answers as the product does`, () => {
  for (const op of operations) {
    it(op.name, async () => {
      // Writes act on different items (one each) so both succeed; reads read the same item.
      const ours = op.rest(world, 0);
      const theirs = op.rest(world, op.consumes || op.name === 'addTrackToCollection' ? 1 : 0);
      const a = await product(ours.call);
      const b = await limitAnswer(theirs.call);
      expect(ours.check(a.status, JSON.stringify(a.body))).toBeNull();
      expect(theirs.check(b.status, JSON.stringify(b.body))).toBeNull();
      expect(b.status).toBe(a.status);
      expect(b.etag === null).toBe(a.etag === null);
      const body = (x: unknown) =>
        normalise(op.consumes || op.name === 'addTrackToCollection' ? { ...(x as object), id: '<item>' } : x);
      expect(body(b.body)).toEqual(body(a.body));
    });
  }

  it('nested collections page, against the GraphQL answer', async () => {
    const list = operations.find((o) => o.name === 'listCollections')!;
    const a = await product(list.graphql(world, 0).call);
    const b = await limitAnswer(limitNested(world).call);
    expect(b.status).toBe(200);
    // The product also reports the operation's cost, which the limit server does not compute.
    const { extensions, ...answer } = a.body as { extensions: { cost: unknown } };
    expect(extensions.cost).toBeDefined();
    expect(b.body).toEqual(answer);
  });

  it('refuses an unknown key and another organization like the product', async () => {
    const get = operations.find((o) => o.name === 'getCollection')!.rest(world, 0).call;
    for (const call of [
      { ...get, headers: { 'x-api-key': 'mgk_unknown' } },
      { ...get, path: get.path.replace(world.org, 'org_other') },
    ]) {
      const a = await product(call);
      const b = await limitAnswer(call);
      expect(b.status).toBe(a.status);
      expect((b.body as { error: { code: string } }).error.code).toBe(
        (a.body as { error: { code: string } }).error.code,
      );
    }
  });
});
